package zoho

import (
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	zohosim "github.com/gohavi/gohavi/internal/sim/zoho"
)

func TestWatchRoundTrip(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	rc := newReceiver(t)
	now := e.clock.Now() // the simulator's clock decides what "a week" is
	spec := WatchSpec{ChannelID: 1000000068001, Events: []string{"Deals.edit"}, NotifyURL: rc.srv.URL + "/webhooks/zoho?tenant=t_1",
		Token: "secret-token", Expiry: now.Add(3 * 24 * time.Hour)}
	until, err := c.Watch(ctx, spec)
	if err != nil || !until.Equal(spec.Expiry) {
		t.Fatalf("watch: %v %v", until, err)
	}
	// More than a week is not refused: Zoho grants one hour instead.
	long := spec
	long.ChannelID, long.Expiry = 2, now.Add(8*24*time.Hour)
	if until, err := c.Watch(ctx, long); err != nil || !until.Equal(now.Add(time.Hour)) {
		t.Fatalf("8 days: %v %v", until, err)
	}
	spec.Expiry = now.Add(6 * 24 * time.Hour)
	if until, err = c.RenewWatch(ctx, spec); err != nil || !until.Equal(spec.Expiry) {
		t.Fatalf("renew: %v %v", until, err)
	}
	ws, err := c.Watches(ctx)
	if err != nil || len(ws) != 2 {
		t.Fatalf("watches: %+v %v", ws, err)
	}
	w := ws[1]
	if w.ChannelID != spec.ChannelID || w.Token != "secret-token" || w.NotifyURL != spec.NotifyURL || !w.Expiry.Equal(spec.Expiry) ||
		len(w.Events) != 1 || w.Events[0] != "Deals.edit" {
		t.Fatalf("watch listed as %+v", w)
	}

	if err := c.Unwatch(ctx, 2); err != nil {
		t.Fatal(err)
	}
	// A stage change reaches the notify URL and parses.
	deal := e.sim.CreateDeal("D", "Qualification", "", "", nil)
	if err := e.sim.MoveDeal(deal, "Closed Won", 1); err != nil {
		t.Fatal(err)
	}
	n, err := ParseNotification(rc.next(t))
	if err != nil {
		t.Fatal(err)
	}
	if n.ChannelID != "1000000068001" || n.Token != "secret-token" || n.Module != "Deals" || len(n.IDs) != 1 || n.IDs[0] != deal ||
		n.QueryParams["tenant"] != "t_1" || n.ServerTime != now.UnixMilli() || n.Operation != "update" {
		t.Fatalf("notification %+v", n)
	}

	if err := c.Unwatch(ctx, spec.ChannelID); err != nil {
		t.Fatal(err)
	}
	if err := c.Unwatch(ctx, spec.ChannelID); err != nil {
		t.Fatalf("unwatch twice: %v", err)
	}
	if ws, err := c.Watches(ctx); err != nil || len(ws) != 0 {
		t.Fatalf("after unwatch: %+v %v", ws, err)
	}
	// Renewing a channel that is gone says so; the engine then re-enables it.
	_, err = c.RenewWatch(ctx, spec)
	kindOf(t, err, crm.KindNotFound)
	spec.Token = "this-token-is-far-too-long-for-zoho-which-allows-fifty"
	_, err = c.Watch(ctx, spec)
	kindOf(t, err, crm.KindInvalid)
}

func TestParseNotification(t *testing.T) {
	numeric := `{"server_time":1718117126473,"query_params":{"tenant":"t_123"},"module":"Deals",
		"resource_uri":"https://www.zohoapis.com/crm/v2/Deals","ids":["5725767000003000099","5725767000003000100"],
		"affected_fields":[{"5725767000003000099":["Stage"]}],"operation":"update","channel_id":1000000068001,"token":"tok"}`
	n, err := ParseNotification([]byte(numeric))
	if err != nil {
		t.Fatal(err)
	}
	if n.ChannelID != "1000000068001" || n.ServerTime != 1718117126473 || n.QueryParams["tenant"] != "t_123" || len(n.IDs) != 2 || n.Token != "tok" {
		t.Fatalf("numeric: %+v", n)
	}
	keys := n.DedupeKeys()
	if len(keys) != 2 || keys[0] != "1000000068001|Deals|5725767000003000099|1718117126473" {
		t.Fatalf("keys %v", keys)
	}
	str := `{"server_time":1718117126473,"query_params":{},"module":"Deals","ids":["1"],"operation":"edit","channel_id":"1000000068001","token":"tok"}`
	n2, err := ParseNotification([]byte(str))
	if err != nil || n2.ChannelID != "1000000068001" || n2.Operation != "edit" {
		t.Fatalf("string: %+v %v", n2, err)
	}
	for _, bad := range []string{`not json`, `{"module":"Deals","ids":["1"]}`, `{"channel_id":true,"module":"Deals"}`} {
		if _, err := ParseNotification([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}

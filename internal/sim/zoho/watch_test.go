package zoho

import (
	"strings"
	"testing"
	"time"
)

func watchBody(id any, url string, extra map[string]any) map[string]any {
	w := map[string]any{"channel_id": id, "events": []string{"Deals.edit"}, "notify_url": url, "token": "tok-123"}
	for k, v := range extra {
		w[k] = v
	}
	return map[string]any{"watch": []any{w}}
}

func eventExpiry(t *testing.T, a answer) time.Time {
	t.Helper()
	evs, _ := a.details(0)["events"].([]any)
	if len(evs) == 0 {
		t.Fatalf("no events in %d %s", a.status, a.raw)
	}
	ts, err := time.Parse(time.RFC3339, evs[0].(map[string]any)["channel_expiry"].(string))
	if err != nil {
		t.Fatal(err)
	}
	return ts
}

func TestWatchExpiryRules(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	now := e.clock.Now()
	a := e.call(tok, "POST", "/crm/v7/actions/watch", watchBody(1000000068001, "https://hooks.example.com/z?tenant=t_1", nil))
	ev := a.details(0)["events"].([]any)[0].(map[string]any)
	if a.status != 201 || a.item(0)["code"] != "SUCCESS" || ev["channel_id"] != "1000000068001" || ev["resource_name"] != "Deals" ||
		!strings.HasSuffix(ev["resource_uri"].(string), "/crm/v2/Deals") {
		t.Fatalf("enable: %d %s", a.status, a.raw)
	}
	if got := eventExpiry(t, a); !got.Equal(now.Add(time.Hour)) {
		t.Fatalf("default expiry %v, want now+1h", got)
	}
	three := now.Add(72 * time.Hour)
	a = e.call(tok, "POST", "/crm/v7/actions/watch", watchBody("2", "https://hooks.example.com/z", map[string]any{"channel_expiry": three.Format(time.RFC3339)}))
	if got := eventExpiry(t, a); !got.Equal(three) {
		t.Fatalf("3-day expiry became %v", got)
	}
	a = e.call(tok, "POST", "/crm/v7/actions/watch", watchBody(3, "https://hooks.example.com/z", map[string]any{"channel_expiry": now.Add(8 * 24 * time.Hour).Format(time.RFC3339)}))
	if got := eventExpiry(t, a); !got.Equal(now.Add(time.Hour)) {
		t.Fatalf("8-day expiry became %v, want the 1 h default", got)
	}
	for name, extra := range map[string]map[string]any{
		"past":       {"channel_expiry": now.Add(-time.Minute).Format(time.RFC3339)},
		"long token": {"token": strings.Repeat("x", 51)},
	} {
		if a := e.call(tok, "POST", "/crm/v7/actions/watch", watchBody(4, "https://h.example.com", extra)); a.status != 400 || a.item(0)["code"] != "INVALID_DATA" {
			t.Errorf("%s: %d %s", name, a.status, a.raw)
		}
	}
	if a := e.call(tok, "POST", "/crm/v7/actions/watch", map[string]any{"watch": []any{map[string]any{"channel_id": 5, "notify_url": "https://h"}}}); a.item(0)["code"] != "MANDATORY_NOT_FOUND" {
		t.Errorf("no events: %s", a.raw)
	}
	// GET lists active channels; PATCH renews; DELETE disables.
	g := e.call(tok, "GET", "/crm/v7/actions/watch", nil)
	if g.status != 200 || len(g.body["watch"].([]any)) != 3 || g.item(0)["token"] != "tok-123" || g.item(0)["channel_id"] != "2" {
		t.Fatalf("list: %d %s", g.status, g.raw)
	}
	p := e.call(tok, "PATCH", "/crm/v7/actions/watch", watchBody(1000000068001, "https://hooks.example.com/z?tenant=t_1",
		map[string]any{"channel_expiry": now.Add(6 * 24 * time.Hour).Format(time.RFC3339)}))
	if p.status != 200 || !eventExpiry(t, p).Equal(now.Add(6*24*time.Hour)) || p.item(0)["message"] != "Successfully updated the subscribe details" {
		t.Fatalf("patch: %d %s", p.status, p.raw)
	}
	if p := e.call(tok, "PATCH", "/crm/v7/actions/watch", watchBody(99, "https://h.example.com", nil)); p.status != 400 || p.item(0)["code"] != "NOT_SUBSCRIBED" {
		t.Fatalf("patch unknown: %d %s", p.status, p.raw)
	}
	d := e.call(tok, "DELETE", "/crm/v7/actions/watch?channel_ids=2,3", nil)
	if d.status != 200 || d.item(1)["message"] != "Successfully un-subscribed from actions-watch" {
		t.Fatalf("delete: %d %s", d.status, d.raw)
	}
	if d := e.call(tok, "DELETE", "/crm/v7/actions/watch?channel_ids=2", nil); d.status != 400 || d.item(0)["code"] != "NOT_SUBSCRIBED" {
		t.Fatalf("delete again: %d %s", d.status, d.raw)
	}
	e.clock.Advance(7 * 24 * time.Hour)
	tok = e.token()
	if g := e.call(tok, "GET", "/crm/v7/actions/watch", nil); g.status != 204 {
		t.Fatalf("all expired: %d %s", g.status, g.raw)
	}
	if len(e.sim.Channels()) != 1 {
		t.Fatalf("Channels keeps expired ones: %+v", e.sim.Channels())
	}
}

func TestMoveDealNotifiesWithTokenAndQueryParams(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	rc := newReceiver(t)
	a := e.call(tok, "POST", "/crm/v7/actions/watch", watchBody(1000000068001, rc.srv.URL+"/zoho?tenant=t_123",
		map[string]any{"return_affected_field_values": true}))
	if a.status != 201 {
		t.Fatalf("watch: %d %s", a.status, a.raw)
	}
	deal := e.sim.CreateDeal("Plan X", "Qualification", "", "", nil)
	if err := e.sim.MoveDeal(deal, "Negotiation/Review", 3); err != nil {
		t.Fatal(err)
	}
	got := rc.wait(t, 3)
	b := got[0]
	qp, _ := b["query_params"].(map[string]any)
	ids, _ := b["ids"].([]any)
	if b["token"] != "tok-123" || qp["tenant"] != "t_123" || b["channel_id"] != "1000000068001" || b["module"] != "Deals" ||
		b["operation"] != "update" || len(ids) != 1 || ids[0] != deal || b["server_time"] == nil || b["affected_values"] == nil {
		t.Fatalf("callback: %v", b)
	}
	for _, c := range got[1:] {
		if c["server_time"] != b["server_time"] {
			t.Fatalf("copies differ: %v vs %v", c, b)
		}
	}
	if g := e.call(tok, "GET", "/crm/v7/Deals/"+deal, nil); g.item(0)["Stage"] != "Negotiation/Review" {
		t.Fatalf("stage not changed: %s", g.raw)
	}
	// An API write that changes a deal notifies too, once.
	e.call(tok, "PUT", "/crm/v7/Deals/"+deal, data(map[string]any{"Stage": "Closed Won"}))
	rc.wait(t, 4)

	// After expiry the channel goes quiet.
	e.clock.Advance(time.Hour)
	if err := e.sim.MoveDeal(deal, "Closed Lost", 1); err != nil {
		t.Fatal(err)
	}
	time.Sleep(200 * time.Millisecond)
	if n := rc.count(); n != 4 {
		t.Fatalf("expired channel notified: %d callbacks", n)
	}
	if err := e.sim.MoveDeal("nope", "Closed Lost", 1); err == nil {
		t.Fatal("unknown deal moved")
	}
}

func TestCallbackRetriesAndConditions(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	rc := newReceiver(t)
	rc.status = func(n int) int {
		if n == 0 {
			return 500
		}
		return 200
	}
	e.call(tok, "POST", "/crm/v7/actions/watch", watchBody(7, rc.srv.URL, nil))
	// A channel that only cares about Amount must not hear about Stage.
	cond := []any{map[string]any{"type": "field_selection", "module": map[string]any{"api_name": "Deals"},
		"field_selection": map[string]any{"group_operator": "or", "group": []any{map[string]any{"field": map[string]any{"api_name": "Amount"}}}}}}
	other := newReceiver(t)
	if a := e.call(tok, "POST", "/crm/v7/actions/watch", watchBody(8, other.srv.URL, map[string]any{"notification_condition": cond})); a.status != 201 {
		t.Fatalf("condition: %d %s", a.status, a.raw)
	}
	deal := e.sim.CreateDeal("D", "Qualification", "", "", nil)
	_ = e.sim.MoveDeal(deal, "Closed Won", 1)
	rc.wait(t, 2) // the 500, then the retry
	time.Sleep(100 * time.Millisecond)
	if other.count() != 0 {
		t.Fatalf("condition on Amount notified a Stage change")
	}
	if st := e.sim.Stats(); st.CallbacksOK != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

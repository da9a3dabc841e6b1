package crmsync_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/crmsync"
	"github.com/gohavi/gohavi/internal/domain"
	simzoho "github.com/gohavi/gohavi/internal/sim/zoho"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func zohoRecordsWith(e *env, module, phone string) []simzoho.Record {
	var out []simzoho.Record
	for _, r := range e.zo.Records(module) {
		for _, f := range []string{"Phone", "Mobile", "WhatsApp_Number"} {
			if v, _ := r.Fields[f].(string); v == phone {
				out = append(out, r)
				break
			}
		}
	}
	return out
}

func noteContents(ns []simzoho.Record) []string {
	out := make([]string, len(ns))
	for i, n := range ns {
		out[i], _ = n.Fields["Note_Content"].(string)
	}
	return out
}

// Zoho: connecting through a grant code finds the data centre's API domain
// and sets up deal notifications; five messages at once make one lead (in
// the Leads module, as configured), all five on its notes, in order.
func TestZohoLeadAndTimeline(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		e.connectZoho(t)
		if _, err := e.eng.SaveSettings(ctx, e.ws.ID, "zoho", crmsync.Settings{CreateLeads: true, LogMessages: true, LeadModule: "Leads",
			Fields: map[string]string{"Description": "WhatsApp opt-in: {{contact.opt_in}}"}}); err != nil {
			t.Fatal(err)
		}
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Add(1)
			go func() { defer wg.Done(); e.store(t, "4915112345678", "Jonas Weber", fmt.Sprintf("hallo %d", i)) }()
		}
		wg.Wait()
		e.apply(t)
		e.sync(t)

		leads := zohoRecordsWith(e, "Leads", "+4915112345678")
		if len(leads) != 1 {
			t.Fatalf("%d leads for one customer", len(leads))
		}
		if n := len(zohoRecordsWith(e, "Contacts", "+4915112345678")); n != 0 {
			t.Fatalf("%d contacts, want the lead only", n)
		}
		if leads[0].Fields["Last_Name"] != "Weber" || leads[0].Fields["Description"] != "WhatsApp opt-in: true" {
			t.Fatalf("lead fields: %+v", leads[0].Fields)
		}
		notes := noteContents(e.zo.Notes(leads[0].ID))
		if len(notes) != 5 {
			t.Fatalf("%d notes for 5 messages: %q", len(notes), notes)
		}
		c := e.conn(t, "zoho")
		if c.WatchChannelID == 0 || domain.FromMillis(c.WatchExpiresAt).Sub(clock.Now()) < 6*24*time.Hour {
			t.Fatalf("notification channel: %d until %v", c.WatchChannelID, domain.FromMillis(c.WatchExpiresAt))
		}

		// A crash after Zoho stored notes but before GoHavi recorded them:
		// Zoho notes have no idempotent write, so GoHavi looks first.
		if _, err := db.W.ExecContext(ctx, `UPDATE crm_timeline SET state = 'pending', crm_entry_id = '' WHERE connection_id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		e.sync(t)
		if notes := e.zo.Notes(leads[0].ID); len(notes) != 5 {
			t.Fatalf("%d notes after a replay, want 5", len(notes))
		}

		// The channel is renewed a day before it expires.
		clock.Advance(6*24*time.Hour + time.Hour)
		e.sync(t)
		if c2 := e.conn(t, "zoho"); c2.WatchExpiresAt <= c.WatchExpiresAt {
			t.Fatal("the notification channel was not renewed before expiring")
		}
	})
}

// A deal moved to the stage in Zoho (its notification delivered three
// times) sends the template once; the channel's token is checked.
func TestZohoDealStageSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		e.connectZoho(t)
		e.sync(t) // sets up the notification channel
		if _, err := e.eng.AddRule(ctx, e.ws.ID, "zoho", crmsync.Rule{StageID: "Needs Analysis",
			Template: crmsync.RuleTmpl{Name: templateName, Language: "en_US", Parameters: []string{"{{contact.First_Name}}", "{{deal.Deal_Name}}"}}}); err != nil {
			t.Fatal(err)
		}
		contact := e.zo.CreateRecord("Contacts", map[string]any{"First_Name": "Ana", "Last_Name": "Silva", "Phone": "+5511999990000"})
		e.optIn(t, "5511999990000")
		deal := e.zo.CreateDeal("Plan X", "Qualification", "Standard (Standard)", contact, nil)
		if err := e.zo.MoveDeal(deal, "Needs Analysis", 3); err != nil {
			t.Fatal(err)
		}
		await(t, "three notifications", func() bool { return e.zo.Stats().CallbacksOK >= 3 })
		e.sync(t)
		if n := e.templatesTo(t, "5511999990000"); n != 1 {
			t.Fatalf("%d templates for one transition notified three times", n)
		}
		var body []byte
		if err := db.R.QueryRowContext(ctx, `SELECT payload FROM messages WHERE type = 'template'`).Scan(&body); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(body), `"Ana"`) || !strings.Contains(string(body), `"Plan X"`) {
			t.Fatalf("parameters from the contact and the deal: %s", body)
		}
		notes := noteContents(e.zo.Notes(contact))
		if len(notes) != 1 || !strings.Contains(notes[0], "Outbound WhatsApp to +5511999990000") {
			t.Fatalf("contact notes: %q", notes)
		}
	})
}

// A revoked grant breaks the connection with its reason; work waits and
// goes out once the admin reconnects. Tokens are refreshed before expiry.
func TestZohoTokensRefreshAndBrokenConnection(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connectZoho(t)
		e.inbound(t, "4915112345678", "Jonas", "one")
		e.sync(t)
		clock.Advance(2 * time.Hour) // the access token expired an hour ago
		e.inbound(t, "4915112345678", "Jonas", "two")
		e.sync(t)
		leads := zohoRecordsWith(e, "Contacts", "+4915112345678")
		if len(leads) != 1 || len(e.zo.Notes(leads[0].ID)) != 2 {
			t.Fatalf("after a refresh: %d contacts", len(leads))
		}

		e.zo.RevokeRefreshTokens()
		e.zo.ExpireTokens()
		clock.Advance(2 * time.Hour)
		e.inbound(t, "4915112345678", "Jonas", "three")
		e.sync(t)
		c := e.conn(t, "zoho")
		if c.Status != store.CRMBroken || !strings.Contains(c.StatusReason, "Reconnect") {
			t.Fatalf("revoked grant: %+v", c)
		}
		q, _ := db.CRMQueueCounts(context.Background(), c.ID)
		if q.Timeline != 1 {
			t.Fatalf("the waiting entry: %+v", q)
		}
		e.connectZoho(t)
		e.sync(t)
		if n := len(e.zo.Notes(leads[0].ID)); n != 3 {
			t.Fatalf("%d notes after reconnecting, want 3", n)
		}
	})
}

// Fifty messages each way land in Zoho as notes in order, once each, and
// an outage (503, then 429) loses and doubles nothing.
func TestZohoTimelineThroughOutage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connectZoho(t)
		e.sync(t)
		for i := range 50 {
			clock.Advance(time.Second)
			if i == 20 {
				e.sync(t) // part of it goes before the outage
				e.zo.SetFault(simzoho.Fault{Status: 503})
			}
			if i%2 == 0 {
				e.inbound(t, "4915112345678", "Jonas Weber", fmt.Sprintf("m%02d", i))
			} else {
				e.reply(t, "4915112345678", fmt.Sprintf("m%02d", i))
			}
		}
		for range 3 {
			e.sync(t)
			clock.Advance(time.Minute)
		}
		e.zo.SetFault(simzoho.Fault{Status: 429})
		for range 3 {
			e.sync(t)
			clock.Advance(time.Minute)
		}
		if c := e.conn(t, "zoho"); c.Failures == 0 || c.Status != store.CRMActive {
			t.Fatalf("during the outage: %+v", c)
		}
		e.zo.SetFault(simzoho.Fault{})
		clock.Advance(6 * time.Minute)
		e.sync(t)
		cs := zohoRecordsWith(e, "Contacts", "+4915112345678")
		if len(cs) != 1 {
			t.Fatalf("%d contacts", len(cs))
		}
		notes := noteContents(e.zo.Notes(cs[0].ID))
		if len(notes) != 50 {
			t.Fatalf("%d notes for 50 messages", len(notes))
		}
		for i, n := range notes {
			if !strings.Contains(n, fmt.Sprintf("m%02d", i)) {
				t.Fatalf("note %d is %q: out of order", i, n)
			}
		}
		if l := e.log(t, "zoho"); !hasLog(l, "connection", "retrying") || !hasLog(l, "connection", "ok") {
			t.Fatalf("log: %+v", l)
		}
	})
}

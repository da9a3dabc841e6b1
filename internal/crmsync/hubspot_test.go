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
	simhubspot "github.com/gohavi/gohavi/internal/sim/hubspot"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func hubspotContactsWith(e *env, phone string) []simhubspot.Object {
	var out []simhubspot.Object
	for _, c := range e.hs.Contacts() {
		p := c.Properties
		if p["phone"] == phone || p["mobilephone"] == phone || p["gohavi_wa_phone"] == phone {
			out = append(out, c)
		}
	}
	return out
}

func entryBodies(es []simhubspot.Entry) []string {
	out := make([]string, len(es))
	for i, en := range es {
		out[i] = en.Properties["hs_communication_body"] + en.Properties["hs_note_body"]
	}
	return out
}

// A new customer's first messages, five at once while HubSpot's search lags
// (the fake clock never lets a new contact become searchable), processed by
// two nodes at the same time: exactly one contact, with the name and the
// opt-in, and every message on its timeline once, in order.
func TestHubSpotLeadIsCreatedOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connectHubSpot(t)
		var wg sync.WaitGroup
		for i := range 5 {
			wg.Add(1)
			go func() { defer wg.Done(); e.store(t, "5511999990000", "Ana Silva", fmt.Sprintf("hello %d", i)) }()
		}
		wg.Wait()
		e.apply(t)

		other := &crmsync.Engine{DB: db, Box: e.eng.Box, Clock: clock, Log: quiet, Send: e.svc, Node: "node-b", Cfg: e.eng.Cfg}
		var nodes sync.WaitGroup
		for _, eng := range []*crmsync.Engine{e.eng, other} {
			nodes.Add(1)
			go func() {
				defer nodes.Done()
				for range 5 {
					eng.Pass(context.Background())
				}
			}()
		}
		nodes.Wait()
		e.sync(t)

		cs := hubspotContactsWith(e, "+5511999990000")
		if len(cs) != 1 {
			t.Fatalf("%d HubSpot contacts for one customer: %+v", len(cs), cs)
		}
		p := cs[0].Properties
		if p["firstname"] != "Ana" || p["lastname"] != "Silva" || p["gohavi_whatsapp_opt_in"] != "true" {
			t.Fatalf("contact properties: %+v", p)
		}
		bodies := entryBodies(e.hs.Timeline(cs[0].ID))
		if len(bodies) != 5 {
			t.Fatalf("%d timeline entries for 5 messages: %q", len(bodies), bodies)
		}
		seen := map[string]bool{}
		for _, b := range bodies {
			if !strings.Contains(b, "Inbound WhatsApp from +5511999990000") || seen[b] {
				t.Fatalf("entries: %q", bodies)
			}
			seen[b] = true
		}

		// A customer the CRM already knows is linked, not duplicated; the
		// search lag has passed for a contact created long ago.
		old := e.hs.CreateContact(map[string]string{"firstname": "Bea", "phone": "+447700900123"})
		clock.Advance(time.Minute)
		e.inbound(t, "447700900123", "Bea", "hi")
		e.sync(t)
		if cs := hubspotContactsWith(e, "+447700900123"); len(cs) != 1 || cs[0].ID != old {
			t.Fatalf("existing contact: %+v (want %s only)", cs, old)
		}
		recs, _ := db.CRMRecordsForPhone(context.Background(), e.ws.ID, "+447700900123")
		if len(recs) != 1 || recs[0].CRMID != old || !strings.Contains(recs[0].URL, old) {
			t.Fatalf("inbox link: %+v", recs)
		}
	})
}

// Moving a deal into the rule's stage sends the template once, even when
// HubSpot delivers the webhook three times; a second real transition into
// the stage sends again; a contact without consent is refused, and the
// refusal is on their CRM timeline and in GoHavi's log.
func TestHubSpotDealStageSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		e.connectHubSpot(t)
		if _, err := e.eng.AddRule(ctx, e.ws.ID, "hubspot", crmsync.Rule{PipelineID: "default", StageID: "qualifiedtobuy",
			Template: crmsync.RuleTmpl{Name: templateName, Language: "en_US", Parameters: []string{"{{contact.firstname|there}}", "{{deal.dealname}}"}}}); err != nil {
			t.Fatal(err)
		}
		ana := e.hs.CreateContact(map[string]string{"firstname": "Ana", "phone": "+5511999990000"})
		bo := e.hs.CreateContact(map[string]string{"firstname": "Bo", "phone": "+5511988880000"})
		e.optIn(t, "5511999990000")
		deal := e.hs.CreateDeal("Plan X", "default", "appointmentscheduled", nil, ana, bo)

		if err := e.hs.MoveDeal(deal, "qualifiedtobuy", simhubspot.Delivery{Copies: 3}); err != nil {
			t.Fatal(err)
		}
		await(t, "three webhook deliveries", func() bool { return e.hs.Stats().WebhooksDelivered >= 3 })
		e.sync(t)
		if n := e.templatesTo(t, "5511999990000"); n != 1 {
			t.Fatalf("%d templates sent for one transition delivered three times", n)
		}
		if n := e.templatesTo(t, "5511988880000"); n != 0 {
			t.Fatalf("a contact without consent got %d templates", n)
		}
		c := e.conn(t, "hubspot")
		sends, _ := db.CRMSendsForDeal(ctx, c.ID, deal)
		if len(sends) != 2 {
			t.Fatalf("sends: %+v", sends)
		}
		var refused store.CRMSend
		for _, s := range sends {
			if s.Status == "refused" {
				refused = s
			}
		}
		if refused.ContactCRMID != bo || !strings.Contains(refused.Error, string(domain.CodeNotOptedIn)) {
			t.Fatalf("refusal: %+v", sends)
		}
		if bodies := entryBodies(e.hs.Timeline(bo)); len(bodies) != 1 || !strings.Contains(bodies[0], "did not send the WhatsApp template quote_ready") {
			t.Fatalf("Bo's timeline: %q", bodies)
		}
		if !hasLog(e.log(t, "hubspot"), "send", "refused") {
			t.Fatal("the refusal is not in the sync log")
		}
		// The template itself lands on Ana's timeline.
		if bodies := entryBodies(e.hs.Timeline(ana)); len(bodies) != 1 || !strings.Contains(bodies[0], "Outbound WhatsApp to +5511999990000") {
			t.Fatalf("Ana's timeline: %q", bodies)
		}

		// Out and back in: a second real transition, a second send.
		clock.Advance(time.Minute) // occurredAt is part of HubSpot's dedupe key
		before := e.hs.Stats().WebhooksDelivered
		_ = e.hs.MoveDeal(deal, "presentationscheduled", simhubspot.Delivery{})
		await(t, "the next webhook", func() bool { return e.hs.Stats().WebhooksDelivered > before })
		e.sync(t)
		clock.Advance(time.Minute)
		before = e.hs.Stats().WebhooksDelivered
		_ = e.hs.MoveDeal(deal, "qualifiedtobuy", simhubspot.Delivery{})
		await(t, "the next webhook", func() bool { return e.hs.Stats().WebhooksDelivered > before })
		e.sync(t)
		if n := e.templatesTo(t, "5511999990000"); n != 2 {
			t.Fatalf("%d templates after entering the stage twice, want 2", n)
		}
	})
}

func hasLog(l []store.CRMLogEntry, kind, status string) bool {
	for _, e := range l {
		if e.Kind == kind && e.Status == status {
			return true
		}
	}
	return false
}

// Fifty messages each way land on the timeline in order, once each, also
// when a crash made GoHavi unsure whether a batch was written; an outbound
// message's entry ends with its final status.
func TestHubSpotTimelineInOrderOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		e := newEnv(t, db, clock)
		e.connectHubSpot(t)
		var last domain.Message
		for i := range 50 {
			clock.Advance(time.Second)
			if i%2 == 0 {
				e.inbound(t, "5511999990000", "Ana", fmt.Sprintf("m%02d", i))
			} else {
				last = e.reply(t, "5511999990000", fmt.Sprintf("m%02d", i))
			}
		}
		e.sync(t)
		cs := hubspotContactsWith(e, "+5511999990000")
		if len(cs) != 1 {
			t.Fatalf("contacts: %d", len(cs))
		}
		checkOrder := func() {
			t.Helper()
			bodies := entryBodies(e.hs.Timeline(cs[0].ID))
			if len(bodies) != 50 {
				t.Fatalf("%d timeline entries for 50 messages", len(bodies))
			}
			for i, b := range bodies {
				if !strings.Contains(b, fmt.Sprintf("m%02d", i)) {
					t.Fatalf("entry %d is %q: out of order", i, b)
				}
			}
		}
		checkOrder()

		// A crash after HubSpot took a batch but before GoHavi recorded it:
		// the entries are pending again, marked as tried.
		c := e.conn(t, "hubspot")
		if _, err := db.W.ExecContext(ctx, `UPDATE crm_timeline SET state = 'pending', crm_entry_id = '' WHERE connection_id = $1`, c.ID); err != nil {
			t.Fatal(err)
		}
		e.sync(t)
		checkOrder()

		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.UpdateMessageStatus(ctx, last.ID, store.StatusChange{Status: domain.StatusRead})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		e.sync(t)
		bodies := entryBodies(e.hs.Timeline(cs[0].ID))
		if len(bodies) != 50 || !strings.Contains(bodies[49], "Status: read") {
			t.Fatalf("final status not on the timeline: %q", bodies[len(bodies)-1])
		}
	})
}

// HubSpot down for minutes (503, then 429): nothing is lost, nothing is
// doubled, and the sync recovers by itself once HubSpot answers.
func TestHubSpotOutageLosesNothing(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connectHubSpot(t)
		e.hs.SetFault(simhubspot.Fault{Status: 503})
		for i := range 10 {
			e.inbound(t, "5511999990000", "Ana", fmt.Sprintf("during outage %d", i))
		}
		for range 4 { // four minutes of 503
			e.sync(t)
			clock.Advance(time.Minute)
		}
		c := e.conn(t, "hubspot")
		if c.Failures == 0 || c.LastError == "" || c.Status != store.CRMActive {
			t.Fatalf("during the outage: %+v", c)
		}
		e.hs.SetFault(simhubspot.Fault{Status: 429, RetryAfter: 30 * time.Second})
		for range 3 {
			e.sync(t)
			clock.Advance(time.Minute)
		}
		if n := len(hubspotContactsWith(e, "+5511999990000")); n != 0 {
			t.Fatalf("%d contacts created during the outage", n)
		}
		e.hs.SetFault(simhubspot.Fault{})
		clock.Advance(6 * time.Minute) // past the longest backoff
		e.sync(t)
		cs := hubspotContactsWith(e, "+5511999990000")
		if len(cs) != 1 {
			t.Fatalf("%d contacts after the outage", len(cs))
		}
		if n := len(e.hs.Timeline(cs[0].ID)); n != 10 {
			t.Fatalf("%d timeline entries after the outage, want 10", n)
		}
		l := e.log(t, "hubspot")
		if !hasLog(l, "connection", "retrying") || !hasLog(l, "connection", "ok") {
			t.Fatalf("log does not show the outage and the recovery: %+v", l)
		}
		if c := e.conn(t, "hubspot"); c.Failures != 0 || c.LastError != "" {
			t.Fatalf("after recovery: %+v", c)
		}
	})
}

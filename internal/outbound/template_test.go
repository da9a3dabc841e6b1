package outbound_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

const orderBody = "Hi {{1}}, your order {{2}} has shipped."

// seedTemplate makes a template known to GoHavi and to the simulator.
func seedTemplate(t *testing.T, e *env, name, category, status string, pausedUntil time.Time) {
	t.Helper()
	comps := fmt.Sprintf(`[{"type":"BODY","text":%q,"example":{"body_text":[["Ada","A-1"]]}}]`, orderBody)
	st := e.sim.AddTemplate(wabaID, meta.TemplateSpec{Name: name, Language: "en", Category: category, Body: orderBody})
	if _, err := e.db.UpsertTemplate(context.Background(), domain.Template{WorkspaceID: e.ws.ID, WABAID: wabaID, MetaID: st.ID,
		Name: name, Language: "en", Category: category, Status: status, PausedUntil: pausedUntil, Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
		t.Fatal(err)
	}
}

func sendTemplate(e *env, to, name string, params ...string) (domain.Message, error) {
	body, _ := json.Marshal(map[string]any{"name": name, "language": "en", "parameters": params})
	return e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: to, Type: "template", Body: body})
}

func TestTemplateSendsFollowTheRules(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		seedTemplate(t, e, "order_update", "UTILITY", "APPROVED", time.Time{})
		seedTemplate(t, e, "promo", "MARKETING", "PAUSED", clock.Now().Add(3*time.Hour))
		seedTemplate(t, e, "spring_sale", "MARKETING", "APPROVED", time.Time{})

		// Unknown template: refused, never sent unchecked.
		_, err := sendTemplate(e, customer, "nope", "Ada")
		wantCode(t, err, domain.CodeTemplateNotOK)
		// The refusal is kept for the compliance view.
		denials, err := db.RecentDenials(ctx, e.ws.ID, clock.Now().Add(-time.Minute), 10)
		if err != nil || len(denials) != 1 || denials[0].Code != domain.CodeTemplateNotOK || denials[0].Template != "nope" || denials[0].WaID != customer || denials[0].Source != "api" {
			t.Fatalf("denials: %+v %v", denials, err)
		}

		// The customer wrote a day ago: business-initiated, and they started
		// the chat, so they count as opted in.
		e.inbound(t, customer, "hi")
		clock.Advance(25 * time.Hour)
		_, err = sendTemplate(e, customer, "order_update", "Ada")
		wantCode(t, err, domain.CodeTemplateParams)
		_, err = sendTemplate(e, customer, "order_update", "Ada", "  ")
		wantCode(t, err, domain.CodeTemplateParams)
		_, err = sendTemplate(e, customer, "promo", "Ada", "A-1")
		wantCode(t, err, domain.CodeTemplatePaused)
		m, err := sendTemplate(e, customer, "order_update", "Ada", "A-1")
		if err != nil || m.Text != "Template: order_update" {
			t.Fatalf("approved template: %+v %v", m, err)
		}
		if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
			t.Fatal(err)
		}
		sent := e.sent()
		if len(sent) != 1 || sent[0].Type != "template" {
			t.Fatalf("simulator got %+v", sent)
		}
		var req struct {
			Template struct {
				Components []struct {
					Type       string                  `json:"type"`
					Parameters []struct{ Text string } `json:"parameters"`
				} `json:"components"`
			} `json:"template"`
		}
		if err := json.Unmarshal(sent[0].Request, &req); err != nil || len(req.Template.Components) != 1 || req.Template.Components[0].Parameters[1].Text != "A-1" {
			t.Fatalf("components sent: %s", sent[0].Request)
		}
		if got := e.message(t, m.ID); !strings.Contains(string(got.Policy), `"business_initiated":true`) {
			t.Fatalf("decision not kept with the message: %s", got.Policy)
		}
		if got := e.message(t, m.ID); got.Status != domain.StatusSent {
			t.Fatalf("status %s (error %d %s)", got.Status, got.ErrorCode, got.ErrorDetail)
		}

		// A stranger who never wrote and never opted in.
		stranger := "447700900999"
		_, err = sendTemplate(e, stranger, "order_update", "Bo", "B-2")
		wantCode(t, err, domain.CodeNotOptedIn)
		c, err := db.CreateContact(ctx, e.ws.ID, stranger, "+"+stranger, "Bo")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: e.ws.ID, ContactID: c.ID, Action: domain.ConsentOptIn, Source: "website", Wording: "Send me order updates on WhatsApp", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		if _, err := sendTemplate(e, stranger, "order_update", "Bo", "B-2"); err != nil {
			t.Fatalf("after opt-in: %v", err)
		}
		// Marketing stopped: marketing refused, utility still fine.
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: e.ws.ID, ContactID: c.ID, Action: domain.ConsentOptOutMarketing, Source: "keyword", Actor: "test"}); err != nil {
			t.Fatal(err)
		}
		_, err = sendTemplate(e, stranger, "spring_sale", "Bo", "B-2")
		wantCode(t, err, domain.CodeOptedOut)
		// Marketing to a US number.
		us := "14155550100"
		uc, _ := db.CreateContact(ctx, e.ws.ID, us, "+"+us, "Cy")
		_, _ = db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: e.ws.ID, ContactID: uc.ID, Action: domain.ConsentOptIn, Source: "website", Actor: "test"})
		_, err = sendTemplate(e, us, "spring_sale", "Cy", "C-3")
		wantCode(t, err, domain.CodeMarketingUS)
	})
}

func TestTierIsEnforcedAtTheSlot(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		seedTemplate(t, e, "order_update", "UTILITY", "APPROVED", time.Time{})
		if err := db.SetPortfolioTier(ctx, wabaID, "TIER_250"); err != nil {
			t.Fatal(err)
		}
		// 250 customers were already reached in the last 24 hours.
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			for i := range 250 {
				if ok, err := tx.TakeTierSlot(ctx, wabaID, fmt.Sprintf("4477009%05d", i), clock.Now(), 250); err != nil || !ok {
					return fmt.Errorf("slot %d: %v %v", i, ok, err)
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		fresh := "447700955555"
		c, _ := db.CreateContact(ctx, e.ws.ID, fresh, "+"+fresh, "Di")
		_, _ = db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: e.ws.ID, ContactID: c.ID, Action: domain.ConsentOptIn, Source: "website", Actor: "test"})
		_, err := sendTemplate(e, fresh, "order_update", "Di", "D-4")
		de := wantCode(t, err, domain.CodeTierExhausted)
		if de.Remedy == "" {
			t.Fatalf("no remedy: %+v", de)
		}
		// Someone already counted takes no new slot.
		counted := "447700900007"
		cc, _ := db.CreateContact(ctx, e.ws.ID, counted, "+"+counted, "Ed")
		_, _ = db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: e.ws.ID, ContactID: cc.ID, Action: domain.ConsentOptIn, Source: "website", Actor: "test"})
		if _, err := sendTemplate(e, counted, "order_update", "Ed", "E-5"); err != nil {
			t.Fatalf("counted customer: %v", err)
		}
		// Exactly 24 hours later the slots free.
		clock.Advance(24 * time.Hour)
		if _, err := sendTemplate(e, fresh, "order_update", "Di", "D-4"); err != nil {
			t.Fatalf("after 24 h: %v", err)
		}
	})
}

// A message that did not come through Submit (no policy decision recorded)
// never reaches the Graph API.
func TestNoSendWithoutADecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		e.inbound(t, customer, "hi")
		var m domain.Message
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			c, _ := tx.UpsertContact(ctx, e.ws.ID, customer, "+"+customer, "")
			conv, _ := tx.EnsureConversation(ctx, e.ws.ID, e.num.ID, c.ID)
			var err error
			m, _, err = tx.InsertMessage(ctx, domain.Message{WorkspaceID: e.ws.ID, ConversationID: conv, NumberID: e.num.ID, ContactID: c.ID,
				Direction: domain.Outbound, Type: "text", Text: "sneaky", Status: domain.StatusQueued})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
			t.Fatal(err)
		}
		if n := len(e.sent()); n != 0 {
			t.Fatalf("a message without a policy decision reached the Graph API (%d sends)", n)
		}
		if got := e.message(t, m.ID); got.Status != domain.StatusFailed || got.ErrorTitle == "" {
			t.Fatalf("not failed with a reason: %+v", got)
		}
		// The same text through Submit goes out.
		ok := e.submitText(t, "fine")
		if err := e.svc.Deliver(ctx, ok.ID, false); err != nil || len(e.sent()) != 1 {
			t.Fatalf("through Submit: %v, %d sends", err, len(e.sent()))
		}
	})
}

// The sender keeps Meta's pair rate itself: a burst of 45 to one customer
// goes out, the 46th waits its 6 seconds (snoozed, not refused by Meta).
func TestPairRateIsKeptBySender(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		e.inbound(t, customer, "hi")
		var last domain.Message
		for i := range 46 {
			last = e.submitText(t, fmt.Sprintf("n%d", i))
			err := e.svc.Deliver(ctx, last.ID, false)
			if i < 45 && err != nil {
				t.Fatalf("message %d: %v", i+1, err)
			}
			if i == 45 {
				var snooze *river.JobSnoozeError
				if !errors.As(err, &snooze) {
					t.Fatalf("message 46: want a snooze, got %v", err)
				}
			}
		}
		if n := len(e.sent()); n != 45 {
			t.Fatalf("sent %d, want 45", n)
		}
		if got := e.message(t, last.ID); got.Status != domain.StatusQueued {
			t.Fatalf("waiting message is %s", got.Status)
		}
		clock.Advance(6 * time.Second)
		if err := e.svc.Deliver(ctx, last.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := e.message(t, last.ID); got.Status != domain.StatusSent || got.ErrorCode != 0 {
			t.Fatalf("after 6 s: %s %d", got.Status, got.ErrorCode)
		}
	})
}

// With the workspace setting on, a RED number refuses marketing templates;
// without it, they go with a warning kept in the decision.
func TestRedQualityBlocksMarketingWhenSet(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		seedTemplate(t, e, "spring_sale", "MARKETING", "APPROVED", time.Time{})
		if err := db.UpdateNumberHealth(ctx, e.num.ID, e.num.DisplayPhoneNumber, e.num.VerifiedName, "RED"); err != nil {
			t.Fatal(err)
		}
		e.inbound(t, customer, "hi")
		clock.Advance(25 * time.Hour)
		m, err := sendTemplate(e, customer, "spring_sale", "Ada", "A-1")
		if err != nil || !strings.Contains(string(m.Policy), "RED") {
			t.Fatalf("without the setting: %v, decision %s", err, m.Policy)
		}
		if err := db.SaveWorkspaceSettings(ctx, e.ws.ID, store.Settings{BlockMarketingOnRed: true}); err != nil {
			t.Fatal(err)
		}
		_, err = sendTemplate(e, customer, "spring_sale", "Ada", "A-1")
		wantCode(t, err, domain.CodeQualityRed)
	})
}

// Answering a click-to-WhatsApp ad's customer within 24 hours opens the
// 72-hour free-entry-point window; answering later does not.
func TestFreeEntryPointWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		ad := json.RawMessage(`{"source_type":"ad","source_id":"120226305854810726","ctwa_clid":"Aff-n8Z"}`)
		wamid, err := e.sim.Inject(ctx, meta.Inbound{PhoneNumberID: phoneID, From: customer, Name: "Ada", Text: "I saw your ad", Referral: ad})
		if err != nil {
			t.Fatal(err)
		}
		e.awaitWebhook(t, wamid)
		e.applyAll(t)
		m := e.submitText(t, "Welcome!")
		conv, err := db.ConversationByID(ctx, e.ws.ID, m.ConversationID)
		if err != nil || !conv.FreeEntryPointExpiresAt.Equal(clock.Now().Add(72*time.Hour).Truncate(time.Millisecond)) {
			t.Fatalf("free entry point after a timely reply: %v %v", conv.FreeEntryPointExpiresAt, err)
		}

		// Another customer from an ad, answered only after 25 hours.
		late := "447700900321"
		wamid, _ = e.sim.Inject(ctx, meta.Inbound{PhoneNumberID: phoneID, From: late, Name: "Bo", Text: "ad", Referral: ad})
		e.awaitWebhook(t, wamid)
		e.applyAll(t)
		clock.Advance(25 * time.Hour)
		e.inbound(t, late, "still there?")
		m2, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: late, Type: "text", Text: "Sorry for the wait"})
		if err != nil {
			t.Fatal(err)
		}
		conv2, _ := db.ConversationByID(ctx, e.ws.ID, m2.ConversationID)
		if !conv2.FreeEntryPointExpiresAt.IsZero() {
			t.Fatalf("late reply opened a free entry point until %v", conv2.FreeEntryPointExpiresAt)
		}
	})
}

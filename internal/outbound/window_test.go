package outbound_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestCallsAndWelcomeOpenTheWindow: a customer's call (answered or
// missed) and request_welcome open the 24-hour window like a message; a
// call is recorded once in the conversation, though two webhooks carry it.
func TestCallsAndWelcomeOpenTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		text := outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "text", Text: "hello"}
		for _, tc := range []struct {
			typ     string
			content string
			hook    string // what the webhook carries that we wait for
		}{
			{"call", `{"status":"COMPLETED","duration":42}`, `"event":"terminate"`},
			{"call", `{"status":"FAILED"}`, `"status":"FAILED"`},
			{"request_welcome", ``, `"request_welcome"`},
		} {
			clock.Advance(25 * time.Hour) // whatever came before has closed
			if _, err := e.svc.Submit(ctx, text); err == nil {
				t.Fatalf("%s: window open before the customer acted", tc.typ)
			}
			id, err := e.sim.Inject(ctx, meta.Inbound{PhoneNumberID: phoneID, From: customer, Type: tc.typ, Content: json.RawMessage(tc.content)})
			if err != nil {
				t.Fatal(err)
			}
			e.awaitWebhook(t, tc.hook)
			e.applyAll(t)
			if _, err := e.svc.Submit(ctx, text); err != nil {
				t.Fatalf("%s %s did not open the window: %v", tc.typ, tc.content, err)
			}
			if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE wamid = $1 AND type = $2`, id, tc.typ); n != 1 {
				t.Fatalf("%s recorded %d times", tc.typ, n)
			}
		}
	})
}

// TestBusinessCallDoesNotOpenTheWindow: only the customer calling counts.
func TestBusinessCallDoesNotOpenTheWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		body := `{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"calls","value":{` +
			`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550001111","phone_number_id":"` + phoneID + `"},` +
			`"calls":[{"id":"wacid.X","from":"15550001111","to":"` + customer + `","event":"connect","direction":"BUSINESS_INITIATED","timestamp":"1"}]}}]}]}`
		if _, _, err := e.recv.w.Store(context.Background(), []byte(body)); err != nil {
			t.Fatal(err)
		}
		e.applyAll(t)
		if n := e.count(t, `SELECT COUNT(*) FROM messages`); n != 0 {
			t.Fatalf("a business-initiated call was recorded as the customer's: %d messages", n)
		}
		_, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "text", Text: "hi"})
		wantCode(t, err, domain.CodeWindowClosed)
	})
}

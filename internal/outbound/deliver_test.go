package outbound_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

func TestDeliverSendsOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		m := e.submitText(t, "Your order ships today.")
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		ctx := context.Background()
		if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
			t.Fatal(err)
		}
		sent := e.sent()
		if len(sent) != 1 {
			t.Fatalf("simulator saw %d sends", len(sent))
		}
		s := sent[0]
		if s.BizOpaqueCallbackData != ingest.CallbackData(m.ID) || s.WaID != customer || s.Type != "text" {
			t.Fatalf("sent: %+v", s)
		}
		got := e.message(t, m.ID)
		if got.Status != domain.StatusSent || got.WAMID != s.ID || got.ErrorCode != 0 {
			t.Fatalf("after send: %+v (simulator wamid %s)", got, s.ID)
		}
		if ev := <-sub.C; ev.Type != domain.EventMessageUpdated {
			t.Fatalf("event %s", ev.Type)
		}
		// A duplicate run of the job (River retry, rescued job) sends nothing.
		for _, last := range []bool{false, true} {
			if err := e.svc.Deliver(ctx, m.ID, last); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.sent()); n != 1 {
			t.Fatalf("re-run sent again: %d sends", n)
		}
		// The simulator's status webhooks carry our id and move it on.
		e.awaitWebhook(t, `"delivered"`)
		e.applyAll(t)
		if got := e.message(t, m.ID); got.Status != domain.StatusDelivered || got.WAMID != s.ID {
			t.Fatalf("after webhooks: %s %s", got.Status, got.WAMID)
		}
	})
}

func failNext(e *env, code int, details string) {
	e.sim.SetFaults(meta.Faults{FailSends: &meta.FailSends{Count: 1, Code: code, Mode: "sync", Details: details}})
}

func graphCode(t *testing.T, err error) int {
	t.Helper()
	var ge *whatsapp.GraphError
	if !errors.As(err, &ge) {
		t.Fatalf("want a Graph error, got %v", err)
	}
	return ge.Code
}

// Transient refusals leave the message queued and return the error so
// River retries after Backoff; the retry sends it.
func TestDeliverTransientErrorsRetry(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		ctx := context.Background()
		for _, code := range []int{130429, 131000, 131016, 2} { // 400, 500, 500, 503
			t.Run(fmt.Sprint(code), func(t *testing.T) {
				m := e.submitText(t, fmt.Sprintf("try %d", code))
				before := len(e.sent())
				failNext(e, code, "")
				err := e.svc.Deliver(ctx, m.ID, false)
				if err == nil || graphCode(t, err) != code {
					t.Fatalf("Deliver: %v", err)
				}
				if got := e.message(t, m.ID); got.Status != domain.StatusQueued || got.WAMID != "" || got.ErrorCode != 0 {
					t.Fatalf("after transient error: %+v", got)
				}
				if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
					t.Fatalf("retry: %v", err)
				}
				sent := e.sent()
				if len(sent) != before+1 {
					t.Fatalf("sends: %d, want %d", len(sent), before+1)
				}
				if got := e.message(t, m.ID); got.Status != domain.StatusSent || got.WAMID != sent[len(sent)-1].ID {
					t.Fatalf("after retry: %+v", got)
				}
			})
		}
	})
}

// On the last attempt a transient error fails the message with Meta's
// code and a readable title instead of leaving it queued forever.
func TestDeliverTransientOnLastAttemptFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		m := e.submitText(t, "last try")
		failNext(e, 130429, "")
		if err := e.svc.Deliver(context.Background(), m.ID, true); err != nil {
			t.Fatalf("last attempt should settle the message, got %v", err)
		}
		got := e.message(t, m.ID)
		title, _ := whatsapp.Describe(130429)
		if got.Status != domain.StatusFailed || got.ErrorCode != 130429 || got.ErrorTitle != title || got.ErrorDetail != "Cloud API message throughput has been reached." {
			t.Fatalf("after last attempt: %+v", got)
		}
		if err := e.svc.Deliver(context.Background(), m.ID, false); err != nil || len(e.sent()) != 0 {
			t.Fatalf("failed message sent again: %v, %d sends", err, len(e.sent()))
		}
	})
}

// Permanent refusals fail the message at once with Meta's code, our title
// and Meta's detail, and are never retried.
func TestDeliverPermanentErrorsFail(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		ctx := context.Background()
		cases := []struct {
			code          int
			details, want string
			expired       bool
		}{
			{code: 131009, details: "Param text.body is invalid", want: "Param text.body is invalid"},
			{code: 132001, details: "template name (spring_sale) does not exist in en_US", want: "template name (spring_sale) does not exist in en_US"},
			{code: 131026, want: "Message Undeliverable."},
			{code: 190, details: "Session has expired", want: "Session has expired"},
			{code: 190, expired: true, want: "Error validating access token: Session has expired."},
		}
		for _, c := range cases {
			t.Run(fmt.Sprint(c.code, c.expired), func(t *testing.T) {
				m := e.submitText(t, "permanent")
				if c.expired {
					e.sim.SetFaults(meta.Faults{ExpiredTokens: []string{token}})
					defer e.sim.SetFaults(meta.Faults{})
				} else {
					failNext(e, c.code, c.details)
				}
				if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
					t.Fatalf("a permanent error must not be retried, got %v", err)
				}
				got := e.message(t, m.ID)
				title, _ := whatsapp.Describe(c.code)
				if got.Status != domain.StatusFailed || got.ErrorCode != c.code || got.ErrorTitle != title || got.ErrorDetail != c.want || got.WAMID != "" {
					t.Fatalf("failed message: %+v", got)
				}
				e.sim.SetFaults(meta.Faults{})
				if err := e.svc.Deliver(ctx, m.ID, false); err != nil || len(e.sent()) != 0 {
					t.Fatalf("failed message sent again: %v, %d sends", err, len(e.sent()))
				}
			})
		}
	})
}

// A token sealed for another number (or under another key) cannot be
// opened: the message fails with a remedy, and nothing is sent.
func TestDeliverUnreadableTokenFails(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		m := e.submitText(t, "hello")
		sealed, err := e.svc.Box.Seal([]byte(token), []byte("another-number"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.W.Exec(`UPDATE numbers SET access_token_enc = $1 WHERE id = $2`, sealed, e.num.ID); err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Deliver(context.Background(), m.ID, false); err != nil {
			t.Fatal(err)
		}
		if got := e.message(t, m.ID); got.Status != domain.StatusFailed || got.ErrorTitle == "" || got.ErrorDetail == "" {
			t.Fatalf("message: %+v", got)
		}
		if len(e.sent()) != 0 {
			t.Fatal("sent without a token")
		}
	})
}

// Non-text messages go out with their object as given and quote the
// message they reply to; reactions never carry a context.
func TestDeliverMediaReplyAndReaction(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		in := e.inbound(t, customer, "can I see it?")
		ctx := context.Background()
		img, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "image", ReplyTo: in,
			Body: json.RawMessage(`{"link":"https://example.com/blue.jpg","caption":"The blue one"}`)})
		if err != nil || img.Text != "The blue one" {
			t.Fatalf("submit image: %+v, %v", img, err)
		}
		react, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: customer, Type: "reaction", ReplyTo: in,
			Body: json.RawMessage(fmt.Sprintf(`{"message_id":%q,"emoji":"👍"}`, in))})
		if err != nil || react.Text != "Reacted 👍" {
			t.Fatalf("submit reaction: %+v, %v", react, err)
		}
		for _, id := range []int64{img.ID, react.ID} {
			if err := e.svc.Deliver(ctx, id, false); err != nil {
				t.Fatal(err)
			}
			if got := e.message(t, id); got.Status != domain.StatusSent {
				t.Fatalf("message %d: %+v", id, got)
			}
		}
		sent := e.sent()
		if len(sent) != 2 {
			t.Fatalf("sends: %d", len(sent))
		}
		var req struct {
			Image struct{ Link, Caption string }
		}
		if err := json.Unmarshal(sent[0].Request, &req); err != nil || sent[0].Type != "image" || sent[0].Context != in ||
			req.Image.Link != "https://example.com/blue.jpg" || req.Image.Caption != "The blue one" {
			t.Fatalf("image as sent: %+v (%s), %v", sent[0], sent[0].Request, err)
		}
		if sent[1].Type != "reaction" || sent[1].Context != "" {
			t.Fatalf("reaction as sent: %+v", sent[1])
		}
	})
}

// A message with a deadline (a reminder must not arrive after its meeting
// started) that could not go out in time is failed as expired, never
// handed to Meta late.
func TestDeliverRefusesExpired(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		e.inbound(t, customer, "hi")
		ctx := context.Background()
		early, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: "+" + customer, Type: "text", Text: "in time", NotAfter: clock.Now().Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		late, err := e.svc.Submit(ctx, outbound.Request{WorkspaceID: e.ws.ID, To: "+" + customer, Type: "text", Text: "too late", NotAfter: clock.Now().Add(time.Minute)})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.Deliver(ctx, early.ID, false); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if err := e.svc.Deliver(ctx, late.ID, false); err != nil {
			t.Fatal(err)
		}
		if n := len(e.sent()); n != 1 {
			t.Fatalf("simulator saw %d sends, want only the one in time", n)
		}
		got := e.message(t, late.ID)
		if got.Status != domain.StatusFailed || got.ErrorCode != outbound.ErrorExpired || got.ErrorTitle == "" {
			t.Fatalf("expired message: %+v", got)
		}
		if got := e.message(t, early.ID); got.Status != domain.StatusSent || !got.ExpiresAt.Equal(clock.Now()) {
			t.Fatalf("message in time: %s, expires %v", got.Status, got.ExpiresAt)
		}
	})
}

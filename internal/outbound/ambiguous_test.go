package outbound_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

const (
	clientTimeout = 200 * time.Millisecond
	slowGraph     = 600 // ms: Meta answers after our client gave up
	grace         = 2 * time.Minute
)

// sendAmbiguously makes a send whose outcome is unknown to us: the Graph
// API accepts the message only after our client timed out. It checks the
// job is snoozed for the grace period with the message left "sending".
func sendAmbiguously(t *testing.T, e *env) domain.Message {
	t.Helper()
	m := e.submitText(t, "did this arrive?")
	// Open the keep-alive connection first, so the timeout can only strike
	// after the request was written, as it does when Meta is slow.
	if _, err := e.graph.GetPhoneNumber(context.Background(), token, phoneID); err != nil {
		t.Fatal(err)
	}
	e.sim.SetFaults(meta.Faults{GraphLatencyMS: slowGraph})
	err := e.svc.Deliver(context.Background(), m.ID, false)
	if d := snoozed(t, err); d != grace {
		t.Fatalf("snoozed %s, want the grace period %s", d, grace)
	}
	e.sim.SetFaults(meta.Faults{})
	if got := e.message(t, m.ID); got.Status != domain.StatusSending || got.WAMID != "" {
		t.Fatalf("after an ambiguous send: %+v", got)
	}
	// Inside the grace period the job only snoozes again, for what is left.
	e.clock.Advance(90 * time.Second)
	if d := snoozed(t, e.svc.Deliver(context.Background(), m.ID, false)); d != 30*time.Second {
		t.Fatalf("second snooze %s, want 30s", d)
	}
	if got := e.message(t, m.ID); got.Status != domain.StatusSending {
		t.Fatalf("status after snooze: %s", got.Status)
	}
	return m
}

// The slow send reached Meta: its status webhook carries our callback data
// though we never learnt the wamid, which settles the message; no resend.
func TestAmbiguousSendSettledByWebhook(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, fc *domain.FakeClock) {
		e := newEnv(t, db, fc, envOpts{httpTimeout: clientTimeout})
		e.inbound(t, customer, "hi")
		m := sendAmbiguously(t, e)
		cb := ingest.CallbackData(m.ID)
		e.awaitWebhook(t, `"delivered"`)
		e.applyAll(t)
		sent := e.sent()
		if len(sent) != 1 || sent[0].BizOpaqueCallbackData != cb {
			t.Fatalf("simulator sends: %+v", sent)
		}
		got := e.message(t, m.ID)
		if got.Status != domain.StatusDelivered || got.WAMID != sent[0].ID {
			t.Fatalf("after the status webhook: %s %q, want delivered %q", got.Status, got.WAMID, sent[0].ID)
		}
		// Long after the grace period the job still sends nothing.
		fc.Advance(time.Hour)
		for _, last := range []bool{false, true} {
			if err := e.svc.Deliver(context.Background(), m.ID, last); err != nil {
				t.Fatal(err)
			}
		}
		if n := len(e.sent()); n != 1 {
			t.Fatalf("resent a settled message: %d sends", n)
		}
	})
}

// No webhook ever comes: once the grace period has passed, the message is
// sent again, exactly once.
func TestAmbiguousSendResentAfterGrace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, fc *domain.FakeClock) {
		e := newEnv(t, db, fc, envOpts{httpTimeout: clientTimeout})
		e.inbound(t, customer, "hi")
		// Meta's status webhooks for the first send are lost on the way.
		e.recv.lose.Store(true)
		m := sendAmbiguously(t, e)
		cb := ingest.CallbackData(m.ID)
		e.awaitWebhook(t, cb)
		if n := len(e.sent()); n != 1 {
			t.Fatalf("simulator sends before the resend: %d", n)
		}
		e.recv.lose.Store(false)

		fc.Advance(grace - 90*time.Second) // exactly the grace period since the claim
		if err := e.svc.Deliver(context.Background(), m.ID, false); err != nil {
			t.Fatalf("resend: %v", err)
		}
		sent := e.sent()
		if len(sent) != 2 || sent[1].BizOpaqueCallbackData != cb {
			t.Fatalf("want exactly one more send, got %+v", sent)
		}
		got := e.message(t, m.ID)
		if got.Status != domain.StatusSent || got.WAMID != sent[1].ID {
			t.Fatalf("after resend: %+v", got)
		}
		if err := e.svc.Deliver(context.Background(), m.ID, false); err != nil || len(e.sent()) != 2 {
			t.Fatalf("third run: %v, %d sends", err, len(e.sent()))
		}
	})
}

// The status webhook that settles an unconfirmed send is stored but the
// applier is behind: the job waits for it instead of resending.
func TestAmbiguousSendWaitsForLaggingApplier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, fc *domain.FakeClock) {
		e := newEnv(t, db, fc, envOpts{httpTimeout: clientTimeout})
		e.inbound(t, customer, "hi")
		m := sendAmbiguously(t, e)
		e.awaitWebhook(t, `"delivered"`) // stored, not applied
		fc.Advance(time.Hour)
		err := e.svc.Deliver(context.Background(), m.ID, false)
		var snooze *river.JobSnoozeError
		if !errors.As(err, &snooze) {
			t.Fatalf("want a snooze while the applier lags, got %v", err)
		}
		if n := len(e.sent()); n != 1 {
			t.Fatalf("resent while the settling webhook waited: %d sends", n)
		}
		e.applyAll(t)
		if err := e.svc.Deliver(context.Background(), m.ID, false); err != nil || len(e.sent()) != 1 {
			t.Fatalf("after applying: %v, %d sends", err, len(e.sent()))
		}
		if got := e.message(t, m.ID); got.Status != domain.StatusDelivered {
			t.Fatalf("status %s", got.Status)
		}
	})
}

package outbound_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestHeldForQualityAssessment: a template send Meta holds (pacing) is
// "held", not "sent", until a status webhook releases it; if Meta drops
// held messages they fail with 132015 and the template shows as paused.
func TestHeldForQualityAssessment(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		seedTemplate(t, e, "order_update", "UTILITY", "APPROVED", time.Time{})
		customers := []string{"447700900201", "447700900202", "447700900203"}
		for _, c := range customers {
			e.inbound(t, c, "hi")
		}
		if _, err := e.sim.SetTemplatePacing(wabaID, "order_update", "en", 1); err != nil {
			t.Fatal(err)
		}
		send := func(to string) domain.Message {
			t.Helper()
			m, err := sendTemplate(e, to, "order_update", "Ada", "A-1")
			if err != nil {
				t.Fatal(err)
			}
			if err := e.svc.Deliver(ctx, m.ID, false); err != nil {
				t.Fatal(err)
			}
			return e.message(t, m.ID)
		}
		var msgs []domain.Message
		for _, c := range customers {
			msgs = append(msgs, send(c))
		}
		if msgs[0].Status != domain.StatusSent || msgs[1].Status != domain.StatusHeld || msgs[2].Status != domain.StatusHeld {
			t.Fatalf("statuses after pacing began: %s %s %s", msgs[0].Status, msgs[1].Status, msgs[2].Status)
		}
		if msgs[1].WAMID == "" {
			t.Fatal("a held message keeps its wamid, so the release can find it")
		}

		// Meta releases the held sends: they move on like any other.
		if n, err := e.sim.SettlePacing(wabaID, "order_update", "en", "release"); err != nil || n != 2 {
			t.Fatalf("release: %d %v", n, err)
		}
		e.awaitWebhook(t, msgs[2].WAMID) // released in order, so the first is in
		e.applyAll(t)
		for _, m := range msgs[1:] {
			if got := e.message(t, m.ID); got.Status.Rank() < domain.StatusSent.Rank() || got.Status == domain.StatusFailed {
				t.Fatalf("released message is %s", got.Status)
			}
		}

		// Paced again, and this time Meta drops the held send.
		if _, err := e.sim.SetTemplatePacing(wabaID, "order_update", "en", 0); err != nil {
			t.Fatal(err)
		}
		held := send(customers[0])
		if held.Status != domain.StatusHeld {
			t.Fatalf("status %s, want held", held.Status)
		}
		if _, err := e.sim.SettlePacing(wabaID, "order_update", "en", "drop"); err != nil {
			t.Fatal(err)
		}
		e.awaitWebhook(t, "132015")
		e.applyAll(t)
		if got := e.message(t, held.ID); got.Status != domain.StatusFailed || got.ErrorCode != 132015 || got.ErrorTitle == "" {
			t.Fatalf("dropped message: %s %d %q", got.Status, got.ErrorCode, got.ErrorTitle)
		}
		tpl, err := db.TemplateByName(ctx, e.ws.ID, wabaID, "order_update", "en")
		if err != nil || tpl.Status != "PAUSED" {
			t.Fatalf("template after the drop: %s %v", tpl.Status, err)
		}
		// And GoHavi now refuses it before Meta would.
		_, err = sendTemplate(e, customers[1], "order_update", "Ada", "A-1")
		wantCode(t, err, domain.CodeTemplatePaused)
	})
}

package broadcast_test

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// lostGraph loses the first n sends before they leave the process, the
// way a crash between the claim's commit and the Graph call does, but
// reports a timeout (an outcome we cannot know).
type lostGraph struct {
	broadcast.Graph
	lose atomic.Int64
}

func (g *lostGraph) Send(ctx context.Context, token, phoneNumberID string, msg whatsapp.OutgoingMessage) (whatsapp.SendResult, error) {
	if g.lose.Add(-1) >= 0 {
		return whatsapp.SendResult{}, context.DeadlineExceeded
	}
	return g.Graph.Send(ctx, token, phoneNumberID, msg)
}

func launchSale(t *testing.T, e *env, tag string) domain.Broadcast {
	t.Helper()
	b, err := e.svc.Create(context.Background(), e.ws.ID, 0, saleInput(e.num.ID, tag))
	if err != nil {
		t.Fatal(err)
	}
	if b, err = e.svc.Launch(context.Background(), e.ws.ID, b.ID); err != nil {
		t.Fatal(err)
	}
	return b
}

func exactlyOnce(t *testing.T, e *env, ids []string) {
	t.Helper()
	counts := e.sim.SentCounts(phoneID)
	for _, wa := range ids {
		if counts[wa] != 1 {
			t.Fatalf("%s got %d messages", wa, counts[wa])
		}
	}
}

// TestUnknownOutcomesReconciled: sends whose outcome is unknown are never
// resent blindly. Those Meta accepted (our client gave up first) are
// settled by their status webhooks, matched by biz_opaque_callback_data;
// those that never left are sent again only after the grace period.
func TestUnknownOutcomesReconciled(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{timeout: 150 * time.Millisecond})
		ctx := context.Background()
		lost := &lostGraph{Graph: e.svc.Graph}
		lost.lose.Store(5)
		e.svc.Graph, e.svc.Batch = lost, 20
		e.template(t, "spring_sale", "UTILITY")
		ids := e.contacts(t, "vip", 0, 20, true)
		e.sim.SetFaults(meta.Faults{GraphLatencyMS: 400}) // Meta answers after our client gave up
		b := launchSale(t, e, "vip")
		e.svc.Pass(ctx)
		e.sim.SetFaults(meta.Faults{})
		if _, c := e.status(t, b.ID); c.Pending != 20 {
			t.Fatalf("after ambiguous sends: %+v", c)
		}
		// The accepted ones show up as status webhooks carrying our ids.
		e.settled(t, "accepted sends confirmed", func() bool { _, c := e.status(t, b.ID); return c.Sent == 15 })
		// Inside the grace period nothing is resent.
		clock.Advance(time.Minute)
		e.svc.Pass(ctx)
		if n := len(e.sim.Sent(phoneID)); n != 15 {
			t.Fatalf("sent %d inside the grace period, want 15", n)
		}
		clock.Advance(2 * time.Minute)
		e.runUntil(t, time.Second, func() bool {
			got, _ := e.status(t, b.ID)
			return got.Status == domain.BroadcastCompleted
		})
		exactlyOnce(t, e, ids)
	})
}

// TestPauseResumeCancel: a paused broadcast sends nothing until resumed;
// a canceled one settles its waiting recipients as skipped.
func TestPauseResumeCancel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		e.template(t, "spring_sale", "UTILITY")
		e.contacts(t, "vip", 0, 200, true)
		b := launchSale(t, e, "vip")
		e.svc.Pass(ctx) // 80 go in the first second
		if _, err := e.svc.Pause(ctx, e.ws.ID, b.ID, "user:1"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		e.svc.Pass(ctx)
		if n := len(e.sim.Sent(phoneID)); n != 80 {
			t.Fatalf("sent while paused: %d", n)
		}
		got, _ := e.status(t, b.ID)
		if _, msg, _ := broadcast.ReasonOf(got.StatusReason); got.Status != domain.BroadcastPaused || msg == "" {
			t.Fatalf("paused: %+v", got)
		}
		if _, err := e.svc.Resume(ctx, e.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		e.svc.Pass(ctx)
		if n := len(e.sim.Sent(phoneID)); n != 160 {
			t.Fatalf("after resume: %d", n)
		}
		if _, err := e.svc.Cancel(ctx, e.ws.ID, b.ID, "user:1"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		e.svc.Pass(ctx)
		_, c := e.status(t, b.ID)
		if n := len(e.sim.Sent(phoneID)); n != 160 || c.Skipped != 40 || c.Sent != 160 {
			t.Fatalf("after cancel: sent %d, counts %+v", n, c)
		}
		if _, err := e.svc.Resume(ctx, e.ws.ID, b.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("resume of a canceled broadcast: %v", err)
		}
	})
}

// TestAutoPause: the broadcast stops itself, with the reason, when its
// template is paused, when the number's quality turns RED, and when too
// many sends fail; it sends nothing more until resumed.
func TestAutoPause(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		e.template(t, "spring_sale", "MARKETING")
		e.contacts(t, "vip", 0, 400, true)
		wantPaused := func(b domain.Broadcast, code domain.Code) {
			t.Helper()
			got, _ := e.status(t, b.ID)
			if c, _, remedy := broadcast.ReasonOf(got.StatusReason); got.Status != domain.BroadcastPaused || c != string(code) || remedy == "" {
				t.Fatalf("want paused by %s: %+v", code, got)
			}
		}
		setTemplate := func(status string) {
			tpl, err := db.TemplateByName(ctx, e.ws.ID, wabaID, "spring_sale", "en")
			if err != nil {
				t.Fatal(err)
			}
			tpl.Status = status
			if _, err := db.UpsertTemplate(ctx, tpl); err != nil {
				t.Fatal(err)
			}
		}

		b := launchSale(t, e, "vip")
		e.svc.Pass(ctx)
		setTemplate("PAUSED")
		clock.Advance(time.Second)
		e.svc.Pass(ctx)
		wantPaused(b, domain.CodeTemplatePaused)
		if _, err := e.svc.Resume(ctx, e.ws.ID, b.ID); domain.ErrorCode(err) != domain.CodeTemplatePaused {
			t.Fatalf("resume while the template is paused: %v", err)
		}
		setTemplate("APPROVED")

		if _, _, err := db.UpdateNumber(ctx, e.num.ID, "test", func(n *domain.Number) { n.QualityRating = "RED" }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Resume(ctx, e.ws.ID, b.ID); domain.ErrorCode(err) != domain.CodeQualityRed {
			t.Fatalf("resume while quality is RED: %v", err)
		}
		if _, _, err := db.UpdateNumber(ctx, e.num.ID, "test", func(n *domain.Number) { n.QualityRating = "GREEN" }); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Resume(ctx, e.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		// Meta accepts, then reports most sends undeliverable.
		e.sim.SetFaults(meta.Faults{FailSends: &meta.FailSends{Count: 1000, Code: 131026, Mode: "async"}})
		sent := len(e.sim.Sent(phoneID))
		for i := 0; i < 10; i++ {
			clock.Advance(time.Second)
			e.svc.Pass(ctx)
			e.settled(t, "failures reported", func() bool { _, c := e.status(t, b.ID); return c.Failed+c.Delivered >= len(e.sim.Sent(phoneID))-0 })
			if got, _ := e.status(t, b.ID); got.Status == domain.BroadcastPaused {
				break
			}
		}
		wantPaused(b, domain.CodeFailureRate)
		failed, err := e.svc.Recipients(ctx, e.ws.ID, b.ID, "failed", 0, 5)
		if err != nil || len(failed) == 0 || failed[0].ErrorCode != 131026 {
			t.Fatalf("failed recipients: %+v %v", failed, err)
		}
		if len(e.sim.Sent(phoneID)) <= sent {
			t.Fatal("nothing was sent after the resume")
		}
	})
}

// TestTwoNodesShareOneBroadcast: two senders on one PostgreSQL database
// work the same broadcast at once without overlap.
func TestTwoNodesShareOneBroadcast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{throughput: 1000})
		ctx := context.Background()
		e.template(t, "spring_sale", "UTILITY")
		ids := e.contacts(t, "vip", 0, 1500, true)
		other := &broadcast.Service{DB: db, Graph: e.svc.Graph, Box: e.svc.Box, Clock: clock, Log: quiet, Batch: 50, Workers: 8, MaxMPS: 1000}
		e.svc.Batch, e.svc.MaxMPS = 50, 1000
		b := launchSale(t, e, "vip")
		for i := 0; i < 10; i++ {
			var wg sync.WaitGroup
			var errs [2]error
			for j, s := range []*broadcast.Service{e.svc, other} {
				wg.Add(1)
				go func() {
					defer wg.Done()
					defer func() {
						if r := recover(); r != nil {
							errs[j] = errors.New("panic")
						}
					}()
					s.Pass(ctx)
				}()
			}
			wg.Wait()
			if errs[0] != nil || errs[1] != nil {
				t.Fatal(errs)
			}
			clock.Advance(time.Second)
			if got, _ := e.status(t, b.ID); got.Status == domain.BroadcastCompleted {
				break
			}
		}
		if got, _ := e.status(t, b.ID); got.Status != domain.BroadcastCompleted {
			t.Fatalf("not completed: %+v", got)
		}
		exactlyOnce(t, e, ids)
	})
}

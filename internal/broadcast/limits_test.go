package broadcast_test

import (
	"context"
	"sort"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestTierWaitsForFreedSlots: 10,000 opted-in recipients and a messaging
// limit of 2,000. The plan says 2,000 now and 8,000 later; the sender
// sends 2,000, waits until the first of them leave the 24-hour window,
// and so on: every recipient gets exactly one message, no 24 hours ever
// hold more than 2,000 of them, and the simulator (which enforces the same
// limit) fails none.
func TestTierWaitsForFreedSlots(t *testing.T) {
	if testing.Short() {
		t.Skip("10,000 recipients")
	}
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{throughput: 1000})
		ctx := context.Background()
		e.svc.MaxMPS, e.svc.Batch = 1000, 500
		if err := db.SetPortfolioTier(ctx, wabaID, "TIER_2K"); err != nil {
			t.Fatal(err)
		}
		if err := e.sim.SetPortfolioTier("", wabaID, "2000"); err != nil {
			t.Fatal(err)
		}
		e.template(t, "spring_sale", "MARKETING")
		ids := e.contacts(t, "all", 0, 10000, true)
		b, err := e.svc.Create(ctx, e.ws.ID, 0, saleInput(e.num.ID, "all"))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := e.svc.Plan(ctx, e.ws.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Eligible != 10000 || plan.SendNow != 2000 || plan.Deferred != 8000 || plan.NextSlotAt == nil ||
			!plan.NextSlotAt.Equal(clock.Now().Add(24*time.Hour)) || plan.CompletesBy == nil || plan.CompletesBy.Before(clock.Now().Add(96*time.Hour)) {
			t.Fatalf("plan: %+v", plan)
		}
		start := clock.Now()
		if _, err := e.svc.Launch(ctx, e.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		e.runUntil(t, time.Second, func() bool {
			got, _ := e.status(t, b.ID)
			if n := len(e.sim.Sent(phoneID)); n == 2000 && got.NextAt.IsZero() && clock.Now().Sub(start) < time.Hour {
				t.Logf("2,000 sent at %s", clock.Now().Sub(start))
			}
			return got.Status == domain.BroadcastCompleted
		})
		if took := clock.Now().Sub(start); took < 96*time.Hour || took > 97*time.Hour {
			t.Fatalf("10,000 at 2,000 a day took %s, want just over 4 days", took)
		}
		counts := e.sim.SentCounts(phoneID)
		for _, wa := range ids {
			if counts[wa] != 1 {
				t.Fatalf("%s got %d messages", wa, counts[wa])
			}
		}
		var at []time.Time
		for _, m := range e.sim.Sent(phoneID) {
			if m.Status == "failed" {
				t.Fatalf("the simulator failed a send: %+v", m.Errors)
			}
			at = append(at, m.Timestamp)
		}
		sort.Slice(at, func(i, j int) bool { return at[i].Before(at[j]) })
		for i, lo := 0, 0; i < len(at); i++ {
			for !at[lo].After(at[i].Add(-24 * time.Hour)) {
				lo++
			}
			if i-lo+1 > 2000 {
				t.Fatalf("%d customers reached in the 24 hours before %s", i-lo+1, at[i])
			}
		}
		e.settled(t, "all delivered", func() bool { _, c := e.status(t, b.ID); return c.Delivered == 10000 })
		if _, c := e.status(t, b.ID); c.Sent != 10000 || c.Failed != 0 || c.Pending != 0 {
			t.Fatalf("counts: %+v", c)
		}
	})
}

// TestThrottledByMetaRetries: Meta's limit is lower than the pace (another
// tool shares the number): the refused sends (130429) wait and go again,
// and each recipient still gets one message.
func TestThrottledByMetaRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{throughput: 30})
		ctx := context.Background()
		e.template(t, "spring_sale", "UTILITY")
		ids := e.contacts(t, "vip", 0, 200, true)
		b, err := e.svc.Create(ctx, e.ws.ID, 0, saleInput(e.num.ID, "vip"))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Launch(ctx, e.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		e.runUntil(t, time.Second, func() bool {
			got, _ := e.status(t, b.ID)
			return got.Status == domain.BroadcastCompleted
		})
		counts := e.sim.SentCounts(phoneID)
		for _, wa := range ids {
			if counts[wa] != 1 {
				t.Fatalf("%s got %d messages", wa, counts[wa])
			}
		}
		retried, err := e.svc.Recipients(ctx, e.ws.ID, b.ID, "all", 0, 1000)
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, r := range retried {
			if r.Attempts > 0 {
				n++
			}
		}
		if n == 0 {
			t.Fatal("no send was refused and retried: the test did not throttle")
		}
	})
}

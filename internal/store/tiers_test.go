package store_test

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func takeSlot(t *testing.T, db *store.DB, portfolio, waID string, now time.Time, limit int) bool {
	t.Helper()
	var ok bool
	err := db.WithTx(context.Background(), func(tx *store.Tx) (err error) {
		ok, err = tx.TakeTierSlot(context.Background(), portfolio, waID, now, limit)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return ok
}

func TestTierSlotsWindow(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		T := clock.Now()
		usage := func(p, wa string, now time.Time) (int, bool, time.Time) {
			t.Helper()
			used, counted, next, err := db.TierUsage(ctx, p, wa, now)
			if err != nil {
				t.Fatal(err)
			}
			return used, counted, next
		}
		if used, counted, next := usage("p1", "a", T); used != 0 || counted || !next.IsZero() {
			t.Fatalf("empty: %d %v %v", used, counted, next)
		}
		if !takeSlot(t, db, "p1", "a", T, 2) || !takeSlot(t, db, "p1", "b", T.Add(time.Hour), 2) {
			t.Fatal("first two slots refused")
		}
		if takeSlot(t, db, "p1", "c", T.Add(2*time.Hour), 2) {
			t.Fatal("third customer admitted over limit 2")
		}
		// Another portfolio has its own count.
		if !takeSlot(t, db, "p2", "c", T, 1) {
			t.Fatal("other portfolio refused")
		}
		// A counted customer is always admitted and refreshed.
		if !takeSlot(t, db, "p1", "a", T.Add(2*time.Hour), 2) {
			t.Fatal("counted customer refused")
		}
		used, counted, next := usage("p1", "b", T.Add(2*time.Hour))
		if used != 2 || !counted || !next.Equal(T.Add(25*time.Hour)) {
			t.Fatalf("usage: %d %v %v", used, counted, next)
		}
		if _, counted, _ := usage("p1", "c", T.Add(2*time.Hour)); counted {
			t.Fatal("refused customer counted")
		}
		// b was reached at T+1h: it counts until just before T+25h and frees exactly then.
		edge := T.Add(25 * time.Hour)
		if used, counted, _ := usage("p1", "b", edge.Add(-time.Millisecond)); used != 2 || !counted {
			t.Fatalf("before edge: %d %v", used, counted)
		}
		if takeSlot(t, db, "p1", "c", edge.Add(-time.Millisecond), 2) {
			t.Fatal("slot taken before it freed")
		}
		if used, counted, next := usage("p1", "b", edge); used != 1 || counted || !next.Equal(T.Add(26*time.Hour)) {
			t.Fatalf("at edge: %d %v %v", used, counted, next)
		}
		if !takeSlot(t, db, "p1", "c", edge, 2) {
			t.Fatal("freed slot not available at T+24h")
		}
		// Unlimited and zero limits.
		if !takeSlot(t, db, "p3", "x", T, -1) || !takeSlot(t, db, "p3", "y", T, -1) {
			t.Fatal("unlimited refused")
		}
		if used, _, _ := usage("p3", "x", T); used != 2 {
			t.Fatalf("unlimited not recorded: %d", used)
		}
		if takeSlot(t, db, "p4", "x", T, 0) {
			t.Fatal("limit 0 admitted a customer")
		}
		// An older reach replayed late does not move a slot back.
		if !takeSlot(t, db, "p1", "c", T, 2) {
			t.Fatal("counted customer refused")
		}
		if _, counted, _ := usage("p1", "c", edge.Add(time.Hour)); !counted {
			t.Fatal("late replay moved reached_at back")
		}

		// Cleanup removes reaches before the cut-off only.
		n, err := db.DeleteOldTierSlots(ctx, T.Add(time.Minute))
		if err != nil || n != 3 { // p2/c, p3/x, p3/y at T; p1/a was refreshed, p1/b is at T+1h, p4 took nothing
			t.Fatalf("cleanup: %d %v", n, err)
		}
		if used, _, _ := usage("p1", "a", T.Add(2*time.Hour)); used != 3 {
			t.Fatalf("after cleanup: %d", used)
		}
	})
}

func TestTierSlotsConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		now := clock.Now()
		var wg sync.WaitGroup
		var ok atomic.Int32
		errs := make(chan error, 50)
		for i := range 50 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				err := db.WithTx(ctx, func(tx *store.Tx) error {
					took, err := tx.TakeTierSlot(ctx, "portfolio", fmt.Sprintf("1555%04d", i), now, 20)
					if took {
						ok.Add(1)
					}
					return err
				})
				if err != nil {
					errs <- err
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Fatal(err)
		}
		if ok.Load() != 20 {
			t.Fatalf("%d slots taken with limit 20", ok.Load())
		}
		if used, _, _, err := db.TierUsage(ctx, "portfolio", "", now); err != nil || used != 20 {
			t.Fatalf("used: %d %v", used, err)
		}
	})
}

func TestPortfolioTier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		if tier, err := db.PortfolioTier(ctx, "bp1"); err != nil || tier != "" {
			t.Fatalf("unknown: %q %v", tier, err)
		}
		if err := db.SetPortfolioTier(ctx, "bp1", "TIER_250"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPortfolioTier(ctx, "bp2", "TIER_UNLIMITED"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetPortfolioTier(ctx, "bp1", "TIER_1K"); err != nil {
			t.Fatal(err)
		}
		if tier, err := db.PortfolioTier(ctx, "bp1"); err != nil || tier != "TIER_1K" {
			t.Fatalf("bp1: %q %v", tier, err)
		}
		if tier, _ := db.PortfolioTier(ctx, "bp2"); tier != "TIER_UNLIMITED" {
			t.Fatalf("bp2: %q", tier)
		}
	})
}

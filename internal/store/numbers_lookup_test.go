package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestNumbersByWABA: a WABA's numbers come back from every workspace,
// disconnected ones included, oldest first; other WABAs and an empty id
// match nothing.
func TestNumbersByWABA(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		mk := func(ws int64, waba, pnid, display string) domain.Number {
			n, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws, WABAID: waba, PhoneNumberID: pnid, DisplayPhoneNumber: display, AccessTokenEnc: []byte{1}})
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		n1 := mk(a.ID, "w1", "p1", "+1 555-000-0001")
		n2 := mk(b.ID, "w1", "p2", "15550000002")
		mk(a.ID, "w2", "p3", "15550000003")
		if _, _, err := db.UpdateNumber(ctx, n2.ID, "owner@b", func(n *domain.Number) { n.DisconnectedAt = clock.Now() }); err != nil {
			t.Fatal(err)
		}
		var got, none []domain.Number
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			if got, err = tx.NumbersByWABA(ctx, "w1"); err != nil {
				return err
			}
			if none, err = tx.NumbersByWABA(ctx, "nope"); err != nil {
				return err
			}
			empty, err := tx.NumbersByWABA(ctx, "")
			if len(empty) != 0 {
				t.Errorf("empty WABA id matched %d numbers", len(empty))
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != 2 || got[0].ID != n1.ID || got[1].ID != n2.ID || got[0].WorkspaceID != a.ID || got[1].WorkspaceID != b.ID {
			t.Fatalf("w1 numbers: %+v", got)
		}
		if got[0].DisplayPhoneNumber != "+1 555-000-0001" || got[1].Connected() {
			t.Fatalf("numbers not read whole: %+v", got)
		}
		if len(none) != 0 {
			t.Fatalf("unknown WABA matched %+v", none)
		}
	})
}

// TestLastNumberEventAndPortfolioTier: the latest event of a kind is
// found (by time, then id), the recorded event comes back filled in, and
// an unknown portfolio has no tier.
func TestLastNumberEventAndPortfolioTier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		n, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "w1", PhoneNumberID: "p1", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		if err := db.SetPortfolioTier(ctx, "w1", "TIER_250"); err != nil {
			t.Fatal(err)
		}
		var recorded domain.NumberEvent
		tx := func(fn func(tx *store.Tx) error) {
			t.Helper()
			if err := db.WithTx(ctx, fn); err != nil {
				t.Fatal(err)
			}
		}
		tx(func(tx *store.Tx) error {
			if _, found, err := tx.LastNumberEvent(ctx, n.ID, domain.NumberTier); found || err != nil {
				t.Errorf("tier event before any: found %v err %v", found, err)
			}
			if tier, err := tx.PortfolioTier(ctx, "w1"); tier != "TIER_250" || err != nil {
				t.Errorf("portfolio tier %q %v", tier, err)
			}
			if tier, err := tx.PortfolioTier(ctx, "nope"); tier != "" || err != nil {
				t.Errorf("unknown portfolio tier %q %v", tier, err)
			}
			var err error
			recorded, err = tx.RecordNumberEvent(ctx, n, domain.NumberEvent{Kind: domain.NumberTier, From: "TIER_250", To: "TIER_2K", Source: "business_capability_update"})
			if err != nil {
				return err
			}
			// Same transaction time: the later id wins.
			_, err = tx.RecordNumberEvent(ctx, n, domain.NumberEvent{Kind: domain.NumberTier, From: "TIER_2K", To: "TIER_10K", Source: "business_capability_update"})
			return err
		})
		if recorded.ID == 0 || recorded.NumberID != n.ID || recorded.WorkspaceID != ws.ID || !recorded.At.Equal(clock.Now().Truncate(time.Millisecond)) ||
			recorded.Source != "business_capability_update" {
			t.Fatalf("recorded event: %+v", recorded)
		}
		clock.Advance(time.Minute)
		tx(func(tx *store.Tx) error {
			last, found, err := tx.LastNumberEvent(ctx, n.ID, domain.NumberTier)
			if !found || err != nil || last.To != "TIER_10K" || last.From != "TIER_2K" || last.NumberID != n.ID {
				t.Errorf("last tier event: %+v %v %v", last, found, err)
			}
			// Another kind is not confused with it.
			if _, found, _ := tx.LastNumberEvent(ctx, n.ID, domain.NumberOBAStatus); found {
				t.Error("found an OBA event that was never recorded")
			}
			return nil
		})
		hist, _ := db.NumberEvents(ctx, ws.ID, n.ID, 10)
		if len(hist) != 3 || hist[0].To != "TIER_10K" || hist[1].To != "TIER_2K" || hist[2].Kind != domain.NumberConnection {
			t.Fatalf("history: %+v", hist)
		}
	})
}

// TestNumbersByWABASerialisesWriters: a transaction that listed a WABA's
// numbers holds them until it ends, so a second one (a replayed webhook
// applied by another loop) sees the history the first recorded instead of
// recording the same change again.
func TestNumbersByWABASerialisesWriters(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "w1", PhoneNumberID: "p1", AccessTokenEnc: []byte{1}}); err != nil {
			t.Fatal(err)
		}
		record := func(tx *store.Tx) (bool, error) {
			nums, err := tx.NumbersByWABA(ctx, "w1")
			if err != nil || len(nums) != 1 {
				return false, err
			}
			if _, found, err := tx.LastNumberEvent(ctx, nums[0].ID, domain.NumberTier); found || err != nil {
				return false, err
			}
			_, err = tx.RecordNumberEvent(ctx, nums[0], domain.NumberEvent{Kind: domain.NumberTier, To: "TIER_2K", Source: "test"})
			return err == nil, err
		}
		second := make(chan bool, 1)
		var firstRecorded, waited bool
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			if firstRecorded, err = record(tx); err != nil {
				return err
			}
			go func() {
				var recorded bool
				if err := db.WithTx(ctx, func(tx *store.Tx) error {
					var err error
					recorded, err = record(tx)
					return err
				}); err != nil {
					t.Error(err)
				}
				second <- recorded
			}()
			time.Sleep(200 * time.Millisecond) // the second is waiting, not done
			select {
			case <-second:
			default:
				waited = true
			}
			return nil
		})
		if err != nil || !waited {
			t.Fatalf("second transaction did not wait for the first (err %v)", err)
		}
		if !firstRecorded || <-second {
			t.Fatalf("first recorded %v; the second must record nothing", firstRecorded)
		}
	})
}

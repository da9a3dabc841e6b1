package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestPairBuckets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			tokens, at, err := tx.PairBucket(ctx, 1, 2)
			if err != nil || tokens != 0 || !at.IsZero() {
				t.Errorf("missing bucket: %v %v %v", tokens, at, err)
			}
			if err := tx.SavePairBucket(ctx, 1, 2, 44.5, clock.Now()); err != nil {
				return err
			}
			if err := tx.SavePairBucket(ctx, 1, 3, 1, clock.Now().Add(time.Second)); err != nil {
				return err
			}
			tokens, at, err = tx.PairBucket(ctx, 1, 2)
			if err != nil || tokens != 44.5 || !at.Equal(clock.Now()) {
				t.Errorf("stored bucket: %v %v %v", tokens, at, err)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

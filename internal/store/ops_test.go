package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestApplierLagAndBulkApply(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		if _, ok, err := db.OldestUnappliedWebhook(ctx); err != nil || ok {
			t.Fatalf("empty table: ok=%v err=%v", ok, err)
		}
		first := &store.WebhookEvent{Hash: hashOf("a"), Body: []byte("a"), ReceivedAt: domain.Millis(clock.Now())}
		second := &store.WebhookEvent{Hash: hashOf("b"), Body: []byte("b"), ReceivedAt: domain.Millis(clock.Now().Add(time.Minute))}
		if err := db.InsertWebhookEvents(ctx, []*store.WebhookEvent{first, second}); err != nil {
			t.Fatal(err)
		}
		at, ok, err := db.OldestUnappliedWebhook(ctx)
		if err != nil || !ok || !at.Equal(clock.Now()) {
			t.Fatalf("oldest: %v %v %v", at, ok, err)
		}
		if err := db.MarkAllWebhookEventsApplied(ctx); err != nil {
			t.Fatal(err)
		}
		if _, unapplied, _ := db.CountWebhookEvents(ctx); unapplied != 0 {
			t.Fatalf("unapplied %d", unapplied)
		}
		if _, ok, _ := db.OldestUnappliedWebhook(ctx); ok {
			t.Fatal("still lagging after applying everything")
		}
	})
}

type depthArgs struct{}

func (depthArgs) Kind() string { return "depth_test" }

func TestJobQueueDepth(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		j, err := jobs.New(db, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := j.Insert(ctx, depthArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		depth, err := db.JobQueueDepth(ctx)
		if err != nil || depth["default"] != 1 {
			t.Fatalf("depth %v %v", depth, err)
		}
	})
}

package outbound_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestBackoff(t *testing.T) {
	cases := []struct {
		attempt int
		want    time.Duration
	}{
		{-1, time.Second}, {0, time.Second}, {1, time.Second}, {2, 4 * time.Second}, {3, 16 * time.Second},
		{4, 64 * time.Second}, {5, 256 * time.Second}, {6, 15 * time.Minute}, {7, 15 * time.Minute},
		{10, 15 * time.Minute}, {12, 15 * time.Minute},
		// Far past any MaxAttempts: 4^(n-1) s overflows a Duration here.
		{18, 15 * time.Minute}, {30, 15 * time.Minute}, {33, 15 * time.Minute}, {1000, 15 * time.Minute},
	}
	for _, c := range cases {
		if got := outbound.Backoff(c.attempt); got != c.want {
			t.Errorf("Backoff(%d) = %s, want %s", c.attempt, got, c.want)
		}
	}
}

func TestMarkConversationRead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		first := e.inbound(t, customer, "hi")
		last := e.inbound(t, customer, "are you there?")
		m := e.submitText(t, "yes") // a newer outbound message is not what gets marked
		convs, err := db.ListConversations(ctx, e.ws.ID, 10)
		if err != nil || len(convs) != 1 || convs[0].UnreadCount != 2 {
			t.Fatalf("before: %+v, %v", convs, err)
		}
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		if err := e.svc.MarkConversationRead(ctx, e.ws.ID, convs[0].ID); err != nil {
			t.Fatal(err)
		}
		conv, _ := db.ConversationByID(ctx, e.ws.ID, convs[0].ID)
		if conv.UnreadCount != 0 {
			t.Fatalf("unread %d", conv.UnreadCount)
		}
		if ev := <-sub.C; ev.Type != domain.EventConversationUpdated {
			t.Fatalf("event %s", ev.Type)
		}
		want := outbound.MarkReadArgs{WorkspaceID: e.ws.ID, NumberID: e.num.ID, WAMID: last}
		args := jobArgs[outbound.MarkReadArgs](t, e, "mark_read")
		if len(args) != 1 || args[0] != want {
			t.Fatalf("mark_read jobs %+v, want [%+v] (not outbound message %d)", args, want, m.ID)
		}

		// Run the job as River would: the simulator records the read.
		a := args[0]
		if e.sim.ReadByBusiness(phoneID, last) {
			t.Fatal("read before the job ran")
		}
		w := &outbound.MarkReadWorker{S: e.svc}
		job := &river.Job[outbound.MarkReadArgs]{JobRow: &rivertype.JobRow{Attempt: 1, MaxAttempts: 5}, Args: a}
		if err := w.Work(ctx, job); err != nil {
			t.Fatal(err)
		}
		if !e.sim.ReadByBusiness(phoneID, last) || !e.sim.ReadByBusiness(phoneID, first) {
			t.Fatal("simulator: messages not read by the business")
		}
		if next := w.NextRetry(job); !next.Equal(clock.Now().Add(time.Second)) {
			t.Fatalf("NextRetry %v", next)
		}

		// A wamid Meta does not know is a permanent refusal: cancel, do not retry.
		job.Args.WAMID = "wamid.unknown"
		var ce *rivertype.JobCancelError
		if err := w.Work(ctx, job); !errors.As(err, &ce) {
			t.Fatalf("unknown wamid: %v", err)
		}

		// A second mark-read enqueues the same (unique) job only once.
		if err := e.svc.MarkConversationRead(ctx, e.ws.ID, convs[0].ID); err != nil {
			t.Fatal(err)
		}
		if n := len(jobArgs[outbound.MarkReadArgs](t, e, "mark_read")); n != 1 {
			t.Fatalf("%d mark_read jobs", n)
		}
		// Another workspace's conversation is not found.
		if err := e.svc.MarkConversationRead(ctx, e.ws.ID+100, convs[0].ID); !domain.IsNotFound(err) {
			t.Fatalf("foreign workspace: %v", err)
		}
	})
}

// A conversation the business started has nothing to mark at Meta.
func TestMarkConversationReadWithoutInbound(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		var convID int64
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			c, err := tx.UpsertContact(ctx, e.ws.ID, customer, "+"+customer, "")
			if err != nil {
				return err
			}
			convID, err = tx.EnsureConversation(ctx, e.ws.ID, e.num.ID, c.ID)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if err := e.svc.MarkConversationRead(ctx, e.ws.ID, convID); err != nil {
			t.Fatal(err)
		}
		if args := jobArgs[outbound.MarkReadArgs](t, e, "mark_read"); len(args) != 0 {
			t.Fatalf("jobs: %+v", args)
		}
	})
}

package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// conversationOf makes waID's conversation on number n.
func conversationOf(t *testing.T, db *store.DB, n domain.Number, waID string) (domain.Contact, int64) {
	t.Helper()
	var c domain.Contact
	var id int64
	err := db.WithTx(context.Background(), func(tx *store.Tx) (err error) {
		if c, err = tx.UpsertContact(context.Background(), n.WorkspaceID, waID, "+"+waID, "Ada"); err != nil {
			return err
		}
		id, err = tx.EnsureConversation(context.Background(), n.WorkspaceID, n.ID, c.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return c, id
}

func TestScheduledMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, b, na, _ := inboxFixture(t, db)
		u, err := db.CreateUser(ctx, domain.User{WorkspaceID: a.ID, Email: "ann@example.com", Name: "Ann", Role: domain.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		_, convID := conversationOf(t, db, na, "447700900123")
		at := func(d time.Duration) time.Time { return t0.Add(d) }
		add := func(d time.Duration, text string) domain.ScheduledMessage {
			t.Helper()
			m, err := db.CreateScheduled(ctx, domain.ScheduledMessage{WorkspaceID: a.ID, ConversationID: convID, CreatedBy: u.ID,
				SendAt: at(d), TimeZone: "Europe/Lisbon", Type: "text", Text: text})
			if err != nil {
				t.Fatal(err)
			}
			return m
		}
		later := add(2*time.Hour, "later")
		soon := add(time.Hour, "soon")
		if soon.Status != domain.ScheduledPending || soon.NumberID != na.ID || soon.WaID != "447700900123" || soon.CreatedByName != "Ann" ||
			!soon.SendAt.Equal(at(time.Hour)) || soon.TimeZone != "Europe/Lisbon" || soon.Error != nil || !soon.CreatedAt.Equal(t0) {
			t.Fatalf("created: %+v", soon)
		}
		_, err = db.CreateScheduled(ctx, domain.ScheduledMessage{WorkspaceID: b.ID, ConversationID: convID, SendAt: at(time.Hour), Type: "text", Text: "x"})
		wantCode(t, "another workspace's conversation", err, domain.CodeNotFound)
		_, err = db.ScheduledByID(ctx, b.ID, soon.ID)
		wantCode(t, "another workspace's message", err, domain.CodeNotFound)

		// Nothing is due before its time; at its time it is, soonest first.
		if due, err := db.DueScheduled(ctx, domain.Millis(at(time.Hour-time.Millisecond)), 10); err != nil || len(due) != 0 {
			t.Fatalf("due early: %v %+v", err, due)
		}
		now := at(3 * time.Hour)
		if due, err := db.DueScheduled(ctx, domain.Millis(now), 10); err != nil || len(due) != 2 || due[0].ID != soon.ID || due[1].ID != later.ID {
			t.Fatalf("due: %v %+v", err, due)
		}

		// One claim at a time; a live claim cannot be canceled.
		lease := domain.Millis(now.Add(2 * time.Minute))
		if ok, err := db.ClaimScheduled(ctx, soon.ID, "node-a", domain.Millis(now), lease); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		if ok, _ := db.ClaimScheduled(ctx, soon.ID, "node-b", domain.Millis(now), lease); ok {
			t.Fatal("claimed twice")
		}
		if due, _ := db.DueScheduled(ctx, domain.Millis(now), 10); len(due) != 1 || due[0].ID != later.ID {
			t.Fatalf("a claimed message is due again: %+v", due)
		}
		_, _, err = db.CancelScheduled(ctx, a.ID, soon.ID, domain.Millis(now))
		wantCode(t, "cancel while sending", err, domain.CodeConflict)

		// node-a dies; after its claim runs out node-b takes over, and
		// node-a can no longer mark it sent.
		expired := now.Add(3 * time.Minute)
		if due, _ := db.DueScheduled(ctx, domain.Millis(expired), 10); len(due) != 2 {
			t.Fatalf("an expired claim is not due again: %+v", due)
		}
		if ok, err := db.ClaimScheduled(ctx, soon.ID, "node-b", domain.Millis(expired), domain.Millis(expired.Add(2*time.Minute))); err != nil || !ok {
			t.Fatalf("take over: %v %v", ok, err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error { return tx.MarkScheduledSent(ctx, soon.ID, "node-a", 41) })
		if !errors.Is(err, store.ErrScheduledLost) {
			t.Fatalf("the old holder marked it sent: %v", err)
		}
		if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.MarkScheduledSent(ctx, soon.ID, "node-b", 42) }); err != nil {
			t.Fatal(err)
		}
		sent, _ := db.ScheduledByID(ctx, a.ID, soon.ID)
		if sent.Status != domain.ScheduledSent || sent.MessageID != 42 || sent.Attempts != 2 {
			t.Fatalf("sent: %+v", sent)
		}
		_, _, err = db.CancelScheduled(ctx, a.ID, soon.ID, domain.Millis(expired))
		wantCode(t, "cancel after sent", err, domain.CodeConflict)
		if ok, _ := db.ClaimScheduled(ctx, soon.ID, "node-c", domain.Millis(expired.Add(time.Hour)), 0); ok {
			t.Fatal("a sent message was claimed")
		}

		// Canceling: once, then again harmlessly; a canceled one never
		// comes due.
		clock.Advance(time.Minute)
		c, changed, err := db.CancelScheduled(ctx, a.ID, later.ID, domain.Millis(expired))
		if err != nil || !changed || c.Status != domain.ScheduledCanceled || !c.UpdatedAt.Equal(t0.Add(time.Minute)) {
			t.Fatalf("cancel: %v %v %+v", err, changed, c)
		}
		if _, changed, err := db.CancelScheduled(ctx, a.ID, later.ID, domain.Millis(expired)); err != nil || changed {
			t.Fatalf("cancel again: %v %v", changed, err)
		}
		_, _, err = db.CancelScheduled(ctx, b.ID, later.ID, domain.Millis(expired))
		wantCode(t, "b cancels a's", err, domain.CodeNotFound)
		if ok, _ := db.ClaimScheduled(ctx, later.ID, "node-a", domain.Millis(expired), 0); ok {
			t.Fatal("a canceled message was claimed")
		}

		// Failing and releasing need the claim.
		f := add(4*time.Hour, "refused later")
		fnow := domain.Millis(at(5 * time.Hour))
		if ok, _ := db.ClaimScheduled(ctx, f.ID, "node-a", fnow, fnow+1000); !ok {
			t.Fatal("claim f")
		}
		if err := db.ReleaseScheduled(ctx, f.ID, "node-a"); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.ClaimScheduled(ctx, f.ID, "node-b", fnow, fnow+1000); !ok {
			t.Fatal("a released message cannot be claimed")
		}
		refusal := domain.Errorf(domain.CodeWindowClosed, "Send a template.", "the window closed")
		if ok, _ := db.FailScheduled(ctx, f.ID, "node-a", refusal); ok {
			t.Fatal("failed by a node that does not hold it")
		}
		if ok, err := db.FailScheduled(ctx, f.ID, "node-b", refusal); err != nil || !ok {
			t.Fatalf("fail: %v %v", ok, err)
		}
		failed, _ := db.ScheduledByID(ctx, a.ID, f.ID)
		if failed.Status != domain.ScheduledFailed || failed.Error == nil || failed.Error.Code != domain.CodeWindowClosed ||
			failed.Error.Message != "the window closed" || failed.Error.Remedy != "Send a template." {
			t.Fatalf("failed: %+v", failed)
		}

		// Still to go first, soonest first; then the history, newest first.
		next := add(6*time.Hour, "next")
		first := add(5*time.Hour, "first")
		list, err := db.ListScheduled(ctx, a.ID, convID, 10)
		if err != nil {
			t.Fatal(err)
		}
		var order []int64
		for _, m := range list {
			order = append(order, m.ID)
		}
		if want := []int64{first.ID, next.ID, f.ID, later.ID, soon.ID}; !equalIDs(order, want) {
			t.Fatalf("list order %v, want %v", order, want)
		}
		if other, _ := db.ListScheduled(ctx, b.ID, convID, 10); len(other) != 0 {
			t.Fatalf("b lists a's: %+v", other)
		}
	})
}

func equalIDs(a, b []int64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestScheduledLimitPerConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _, na, _ := inboxFixture(t, db)
		_, convID := conversationOf(t, db, na, "447700900124")
		m := domain.ScheduledMessage{WorkspaceID: a.ID, ConversationID: convID, SendAt: t0.Add(time.Hour), TimeZone: "UTC", Type: "text", Text: "x"}
		var last domain.ScheduledMessage
		for range store.MaxPendingScheduled {
			var err error
			if last, err = db.CreateScheduled(ctx, m); err != nil {
				t.Fatal(err)
			}
		}
		_, err := db.CreateScheduled(ctx, m)
		wantCode(t, "one too many", err, domain.CodeInvalidArgument)
		if _, _, err := db.CancelScheduled(ctx, a.ID, last.ID, domain.Millis(t0)); err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateScheduled(ctx, m); err != nil {
			t.Fatalf("after a cancel there is room again: %v", err)
		}
	})
}

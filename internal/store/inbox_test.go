package store_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func hashOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func TestWebhookEventsDedupAndReplay(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		var evs []*store.WebhookEvent
		for i := range 2500 { // more than one insert chunk
			body := fmt.Sprintf(`{"n":%d}`, i)
			evs = append(evs, &store.WebhookEvent{Hash: hashOf(body), Body: []byte(body), ReceivedAt: 1})
		}
		// A retry inside the same batch.
		evs = append(evs, &store.WebhookEvent{Hash: hashOf(`{"n":7}`), Body: []byte(`{"n":7}`), ReceivedAt: 2})
		if err := db.InsertWebhookEvents(ctx, evs); err != nil {
			t.Fatal(err)
		}
		for i, ev := range evs[:2500] {
			if ev.Duplicate || ev.ID == 0 {
				t.Fatalf("event %d: %+v", i, ev)
			}
		}
		if last := evs[2500]; !last.Duplicate {
			t.Fatalf("in-batch retry not flagged duplicate: %+v", last)
		}
		// A retry in a later batch.
		again := &store.WebhookEvent{Hash: hashOf(`{"n":3}`), Body: []byte(`{"n":3}`)}
		fresh := &store.WebhookEvent{Hash: hashOf(`{"n":"x"}`), Body: []byte(`{"n":"x"}`)}
		if err := db.InsertWebhookEvents(ctx, []*store.WebhookEvent{again, fresh}); err != nil {
			t.Fatal(err)
		}
		if !again.Duplicate || fresh.Duplicate || fresh.ID == 0 {
			t.Fatalf("later batch: again=%+v fresh=%+v", again, fresh)
		}
		total, unapplied, err := db.CountWebhookEvents(ctx)
		if err != nil || total != 2501 || unapplied != 2501 {
			t.Fatalf("counts: %d %d %v", total, unapplied, err)
		}
		page, err := db.UnappliedWebhookEvents(ctx, 0, 10)
		if err != nil || len(page) != 10 || string(page[0].Body) != `{"n":0}` {
			t.Fatalf("replay page: %v %d", err, len(page))
		}
		var ids []int64
		for _, ev := range evs[:2000] {
			ids = append(ids, ev.ID)
		}
		if err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.MarkWebhookEventsApplied(ctx, ids) }); err != nil {
			t.Fatal(err)
		}
		rest, err := db.UnappliedWebhookEvents(ctx, 0, 10000)
		if err != nil || len(rest) != 501 || rest[0].ID != evs[2000].ID {
			t.Fatalf("after apply: %v %d", err, len(rest))
		}
		if after, _ := db.UnappliedWebhookEvents(ctx, rest[0].ID, 10000); len(after) != 500 {
			t.Fatalf("afterID paging: %d", len(after))
		}
	})
}

// inboxFixture creates two workspaces with a number each.
func inboxFixture(t *testing.T, db *store.DB) (a, b domain.Workspace, na, nb domain.Number) {
	ctx := context.Background()
	a, _ = db.CreateWorkspace(ctx, "a", "A")
	b, _ = db.CreateWorkspace(ctx, "b", "B")
	var err error
	if na, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: a.ID, WABAID: "w", PhoneNumberID: "pa", AccessTokenEnc: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	if nb, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: b.ID, WABAID: "w", PhoneNumberID: "pb", AccessTokenEnc: []byte{1}}); err != nil {
		t.Fatal(err)
	}
	return
}

func TestContactsConversationsMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, b, na, _ := inboxFixture(t, db)
		var conv domain.Conversation
		var in domain.Message
		ts := t0.Add(-time.Minute)
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			c, err := tx.UpsertContact(ctx, a.ID, "447700900123", "+447700900123", "Ada")
			if err != nil {
				return err
			}
			if c2, err := tx.UpsertContact(ctx, a.ID, "447700900123", "+447700900123", ""); err != nil || c2.ID != c.ID || c2.Name != "Ada" {
				t.Errorf("upsert with empty name: %v %+v", err, c2)
			}
			convID, err := tx.EnsureConversation(ctx, a.ID, na.ID, c.ID)
			if err != nil {
				return err
			}
			conv.ID = convID
			if again, _ := tx.EnsureConversation(ctx, a.ID, na.ID, c.ID); again != convID {
				t.Errorf("second EnsureConversation made a new one")
			}
			m := domain.Message{WorkspaceID: a.ID, ConversationID: conv.ID, NumberID: na.ID, ContactID: c.ID, Direction: domain.Inbound, Type: "text", Text: "hi", WAMID: "wamid.in1", Status: domain.StatusReceived, Timestamp: ts}
			var ok bool
			if in, ok, err = tx.InsertMessage(ctx, m); err != nil || !ok {
				return fmt.Errorf("insert: %v %v", ok, err)
			}
			if _, ok, err := tx.InsertMessage(ctx, m); err != nil || ok {
				t.Errorf("duplicate wamid inserted: %v %v", ok, err)
			}
			conv, err = tx.NoteInbound(ctx, convID, domain.Millis(ts), domain.Millis(domain.WindowExpiry(ts)), "hi", c)
			if err != nil {
				return err
			}
			// An older message replayed late must not shorten the window.
			old := ts.Add(-time.Hour)
			conv, err = tx.NoteInbound(ctx, convID, domain.Millis(old), domain.Millis(domain.WindowExpiry(old)), "older", c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if !conv.WindowExpiresAt.Equal(ts.Add(24*time.Hour)) || conv.LastMessageText != "hi" || conv.UnreadCount != 2 || conv.Contact.Name != "Ada" {
			t.Fatalf("conversation after inbound: %+v", conv)
		}
		if !conv.WindowOpen(clock.Now()) || conv.WindowOpen(ts.Add(25*time.Hour)) {
			t.Fatalf("window state wrong")
		}
		list, err := db.ListConversations(ctx, a.ID, 50)
		if err != nil || len(list) != 1 || list[0].ID != conv.ID {
			t.Fatalf("list: %v %+v", err, list)
		}
		if l, _ := db.ListConversations(ctx, b.ID, 50); len(l) != 0 {
			t.Fatalf("workspace b sees a's conversations")
		}
		if _, err := db.ConversationByID(ctx, b.ID, conv.ID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace conversation: %v", err)
		}
		if got, err := db.ConversationFor(ctx, a.ID, na.ID, conv.ContactID); err != nil || got.ID != conv.ID {
			t.Fatalf("ConversationFor: %v", err)
		}
		if c, err := db.ContactByWaID(ctx, a.ID, "447700900123"); err != nil || c.ID != conv.ContactID {
			t.Fatalf("contact by wa_id: %v", err)
		}
		if c, err := db.ContactByID(ctx, a.ID, conv.ContactID); err != nil || c.WaID != "447700900123" {
			t.Fatalf("contact by id: %v", err)
		}
		if _, err := db.ContactByID(ctx, b.ID, conv.ContactID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace contact by id: %v", err)
		}
		if _, err := db.ContactByWaID(ctx, b.ID, "447700900123"); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace contact: %v", err)
		}

		// Outbound: queued → sent (wamid recorded) → read; late delivered ignored.
		var out domain.Message
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			m := domain.Message{WorkspaceID: a.ID, ConversationID: conv.ID, NumberID: na.ID, ContactID: conv.ContactID, Direction: domain.Outbound, Type: "text", Text: "hello", Status: domain.StatusQueued}
			var err error
			if out, _, err = tx.InsertMessage(ctx, m); err != nil {
				return err
			}
			// Two outbound messages without wamid coexist (NULL is not unique).
			if _, ok, err := tx.InsertMessage(ctx, m); err != nil || !ok {
				return fmt.Errorf("second queued message: %v %v", ok, err)
			}
			_, err = tx.NoteOutbound(ctx, conv.ID, tx.Now(), "hello", conv.Contact)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		step := func(ch store.StatusChange) (domain.Message, bool) {
			var m domain.Message
			var changed bool
			if err := db.WithTx(ctx, func(tx *store.Tx) error {
				var err error
				m, changed, err = tx.UpdateMessageStatus(ctx, out.ID, ch)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			return m, changed
		}
		if m, ch := step(store.StatusChange{Status: domain.StatusSent, WAMID: "wamid.out1"}); !ch || m.WAMID != "wamid.out1" || m.Status != domain.StatusSent {
			t.Fatalf("sent: %v %+v", ch, m)
		}
		_ = db.WithTx(ctx, func(tx *store.Tx) error {
			m, ok, err := tx.AdvanceStatusByWAMID(ctx, na.ID, "wamid.out1", store.StatusChange{Status: domain.StatusDelivered})
			if err != nil || !ok || m.Status != domain.StatusDelivered || m.ID != out.ID {
				t.Errorf("advance by wamid: %v %v %+v", ok, err, m)
			}
			if _, ok, err := tx.AdvanceStatusByWAMID(ctx, na.ID, "wamid.out1", store.StatusChange{Status: domain.StatusSent}); err != nil || ok {
				t.Errorf("advance backwards changed something: %v %v", ok, err)
			}
			if _, ok, err := tx.AdvanceStatusByWAMID(ctx, na.ID, "wamid.nope", store.StatusChange{Status: domain.StatusRead}); err != nil || ok {
				t.Errorf("unknown wamid: %v %v", ok, err)
			}
			return nil
		})
		if m, ch := step(store.StatusChange{Status: domain.StatusRead}); !ch || m.Status != domain.StatusRead {
			t.Fatalf("read: %+v", m)
		}
		if m, ch := step(store.StatusChange{Status: domain.StatusDelivered}); ch || m.Status != domain.StatusRead {
			t.Fatalf("delivered after read moved status back: %+v", m)
		}
		if m, ch := step(store.StatusChange{Status: domain.StatusRead}); ch {
			t.Fatalf("duplicate read changed something: %+v", m)
		}
		_ = db.WithTx(ctx, func(tx *store.Tx) error {
			if m, err := tx.MessageByWAMID(ctx, na.ID, "wamid.out1"); err != nil || m.ID != out.ID {
				t.Errorf("by wamid: %v", err)
			}
			return nil
		})
		msgs, err := db.ListMessages(ctx, a.ID, conv.ID, 2)
		if err != nil || len(msgs) != 2 || msgs[0].ID != out.ID {
			t.Fatalf("list newest 2 oldest-first: %v %+v", err, msgs)
		}
		if _, err := db.MessageByID(ctx, b.ID, in.ID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace message: %v", err)
		}
		if m, err := db.MessageByID(ctx, a.ID, in.ID); err != nil || m.WAMID != "wamid.in1" || !m.Timestamp.Equal(ts) {
			t.Fatalf("by id: %v %+v", err, m)
		}
		counts, err := db.CountMessagesByStatus(ctx)
		if err != nil || counts[domain.StatusRead] != 1 || counts[domain.StatusQueued] != 1 {
			t.Fatalf("counts: %v %v", err, counts)
		}
		rc, last, err := db.MarkConversationRead(ctx, a.ID, conv.ID)
		if err != nil || rc.UnreadCount != 0 || last != "wamid.in1" {
			t.Fatalf("mark read: %v %+v %q", err, rc, last)
		}
		if _, _, err := db.MarkConversationRead(ctx, b.ID, conv.ID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace mark read: %v", err)
		}
	})
}

// TestPreviewWithinOneSecond: a customer's answer stamped (by Meta, in
// whole seconds) in the same second as our reply leads the preview.
func TestPreviewWithinOneSecond(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _, na, _ := inboxFixture(t, db)
		ws, num := a.ID, na.ID
		sec := clock.Now().Truncate(time.Second)
		var conv domain.Conversation
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			c, err := tx.UpsertContact(ctx, ws, "447700900124", "+447700900124", "Ada")
			if err != nil {
				return err
			}
			id, err := tx.EnsureConversation(ctx, ws, num, c.ID)
			if err != nil {
				return err
			}
			if _, err = tx.NoteOutbound(ctx, id, domain.Millis(sec.Add(400*time.Millisecond)), "our reply", c); err != nil {
				return err
			}
			conv, err = tx.NoteInbound(ctx, id, domain.Millis(sec), domain.Millis(domain.WindowExpiry(sec)), "their answer", c)
			if err != nil {
				return err
			}
			// One stamped in an earlier second is older than the reply.
			conv, err = tx.NoteInbound(ctx, id, domain.Millis(sec.Add(-time.Second)), domain.Millis(domain.WindowExpiry(sec)), "earlier", c)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		if conv.LastMessageText != "their answer" {
			t.Fatalf("preview %q, want the customer's answer", conv.LastMessageText)
		}
	})
}

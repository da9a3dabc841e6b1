package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func reactionLine(rs []domain.Reaction) string {
	s := ""
	for _, r := range rs {
		s += fmt.Sprintf("%s:%s:%s:%s;", r.Reactor, r.Direction, r.Emoji, r.UserName)
	}
	return s
}

// TestReactions: one current reaction per reactor, the latest by time
// wins whatever order they arrive in, a removal is remembered (an older
// reaction arriving late does not bring it back), reads are batched and
// scoped to the workspace, and a refused reaction comes off only if it is
// still the current one.
func TestReactions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		target, other := f.message(t, db), f.message(t, db)
		src := func() int64 { return f.message(t, db).ID } // a message carrying a reaction
		upsert := func(r domain.Reaction) bool {
			t.Helper()
			r.WorkspaceID = f.a.ID
			if r.MessageID == 0 {
				r.MessageID = target.ID
			}
			var changed bool
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				var err error
				changed, err = tx.UpsertReaction(ctx, r)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return changed
		}
		read := func() string {
			t.Helper()
			var rs []domain.Reaction
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				var err error
				rs, err = tx.ReactionsOf(ctx, target.ID)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return reactionLine(rs)
		}
		cust := "447700900123"
		thumb := src()
		if !upsert(domain.Reaction{Reactor: cust, Direction: domain.Inbound, Emoji: "👍", SourceID: thumb, At: t0}) {
			t.Fatal("first reaction not recorded")
		}
		if upsert(domain.Reaction{Reactor: cust, Direction: domain.Inbound, Emoji: "👍", SourceID: thumb, At: t0}) {
			t.Fatal("the same reaction again changed something")
		}
		if !upsert(domain.Reaction{Reactor: cust, Direction: domain.Inbound, Emoji: "❤️", SourceID: src(), At: t0.Add(2 * time.Second)}) {
			t.Fatal("a newer reaction did not replace")
		}
		if upsert(domain.Reaction{Reactor: cust, Direction: domain.Inbound, Emoji: "😮", SourceID: src(), At: t0.Add(time.Second)}) {
			t.Fatal("an older reaction arriving late replaced a newer one")
		}
		ours := src()
		if !upsert(domain.Reaction{Reactor: "15550100001", Direction: domain.Outbound, Emoji: "🙏", UserID: f.ada.ID, SourceID: ours, At: t0.Add(3 * time.Second)}) {
			t.Fatal("our reaction not recorded")
		}
		if got := read(); got != cust+":inbound:❤️:;15550100001:outbound:🙏:Ada;" {
			t.Fatalf("reactions: %s", got)
		}

		// Batched read of a page, scoped to the workspace.
		if !upsert(domain.Reaction{MessageID: other.ID, Reactor: cust, Direction: domain.Inbound, Emoji: "👀", SourceID: src(), At: t0}) {
			t.Fatal("reaction on the other message")
		}
		page, err := db.ReactionsOfMessages(ctx, f.a.ID, []int64{target.ID, other.ID, 987654})
		if err != nil || reactionLine(page[target.ID]) != read() || reactionLine(page[other.ID]) != cust+":inbound:👀:;" || len(page) != 2 {
			t.Fatalf("page: %v %v", page, err)
		}
		if page, err := db.ReactionsOfMessages(ctx, f.b.ID, []int64{target.ID}); err != nil || len(page) != 0 {
			t.Fatalf("another workspace sees reactions: %v %v", page, err)
		}

		// A removal hides it and stays against a late older reaction.
		if !upsert(domain.Reaction{Reactor: cust, Direction: domain.Inbound, Emoji: "", SourceID: src(), At: t0.Add(5 * time.Second)}) {
			t.Fatal("removal not recorded")
		}
		if upsert(domain.Reaction{Reactor: cust, Direction: domain.Inbound, Emoji: "👍", SourceID: src(), At: t0.Add(4 * time.Second)}) {
			t.Fatal("a late older reaction undid the removal")
		}
		if got := read(); got != "15550100001:outbound:🙏:Ada;" {
			t.Fatalf("after removal: %s", got)
		}

		// Our reaction is taken back only by the message that set it.
		var dropped [2]bool
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			if dropped[0], err = tx.DropReactionFrom(ctx, target.ID, thumb); err != nil {
				return err
			}
			dropped[1], err = tx.DropReactionFrom(ctx, target.ID, ours)
			return err
		})
		if err != nil || dropped[0] || !dropped[1] || read() != "" {
			t.Fatalf("drop: %v %v %q", dropped, err, read())
		}
	})
}

// TestQuotedMessages resolves quoted wamids per number in one query, and
// never across workspaces.
func TestQuotedMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		m1, m2 := f.message(t, db), f.message(t, db)
		want := map[int64][]string{f.na.ID: {m1.WAMID, m2.WAMID, "wamid.unknown", m1.WAMID}, 987654: {m1.WAMID}}
		got, err := db.QuotedMessages(ctx, f.a.ID, want)
		if err != nil || len(got) != 1 || len(got[f.na.ID]) != 2 {
			t.Fatalf("quoted: %+v %v", got, err)
		}
		if q := got[f.na.ID][m2.WAMID]; q.ID != m2.ID || q.Text != m2.Text || q.Type != "text" {
			t.Fatalf("quoted m2: %+v", q)
		}
		if got, err := db.QuotedMessages(ctx, f.b.ID, want); err != nil || len(got) != 0 {
			t.Fatalf("another workspace: %+v %v", got, err)
		}
		if got, err := db.QuotedMessages(ctx, f.a.ID, nil); err != nil || len(got) != 0 {
			t.Fatalf("nothing asked: %+v %v", got, err)
		}
	})
}

// TestRetryClaimAndLinks: forwarded and retry links survive the round
// trip; a failed message is claimed by one retry only, and a message that
// has not failed cannot be.
func TestRetryClaimAndLinks(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		insert := func(m domain.Message) domain.Message {
			t.Helper()
			m.WorkspaceID, m.ConversationID, m.NumberID, m.ContactID, m.Type, m.Text = f.a.ID, f.convA, f.na.ID, f.contactA.ID, "text", "hi"
			var out domain.Message
			err := db.WithTx(ctx, func(tx *store.Tx) error {
				var err error
				out, _, err = tx.InsertMessage(ctx, m)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return out
		}
		fwd := insert(domain.Message{Direction: domain.Inbound, Status: domain.StatusReceived, WAMID: "wamid.fwd", Forwarded: true})
		if !fwd.Forwarded {
			t.Fatalf("forwarded lost: %+v", fwd)
		}
		failed := insert(domain.Message{Direction: domain.Outbound, Status: domain.StatusFailed})
		sent := insert(domain.Message{Direction: domain.Outbound, Status: domain.StatusSent})
		claim := func(orig int64) (domain.Message, error) {
			retry := insert(domain.Message{Direction: domain.Outbound, Status: domain.StatusQueued, RetryOf: orig})
			if retry.RetryOf != orig {
				t.Fatalf("retry_of lost: %+v", retry)
			}
			err := db.WithTx(ctx, func(tx *store.Tx) error { return tx.ClaimRetry(ctx, orig, retry.ID) })
			return retry, err
		}
		first, err := claim(failed.ID)
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := db.MessageByID(ctx, f.a.ID, failed.ID); m.RetriedBy != first.ID {
			t.Fatalf("retried_by: %+v", m)
		}
		_, err = claim(failed.ID)
		if de, ok := err.(*domain.Error); !ok || de.Code != domain.CodeConflict || de.Remedy != fmt.Sprintf("Follow the retry: GET /api/v1/messages/%d.", first.ID) {
			t.Fatalf("second claim: %v", err)
		}
		if _, err := claim(sent.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("claiming a sent message: %v", err)
		}
		if wamid, err := db.LastInboundWAMID(ctx, f.convA); err != nil || wamid != "wamid.fwd" {
			t.Fatalf("last inbound: %q %v", wamid, err)
		}
	})
}

// TestNonAssigneeReplySetting: warn by default, kept when saved, and the
// assignee's name is readable inside a send.
func TestNonAssigneeReplySetting(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		st, err := db.WorkspaceSettings(ctx, f.a.ID)
		if err != nil || st.NonAssigneeReply != domain.NonAssigneeWarn {
			t.Fatalf("default: %+v %v", st, err)
		}
		st.NonAssigneeReply = domain.NonAssigneeBlock
		if err := db.SaveWorkspaceSettings(ctx, f.a.ID, st); err != nil {
			t.Fatal(err)
		}
		if st, err := db.WorkspaceSettings(ctx, f.a.ID); err != nil || st.NonAssigneeReply != domain.NonAssigneeBlock {
			t.Fatalf("saved: %+v %v", st, err)
		}
		if _, _, err := db.AssignConversation(ctx, f.a.ID, f.convA, f.bob.ID, domain.Actor{Kind: domain.ActorSystem}, nil); err != nil {
			t.Fatal(err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			id, name, err := tx.ConversationAssigneeName(ctx, f.convA)
			if err == nil && (id != f.bob.ID || name != "bob@example.com") {
				t.Errorf("assignee: %d %q (a member without a name shows their email)", id, name)
			}
			if id, name, err := tx.ConversationAssigneeName(ctx, f.convB); err != nil || id != 0 || name != "" {
				t.Errorf("unassigned: %d %q %v", id, name, err)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestContactPanel: attributes, tags, the ledger and the contact's
// conversations on every number, newest first, with each number's name.
func TestContactPanel(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, b, na, _ := inboxFixture(t, db)
		na2, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: a.ID, WABAID: "w", PhoneNumberID: "pa2", DisplayPhoneNumber: "+1 555 0102",
			VerifiedName: "Acme Support", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := db.ImportContacts(ctx, a.ID, []store.ContactImport{{WaID: "447700900123", Phone: "+447700900123", Name: "Ada",
			Tags: []string{"vip", "lisbon"}, Attributes: map[string]string{"plan": "gold"}, OptInFrom: "import", Evidence: "form.pdf"}}, "owner@example.com"); err != nil {
			t.Fatal(err)
		}
		c, err := db.ContactByWaID(ctx, a.ID, "447700900123")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: c.ID, Action: domain.ConsentOptOutMarketing, Source: "agent"}); err != nil {
			t.Fatal(err)
		}
		// The contact writes to the first number, later to the second.
		inbound := func(n domain.Number, at time.Time, text string) int64 {
			t.Helper()
			var id int64
			err := db.WithTx(ctx, func(tx *store.Tx) (err error) {
				if id, err = tx.EnsureConversation(ctx, a.ID, n.ID, c.ID); err != nil {
					return err
				}
				_, err = tx.NoteInbound(ctx, id, domain.Millis(at), domain.Millis(domain.WindowExpiry(at)), text, c)
				return err
			})
			if err != nil {
				t.Fatal(err)
			}
			return id
		}
		old := inbound(na, t0.Add(-48*time.Hour), "an old question")
		recent := inbound(na2, t0.Add(-time.Hour), "a new one")
		if _, _, err := db.AssignConversation(ctx, a.ID, recent, mustUser(t, db, a.ID).ID, domain.Actor{Kind: domain.ActorSystem}, nil); err != nil {
			t.Fatal(err)
		}

		p, err := db.ContactPanel(ctx, a.ID, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if p.Contact.ID != c.ID || p.Contact.Name != "Ada" || p.Attributes["plan"] != "gold" || len(p.Tags) != 2 || p.Tags[0] != "lisbon" {
			t.Fatalf("panel: %+v", p)
		}
		if len(p.Consent) != 2 || p.Consent[0].Action != domain.ConsentOptIn || p.Consent[1].Action != domain.ConsentOptOutMarketing {
			t.Fatalf("ledger: %+v", p.Consent)
		}
		if len(p.Threads) != 2 {
			t.Fatalf("threads: %+v", p.Threads)
		}
		newest, oldest := p.Threads[0], p.Threads[1]
		if newest.Conversation.ID != recent || newest.NumberPhone != "+1 555 0102" || newest.NumberName != "Acme Support" || !newest.NumberConnected ||
			newest.Conversation.AssigneeName != "Zed" || newest.Conversation.LastMessageText != "a new one" || !newest.Conversation.WindowOpen(t0) ||
			newest.Conversation.Contact.ID != c.ID {
			t.Fatalf("newest thread: %+v", newest)
		}
		if oldest.Conversation.ID != old || oldest.Conversation.NumberID != na.ID || oldest.Conversation.WindowOpen(t0) || oldest.Conversation.AssigneeID != 0 {
			t.Fatalf("oldest thread: %+v", oldest)
		}

		// A contact with no conversations has an empty list, not null.
		if _, _, err := db.ImportContacts(ctx, a.ID, []store.ContactImport{{WaID: "447700900999", Phone: "+447700900999"}}, "x"); err != nil {
			t.Fatal(err)
		}
		lone, _ := db.ContactByWaID(ctx, a.ID, "447700900999")
		if p, err := db.ContactPanel(ctx, a.ID, lone.ID); err != nil || p.Threads == nil || len(p.Threads) != 0 || p.Tags == nil || len(p.Attributes) != 0 {
			t.Fatalf("lone contact: %v %+v", err, p)
		}
		_, err = db.ContactPanel(ctx, b.ID, c.ID)
		wantCode(t, "another workspace's contact", err, domain.CodeNotFound)
	})
}

func mustUser(t *testing.T, db *store.DB, workspaceID int64) domain.User {
	t.Helper()
	u, err := db.CreateUser(context.Background(), domain.User{WorkspaceID: workspaceID, Email: "zed@example.com", Name: "Zed", Role: domain.RoleAgent, PasswordHash: "x"})
	if err != nil {
		t.Fatal(err)
	}
	return u
}

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

// stageFixture is a running broadcast to three imported contacts, the
// first of whom already has a conversation.
type stageFixture struct {
	ws       domain.Workspace
	num      domain.Number
	contacts []domain.Contact
	recips   []domain.Recipient
	conv0    int64
}

func newStageFixture(t *testing.T, db *store.DB) stageFixture {
	t.Helper()
	ctx := context.Background()
	var f stageFixture
	var err error
	if f.ws, err = db.CreateWorkspace(ctx, "stage", "Stage"); err != nil {
		t.Fatal(err)
	}
	if f.num, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: f.ws.ID, WABAID: "w1", PhoneNumberID: "p1", DisplayPhoneNumber: "15550001111", AccessTokenEnc: []byte("sealed")}); err != nil {
		t.Fatal(err)
	}
	var rows []store.ContactImport
	for i := range 3 {
		wa := fmt.Sprintf("44790000000%d", i)
		rows = append(rows, store.ContactImport{WaID: wa, Phone: "+" + wa, Name: fmt.Sprintf("C%d", i), OptInFrom: "test", Evidence: "form"})
	}
	if _, _, err := db.ImportContacts(ctx, f.ws.ID, rows, "test"); err != nil {
		t.Fatal(err)
	}
	for _, r := range rows {
		c, err := db.ContactByWaID(ctx, f.ws.ID, r.WaID)
		if err != nil {
			t.Fatal(err)
		}
		f.contacts = append(f.contacts, c)
	}
	if err := db.WithTx(ctx, func(tx *store.Tx) (err error) {
		f.conv0, err = tx.EnsureConversation(ctx, f.ws.ID, f.num.ID, f.contacts[0].ID)
		return err
	}); err != nil {
		t.Fatal(err)
	}
	b, err := db.CreateBroadcast(ctx, domain.Broadcast{WorkspaceID: f.ws.ID, Name: "b", NumberID: f.num.ID, TemplateName: "t", TemplateLanguage: "en",
		Status: domain.BroadcastRunning})
	if err != nil {
		t.Fatal(err)
	}
	err = db.WithTx(ctx, func(tx *store.Tx) error {
		var nr []store.NewRecipient
		for _, c := range f.contacts {
			nr = append(nr, store.NewRecipient{ContactID: c.ID, WaID: c.WaID, Name: c.Name, State: domain.RecipientPending})
		}
		if err := tx.AddRecipients(ctx, b.ID, nr); err != nil {
			return err
		}
		f.recips, err = tx.ClaimableRecipients(ctx, b.ID, time.Now().Add(time.Hour), 10)
		return err
	})
	if err != nil || len(f.recips) != 3 {
		t.Fatalf("recipients: %d %v", len(f.recips), err)
	}
	return f
}

// stage stages every fixture recipient and returns the sends with their
// message ids.
func (f stageFixture) stage(t *testing.T, db *store.DB, now time.Time) []store.NewSend {
	t.Helper()
	ctx := context.Background()
	var sends []store.NewSend
	for i, r := range f.recips {
		s := store.NewSend{RecipientID: r.ID, ContactID: f.contacts[i].ID, WaID: f.contacts[i].WaID, Text: fmt.Sprintf("Hi C%d", i),
			Payload: []byte(`{"name":"t"}`), Policy: []byte(`{"allowed":true}`), TakesTierSlot: i != 2, PairTokens: 1.5, PairAt: now}
		if i == 0 {
			s.ConversationID = f.conv0
		}
		sends = append(sends, s)
	}
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		return tx.StageSends(ctx, f.ws.ID, f.num.ID, "port", sends)
	})
	if err != nil {
		t.Fatal(err)
	}
	return sends
}

func TestStageSends(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newStageFixture(t, db)
		sends := f.stage(t, db, clock.Now())
		seen := map[int64]bool{}
		for i, s := range sends {
			if s.MessageID == 0 || seen[s.MessageID] {
				t.Fatalf("send %d: message id %d", i, s.MessageID)
			}
			seen[s.MessageID] = true
			m, err := db.MessageByID(ctx, f.ws.ID, s.MessageID)
			if err != nil {
				t.Fatal(err)
			}
			if m.ContactID != f.contacts[i].ID || m.Status != domain.StatusSending || m.Text != s.Text || m.Direction != domain.Outbound || string(m.Policy) != `{"allowed":true}` {
				t.Errorf("message %d: %+v", i, m)
			}
			conv, err := db.ConversationByID(ctx, f.ws.ID, m.ConversationID)
			if err != nil || conv.ContactID != f.contacts[i].ID || conv.LastMessageText != s.Text {
				t.Errorf("conversation %d: %+v %v", i, conv, err)
			}
			if i == 0 && m.ConversationID != f.conv0 {
				t.Errorf("existing conversation not used: %d", m.ConversationID)
			}
			var tokens float64
			var at time.Time
			if err := db.WithTx(ctx, func(tx *store.Tx) (err error) {
				tokens, at, err = tx.PairBucket(ctx, f.num.ID, f.contacts[i].ID)
				return err
			}); err != nil {
				t.Fatal(err)
			}
			if tokens != 1.5 || !at.Equal(clock.Now()) {
				t.Errorf("pair bucket %d: %v %v", i, tokens, at)
			}
			_, counted, _, err := db.TierUsage(ctx, "port", f.contacts[i].WaID, clock.Now())
			if err != nil || counted != (i != 2) {
				t.Errorf("tier slot %d: counted %v %v", i, counted, err)
			}
		}
		got, err := db.ListRecipients(ctx, f.recips[0].BroadcastID, "all", nil, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			if r.State != domain.RecipientSending || r.MessageID != sends[i].MessageID {
				t.Errorf("recipient %d: %s message %d, want sending %d", i, r.State, r.MessageID, sends[i].MessageID)
			}
		}
	})
}

func TestAcceptMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newStageFixture(t, db)
		sends := f.stage(t, db, clock.Now())
		// A status webhook got to the second message first.
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.UpdateMessageStatus(ctx, sends[1].MessageID, store.StatusChange{Status: domain.StatusDelivered})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		acc := []store.Accepted{{MessageID: sends[0].MessageID, WAMID: "wamid.A"}, {MessageID: sends[1].MessageID, WAMID: "wamid.B"},
			{MessageID: sends[2].MessageID, WAMID: "wamid.C", Held: true}}
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			busy, err := tx.AcceptMessages(ctx, acc)
			if len(busy) > 0 {
				t.Errorf("busy with nothing else running: %v", busy)
			}
			if err != nil {
				return err
			}
			return tx.FinishRecipients(ctx, []int64{f.recips[0].ID, f.recips[1].ID, f.recips[2].ID})
		})
		if err != nil {
			t.Fatal(err)
		}
		want := []struct {
			st    domain.Status
			wamid string
		}{{domain.StatusSent, "wamid.A"}, {domain.StatusDelivered, "wamid.B"}, {domain.StatusHeld, "wamid.C"}}
		for i, w := range want {
			m, err := db.MessageByID(ctx, f.ws.ID, sends[i].MessageID)
			if err != nil || m.Status != w.st || m.WAMID != w.wamid {
				t.Errorf("message %d: %s %q %v, want %s %q", i, m.Status, m.WAMID, err, w.st, w.wamid)
			}
		}
		got, err := db.ListRecipients(ctx, f.recips[0].BroadcastID, "all", nil, 0, 10)
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range got {
			if r.State != domain.RecipientSent {
				t.Errorf("recipient %d: %s", i, r.State)
			}
		}
	})
}

// TestAcceptMessagesSkipsHeldRows: on PostgreSQL a message row another
// transaction holds (the applier applying its status webhook) is left
// for later instead of waited for, so the two cannot deadlock.
func TestAcceptMessagesSkipsHeldRows(t *testing.T) {
	storetest.RequirePostgres(t)
	clock := domain.NewFakeClock(storetest.T0)
	db := storetest.Open(t, store.Postgres, clock)
	ctx := context.Background()
	f := newStageFixture(t, db)
	sends := f.stage(t, db, clock.Now())
	err := db.WithTx(ctx, func(applier *store.Tx) error {
		if _, _, err := applier.UpdateMessageStatus(ctx, sends[0].MessageID, store.StatusChange{Status: domain.StatusDelivered, WAMID: "wamid.A"}); err != nil {
			return err
		}
		done := make(chan error, 1)
		go func() {
			done <- db.WithTx(ctx, func(tx *store.Tx) error {
				busy, err := tx.AcceptMessages(ctx, []store.Accepted{{MessageID: sends[0].MessageID, WAMID: "wamid.A"}, {MessageID: sends[1].MessageID, WAMID: "wamid.B"}})
				if err == nil && (len(busy) != 1 || busy[0] != sends[0].MessageID) {
					err = fmt.Errorf("busy %v, want [%d]", busy, sends[0].MessageID)
				}
				return err
			})
		}()
		select {
		case err := <-done:
			return err
		case <-time.After(30 * time.Second):
			return fmt.Errorf("AcceptMessages waited for a row another transaction holds")
		}
	})
	if err != nil {
		t.Fatal(err)
	}
	m, err := db.MessageByID(ctx, f.ws.ID, sends[1].MessageID)
	if err != nil || m.Status != domain.StatusSent || m.WAMID != "wamid.B" {
		t.Fatalf("free row: %s %q %v", m.Status, m.WAMID, err)
	}
}

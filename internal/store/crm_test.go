package store_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func newCRMConn(t *testing.T, db *store.DB, ws int64, provider, account string) store.CRMConnection {
	t.Helper()
	c, err := db.SaveCRMConnection(context.Background(), store.CRMConnection{WorkspaceID: ws, Provider: provider, Auth: "private_app",
		AccountID: account, AccountName: "Acme", RecordURL: "https://crm.example/{id}", TokensEnc: []byte{1, 2, 3}, WebhookKey: "key-" + provider + account})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// Connections: one per provider and workspace; a reconnect clears a broken
// state and backoff but keeps settings and the timeline position; other
// workspaces see nothing.
func TestCRMConnections(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		c := newCRMConn(t, db, a.ID, "hubspot", "62515")
		if c.Status != store.CRMActive || c.TimelineCursor != 0 || c.Settings != "{}" {
			t.Fatalf("new connection: %+v", c)
		}
		if err := db.SetCRMSettings(ctx, c.ID, `{"create_leads":false}`); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCRMStatus(ctx, c.ID, store.CRMBroken, "token revoked"); err != nil {
			t.Fatal(err)
		}
		if err := db.SetCRMBackoff(ctx, c.ID, domain.Millis(clock.Now().Add(time.Hour)), 3, "503"); err != nil {
			t.Fatal(err)
		}
		again := newCRMConn(t, db, a.ID, "hubspot", "62515")
		if again.ID != c.ID || again.Status != store.CRMActive || again.StatusReason != "" || again.Failures != 0 || again.NextAttemptAt != 0 || again.Settings != `{"create_leads":false}` {
			t.Fatalf("reconnect: %+v", again)
		}
		if cs, _ := db.CRMConnections(ctx, b.ID); len(cs) != 0 {
			t.Fatalf("workspace b sees %d connections", len(cs))
		}
		if _, err := db.CRMConnection(ctx, b.ID, "hubspot"); !domain.IsNotFound(err) {
			t.Fatalf("other workspace: %v", err)
		}
		if cs, _ := db.CRMConnectionsByAccount(ctx, "hubspot", "62515"); len(cs) != 1 || cs[0].ID != c.ID {
			t.Fatalf("by account: %+v", cs)
		}
		if cs, _ := db.CRMConnectionsByWebhookKey(ctx, "hubspot", "key-hubspot62515"); len(cs) != 1 {
			t.Fatalf("by key: %+v", cs)
		}
		if err := db.DeleteCRMConnection(ctx, b.ID, "hubspot"); !domain.IsNotFound(err) {
			t.Fatalf("delete from another workspace: %v", err)
		}
		if err := db.DeleteCRMConnection(ctx, a.ID, "hubspot"); err != nil {
			t.Fatal(err)
		}
	})
}

// The refresh lock admits one holder until it expires or is released, and
// saving tokens releases it in the same statement.
func TestCRMRefreshLockAndLease(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		c := newCRMConn(t, db, ws.ID, "zoho", "org1")
		until := domain.Millis(clock.Now().Add(30 * time.Second))
		var wg sync.WaitGroup
		var mu sync.Mutex
		won := 0
		for range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				ok, err := db.ClaimCRMRefresh(ctx, c.ID, until)
				if err != nil {
					t.Error(err)
				}
				if ok {
					mu.Lock()
					won++
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if won != 1 {
			t.Fatalf("%d refreshers got the lock, want 1", won)
		}
		if err := db.SaveCRMTokens(ctx, c.ID, []byte("new"), 42); err != nil {
			t.Fatal(err)
		}
		if ok, _ := db.ClaimCRMRefresh(ctx, c.ID, until); !ok {
			t.Fatal("saving tokens did not release the lock")
		}
		got, _ := db.CRMConnectionByID(ctx, c.ID)
		if string(got.TokensEnc) != "new" || got.TokenExpiresAt != 42 {
			t.Fatalf("tokens: %+v", got)
		}
		clock.Advance(31 * time.Second)
		if ok, _ := db.ClaimCRMRefresh(ctx, c.ID, domain.Millis(clock.Now().Add(30*time.Second))); !ok {
			t.Fatal("an expired lock is not taken over")
		}

		// Leases: one node at a time, broken and backing-off connections skipped.
		l1, _ := db.LeaseCRMConnections(ctx, "n1", domain.Millis(clock.Now().Add(time.Minute)))
		l2, _ := db.LeaseCRMConnections(ctx, "n2", domain.Millis(clock.Now().Add(time.Minute)))
		if len(l1) != 1 || len(l2) != 0 {
			t.Fatalf("leases: n1 %d, n2 %d", len(l1), len(l2))
		}
		_ = db.ReleaseCRMLease(ctx, c.ID, "n1")
		_ = db.SetCRMBackoff(ctx, c.ID, domain.Millis(clock.Now().Add(time.Minute)), 1, "503")
		if l, _ := db.LeaseCRMConnections(ctx, "n2", domain.Millis(clock.Now().Add(time.Minute))); len(l) != 0 {
			t.Fatal("a connection backing off was leased")
		}
		clock.Advance(2 * time.Minute)
		_ = db.SetCRMStatus(ctx, c.ID, store.CRMBroken, "revoked")
		if l, _ := db.LeaseCRMConnections(ctx, "n2", domain.Millis(clock.Now().Add(time.Minute))); len(l) != 0 {
			t.Fatal("a broken connection was leased")
		}
	})
}

// Links, events, deal stages and sends: each is stored once however often
// it is offered.
func TestCRMSyncState(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		c := newCRMConn(t, db, ws.ID, "hubspot", "1")

		var wg sync.WaitGroup
		for range 5 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if l, err := db.ClaimCRMLink(ctx, c.ID, "+15550001"); err != nil || l.CRMID != "" {
					t.Errorf("claim: %+v %v", l, err)
				}
			}()
		}
		wg.Wait()
		if err := db.SetCRMLink(ctx, store.CRMLink{ConnectionID: c.ID, Phone: "+15550001", CRMID: "512", CreatedByUs: true}); err != nil {
			t.Fatal(err)
		}
		if l, _ := db.ClaimCRMLink(ctx, c.ID, "+15550001"); l.CRMID != "512" || !l.CreatedByUs {
			t.Fatalf("link: %+v", l)
		}
		if recs, _ := db.CRMRecordsForPhone(ctx, ws.ID, "+15550001"); len(recs) != 1 || recs[0].URL != "https://crm.example/512" {
			t.Fatalf("records: %+v", recs)
		}

		ev := store.CRMEvent{ConnectionID: c.ID, DedupeKey: "k1", Kind: "deal", ObjectID: "9001", Body: "{}"}
		for range 3 {
			if _, err := db.InsertCRMEvents(ctx, []store.CRMEvent{ev}); err != nil {
				t.Fatal(err)
			}
		}
		evs, _ := db.PendingCRMEvents(ctx, c.ID, 10)
		if len(evs) != 1 {
			t.Fatalf("%d events stored from 3 deliveries", len(evs))
		}
		rule, err := db.AddCRMRule(ctx, store.CRMRule{ConnectionID: c.ID, StageID: "qualifiedtobuy", TemplateName: "quote_ready", TemplateLanguage: "en_US", Parameters: `["{{contact.firstname}}"]`})
		if err != nil {
			t.Fatal(err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			if s, err := tx.DealStage(ctx, c.ID, "9001"); err != nil || s != "" {
				t.Errorf("unseen deal stage %q %v", s, err)
			}
			if err := tx.SetDealStage(ctx, c.ID, "9001", "default", "qualifiedtobuy"); err != nil {
				return err
			}
			send := store.CRMSend{ConnectionID: c.ID, RuleID: rule.ID, DealID: "9001", EventID: evs[0].ID, ContactCRMID: "512"}
			if err := tx.AddCRMSends(ctx, []store.CRMSend{send, send}); err != nil {
				return err
			}
			return tx.FinishCRMEvent(ctx, evs[0].ID, "")
		})
		if err != nil {
			t.Fatal(err)
		}
		if evs, _ := db.PendingCRMEvents(ctx, c.ID, 10); len(evs) != 0 {
			t.Fatal("finished event still pending")
		}
		sends, _ := db.PendingCRMSends(ctx, c.ID, 10)
		if len(sends) != 1 {
			t.Fatalf("%d sends, want 1", len(sends))
		}
		if err := db.FinishCRMSend(ctx, sends[0].ID, "sent", 77, ""); err != nil {
			t.Fatal(err)
		}
		// Finishing again (a replay) changes nothing.
		_ = db.FinishCRMSend(ctx, sends[0].ID, "failed", 0, "x")
		if got, _ := db.CRMSendsForDeal(ctx, c.ID, "9001"); len(got) != 1 || got[0].Status != "sent" || got[0].MessageID != 77 {
			t.Fatalf("sends: %+v", got)
		}
		if err := db.RetryCRMEvent(ctx, c.ID+1, evs[0].ID); !domain.IsNotFound(err) {
			t.Fatalf("retry on another connection: %v", err)
		}
	})
}

// The timeline queue keeps message order, skips duplicates, joins the
// message's current status and finds entries whose status moved on.
func TestCRMTimelineQueue(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		num, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "w", PhoneNumberID: "p", DisplayPhoneNumber: "1555", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		var ids []int64
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			contact, err := tx.UpsertContact(ctx, ws.ID, "15550002", "+15550002", "Ana")
			if err != nil {
				return err
			}
			conv, err := tx.EnsureConversation(ctx, ws.ID, num.ID, contact.ID)
			if err != nil {
				return err
			}
			for i, dir := range []domain.Direction{domain.Inbound, domain.Outbound, domain.Inbound} {
				m, _, err := tx.InsertMessage(ctx, domain.Message{WorkspaceID: ws.ID, ConversationID: conv, NumberID: num.ID, ContactID: contact.ID,
					Direction: dir, Type: "text", Text: string(rune('a' + i)), Status: domain.StatusSent})
				if err != nil {
					return err
				}
				ids = append(ids, m.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		c := newCRMConn(t, db, ws.ID, "zoho", "org")
		if c.TimelineCursor != ids[2] {
			t.Fatalf("a new connection starts at the newest message: cursor %d, want %d", c.TimelineCursor, ids[2])
		}
		msgs, err := db.MessagesAfter(ctx, ws.ID, 0, 10)
		if err != nil || len(msgs) != 3 || msgs[0].Text != "a" || msgs[0].Phone != "+15550002" || msgs[0].Name != "Ana" {
			t.Fatalf("messages after: %+v %v", msgs, err)
		}
		var entries []store.CRMTimelineEntry
		for _, m := range msgs {
			entries = append(entries, store.CRMTimelineEntry{Key: "msg-" + string(rune('0'+m.ID)), MessageID: m.ID, Phone: m.Phone, At: m.At})
		}
		for range 2 {
			if err := db.QueueCRMTimeline(ctx, c.ID, entries, ids[2]); err != nil {
				t.Fatal(err)
			}
		}
		pending, _ := db.PendingCRMTimeline(ctx, c.ID, 10)
		if len(pending) != 3 || pending[1].Message == nil || pending[1].Message.Direction != "outbound" || pending[0].MessageID != ids[0] {
			t.Fatalf("pending: %+v", pending)
		}
		_ = db.BeginCRMTimelineWrite(ctx, []int64{pending[0].ID})
		var done []store.CRMTimelineWritten
		for i, p := range pending {
			done = append(done, store.CRMTimelineWritten{ID: p.ID, ContactCRMID: "c1", CRMEntryID: "n" + string(rune('0'+i)), Status: "sent", State: store.TimelineLogged})
		}
		if err := db.MarkCRMTimeline(ctx, done); err != nil {
			t.Fatal(err)
		}
		if ups, _ := db.CRMTimelineUpdates(ctx, c.ID, 10); len(ups) != 0 {
			t.Fatalf("no status changed, yet %d updates", len(ups))
		}
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.UpdateMessageStatus(ctx, ids[1], store.StatusChange{Status: domain.StatusRead})
			return err
		}); err != nil {
			t.Fatal(err)
		}
		ups, _ := db.CRMTimelineUpdates(ctx, c.ID, 10)
		if len(ups) != 1 || ups[0].MessageID != ids[1] || ups[0].CRMEntryID != "n1" || ups[0].Message.Status != "read" {
			t.Fatalf("updates: %+v", ups)
		}
		got, _ := db.CRMTimeline(ctx, c.ID, 10)
		if got[2].Attempts != 1 {
			t.Fatalf("attempts: %+v", got[2])
		}
		q, _ := db.CRMQueueCounts(ctx, c.ID)
		if q.TimelineWritten != 3 || q.Timeline != 0 {
			t.Fatalf("queue: %+v", q)
		}
		_ = db.AddCRMLog(ctx, store.CRMLogEntry{ConnectionID: c.ID, Kind: "timeline", Status: "failed", Error: "x", RefKind: "timeline", RefID: got[0].ID})
		if l, _ := db.CRMLog(ctx, c.ID, 0, 10); len(l) != 1 || l[0].RefID != got[0].ID {
			t.Fatalf("log: %+v", l)
		}
	})
}

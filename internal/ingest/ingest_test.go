package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

type env struct {
	db    *store.DB
	clock *domain.FakeClock
	hub   *realtime.Memory
	ws    domain.Workspace
	num   domain.Number
	w     *ingest.Writer
	a     *ingest.Applier
}

func setup(t *testing.T, db *store.DB, clock *domain.FakeClock) *env {
	ctx := context.Background()
	ws, _ := db.CreateWorkspace(ctx, "default", "Default")
	num, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "waba1", PhoneNumberID: "106540352242922", DisplayPhoneNumber: "15550783881", AccessTokenEnc: []byte{1}})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{db: db, clock: clock, hub: realtime.NewMemory(), ws: ws, num: num}
	e.a = ingest.NewApplier(db, e.hub, clock, quiet)
	e.w = ingest.NewWriter(db, clock, nil)
	t.Cleanup(e.w.Close)
	return e
}

func (e *env) store(t *testing.T, body string) (int64, bool) {
	t.Helper()
	id, dup, err := e.w.Store(context.Background(), []byte(body))
	if err != nil {
		t.Fatal(err)
	}
	return id, dup
}

func (e *env) apply(t *testing.T) int {
	t.Helper()
	n, err := e.a.ApplyPending(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func envelope(pnid, value string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"waba1","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"` + pnid + `"},` + value + `}}]}]}`
}

func js(s string) string { b, _ := json.Marshal(s); return string(b) }

func inboundText(wamid, from, name, text string, ts int64) string {
	return envelope("106540352242922", fmt.Sprintf(`"contacts":[{"profile":{"name":%s},"wa_id":%s}],"messages":[{"from":%s,"id":%s,"timestamp":"%d","type":"text","text":{"body":%s}}]`, js(name), js(from), js(from), js(wamid), ts, js(text)))
}

func statusBody(wamid, status, callback string, ts int64, extra string) string {
	return envelope("106540352242922", fmt.Sprintf(`"statuses":[{"id":%q,"status":%q,"timestamp":"%d","recipient_id":"447700900123","biz_opaque_callback_data":%q%s}]`, wamid, status, ts, callback, extra))
}

func TestInboundCreatesConversationOnceAndPublishes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		ts := clock.Now().Add(-time.Minute).Unix()
		body := inboundText("wamid.A", "447700900123", "Ada Lovelace", "Does it come in blue? caf\u00e9", ts)
		if _, dup := e.store(t, body); dup {
			t.Fatal("first delivery flagged duplicate")
		}
		if _, dup := e.store(t, body); !dup {
			t.Fatal("byte-identical retry not deduplicated")
		}
		if n := e.apply(t); n != 1 {
			t.Fatalf("applied %d", n)
		}
		// Same message in a different body (re-batched by Meta) changes nothing.
		e.store(t, envelope("106540352242922", fmt.Sprintf(`"messages":[{"from":"447700900123","id":"wamid.A","timestamp":"%d","type":"text","text":{"body":"x"}}]`, ts)))
		e.apply(t)
		ctx := context.Background()
		convs, _ := db.ListConversations(ctx, e.ws.ID, 10)
		if len(convs) != 1 {
			t.Fatalf("conversations: %+v", convs)
		}
		c := convs[0]
		if c.Contact.WaID != "447700900123" || c.Contact.Phone != "+447700900123" || c.Contact.Name != "Ada Lovelace" || c.UnreadCount != 1 {
			t.Fatalf("conversation: %+v", c)
		}
		if want := time.Unix(ts, 0).Add(24 * time.Hour); !c.WindowExpiresAt.Equal(want) {
			t.Fatalf("window expires %v want %v", c.WindowExpiresAt, want)
		}
		msgs, _ := db.ListMessages(ctx, e.ws.ID, c.ID, 10)
		if len(msgs) != 1 || msgs[0].Text != "Does it come in blue? café" || msgs[0].Direction != domain.Inbound {
			t.Fatalf("messages: %+v", msgs)
		}
		got := map[string]int{}
		for range 2 {
			select {
			case ev := <-sub.C:
				got[ev.Type]++
			case <-time.After(2 * time.Second):
				t.Fatalf("events: %v", got)
			}
		}
		if got[domain.EventMessageCreated] != 1 || got[domain.EventConversationUpdated] != 1 {
			t.Fatalf("events: %v", got)
		}
	})
}

func TestStatusesNeverGoBackwardsAndMatchByCallback(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		e.store(t, inboundText("wamid.in", "447700900123", "Ada", "hi", clock.Now().Unix()))
		e.apply(t)
		convs, _ := db.ListConversations(ctx, e.ws.ID, 1)
		var out domain.Message
		_ = db.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			out, _, err = tx.InsertMessage(ctx, domain.Message{WorkspaceID: e.ws.ID, ConversationID: convs[0].ID, NumberID: e.num.ID, ContactID: convs[0].ContactID,
				Direction: domain.Outbound, Type: "text", Text: "hello", Status: domain.StatusSending})
			return err
		})
		cb := ingest.CallbackData(out.ID)
		// The send's wamid was never recorded (crash); "read" arrives first.
		e.store(t, statusBody("wamid.out", "read", cb, clock.Now().Unix(), ""))
		e.store(t, statusBody("wamid.out", "delivered", cb, clock.Now().Unix(), ""))
		e.store(t, statusBody("wamid.out", "sent", cb, clock.Now().Unix(), ""))
		e.apply(t)
		m, _ := db.MessageByID(ctx, e.ws.ID, out.ID)
		if m.Status != domain.StatusRead || m.WAMID != "wamid.out" {
			t.Fatalf("after out-of-order statuses: %s %q", m.Status, m.WAMID)
		}
		// A status for an unknown wamid without our callback is ignored.
		e.store(t, statusBody("wamid.other", "delivered", "", clock.Now().Unix(), ""))
		if n := e.apply(t); n != 1 {
			t.Fatalf("applied %d", n)
		}
	})
}

func TestFailedStatusKeepsMetaReason(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		e.store(t, inboundText("wamid.in", "447700900123", "Ada", "hi", clock.Now().Unix()))
		e.apply(t)
		convs, _ := db.ListConversations(ctx, e.ws.ID, 1)
		var out domain.Message
		_ = db.WithTx(ctx, func(tx *store.Tx) error {
			var err error
			out, _, err = tx.InsertMessage(ctx, domain.Message{WorkspaceID: e.ws.ID, ConversationID: convs[0].ID, NumberID: e.num.ID, ContactID: convs[0].ContactID,
				Direction: domain.Outbound, Type: "text", Status: domain.StatusSent, WAMID: "wamid.f"})
			return err
		})
		e.store(t, statusBody("wamid.f", "failed", "", clock.Now().Unix(), `,"errors":[{"code":131047,"title":"Re-engagement message","message":"Re-engagement message","error_data":{"details":"more than 24 hours"}}]`))
		e.apply(t)
		m, _ := db.MessageByID(ctx, e.ws.ID, out.ID)
		if m.Status != domain.StatusFailed || m.ErrorCode != 131047 || m.ErrorTitle != "Re-engagement message" || m.ErrorDetail != "more than 24 hours" {
			t.Fatalf("failed message: %+v", m)
		}
	})
}

func TestUnknownNumberAndJunkAreKeptAndIgnored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		e.store(t, `{"object":"whatsapp_business_account","entry":[{"id":"x","changes":[{"field":"messages","value":{"metadata":{"phone_number_id":"999"},"messages":[{"from":"1","id":"wamid.z","timestamp":"1","type":"text","text":{"body":"?"}}]}}]}]}`)
		e.store(t, `{"not":"a webhook"}`)
		e.store(t, `{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"account_update","value":{"event":"ACCOUNT_VIOLATION"}}]}]}`)
		if n := e.apply(t); n != 3 {
			t.Fatalf("applied %d", n)
		}
		total, unapplied, _ := db.CountWebhookEvents(context.Background())
		if total != 3 || unapplied != 0 {
			t.Fatalf("total %d unapplied %d", total, unapplied)
		}
		if convs, _ := db.ListConversations(context.Background(), e.ws.ID, 10); len(convs) != 0 {
			t.Fatalf("unknown number created a conversation")
		}
	})
}

// A crash after the 200 and before applying: a new applier on the same
// database applies what was stored.
func TestStoredEventsAreAppliedAfterRestart(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		for i := range 5 {
			e.store(t, inboundText(fmt.Sprintf("wamid.%d", i), "447700900123", "Ada", fmt.Sprintf("m%d", i), clock.Now().Unix()))
		}
		e.w.Close()
		restarted := ingest.NewApplier(db, realtime.NewMemory(), clock, quiet)
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan struct{})
		go func() { restarted.Run(ctx); close(done) }()
		deadline := time.Now().Add(5 * time.Second)
		for {
			_, unapplied, _ := db.CountWebhookEvents(context.Background())
			if unapplied == 0 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("still %d unapplied", unapplied)
			}
			time.Sleep(10 * time.Millisecond)
		}
		cancel()
		<-done
		convs, _ := db.ListConversations(context.Background(), e.ws.ID, 10)
		if len(convs) != 1 || convs[0].UnreadCount != 5 {
			t.Fatalf("after restart: %+v", convs)
		}
	})
}

// Concurrent requests share commits and each learns its own outcome.
func TestGroupCommitConcurrent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		var mu sync.Mutex
		committed := 0
		w := ingest.NewWriter(db, clock, func(ids []int64) { mu.Lock(); committed += len(ids); mu.Unlock() })
		var wg sync.WaitGroup
		errs := make(chan error, 400)
		for i := range 400 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				// Every body twice: 200 unique.
				_, _, err := w.Store(context.Background(), fmt.Appendf(nil, `{"i":%d}`, i%200))
				errs <- err
			}()
		}
		wg.Wait()
		w.Close()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		total, _, _ := db.CountWebhookEvents(context.Background())
		if total != 200 || committed != 200 {
			t.Fatalf("stored %d, committed callback %d", total, committed)
		}
		if _, _, err := w.Store(context.Background(), []byte(`{}`)); err != ingest.ErrClosed {
			t.Fatalf("store after close: %v", err)
		}
	})
}

// A customer message with a NUL character is stored on both engines
// (PostgreSQL's text type rejects NUL).
func TestNULInTextIsStored(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		e.store(t, inboundText("wamid.nul", "447700900123", "A\u0000da", "a\u0000b", clock.Now().Unix()))
		e.apply(t)
		convs, _ := db.ListConversations(context.Background(), e.ws.ID, 1)
		if len(convs) != 1 || convs[0].LastMessageText != "ab" || convs[0].Contact.Name != "Ada" {
			t.Fatalf("%+v", convs)
		}
	})
}

// poison makes inserting a message with text "poison" fail, to prove one
// bad event is set aside without blocking the others.
func poison(t *testing.T, db *store.DB) {
	var stmts []string
	if db.Dialect == store.Postgres {
		stmts = []string{
			`CREATE FUNCTION poison() RETURNS trigger AS $$ BEGIN IF NEW.text = 'poison' THEN RAISE EXCEPTION 'poisoned'; END IF; RETURN NEW; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER poison BEFORE INSERT ON messages FOR EACH ROW EXECUTE FUNCTION poison()`,
		}
	} else {
		stmts = []string{`CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.text = 'poison' BEGIN SELECT RAISE(ABORT, 'poisoned'); END`}
	}
	for _, s := range stmts {
		if _, err := db.W.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

func TestBadEventIsSetAsideAndOthersApplied(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		poison(t, db)
		e.store(t, inboundText("wamid.1", "447700900123", "Ada", "before", clock.Now().Unix()))
		bad, _ := e.store(t, inboundText("wamid.2", "447700900123", "Ada", "poison", clock.Now().Unix()))
		e.store(t, inboundText("wamid.3", "447700900123", "Ada", "after", clock.Now().Unix()))
		if n := e.apply(t); n != 3 {
			t.Fatalf("applied %d", n)
		}
		_, unapplied, _ := db.CountWebhookEvents(context.Background())
		if unapplied != 0 {
			t.Fatalf("unapplied %d", unapplied)
		}
		var reason string
		if err := db.R.QueryRow(`SELECT apply_error FROM webhook_events WHERE id = $1`, bad).Scan(&reason); err != nil || reason == "" {
			t.Fatalf("bad event has no reason: %q %v", reason, err)
		}
		convs, _ := db.ListConversations(context.Background(), e.ws.ID, 1)
		msgs, _ := db.ListMessages(context.Background(), e.ws.ID, convs[0].ID, 10)
		if len(msgs) != 2 || msgs[0].Text != "before" || msgs[1].Text != "after" {
			t.Fatalf("messages: %+v", msgs)
		}
	})
}

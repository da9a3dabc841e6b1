package ingest_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

const customer = "447700900123"

// ledger returns a contact's consent events as "action/source/evidence".
func (e *env) ledger(t *testing.T, waID string) []string {
	t.Helper()
	ctx := context.Background()
	c, err := e.db.ContactByWaID(ctx, e.ws.ID, waID)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		t.Fatal(err)
	}
	evs, err := e.db.ConsentEvents(ctx, e.ws.ID, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, ev := range evs {
		out = append(out, ev.Action+"/"+ev.Source+"/"+ev.Evidence)
	}
	return out
}

func wantLedger(t *testing.T, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("ledger %q, want %q", got, want)
	}
}

func prefs(pnid, waID, value string, ts int64) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"waba1","changes":[{"field":"user_preferences","value":{"messaging_product":"whatsapp",
		"metadata":{"display_phone_number":"15550783881","phone_number_id":"` + pnid + `"},"contacts":[{"wa_id":"` + waID + `"}],
		"user_preferences":[{"wa_id":"` + waID + `","detail":"User requested to stop marketing messages","category":"marketing_messages","value":"` + value + `","timestamp":` + fmt.Sprint(ts) + `}]}}]}]}`
}

func TestUserPreferencesStopAndResumeOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		stop := prefs("106540352242922", customer, "stop", 1731705721)
		e.store(t, stop)
		e.apply(t)
		e.replay(t, stop)
		wantLedger(t, e.ledger(t, customer), "opt_out_marketing/meta_preferences/user_preferences:447700900123:1731705721")
		ctx := context.Background()
		c, _ := db.ContactByWaID(ctx, e.ws.ID, customer)
		evs, _ := db.ConsentEvents(ctx, e.ws.ID, c.ID)
		if evs[0].Wording != "User requested to stop marketing messages" || evs[0].Actor != "meta" {
			t.Fatalf("event: %+v", evs[0])
		}
		e.store(t, prefs("106540352242922", customer, "resume", 1731709999))
		e.apply(t)
		if st, _ := db.ContactConsent(ctx, e.ws.ID, c.ID); st.MarketingOptOut {
			t.Fatalf("still opted out after resume: %+v", st)
		}
		// An unknown number is ignored without error.
		e.store(t, prefs("999", "447700900999", "stop", 1731705721))
		if n := e.apply(t); n != 1 {
			t.Fatalf("applied %d", n)
		}
		if got := e.ledger(t, "447700900999"); got != nil {
			t.Fatalf("unknown number recorded %q", got)
		}
	})
}

type hookCall struct {
	ws, num                int64
	waID, action, language string
	committedEvents        int
}

func TestKeywordsRecordConsentAndCallHookAfterCommit(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		var mu sync.Mutex
		var calls []hookCall
		e.a.KeywordHook = func(ctx context.Context, ws, num int64, waID, action, language string) {
			// Called after commit: the event is visible outside the transaction.
			c, _ := db.ContactByWaID(ctx, ws, waID)
			evs, _ := db.ConsentEvents(ctx, ws, c.ID)
			mu.Lock()
			calls = append(calls, hookCall{ws, num, waID, action, language, len(evs)})
			mu.Unlock()
		}
		e.store(t, inboundText("wamid.hi", customer, "Ada", "hello", clock.Now().Unix()))
		e.apply(t)
		clock.Advance(time.Minute)
		stop := inboundText("wamid.stop", customer, "Ada", "  Stop \n", clock.Now().Unix())
		e.store(t, stop)
		e.apply(t)
		e.replay(t, stop)
		wantLedger(t, e.ledger(t, customer), "opt_in/customer_started/wamid.hi", "opt_out/keyword/wamid.stop")
		if len(calls) != 1 || calls[0] != (hookCall{e.ws.ID, e.num.ID, customer, domain.ConsentOptOut, "en", 2}) {
			t.Fatalf("hook calls: %+v", calls)
		}
		convs, _ := db.ListConversations(ctx, e.ws.ID, 1)
		if msgs, _ := db.ListMessages(ctx, e.ws.ID, convs[0].ID, 10); len(msgs) != 2 || msgs[1].Text != "  Stop \n" {
			t.Fatalf("keyword message not stored: %+v", msgs)
		}
		for i, body := range []string{"please stop", "stopping", "START", "Arrêt", "opt  out", "ДОСТАТОЧНО"} {
			e.store(t, inboundText(fmt.Sprintf("wamid.k%d", i), customer, "Ada", body, clock.Now().Unix()))
		}
		e.apply(t)
		wantLedger(t, e.ledger(t, customer), "opt_in/customer_started/wamid.hi", "opt_out/keyword/wamid.stop",
			"opt_in/keyword/wamid.k2", "opt_out/keyword/wamid.k3", "opt_out/keyword/wamid.k4", "opt_out/keyword/wamid.k5")
		if len(calls) != 5 || calls[1].action != domain.ConsentOptIn || calls[2].language != "fr" || calls[4].language != "ru" {
			t.Fatalf("hook calls: %+v", calls)
		}
	})
}

func TestKeywordAction(t *testing.T) {
	for body, want := range map[string]string{
		"STOP": domain.ConsentOptOut, " stop all ": domain.ConsentOptOut, "Unsubscribe": domain.ConsentOptOut, "OPTOUT": domain.ConsentOptOut,
		"stopp": domain.ConsentOptOut, "parar": domain.ConsentOptOut, "yes": domain.ConsentOptIn, "Unstop": domain.ConsentOptIn,
		"stop!": "", "don't stop": "", "": "", "hello": "",
	} {
		if got := ingest.KeywordAction(body); got != want {
			t.Errorf("KeywordAction(%q) = %q, want %q", body, got, want)
		}
	}
}

func TestCustomerStartedOnlyForNewContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		// Two messages of a new contact in one batch, then a replay: one event.
		first := inboundText("wamid.1", customer, "Ada", "hi", clock.Now().Unix())
		e.store(t, first)
		e.store(t, inboundText("wamid.2", customer, "Ada", "anyone?", clock.Now().Unix()))
		e.apply(t)
		e.replay(t, first)
		wantLedger(t, e.ledger(t, customer), "opt_in/customer_started/wamid.1")
		// A contact that existed before writing gets nothing.
		if _, err := db.CreateContact(ctx, e.ws.ID, "447700900222", "+447700900222", "Bob"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Second)
		e.store(t, inboundText("wamid.b", "447700900222", "Bob", "hi", clock.Now().Unix()))
		e.apply(t)
		wantLedger(t, e.ledger(t, "447700900222"))
		// A new contact whose first message is STOP gets the keyword event only.
		e.store(t, inboundText("wamid.c", "447700900333", "Cy", "STOP", clock.Now().Unix()))
		e.apply(t)
		wantLedger(t, e.ledger(t, "447700900333"), "opt_out/keyword/wamid.c")
	})
}

func TestFailed131050RecordsMarketingOptOutOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		e.store(t, inboundText("wamid.in", customer, "Ada", "hi", clock.Now().Unix()))
		e.apply(t)
		convs, _ := db.ListConversations(ctx, e.ws.ID, 1)
		for _, w := range []string{"wamid.m", "wamid.other"} {
			_ = db.WithTx(ctx, func(tx *store.Tx) error {
				_, _, err := tx.InsertMessage(ctx, domain.Message{WorkspaceID: e.ws.ID, ConversationID: convs[0].ID, NumberID: e.num.ID, ContactID: convs[0].ContactID,
					Direction: domain.Outbound, Type: "template", Status: domain.StatusSent, WAMID: w})
				return err
			})
		}
		failed := statusBody("wamid.m", "failed", "", clock.Now().Unix(), `,"errors":[{"code":131050,"title":"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business."}]`)
		e.store(t, failed)
		e.apply(t)
		e.replay(t, failed)
		// Another failure code records nothing.
		e.store(t, statusBody("wamid.other", "failed", "", clock.Now().Unix(), `,"errors":[{"code":131049,"title":"per-user marketing limit"}]`))
		e.apply(t)
		wantLedger(t, e.ledger(t, customer), "opt_in/customer_started/wamid.in", "opt_out_marketing/meta_131050/wamid.m")
	})
}

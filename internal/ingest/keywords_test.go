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

// TestWorkspaceKeywordsOnArrival: the words a workspace adds opt out on
// arrival, with their language passed to the hook; a built-in word it
// switched off no longer does; another workspace's lists are its own.
func TestWorkspaceKeywordsOnArrival(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		var mu sync.Mutex
		var calls []string
		e.a.KeywordHook = func(_ context.Context, ws, _ int64, waID, action, language string) {
			mu.Lock()
			calls = append(calls, fmt.Sprintf("%d/%s/%s/%s", ws, waID, action, language))
			mu.Unlock()
		}
		hook := func() string {
			mu.Lock()
			defer mu.Unlock()
			return fmt.Sprint(calls)
		}
		other, _ := db.CreateWorkspace(ctx, "other", "Other")
		if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: other.ID, WABAID: "waba2", PhoneNumberID: "200000000000001", DisplayPhoneNumber: "15550100002", AccessTokenEnc: []byte{1}}); err != nil {
			t.Fatal(err)
		}

		// The first message loads the workspace's lists: the defaults.
		e.store(t, inboundText("wamid.hi", customer, "Ada", "hello", clock.Now().Unix()))
		e.apply(t)

		for _, k := range []store.Keyword{
			{Language: "hi", Action: domain.ConsentOptOut, Word: "रुको"},
			{Language: "hi", Action: domain.ConsentOptOut, Word: "BAS"},
			{Language: "hi", Action: domain.ConsentOptIn, Word: "शुरू"},
		} {
			if _, err := db.AddKeyword(ctx, e.ws.ID, k); err != nil {
				t.Fatal(err)
			}
		}
		if _, err := db.SetBuiltinKeyword(ctx, e.ws.ID, "END", false); err != nil {
			t.Fatal(err)
		}

		// Another node changed the lists: this one notices within
		// the re-check interval, without a read per message before that.
		e.store(t, inboundText("wamid.early", customer, "Ada", "रुको", clock.Now().Unix()))
		e.apply(t)
		wantLedger(t, e.ledger(t, customer), "opt_in/customer_started/wamid.hi")
		clock.Advance(3 * time.Second)
		e.store(t, inboundText("wamid.ruko", customer, "Ada", "  रुको ", clock.Now().Unix()))
		e.store(t, inboundText("wamid.end", customer, "Ada", "END", clock.Now().Unix()))
		e.store(t, inboundText("wamid.shuru", customer, "Ada", "शुरू", clock.Now().Unix()))
		e.store(t, inboundText("wamid.bas", customer, "Ada", "Bas", clock.Now().Unix()))
		e.store(t, inboundText("wamid.stop", customer, "Ada", "STOP", clock.Now().Unix()))
		e.apply(t)
		wantLedger(t, e.ledger(t, customer), "opt_in/customer_started/wamid.hi",
			"opt_out/keyword/wamid.ruko", "opt_in/keyword/wamid.shuru", "opt_out/keyword/wamid.bas", "opt_out/keyword/wamid.stop")
		ws := e.ws.ID
		if want := fmt.Sprint([]string{
			fmt.Sprintf("%d/%s/opt_out/hi", ws, customer), fmt.Sprintf("%d/%s/opt_in/hi", ws, customer),
			fmt.Sprintf("%d/%s/opt_out/hi", ws, customer), fmt.Sprintf("%d/%s/opt_out/en", ws, customer),
		}); hook() != want {
			t.Fatalf("hook calls %s, want %s", hook(), want)
		}

		// A change made through this node takes effect at once.
		if _, err := db.SetBuiltinKeyword(ctx, ws, "end", true); err != nil {
			t.Fatal(err)
		}
		e.a.Keywords.Invalidate(ws)
		e.store(t, inboundText("wamid.end2", customer, "Ada", "end", clock.Now().Unix()))
		e.apply(t)
		if got := e.ledger(t, customer); got[len(got)-1] != "opt_out/keyword/wamid.end2" {
			t.Fatalf("END switched back on: %q", got)
		}

		// The other workspace still has END and knows no Hindi words.
		for i, body := range []string{"रुको", "end"} {
			e.store(t, envelope("200000000000001", fmt.Sprintf(`"contacts":[{"profile":{"name":"Bo"},"wa_id":"447700900999"}],"messages":[{"from":"447700900999","id":"wamid.o%d","timestamp":"%d","type":"text","text":{"body":%q}}]`,
				i, clock.Now().Unix(), body)))
		}
		e.apply(t)
		c, err := db.ContactByWaID(ctx, other.ID, "447700900999")
		if err != nil {
			t.Fatal(err)
		}
		evs, _ := db.ConsentEvents(ctx, other.ID, c.ID)
		var got []string
		for _, ev := range evs {
			got = append(got, ev.Action+"/"+ev.Source+"/"+ev.Evidence)
		}
		wantLedger(t, got, "opt_in/customer_started/wamid.o0", "opt_out/keyword/wamid.o1")
	})
}

// countingSource is the real store, counting what the cache reads.
type countingSource struct {
	db                *store.DB
	versions, reloads int
}

func (c *countingSource) KeywordsVersion(ctx context.Context, ws int64) (int64, error) {
	c.versions++
	return c.db.KeywordsVersion(ctx, ws)
}

func (c *countingSource) Keywords(ctx context.Context, ws int64) ([]store.Keyword, error) {
	c.reloads++
	return c.db.Keywords(ctx, ws)
}

// TestKeywordsCache: within the re-check interval a workspace's set is
// served from memory; after it, one version read, and the lists are read
// again only when the version moved or the entry was invalidated.
func TestKeywordsCache(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		k := ingest.NewKeywords(clock)
		src := &countingSource{db: db}
		match := func(body string) string {
			t.Helper()
			set, err := ingest.KeywordsFrom(ctx, k, src, ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			action, lang := set.Match(body)
			return action + "/" + lang
		}
		reads := func(versions, reloads int) {
			t.Helper()
			if src.versions != versions || src.reloads != reloads {
				t.Fatalf("reads: %d versions, %d reloads; want %d, %d", src.versions, src.reloads, versions, reloads)
			}
		}
		for range 1000 {
			if got := match("Stop"); got != "opt_out/en" {
				t.Fatal(got)
			}
		}
		reads(1, 1)
		clock.Advance(3 * time.Second)
		match("stop")
		reads(2, 1) // unchanged: the version only
		if _, err := db.AddKeyword(ctx, ws.ID, store.Keyword{Language: "hi", Action: domain.ConsentOptOut, Word: "bas"}); err != nil {
			t.Fatal(err)
		}
		if got := match("bas"); got != "/" {
			t.Fatalf("before the re-check: %q", got)
		}
		clock.Advance(3 * time.Second)
		if got := match("bas"); got != "opt_out/hi" {
			t.Fatalf("after the re-check: %q", got)
		}
		reads(3, 2)
		if _, err := db.SetBuiltinKeyword(ctx, ws.ID, "stop", false); err != nil {
			t.Fatal(err)
		}
		k.Invalidate(ws.ID)
		if got := match("stop"); got != "/" {
			t.Fatalf("switched off: %q", got)
		}
		reads(4, 3)
		if _, err := ingest.KeywordsFrom(ctx, k, src, 9999); !domain.IsNotFound(err) {
			t.Fatalf("unknown workspace: %v", err)
		}
	})
}

func TestKeywordSetMatch(t *testing.T) {
	set := ingest.NewKeywordSet([]store.Keyword{
		{Language: "hi", Action: domain.ConsentOptOut, Word: "रुको", Enabled: true},
		{Language: "en", Action: domain.ConsentOptOut, Word: "end", Builtin: true, Enabled: false},
		{Language: "en", Action: domain.ConsentOptIn, Word: "yes please", Enabled: true},
	})
	for body, want := range map[string]string{
		"रुको": "opt_out/hi", " रुको\n": "opt_out/hi", "END": "/", "Yes   Please": "opt_in/en", "yes": "/", "रुको!": "/",
	} {
		if action, lang := set.Match(body); action+"/"+lang != want {
			t.Errorf("Match(%q) = %s/%s, want %s", body, action, lang, want)
		}
	}
}

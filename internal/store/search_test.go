package store_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// searchSeed stores inbound messages from one contact: texts[i] at at[i].
type searchSeed struct {
	db  *store.DB
	t   *testing.T
	ids map[string]int64 // message text → id
}

func (s searchSeed) chat(ws, number int64, waID, name string, texts []string, at []time.Time) (contactID, convID int64) {
	s.t.Helper()
	ctx := context.Background()
	err := s.db.WithTx(ctx, func(tx *store.Tx) error {
		c, err := tx.UpsertContact(ctx, ws, waID, "+"+waID, name)
		if err != nil {
			return err
		}
		contactID = c.ID
		if convID, err = tx.EnsureConversation(ctx, ws, number, c.ID); err != nil {
			return err
		}
		for i, text := range texts {
			m, ok, err := tx.InsertMessage(ctx, domain.Message{WorkspaceID: ws, ConversationID: convID, NumberID: number, ContactID: c.ID,
				Direction: domain.Inbound, Type: "text", Text: text, WAMID: "wamid." + waID + text, Status: domain.StatusReceived, Timestamp: at[i]})
			if err != nil || !ok {
				return err
			}
			s.ids[text] = m.ID
			if _, err := tx.NoteInbound(ctx, convID, domain.Millis(at[i]), domain.Millis(domain.WindowExpiry(at[i])), text, c); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		s.t.Fatal(err)
	}
	return contactID, convID
}

func search(t *testing.T, db *store.DB, ws int64, q string, limit int) []store.SearchHit {
	t.Helper()
	hits, err := db.Search(context.Background(), ws, q, limit)
	if err != nil {
		t.Fatalf("Search(%q): %v", q, err)
	}
	return hits
}

// messageIDs lists the message hits' ids in order.
func messageIDs(hits []store.SearchHit) []int64 {
	var out []int64
	for _, h := range hits {
		if h.Kind == store.SearchHitMessage {
			out = append(out, h.MessageID)
		}
	}
	return out
}

func contactHits(hits []store.SearchHit) []store.SearchHit {
	var out []store.SearchHit
	for _, h := range hits {
		if h.Kind == store.SearchHitContact {
			out = append(out, h)
		}
	}
	return out
}

func sameIDs(a, b []int64) bool {
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

// searchFixture: two chats in workspace a, one in b that shares a's words.
type searchFixture struct {
	a, b           domain.Workspace
	numberA        int64
	joao, ada      int64 // contacts
	joaoConv       int64
	adaConv, bConv int64
	ids            map[string]int64
}

const (
	txtSaoPaulo = "Olá! Chego em São Paulo amanhã"
	txtBooked   = "Booked the Lisbon flight"
	txtInvoice  = "Invoice 4471 is attached"
	txtMeet     = "Can we meet in lisbon?"
	txtSecretB  = "lisbon secret of B"
)

func newSearchFixture(t *testing.T, db *store.DB) searchFixture {
	a, b, na, nb := inboxFixture(t, db)
	s := searchSeed{db: db, t: t, ids: map[string]int64{}}
	f := searchFixture{a: a, b: b, numberA: na.ID, ids: s.ids}
	f.joao, f.joaoConv = s.chat(a.ID, na.ID, "5511987654321", "João Silva", []string{txtSaoPaulo, txtBooked}, []time.Time{t0.Add(-50 * time.Minute), t0.Add(-40 * time.Minute)})
	f.ada, f.adaConv = s.chat(a.ID, na.ID, "447700900123", "Ada Lovelace", []string{txtInvoice, txtMeet}, []time.Time{t0.Add(-30 * time.Minute), t0.Add(-20 * time.Minute)})
	_, f.bConv = s.chat(b.ID, nb.ID, "15550001111", "Lisbon Bob", []string{txtSecretB}, []time.Time{t0.Add(-10 * time.Minute)})
	return f
}

func TestSearchMessages(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		f := newSearchFixture(t, db)
		newestFirst := []int64{f.ids[txtMeet], f.ids[txtBooked]}
		for _, q := range []string{"lisbon", "LISBON", "lis", "Lisb", "  lisbon  ", "lisbon?"} {
			hits := search(t, db, f.a.ID, q, 0)
			if got := messageIDs(hits); !sameIDs(got, newestFirst) {
				t.Errorf("%q: messages %v, want %v", q, got, newestFirst)
			}
			if len(contactHits(hits)) != 0 {
				t.Errorf("%q: contact hits %+v", q, contactHits(hits))
			}
		}
		hits := search(t, db, f.a.ID, "lisbon", 0)
		if h := hits[0]; h.ConversationID != f.adaConv || h.ContactID != f.ada || h.ContactName != "Ada Lovelace" ||
			!h.At.Equal(t0.Add(-20*time.Minute)) || h.Snippet != "Can we meet in «lisbon»?" {
			t.Errorf("hit = %+v", h)
		}
		if s := hits[1].Snippet; s != "Booked the «Lisbon» flight" {
			t.Errorf("snippet %q", s)
		}

		// Accents and case are folded both ways.
		for _, q := range []string{"Sao", "SÃO PAULO", "sao paulo", "ola", "amanha", "chego sao"} {
			if got := messageIDs(search(t, db, f.a.ID, q, 0)); !sameIDs(got, []int64{f.ids[txtSaoPaulo]}) {
				t.Errorf("%q: %v, want the São Paulo message", q, got)
			}
		}
		if s := search(t, db, f.a.ID, "sao", 0)[0].Snippet; s != "Olá! Chego em «São» Paulo amanhã" {
			t.Errorf("snippet %q", s)
		}
		// Every word must occur; only the last one is a prefix, and not once
		// a space says it is complete.
		if got := messageIDs(search(t, db, f.a.ID, "lisbon meet", 0)); !sameIDs(got, []int64{f.ids[txtMeet]}) {
			t.Errorf("two words: %v", got)
		}
		for _, q := range []string{"lis meet", "lisbo ", "flight paris", "a"} {
			if got := messageIDs(search(t, db, f.a.ID, q, 0)); len(got) != 0 {
				t.Errorf("%q matched %v", q, got)
			}
		}
		if got := messageIDs(search(t, db, f.a.ID, "4471", 0)); !sameIDs(got, []int64{f.ids[txtInvoice]}) {
			t.Errorf("number in text: %v", got)
		}

		// Workspace b sees its own message only, and a never sees b's.
		bHits := search(t, db, f.b.ID, "lisbon", 0)
		if got := messageIDs(bHits); !sameIDs(got, []int64{f.ids[txtSecretB]}) {
			t.Errorf("b: %v", got)
		}
		for _, h := range search(t, db, f.a.ID, "secret", 0) {
			t.Errorf("a sees b's %+v", h)
		}

		// Limit keeps the newest.
		if got := messageIDs(search(t, db, f.a.ID, "lisbon", 1)); !sameIDs(got, newestFirst[:1]) {
			t.Errorf("limit 1: %v", got)
		}
	})
}

func TestSearchContacts(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		f := newSearchFixture(t, db)
		for _, c := range []struct {
			q, snippet string
			contact    int64
		}{
			{"joao", "«João» Silva · +5511987654321", f.joao},
			{"JOÃO sil", "«João» «Silva» · +5511987654321", f.joao},
			{"love", "Ada «Lovelace» · +447700900123", f.ada},
			{"447700900123", "Ada Lovelace · +«447700900123»", f.ada},
			{"+44 7700 900", "Ada Lovelace · +«447700900»123", f.ada},
			{"0123", "Ada Lovelace · +447700900«123»", f.ada}, // leading zeros dropped: national forms match
			{"07700-900123", "Ada Lovelace · +44«7700900123»", f.ada},
			{"98765", "João Silva · +5511«98765»4321", f.joao},
		} {
			got := contactHits(search(t, db, f.a.ID, c.q, 0))
			if len(got) != 1 {
				t.Errorf("%q: contact hits %+v, want one", c.q, got)
				continue
			}
			h := got[0]
			want := f.joaoConv
			if c.contact == f.ada {
				want = f.adaConv
			}
			if h.ContactID != c.contact || h.ConversationID != want || h.MessageID != 0 || h.Snippet != c.snippet {
				t.Errorf("%q: %+v, want contact %d conversation %d snippet %q", c.q, h, c.contact, want, c.snippet)
			}
		}
		// "Lisbon Bob" is b's contact.
		if got := contactHits(search(t, db, f.a.ID, "bob", 0)); len(got) != 0 {
			t.Errorf("a finds b's contact: %+v", got)
		}
		if got := contactHits(search(t, db, f.b.ID, "lisbon", 0)); len(got) != 1 || got[0].ConversationID != f.bConv {
			t.Errorf("b's contact: %+v", got)
		}

		// A contact is placed by its conversation's last message, among the
		// messages: Ada's thread (-20m) before João's Lisbon message (-40m).
		hits := search(t, db, f.a.ID, "ada 447700", 0)
		if len(hits) != 1 || hits[0].ContactID != f.ada || hits[0].Snippet != "«Ada» Lovelace · +«447700»900123" {
			t.Errorf("name and number words: %+v", hits)
		}
		mixed := search(t, db, f.a.ID, "a", 0) // "a" matches no word: no prefix below two letters
		if len(mixed) != 0 {
			t.Errorf("one letter: %+v", mixed)
		}
		hits = search(t, db, f.a.ID, "ada", 0)
		if len(hits) != 1 || !hits[0].At.Equal(t0.Add(-20*time.Minute)) {
			t.Errorf("ada: %+v", hits)
		}

		// A contact with conversations on two numbers opens the latest one,
		// and is one hit.
		ctx := context.Background()
		n2, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: f.a.ID, WABAID: "w", PhoneNumberID: "pa2", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		s := searchSeed{db: db, t: t, ids: f.ids}
		if _, conv2 := s.chat(f.a.ID, n2.ID, "447700900123", "", []string{"on the other line"}, []time.Time{t0.Add(-time.Minute)}); conv2 == f.adaConv {
			t.Fatal("same conversation on another number")
		} else if got := contactHits(search(t, db, f.a.ID, "lovelace", 0)); len(got) != 1 || got[0].ConversationID != conv2 || !got[0].At.Equal(t0.Add(-time.Minute)) {
			t.Errorf("two conversations: %+v, want only %d", got, conv2)
		}

		// A renamed contact is found by its new name only.
		if err := db.WithTx(ctx, func(tx *store.Tx) error {
			_, err := tx.UpsertContact(ctx, f.a.ID, "447700900123", "+447700900123", "Augusta King")
			return err
		}); err != nil {
			t.Fatal(err)
		}
		if got := contactHits(search(t, db, f.a.ID, "lovelace", 0)); len(got) != 0 {
			t.Errorf("old name still found: %+v", got)
		}
		if got := contactHits(search(t, db, f.a.ID, "augusta", 0)); len(got) != 1 || got[0].ContactID != f.ada {
			t.Errorf("new name: %+v", got)
		}
		if got := contactHits(search(t, db, f.a.ID, "900123", 0)); len(got) != 1 {
			t.Errorf("number after rename: %+v", got)
		}
	})
}

func TestSearchOrderAcrossKinds(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		f := newSearchFixture(t, db)
		// "Lisbon" is João's message (-40m), Ada's (-20m), and no contact of
		// a; add a contact named Lisa whose last message is the newest.
		s := searchSeed{db: db, t: t, ids: f.ids}
		lisa, lisaConv := s.chat(f.a.ID, f.numberA, "351912345678", "Lisa Lisboa", []string{"hello there"}, []time.Time{t0.Add(-5 * time.Minute)})
		hits := search(t, db, f.a.ID, "lis", 0)
		if len(hits) != 3 || hits[0].Kind != store.SearchHitContact || hits[0].ContactID != lisa || hits[0].ConversationID != lisaConv ||
			hits[0].Snippet != "«Lisa» «Lisboa» · +351912345678" ||
			hits[1].MessageID != f.ids[txtMeet] || hits[2].MessageID != f.ids[txtBooked] {
			t.Fatalf("hits %+v", hits)
		}
		for i := 1; i < len(hits); i++ {
			if hits[i].At.After(hits[i-1].At) {
				t.Errorf("not newest first at %d: %+v", i, hits)
			}
		}
		if got := search(t, db, f.a.ID, "lis", 2); len(got) != 2 || got[0].ContactID != lisa || got[1].MessageID != f.ids[txtMeet] {
			t.Errorf("limit 2: %+v", got)
		}
	})
}

func TestSearchSnippets(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		a, _, na, _ := inboxFixture(t, db)
		filler := func(word string, n int) string { return strings.TrimSpace(strings.Repeat(word+" ", n)) }
		long := filler("before", 60) + " the needle is here " + filler("after", 60)
		texts := []string{long, "He said «bonjour» twice", "line one\n\n  line\ttwo", "Ｆｕｌｌ width and Ångström ÅNGSTRÖM"}
		at := []time.Time{t0.Add(-4 * time.Minute), t0.Add(-3 * time.Minute), t0.Add(-2 * time.Minute), t0.Add(-time.Minute)}
		searchSeed{db: db, t: t, ids: map[string]int64{}}.chat(a.ID, na.ID, "447700900999", "Snip", texts, at)

		got := search(t, db, a.ID, "needle", 0)[0].Snippet
		// Cut at whole words, around the match, with … where cut.
		if !strings.HasPrefix(got, "…before ") || !strings.HasSuffix(got, " after…") || !strings.Contains(got, "before the «needle» is here after") ||
			len([]rune(got)) > 170 {
			t.Errorf("long text: %q", got)
		}
		if got := search(t, db, a.ID, "twice", 0)[0].Snippet; got != "He said ‹bonjour› «twice»" {
			t.Errorf("guillemets: %q", got)
		}
		if got := search(t, db, a.ID, "bonjour", 0)[0].Snippet; got != "He said ‹«bonjour»› twice" {
			t.Errorf("guillemets around a match: %q", got)
		}
		if got := search(t, db, a.ID, "two", 0)[0].Snippet; got != "line one line «two»" {
			t.Errorf("one line: %q", got)
		}
		if got := search(t, db, a.ID, "angstrom", 0)[0].Snippet; got != "Ｆｕｌｌ width and «Ångström» «ÅNGSTRÖM»" {
			t.Errorf("every occurrence: %q", got)
		}
	})
}

func TestSearchHostileInput(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		f := newSearchFixture(t, db)
		for _, q := range []string{
			`"`, `""`, `"lisbon`, `AND`, `lisbon AND`, `OR`, `NOT lisbon`, `NEAR(lisbon meet)`, `*`, `lis*`, `-x`, `-lisbon`,
			`col:val`, `text:lisbon`, `name:ada`, `%`, `%lis%`, `_`, `'`, `O'Brien`, `\`, `lisbon\`, `:*`, `lis:*`, `&`, `|`, `!`,
			`a & b | !c`, `(lisbon`, `)`, `^lisbon`, `{text}: lisbon`, `+`, `+44`, `0`, `00000`, "\x00", "lis\x00bon", "🙂", "🙂 lisbon",
			"\u0301", "\u20dd", "a\u0301", "ﬀ", "𝔘𝔫𝔦", "²", "Ⅻ", "〇", "\ufeff", "\u200b", strings.Repeat("a", 10000), strings.Repeat("lisbon ", 2000), strings.Repeat(`"AND" `, 500),
			strings.Repeat("9", 500), strings.Repeat("é", 300),
		} {
			for _, limit := range []int{-1, 0, 1, 1000} {
				if _, err := db.Search(context.Background(), f.a.ID, q, limit); err != nil {
					t.Errorf("Search(%.40q, %d): %v", q, limit, err)
				}
			}
		}
		// The words inside are still found.
		for _, q := range []string{`"lisbon"`, `"lisbon`, `%lis`, `lis*`, "🙂 lisbon", `-lisbon`, `^lisbon`, `(lisbon)`} {
			if got := messageIDs(search(t, db, f.a.ID, q, 0)); len(got) != 2 {
				t.Errorf("%q: %v, want both Lisbon messages", q, got)
			}
		}
		if got := search(t, db, f.a.ID, strings.Repeat("lisbon ", 2000), 0); len(messageIDs(got)) != 2 {
			t.Errorf("repeated words: %+v", got)
		}
		if got := search(t, db, f.a.ID, strings.Repeat("x", 5000), 0); len(got) != 0 {
			t.Errorf("long word: %+v", got)
		}
		// Limits are clamped, not refused.
		if got := search(t, db, f.a.ID, "lisbon", -5); len(messageIDs(got)) != 2 {
			t.Errorf("negative limit: %+v", got)
		}

		for _, q := range []string{"", " ", "\t\n"} {
			_, err := db.Search(context.Background(), f.a.ID, q, 20)
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalidArgument || de.Remedy == "" {
				t.Errorf("Search(%q) = %v, want invalid_argument with a remedy", q, err)
			}
		}
	})
}

// TestSearchFollowsEdits: the index follows changes made to the rows
// directly (message text is not edited by GoHavi today, but the trigger on
// SQLite and the generated column on PostgreSQL must keep up if it is).
func TestSearchFollowsEdits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		f := newSearchFixture(t, db)
		ctx := context.Background()
		if _, err := db.W.ExecContext(ctx, `UPDATE messages SET text = 'Moved to Porto' WHERE id = $1`, f.ids[txtMeet]); err != nil {
			t.Fatal(err)
		}
		if got := messageIDs(search(t, db, f.a.ID, "lisbon", 0)); !sameIDs(got, []int64{f.ids[txtBooked]}) {
			t.Errorf("after edit, lisbon: %v", got)
		}
		if got := messageIDs(search(t, db, f.a.ID, "porto", 0)); !sameIDs(got, []int64{f.ids[txtMeet]}) {
			t.Errorf("after edit, porto: %v", got)
		}
		// Other columns changing leave the index alone.
		if _, err := db.W.ExecContext(ctx, `UPDATE messages SET status = 'read' WHERE id = $1`, f.ids[txtBooked]); err != nil {
			t.Fatal(err)
		}
		if _, err := db.W.ExecContext(ctx, `DELETE FROM messages WHERE id = $1`, f.ids[txtMeet]); err != nil {
			t.Fatal(err)
		}
		if got := messageIDs(search(t, db, f.a.ID, "porto", 0)); len(got) != 0 {
			t.Errorf("after delete: %v", got)
		}
		if got := messageIDs(search(t, db, f.a.ID, "lisbon", 0)); !sameIDs(got, []int64{f.ids[txtBooked]}) {
			t.Errorf("after delete, lisbon: %v", got)
		}
		if db.Dialect == store.SQLite { // the external-content index agrees with its table
			if _, err := db.W.ExecContext(ctx, `INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)`); err != nil {
				t.Errorf("integrity-check: %v", err)
			}
		}
	})
}

// TestSearchMigrationBackfills: rows stored before 0016_search are found
// once it runs.
func TestSearchMigrationBackfills(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		undo := map[store.Dialect]string{
			store.SQLite: `DROP TRIGGER messages_fts_insert; DROP TRIGGER messages_fts_update; DROP TRIGGER messages_fts_delete;
				DROP TRIGGER contacts_fts_insert; DROP TRIGGER contacts_fts_update; DROP TRIGGER contacts_fts_delete;
				DROP TABLE messages_fts; DROP TABLE contacts_fts; DROP VIEW contacts_search_doc; DROP INDEX conversations_by_contact;
				DELETE FROM gohavi_migrations WHERE version = 16`,
			store.Postgres: `ALTER TABLE messages DROP COLUMN search_vector; ALTER TABLE contacts DROP COLUMN search_vector;
				DROP FUNCTION gohavi_fold(text); DROP FUNCTION gohavi_search_text(text); DROP FUNCTION gohavi_phone_suffixes(text);
				DROP INDEX conversations_by_contact; DELETE FROM gohavi_migrations WHERE version = 16`,
		}[db.Dialect]
		if _, err := db.W.ExecContext(ctx, undo); err != nil {
			t.Fatal(err)
		}
		f := newSearchFixture(t, db) // stored with no search index
		if err := db.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if got := messageIDs(search(t, db, f.a.ID, "lisbon", 0)); !sameIDs(got, []int64{f.ids[txtMeet], f.ids[txtBooked]}) {
			t.Errorf("messages after backfill: %v", got)
		}
		if got := contactHits(search(t, db, f.a.ID, "900123", 0)); len(got) != 1 || got[0].ContactID != f.ada {
			t.Errorf("contacts after backfill: %+v", got)
		}
	})
}

// TestSearchCommonAndRareWords: past the index probe's cap (PostgreSQL
// switches from the GIN index to walking the primary key) the newest
// matches still come first, and a word in a few old messages among many
// newer ones is found whichever way the engine looks.
func TestSearchCommonAndRareWords(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		f := newSearchFixture(t, db)
		const n = 2100 // more than the probe's cap of 2,000
		texts, at := make([]string, n), make([]time.Time, n)
		for i := range texts {
			texts[i] = fmt.Sprintf("parcel update %d", i)
			if i%700 == 0 {
				texts[i] += " zanzibar"
			}
			at[i] = t0.Add(time.Duration(i) * time.Second)
		}
		s := searchSeed{db: db, t: t, ids: map[string]int64{}}
		s.chat(f.a.ID, f.numberA, "447700900999", "Busy Customer", texts, at)
		want := func(pick func(i int) bool, limit int) []int64 {
			var ids []int64
			for i := n - 1; i >= 0 && len(ids) < limit; i-- {
				if pick(i) {
					ids = append(ids, s.ids[texts[i]])
				}
			}
			return ids
		}
		if got, w := messageIDs(search(t, db, f.a.ID, "parcel", 20)), want(func(int) bool { return true }, 20); !sameIDs(got, w) {
			t.Errorf("common word: %v, want %v", got, w)
		}
		if got, w := messageIDs(search(t, db, f.a.ID, "zanzibar", 20)), want(func(i int) bool { return i%700 == 0 }, 20); !sameIDs(got, w) {
			t.Errorf("rare word: %v, want %v", got, w)
		}
		if got, w := messageIDs(search(t, db, f.a.ID, "parcel zanz", 2)), want(func(i int) bool { return i%700 == 0 }, 2); !sameIDs(got, w) {
			t.Errorf("rare prefix with a common word: %v, want %v", got, w)
		}
	})
}

package store_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// BenchmarkSearch measures GET /api/v1/search's store query on a seeded
// inbox, on each engine, and a lookup of a message by id in the same run
// as the floor to compare it with. The scale is 1,000,000 messages
// in 100,000 conversations:
//
//	GOHAVI_SEARCH_BENCH_MESSAGES=1000000 go test ./internal/store -run '^$' -bench 'Search/sqlite' -benchtime 2000x -timeout 2h
//
// Each iteration runs the next query of a fixed mix (common, rare and
// absent words, prefixes as typed, accents, names, digits of numbers) and
// one lookup by id; p50 and p99 of each are reported, and with -v the
// latencies of each query of the mix.
func BenchmarkSearch(b *testing.B) {
	n := 20000
	if s := os.Getenv("GOHAVI_SEARCH_BENCH_MESSAGES"); s != "" {
		var err error
		if n, err = strconv.Atoi(s); err != nil || n < 100 {
			b.Fatalf("GOHAVI_SEARCH_BENCH_MESSAGES=%q: want a number of messages, at least 100", s)
		}
	}
	for _, e := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(e), func(b *testing.B) {
			if e == store.Postgres {
				storetest.RequirePostgres(b)
			}
			db := storetest.Open(b, e, domain.NewFakeClock(storetest.T0))
			seeded := time.Now()
			c := seedSearchBench(b, db, n)
			b.Logf("%s: seeded %d messages in %d conversations in %v", e, n, len(c.contactIDs), time.Since(seeded).Round(time.Millisecond))
			benchSearch(b, db, c)
		})
	}
}

func benchSearch(b *testing.B, db *store.DB, c benchCorpus) {
	ctx := context.Background()
	queries := c.queries()
	perQuery := make([][]time.Duration, len(queries))
	var searches, lookups []time.Duration
	rng := rand.New(rand.NewPCG(2, 2))
	i := 0
	for b.Loop() {
		k := i % len(queries)
		i++
		start := time.Now()
		if _, err := db.Search(ctx, c.ws, queries[k], store.SearchDefaultLimit); err != nil {
			b.Fatalf("Search(%q): %v", queries[k], err)
		}
		d := time.Since(start)
		searches, perQuery[k] = append(searches, d), append(perQuery[k], d)

		id := c.firstMessage + rng.Int64N(c.messages)
		start = time.Now()
		if _, err := db.MessageByID(ctx, c.ws, id); err != nil {
			b.Fatalf("MessageByID(%d): %v", id, err)
		}
		lookups = append(lookups, time.Since(start))
	}
	ms := func(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
	b.ReportMetric(ms(percentile(searches, 50)), "search-p50-ms")
	b.ReportMetric(ms(percentile(searches, 99)), "search-p99-ms")
	b.ReportMetric(ms(percentile(lookups, 50)), "byid-p50-ms")
	b.ReportMetric(ms(percentile(lookups, 99)), "byid-p99-ms")
	for k, q := range queries {
		if len(perQuery[k]) > 0 {
			b.Logf("%-16q p50 %7.2f ms  p99 %7.2f ms  (%d runs)", q, ms(percentile(perQuery[k], 50)), ms(percentile(perQuery[k], 99)), len(perQuery[k]))
		}
	}
}

func percentile(ds []time.Duration, p int) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[min(len(s)-1, len(s)*p/100)]
}

// benchCorpus is what seedSearchBench stored.
type benchCorpus struct {
	ws           int64
	firstMessage int64
	messages     int64
	contactIDs   []int64
	phones       []string
	rare         string // a word that occurs a handful of times
}

// queries is the mix each run cycles through.
func (c benchCorpus) queries() []string {
	phone := c.phones[len(c.phones)/2]
	return []string{
		"thanks",             // in most messages
		"invoice",            // in a few percent
		c.rare,               // in a handful
		"zqxjv",              // in none
		"th", "del", "deliv", // prefix, as typed
		"order tomorrow", // two words
		"sao paulo",      // accents folded
		"zurich",
		"joao",                             // a contact's name
		"mull",                             // a name's prefix
		phone[len(phone)-4:],               // the last digits of a number
		"+" + phone[:2] + " " + phone[2:6], // the start of one, formatted
	}
}

var (
	benchCommon = strings.Fields(`thanks thank you hello hi ok okay yes no please the a to is my your for of and in on at it
		this that we can when what where how order delivery tomorrow today price payment invoice receipt refund
		address package parcel tracking number confirm confirmed cancel booking appointment time morning afternoon
		evening week monday friday available stock size colour color discount offer code link send sent received
		olá obrigado obrigada amanhã hoje pedido entrega preço pagamento gracias mañana hoy envío pago factura
		bonjour merci demain commande livraison danke morgen bestellung lieferung`)
	benchPlaces = []string{"São Paulo", "Lisboa", "Zürich", "Kraków", "Málaga", "Québec", "Bogotá", "Montréal",
		"Curaçao", "Düsseldorf", "Reykjavík", "Córdoba", "Göteborg", "Nîmes", "Łódź", "Ankara", "Porto", "Lyon"}
	benchFirst = []string{"João", "José", "Maria", "Zoë", "Ana", "Luís", "Chloé", "Jürgen", "Ingrid", "Aisha",
		"Mohammed", "Wei", "Priya", "Olga", "Noël", "Inês", "Søren", "Björn", "Amélie", "Carlos"}
	benchLast = []string{"Silva", "Müller", "Núñez", "Dubois", "Smith", "Kowalski", "García", "Rossi", "Öztürk",
		"Andersson", "Nakamura", "Khan", "Ivanova", "Brennan", "Costa", "Fernández", "Lefèvre", "Schmidt"}
)

// benchVocabulary is the common words, then places, then a long tail of
// made-up words, most frequent first.
func benchVocabulary(rng *rand.Rand) []string {
	syl := strings.Fields("ka lo mi ne ru sa te vo zi ba de fo gu hi ja ke li mo nu pa qui ro su ta vi xa yo ze")
	v := slices.Clone(benchCommon)
	for _, p := range benchPlaces {
		v = append(v, strings.Fields(p)...)
	}
	seen := map[string]bool{}
	for len(seen) < 50000 {
		var w strings.Builder
		for range 2 + rng.IntN(3) {
			w.WriteString(syl[rng.IntN(len(syl))])
		}
		if !seen[w.String()] {
			seen[w.String()] = true
			v = append(v, w.String())
		}
	}
	return v
}

// seedSearchBench stores n messages in n/10 conversations, each with its
// own contact, with multi-row inserts in large transactions.
func seedSearchBench(b testing.TB, db *store.DB, n int) benchCorpus {
	ctx := context.Background()
	rng := rand.New(rand.NewPCG(1, 1))
	ws, err := db.CreateWorkspace(ctx, "bench", "Bench")
	if err != nil {
		b.Fatal(err)
	}
	num, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "w", PhoneNumberID: "pbench", AccessTokenEnc: []byte{1}})
	if err != nil {
		b.Fatal(err)
	}
	c := benchCorpus{ws: ws.ID, messages: int64(n)}
	convs := max(1, n/10)
	now := domain.Millis(storetest.T0)

	rows := make([][]any, 0, convs)
	for i := range convs {
		phone := fmt.Sprintf("%d%09d", 44+i%40, rng.Int64N(1e9))
		c.phones = append(c.phones, phone)
		name := benchFirst[rng.IntN(len(benchFirst))] + " " + benchLast[rng.IntN(len(benchLast))]
		rows = append(rows, []any{ws.ID, phone, "+" + phone, name, now, now})
	}
	bulkInsert(b, db, "contacts(workspace_id, wa_id, phone, name, created_at, updated_at)", rows)
	c.contactIDs = benchIDs(b, db, `SELECT id FROM contacts WHERE workspace_id = $1 ORDER BY id`, ws.ID)

	rows = rows[:0]
	for _, id := range c.contactIDs {
		rows = append(rows, []any{ws.ID, num.ID, id, now, now})
	}
	bulkInsert(b, db, "conversations(workspace_id, number_id, contact_id, created_at, updated_at)", rows)
	convIDs := benchIDs(b, db, `SELECT id FROM conversations WHERE workspace_id = $1 ORDER BY id`, ws.ID)

	vocab := benchVocabulary(rng)
	zipf := rand.NewZipf(rand.New(rand.NewPCG(3, 3)), 1.07, 2, uint64(len(vocab)-1))
	c.rare = vocab[len(vocab)-1000] // a tail word: a few hits at any size
	var text strings.Builder
	rows = rows[:0]
	flush := func() {
		bulkInsert(b, db, "messages(workspace_id, conversation_id, number_id, contact_id, direction, type, text, status, ts, created_at, updated_at)", rows)
		rows = rows[:0]
	}
	for i := range n {
		k := rng.IntN(len(convIDs))
		text.Reset()
		for w := range 3 + rng.IntN(25) {
			if w > 0 {
				text.WriteByte(' ')
			}
			text.WriteString(vocab[zipf.Uint64()])
		}
		if rng.IntN(20) == 0 {
			fmt.Fprintf(&text, " order #%d", 10000+rng.IntN(90000))
		}
		ts := now - int64(n-i)*1000
		rows = append(rows, []any{ws.ID, convIDs[k], num.ID, c.contactIDs[k], "inbound", "text", text.String(), "received", ts, ts, ts})
		if len(rows) == 50000 {
			flush()
		}
	}
	flush()
	ids := benchIDs(b, db, `SELECT MIN(id) FROM messages WHERE workspace_id = $1`, ws.ID)
	c.firstMessage = ids[0]
	if _, err := db.W.ExecContext(ctx, `UPDATE conversations SET last_message_at = COALESCE((SELECT MAX(ts) FROM messages WHERE conversation_id = conversations.id), 0) WHERE workspace_id = $1`, ws.ID); err != nil {
		b.Fatal(err)
	}
	if db.Dialect == store.Postgres { // as autovacuum would have, long before a million messages
		if _, err := db.W.ExecContext(ctx, `VACUUM ANALYZE messages, contacts, conversations`); err != nil {
			b.Fatal(err)
		}
	}
	return c
}

// bulkInsert stores rows in one transaction, 1,000 rows to a statement.
// SQLite gets anonymous parameters: it resolves "$N" by a linear scan.
func bulkInsert(b testing.TB, db *store.DB, into string, rows [][]any) {
	if len(rows) == 0 {
		return
	}
	ctx := context.Background()
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	defer tx.Rollback()
	cols := len(rows[0])
	for start := 0; start < len(rows); start += 1000 {
		chunk := rows[start:min(start+1000, len(rows))]
		var q strings.Builder
		args := make([]any, 0, len(chunk)*cols)
		q.WriteString("INSERT INTO " + into + " VALUES ")
		for r, row := range chunk {
			if r > 0 {
				q.WriteByte(',')
			}
			q.WriteByte('(')
			for j := range cols {
				if j > 0 {
					q.WriteByte(',')
				}
				if db.Dialect == store.SQLite {
					q.WriteByte('?')
				} else {
					fmt.Fprintf(&q, "$%d", len(args)+j+1)
				}
			}
			q.WriteByte(')')
			args = append(args, row...)
		}
		if _, err := tx.ExecContext(ctx, q.String(), args...); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}
}

func benchIDs(b testing.TB, db *store.DB, q string, args ...any) []int64 {
	rows, err := db.R.QueryContext(context.Background(), q, args...)
	if err != nil {
		b.Fatal(err)
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			b.Fatal(err)
		}
		out = append(out, id)
	}
	if err := rows.Err(); err != nil {
		b.Fatal(err)
	}
	return out
}

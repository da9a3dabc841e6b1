package bench

import (
	"cmp"
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohavi/gohavi/internal/auth"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// seedInbox stores the workspace: numbers, agents with sessions, labels,
// contacts, conversations and messages, through the normal tables so the
// search triggers and generated columns index them as in production, in
// multi-row statements and large transactions. Then ANALYZE.
func seedInbox(ctx context.Context, db *store.DB, conversations, messages int, progress func(string)) (*inboxCorpus, error) {
	ws, err := db.CreateWorkspace(ctx, "inbox-bench", "Inbox benchmark")
	if err != nil {
		return nil, err
	}
	c := &inboxCorpus{ws: ws.ID, convs: conversations, labels: map[string]int{}}
	for k := range 3 {
		n, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "1093000000000" + fmt.Sprint(k), PhoneNumberID: fmt.Sprintf("10930000000010%d", k),
			DisplayPhoneNumber: fmt.Sprintf("1555000100%d", k), AccessTokenEnc: []byte{1}})
		if err != nil {
			return nil, err
		}
		c.numbers = append(c.numbers, n)
	}
	for k := range 6 {
		u, err := db.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: fmt.Sprintf("agent%d@inbox-bench.invalid", k), Name: fmt.Sprintf("Agent %d", k),
			Role: domain.RoleAgent, PasswordHash: "!"})
		if err != nil {
			return nil, err
		}
		token, hash := auth.NewToken(auth.PrefixSession)
		if err := db.CreateSession(ctx, domain.Session{TokenHash: hash, UserID: u.ID, WorkspaceID: ws.ID, ExpiresAt: time.Now().Add(24 * time.Hour)}); err != nil {
			return nil, err
		}
		c.agents, c.sessions = append(c.agents, u.ID), append(c.sessions, token)
	}
	for _, l := range inboxLabels {
		if _, err := db.CreateLabel(ctx, ws.ID, l.name, ""); err != nil {
			return nil, err
		}
	}

	now := domain.Millis(time.Now())
	start := time.Now()
	msgs := plan(conversations, messages, now)
	tt := newTexts(messages)
	c.rare = tt.rare
	stats := make([]convStats, conversations)
	for j, m := range msgs {
		s := &stats[m.conv]
		if s.count == 0 {
			s.first = m.ts
		}
		s.count++
		s.last, s.lastJ, s.lastInbound = m.ts, j, m.inbound
		if m.inbound {
			s.lastIn = m.ts
		}
	}
	order := make([]int, conversations)
	for i := range order {
		order[i] = i
	}
	slices.SortFunc(order, func(a, b int) int { return stats[b].count - stats[a].count })
	for _, i := range order[:min(20, len(order))] {
		c.long = append(c.long, int64(i+1))
	}
	c.longest = stats[order[0]].count
	progress(fmt.Sprintf("seed: planned %d messages in %s (longest thread %d messages)", messages, time.Since(start).Round(time.Millisecond), c.longest))

	step := time.Now()
	err = insertRows(ctx, db, "contacts", []string{"id", "workspace_id", "wa_id", "phone", "name", "created_at", "updated_at"}, conversations, 1,
		func(i int, r []any) []any {
			wa := waID(i)
			return append(r, int64(i+1), ws.ID, wa, "+"+wa, contactName(i), stats[i].first, stats[i].first)
		}, nil)
	if err != nil {
		return nil, fmt.Errorf("contacts: %w", err)
	}
	progress(fmt.Sprintf("seed: %d contacts in %s", conversations, time.Since(step).Round(time.Millisecond)))

	step = time.Now()
	rng := rand.New(rand.NewPCG(9, 9))
	week := int64(7 * 24 * time.Hour / time.Millisecond)
	err = insertRows(ctx, db, "conversations", []string{"id", "workspace_id", "number_id", "contact_id", "last_message_at", "last_inbound_at",
		"window_expires_at", "last_message_text", "unread_count", "created_at", "updated_at", "status", "snooze_until", "assignee_id"}, conversations, 1,
		func(i int, r []any) []any {
			s := stats[i]
			p := rng.IntN(100)
			st := domain.ConvResolved // older conversations are mostly resolved
			switch recent := s.last > now-week; {
			case recent && p < 60, !recent && p < 8:
				st = domain.ConvOpen
			case recent && p < 85, !recent && p < 13:
				st = domain.ConvPending
			case recent && p < 90, !recent && p < 15:
				st = domain.ConvSnoozed
			}
			var snooze int64
			if st == domain.ConvSnoozed {
				snooze = now + int64(1+rng.IntN(72))*int64(time.Hour/time.Millisecond)
			}
			var assignee any // 35% unassigned, the rest shared by the agents
			if rng.IntN(100) >= 35 {
				assignee = c.agents[rng.IntN(len(c.agents))]
			}
			unread, window := 0, int64(0)
			if s.lastInbound && (st == domain.ConvOpen || st == domain.ConvPending) {
				unread = 1 + rng.IntN(4)
			}
			if s.lastIn > 0 {
				window = s.lastIn + int64(24*time.Hour/time.Millisecond)
			}
			return append(r, int64(i+1), ws.ID, c.numbers[i%len(c.numbers)].ID, int64(i+1), s.last, s.lastIn, window,
				tt.text(s.lastJ), unread, s.first, s.last, string(st), snooze, assignee)
		}, nil)
	if err != nil {
		return nil, fmt.Errorf("conversations: %w", err)
	}
	var labelled [][2]any
	for i := range conversations {
		for _, l := range inboxLabels {
			if rng.Float64() < l.share {
				labelled = append(labelled, [2]any{int64(i + 1), l.name})
				c.labels[l.name]++
			}
		}
	}
	err = insertRows(ctx, db, "conversation_labels", []string{"workspace_id", "conversation_id", "label"}, len(labelled), 1,
		func(i int, r []any) []any { return append(r, ws.ID, labelled[i][0], labelled[i][1]) }, nil)
	if err != nil {
		return nil, fmt.Errorf("labels: %w", err)
	}
	progress(fmt.Sprintf("seed: %d conversations, %d labels in %s", conversations, len(labelled), time.Since(step).Round(time.Millisecond)))

	// Messages get their ids here, in time order: PostgreSQL inserts them
	// from two connections at once (its tsvector and GIN work is the cost).
	step = time.Now()
	workers := 1
	if db.Dialect == store.Postgres {
		workers = 2
	}
	err = insertRows(ctx, db, "messages", []string{"id", "workspace_id", "conversation_id", "number_id", "contact_id", "direction", "type", "text",
		"payload", "wamid", "status", "status_rank", "sent_by", "ts", "created_at", "updated_at"}, messages, workers,
		func(j int, r []any) []any {
			m := msgs[j]
			text := tt.text(j)
			body, _ := json.Marshal(text)
			dir, st, by := domain.Inbound, domain.StatusReceived, int64(0)
			if !m.inbound {
				dir, st = domain.Outbound, domain.StatusRead
				if j%4 == 0 {
					st = domain.StatusDelivered
				}
				if j%5 != 0 {
					by = c.agents[j%len(c.agents)]
				}
			}
			return append(r, int64(j+1), ws.ID, int64(m.conv)+1, c.numbers[int(m.conv)%len(c.numbers)].ID, int64(m.conv)+1, string(dir), "text", text,
				append(append([]byte(`{"body":`), body...), '}'), fmt.Sprintf("wamid.seed.%d", j), string(st), st.Rank(), by, m.ts, m.ts, m.ts)
		}, func(done int) {
			if done%200_000 < 50_000 {
				progress(fmt.Sprintf("seed: %d messages (%s/s)", done, thousands(float64(done)/time.Since(step).Seconds())))
			}
		})
	if err != nil {
		return nil, fmt.Errorf("messages: %w", err)
	}
	progress(fmt.Sprintf("seed: %d messages in %s (%s/s)", messages, time.Since(step).Round(time.Millisecond),
		thousands(float64(messages)/time.Since(step).Seconds())))

	step = time.Now()
	q := []string{`ANALYZE`}
	if db.Dialect == store.Postgres {
		// Explicit ids left the sequences behind; and a table loaded this
		// fast has not yet had the autovacuum a real one has had.
		q = []string{`SELECT setval(pg_get_serial_sequence('contacts', 'id'), (SELECT max(id) FROM contacts))`,
			`SELECT setval(pg_get_serial_sequence('conversations', 'id'), (SELECT max(id) FROM conversations))`,
			`SELECT setval(pg_get_serial_sequence('messages', 'id'), (SELECT max(id) FROM messages))`,
			`VACUUM ANALYZE`}
	}
	for _, s := range q {
		if _, err := db.W.ExecContext(ctx, s); err != nil {
			return nil, fmt.Errorf("%s: %w", s, err)
		}
	}
	progress(fmt.Sprintf("seed: %s in %s", q[len(q)-1], time.Since(step).Round(time.Millisecond)))
	return c, nil
}

// insertRows inserts n rows made by row, in multi-row statements (one
// prepared statement per transaction) and transactions of 50,000 rows,
// from workers connections at once (row must then be safe for concurrent
// use). chunk, if set, learns how many rows are committed after each.
// SQLite gets anonymous parameters: it resolves "$N" by a linear scan.
func insertRows(ctx context.Context, db *store.DB, table string, cols []string, n, workers int, row func(i int, dst []any) []any, chunk func(done int)) error {
	per := min(1000, 30000/len(cols))
	stmtFor := func(rows int) string {
		var b strings.Builder
		b.WriteString("INSERT INTO " + table + "(" + strings.Join(cols, ", ") + ") VALUES ")
		for r := range rows {
			if r > 0 {
				b.WriteByte(',')
			}
			b.WriteByte('(')
			for k := range cols {
				if k > 0 {
					b.WriteByte(',')
				}
				if db.Dialect == store.SQLite {
					b.WriteByte('?')
				} else {
					fmt.Fprintf(&b, "$%d", r*len(cols)+k+1)
				}
			}
			b.WriteByte(')')
		}
		return b.String()
	}
	full := stmtFor(per)
	insert := func(lo, hi int, args []any) error {
		tx, err := db.W.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer tx.Rollback()
		var stmt *sql.Stmt
		for i := lo; i < hi; i += per {
			k := min(per, hi-i)
			args = args[:0]
			for r := i; r < i+k; r++ {
				args = row(r, args)
			}
			if k < per {
				_, err = tx.ExecContext(ctx, stmtFor(k), args...)
			} else {
				if stmt == nil {
					if stmt, err = tx.PrepareContext(ctx, full); err != nil {
						return err
					}
					defer stmt.Close()
				}
				_, err = stmt.ExecContext(ctx, args...)
			}
			if err != nil {
				return err
			}
		}
		return tx.Commit()
	}
	var next, done atomic.Int64
	var mu sync.Mutex
	var firstErr error
	var wg sync.WaitGroup
	for range max(1, workers) {
		wg.Go(func() {
			args := make([]any, 0, per*len(cols))
			for {
				lo := int(next.Add(50_000)) - 50_000
				if lo >= n || ctx.Err() != nil {
					return
				}
				hi := min(n, lo+50_000)
				if err := insert(lo, hi, args); err != nil {
					mu.Lock()
					firstErr = cmp.Or(firstErr, err)
					mu.Unlock()
					next.Store(int64(n)) // the others stop too
					return
				}
				if d := done.Add(int64(hi - lo)); chunk != nil {
					mu.Lock()
					chunk(int(d))
					mu.Unlock()
				}
			}
		})
	}
	wg.Wait()
	if firstErr == nil {
		firstErr = ctx.Err()
	}
	return firstErr
}

package store

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"sync"
)

// hotQueries are the statements the webhook applier runs for every event.
// modernc's driver parses SQL text on every call and that was a third of
// the applier's CPU, so on SQLite they are prepared once on the writer
// connection. (pgx keeps its own per-connection statement cache.) They are
// prepared with anonymous "?" parameters: SQLite resolves numbered ones
// ("$3") by scanning a list of names for every bind, which is quadratic in
// the number of parameters and was another quarter of the applier's CPU.
var (
	hotMu      sync.Mutex
	hotQueries []string
)

// hot registers q for preparation and returns it unchanged.
func hot(q string) string {
	hotMu.Lock()
	hotQueries = append(hotQueries, q)
	hotMu.Unlock()
	return q
}

// prepareHot prepares the registered statements on SQLite's single writer
// connection. It runs after migrations (the tables must exist) and outside
// any transaction (the one connection must be free). A statement that
// fails to prepare simply runs unprepared.
func (db *DB) prepareHot(ctx context.Context) {
	if db.Dialect != SQLite {
		return
	}
	hotMu.Lock()
	qs := append([]string(nil), hotQueries...)
	hotMu.Unlock()
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	if db.stmts == nil {
		db.stmts = map[string]hotStmt{}
	}
	for _, q := range qs {
		if _, ok := db.stmts[q]; ok {
			continue
		}
		anon, order := anonymous(q)
		if st, err := db.W.PrepareContext(ctx, anon); err == nil {
			db.stmts[q] = hotStmt{st: st, order: order}
		}
	}
}

// hotStmt is a prepared statement and, for each of its "?" in order, the
// 1-based number of the "$N" argument it takes.
type hotStmt struct {
	st    *sql.Stmt
	order []int
}

func (h hotStmt) args(args []any) []any {
	out := make([]any, len(h.order))
	for i, n := range h.order {
		out[i] = args[n-1]
	}
	return out
}

// anonymous rewrites each "$N" of q as "?" and reports which argument each
// takes, so a query written once for both engines binds positionally.
func anonymous(q string) (string, []int) {
	var b strings.Builder
	var order []int
	for i := 0; i < len(q); i++ {
		if q[i] != '$' || i+1 >= len(q) || q[i+1] < '0' || q[i+1] > '9' {
			b.WriteByte(q[i])
			continue
		}
		j := i + 1
		for j < len(q) && q[j] >= '0' && q[j] <= '9' {
			j++
		}
		n, _ := strconv.Atoi(q[i+1 : j])
		order = append(order, n)
		b.WriteByte('?')
		i = j - 1
	}
	return b.String(), order
}

func (db *DB) prepared(q string) (hotStmt, bool) {
	db.stmtMu.RLock()
	defer db.stmtMu.RUnlock()
	h, ok := db.stmts[q]
	return h, ok
}

func (db *DB) closeStmts() {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	for _, h := range db.stmts {
		h.st.Close()
	}
	db.stmts = nil
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if h, ok := tx.db.prepared(q); ok {
		return tx.tx.StmtContext(ctx, h.st).ExecContext(ctx, h.args(args)...)
	}
	q, args = tx.db.positional(q, args)
	return tx.tx.ExecContext(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if h, ok := tx.db.prepared(q); ok {
		return tx.tx.StmtContext(ctx, h.st).QueryRowContext(ctx, h.args(args)...)
	}
	q, args = tx.db.positional(q, args)
	return tx.tx.QueryRowContext(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if h, ok := tx.db.prepared(q); ok {
		return tx.tx.StmtContext(ctx, h.st).QueryContext(ctx, h.args(args)...)
	}
	q, args = tx.db.positional(q, args)
	return tx.tx.QueryContext(ctx, q, args...)
}

// positional gives SQLite an unprepared statement with anonymous
// parameters (see hotQueries): a multi-row insert or a long IN list
// otherwise spends most of its time resolving "$N" names.
func (db *DB) positional(q string, args []any) (string, []any) {
	if db.Dialect != SQLite || len(args) < 8 {
		return q, args
	}
	anon, order := anonymous(q)
	return anon, hotStmt{order: order}.args(args)
}

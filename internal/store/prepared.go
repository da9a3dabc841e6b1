package store

import (
	"context"
	"database/sql"
	"sync"
)

// hotQueries are the statements the webhook applier runs for every event.
// modernc's driver parses SQL text on every call and that was a third of
// the applier's CPU, so on SQLite they are prepared once on the writer
// connection. (pgx keeps its own per-connection statement cache.)
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
		db.stmts = map[string]*sql.Stmt{}
	}
	for _, q := range qs {
		if _, ok := db.stmts[q]; ok {
			continue
		}
		if st, err := db.W.PrepareContext(ctx, q); err == nil {
			db.stmts[q] = st
		}
	}
}

func (db *DB) prepared(q string) *sql.Stmt {
	db.stmtMu.RLock()
	defer db.stmtMu.RUnlock()
	return db.stmts[q]
}

func (db *DB) closeStmts() {
	db.stmtMu.Lock()
	defer db.stmtMu.Unlock()
	for _, st := range db.stmts {
		st.Close()
	}
	db.stmts = nil
}

func (tx *Tx) exec(ctx context.Context, q string, args ...any) (sql.Result, error) {
	if st := tx.db.prepared(q); st != nil {
		return tx.tx.StmtContext(ctx, st).ExecContext(ctx, args...)
	}
	return tx.tx.ExecContext(ctx, q, args...)
}

func (tx *Tx) queryRow(ctx context.Context, q string, args ...any) *sql.Row {
	if st := tx.db.prepared(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryRowContext(ctx, args...)
	}
	return tx.tx.QueryRowContext(ctx, q, args...)
}

func (tx *Tx) query(ctx context.Context, q string, args ...any) (*sql.Rows, error) {
	if st := tx.db.prepared(q); st != nil {
		return tx.tx.StmtContext(ctx, st).QueryContext(ctx, args...)
	}
	return tx.tx.QueryContext(ctx, q, args...)
}

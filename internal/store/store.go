// Package store is the only package that speaks SQL. One implementation
// serves both engines: the queries use the portable subset (numbered
// placeholders, ON CONFLICT, RETURNING, integer unix-ms timestamps) and a
// Dialect covers the few differences.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	_ "modernc.org/sqlite" // registers the "sqlite" driver

	"github.com/gohavi/gohavi/internal/domain"
)

// Dialect names the database engine.
type Dialect string

// Engines.
const (
	SQLite   Dialect = "sqlite"
	Postgres Dialect = "postgres"
)

// DB is an open database. On SQLite, W is a one-connection pool that takes
// the write lock at BEGIN (one writer, no SQLITE_BUSY storms) and R is a pool
// of readers; on Postgres both are the same pool.
type DB struct {
	Dialect Dialect
	W       *sql.DB
	R       *sql.DB
	Pool    *pgxpool.Pool // Postgres only: native pool for River and LISTEN
	URL     string        // Postgres connection string, empty on SQLite
	Path    string        // SQLite file, empty on Postgres
	Clock   domain.Clock

	stmtMu sync.RWMutex
	stmts  map[string]hotStmt // SQLite: hot statements prepared on the writer
	stopCk context.CancelFunc // SQLite: stops the checkpointer
	ckDone chan struct{}
}

// Open connects to url: a postgres:// or postgresql:// URL selects
// PostgreSQL, anything else is taken as a SQLite file path.
func Open(ctx context.Context, dsn string, clock domain.Clock) (*DB, error) {
	if clock == nil {
		clock = domain.SystemClock{}
	}
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		return openPostgres(ctx, dsn, clock)
	}
	return openSQLite(ctx, dsn, clock)
}

func sqliteDSN(path string, writer bool) string {
	q := url.Values{}
	// busy_timeout first: the other pragmas may need the lock.
	// temp_store in memory: a multi-row upsert's statement journal would
	// otherwise go to a temp file on every group commit.
	for _, p := range []string{"busy_timeout(10000)", "journal_mode(WAL)", "synchronous(NORMAL)", "foreign_keys(ON)", "cache_size(-32000)", "temp_store(MEMORY)"} {
		q.Add("_pragma", p)
	}
	if writer {
		q.Set("_txlock", "immediate")
		// Checkpoints run beside the writer (see checkpointer), not inside
		// a group commit that requests are waiting on.
		q.Add("_pragma", "wal_autocheckpoint(0)")
	}
	return "file:" + path + "?" + q.Encode()
}

func openSQLite(ctx context.Context, path string, clock domain.Clock) (*DB, error) {
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("create data dir: %w", err)
		}
	}
	w, err := sql.Open("sqlite", sqliteDSN(path, true))
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return nil, fmt.Errorf("open sqlite %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", sqliteDSN(path, false))
	if err != nil {
		w.Close()
		return nil, err
	}
	r.SetMaxOpenConns(8)
	r.SetMaxIdleConns(8)
	db := &DB{Dialect: SQLite, W: w, R: r, Path: path, Clock: clock}
	db.startCheckpointer()
	return db, nil
}

// checkpointInterval bounds how far the WAL grows between checkpoints.
const checkpointInterval = 100 * time.Millisecond

// startCheckpointer copies the WAL back into the database from a reader
// connection. PASSIVE never blocks the writer or readers; when the WAL is
// fully copied, the writer starts it over from the beginning.
func (db *DB) startCheckpointer() {
	ctx, cancel := context.WithCancel(context.Background())
	db.stopCk, db.ckDone = cancel, make(chan struct{})
	go func() {
		defer close(db.ckDone)
		t := time.NewTicker(checkpointInterval)
		defer t.Stop()
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				_, _ = db.R.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`)
			}
		}
	}()
}

func openPostgres(ctx context.Context, dsn string, clock domain.Clock) (*DB, error) {
	cfg, err := pgxpool.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("GOHAVI_DATABASE_URL is not a valid PostgreSQL URL: %w", err)
	}
	if cfg.MaxConns < 10 {
		cfg.MaxConns = 10
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, err
	}
	pctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := pool.Ping(pctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("connect to PostgreSQL: %w", err)
	}
	db := stdlib.OpenDBFromPool(pool)
	return &DB{Dialect: Postgres, W: db, R: db, Pool: pool, URL: dsn, Clock: clock}, nil
}

// Close releases all connections.
func (db *DB) Close() error {
	if db.stopCk != nil {
		db.stopCk()
		<-db.ckDone
		_, _ = db.R.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	}
	db.closeStmts()
	var errs []error
	errs = append(errs, db.W.Close())
	if db.R != db.W {
		errs = append(errs, db.R.Close())
	}
	if db.Pool != nil {
		db.Pool.Close()
	}
	return errors.Join(errs...)
}

// Ping checks the database answers.
func (db *DB) Ping(ctx context.Context) error { return db.R.PingContext(ctx) }

func (db *DB) now() int64 { return domain.Millis(db.Clock.Now()) }

// Tx is a write transaction. Helpers take it so several store operations
// compose atomically (and a River job can be inserted in the same commit).
type Tx struct {
	tx  *sql.Tx
	db  *DB
	now int64
}

// SQL exposes the underlying transaction for River's InsertTx.
func (tx *Tx) SQL() *sql.Tx { return tx.tx }

// Now is the transaction's fixed timestamp in unix milliseconds.
func (tx *Tx) Now() int64 { return tx.now }

// WithTx runs fn in a write transaction, committing if it returns nil.
func (db *DB) WithTx(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	tx := &Tx{tx: sqlTx, db: db, now: db.now()}
	if err := fn(tx); err != nil {
		_ = sqlTx.Rollback()
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

// queryer is satisfied by *sql.DB and *sql.Tx so read helpers serve both.
type queryer interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// isUniqueViolation recognises unique-constraint errors on both engines
// without importing driver error types into callers.
func isUniqueViolation(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "UNIQUE constraint failed") || strings.Contains(s, "SQLSTATE 23505") || strings.Contains(s, "duplicate key value")
}

// IsConflict recognises a transaction the database aborted to resolve a
// deadlock or a serialization conflict: trying it again is the remedy.
func IsConflict(err error) bool {
	if err == nil {
		return false
	}
	s := err.Error()
	return strings.Contains(s, "SQLSTATE 40P01") || strings.Contains(s, "SQLSTATE 40001") || strings.Contains(s, "database is locked")
}

func notFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.ErrNotFound
	}
	return err
}

package store

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"sort"
	"strconv"
	"strings"
)

//go:embed migrations
var migrationsFS embed.FS

// migrationLockKey is the PostgreSQL advisory lock that serialises
// migrations when several nodes start at once.
const migrationLockKey = 7243_1907_5521

type migration struct {
	version int
	name    string
	sql     string
}

func (db *DB) migrations() ([]migration, error) {
	dir := "migrations/" + string(db.Dialect)
	entries, err := fs.ReadDir(migrationsFS, dir)
	if err != nil {
		return nil, err
	}
	var out []migration
	for _, e := range entries {
		name := e.Name()
		if !strings.HasSuffix(name, ".sql") {
			continue
		}
		v, err := strconv.Atoi(strings.SplitN(name, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: name must start with a number", name)
		}
		body, err := fs.ReadFile(migrationsFS, dir+"/"+name)
		if err != nil {
			return nil, err
		}
		out = append(out, migration{version: v, name: name, sql: string(body)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].version < out[j].version })
	return out, nil
}

// Migrate applies pending schema migrations. On PostgreSQL it holds an
// advisory lock so concurrent starts apply each migration exactly once; on
// SQLite the single writer connection serialises it.
func (db *DB) Migrate(ctx context.Context) error {
	ms, err := db.migrations()
	if err != nil {
		return err
	}
	err = db.WithMigrationLock(ctx, func() error {
		if _, err := db.W.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS gohavi_migrations (version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at BIGINT NOT NULL)`); err != nil {
			return fmt.Errorf("migrations table: %w", err)
		}
		for _, m := range ms {
			if err := db.applyMigration(ctx, m); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
	if err == nil {
		db.prepareHot(ctx)
	}
	return err
}

func (db *DB) applyMigration(ctx context.Context, m migration) error {
	tx, err := db.W.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	var n int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM gohavi_migrations WHERE version = $1`, m.version).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return nil
	}
	if _, err := tx.ExecContext(ctx, m.sql); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO gohavi_migrations(version, name, applied_at) VALUES ($1, $2, $3)`, m.version, m.name, db.now()); err != nil {
		return err
	}
	return tx.Commit()
}

// WithMigrationLock runs fn while holding the migration lock (PostgreSQL);
// on SQLite fn simply runs, the file having a single writer.
func (db *DB) WithMigrationLock(ctx context.Context, fn func() error) error {
	if db.Dialect != Postgres {
		return fn()
	}
	conn, err := db.W.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, migrationLockKey); err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, migrationLockKey)
	return fn()
}

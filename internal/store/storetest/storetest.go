// Package storetest opens real databases for tests: a fresh SQLite file, and
// a fresh schema in the PostgreSQL at TEST_POSTGRES_URL. Every test that
// touches storage runs on both engines through Engines.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// DefaultPostgresURL is the database these machines run; CI starts it.
const DefaultPostgresURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// PostgresURL returns the server URL tests use.
func PostgresURL() string {
	if u := os.Getenv("TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return DefaultPostgresURL
}

// RequirePostgres skips the test when PostgreSQL is unreachable, except
// under CI=true where a missing database is a failure, never a silent skip.
func RequirePostgres(t testing.TB) {
	t.Helper()
	db, err := sql.Open("pgx", PostgresURL())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
		db.Close()
	}
	if err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("PostgreSQL at %s is required under CI=true: %v", PostgresURL(), err)
		}
		t.Skipf("PostgreSQL unreachable (%v); set TEST_POSTGRES_URL or start it", err)
	}
}

// NewSchema creates an empty schema and returns a URL whose search_path
// points at it; the schema is dropped when the test ends.
func NewSchema(t testing.TB) string {
	t.Helper()
	RequirePostgres(t)
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "t_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := admin.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	})
	u, err := url.Parse(PostgresURL())
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// Open returns a migrated database of the given engine, closed at cleanup.
func Open(t testing.TB, engine store.Dialect, clock domain.Clock) *store.DB {
	t.Helper()
	var dsn string
	if engine == store.Postgres {
		dsn = NewSchema(t)
	} else {
		dsn = filepath.Join(t.TempDir(), "gohavi.db")
	}
	ctx := context.Background()
	db, err := store.Open(ctx, dsn, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	if err := db.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	return db
}

// Engines runs fn once per engine as parallel-safe subtests.
func Engines(t *testing.T, fn func(t *testing.T, engine store.Dialect)) {
	for _, e := range []store.Dialect{store.SQLite, store.Postgres} {
		t.Run(strings.ToLower(string(e)), func(t *testing.T) { fn(t, e) })
	}
}

// T0 is where every test clock starts.
var T0 = time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)

// Each opens a fresh database per engine, with its own fake clock at T0,
// and runs fn on it.
func Each(t *testing.T, fn func(t *testing.T, db *store.DB, clock *domain.FakeClock)) {
	Engines(t, func(t *testing.T, e store.Dialect) {
		clock := domain.NewFakeClock(T0)
		fn(t, Open(t, e, clock), clock)
	})
}

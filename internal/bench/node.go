package bench

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"os"
	"path/filepath"
	"sync"
	"sync/atomic"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // "pgx" driver for schema setup

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/web"
)

// node is the server under test: the production handler stack (web.New)
// with the real group-commit writer and, unless disabled, the applier.
type node struct {
	db       *store.DB
	hub      *realtime.Memory
	writer   *ingest.Writer
	applier  *ingest.Applier
	applied  atomic.Int64
	url      string
	stopHTTP func()
	stopWork context.CancelFunc
	work     sync.WaitGroup
}

// openDB opens (and migrates) the benchmark database: a SQLite file in dir
// (a temporary one when dir is empty), or a fresh schema in PostgreSQL.
func openDB(ctx context.Context, o IngestOptions) (*store.DB, func(), error) {
	var dsn string
	var drop func()
	switch o.Engine {
	case "sqlite":
		dir := o.Dir
		if dir == "" {
			tmp, err := os.MkdirTemp("", "gohavi-bench-")
			if err != nil {
				return nil, nil, err
			}
			dir, drop = tmp, func() { os.RemoveAll(tmp) }
		}
		dsn = filepath.Join(dir, "bench.db")
	case "postgres":
		if o.DatabaseURL == "" {
			return nil, nil, errors.New("postgres needs --database-url or TEST_POSTGRES_URL")
		}
		var err error
		if dsn, drop, err = newSchema(ctx, o.DatabaseURL); err != nil {
			return nil, nil, err
		}
	default:
		return nil, nil, fmt.Errorf("unknown engine %q: use sqlite or postgres", o.Engine)
	}
	db, err := store.Open(ctx, dsn, domain.SystemClock{})
	if err == nil {
		err = db.Migrate(ctx)
	}
	cleanup := func() {
		if db != nil {
			db.Close()
		}
		if drop != nil {
			drop()
		}
	}
	if err != nil {
		cleanup()
		return nil, nil, err
	}
	return db, cleanup, nil
}

// newSchema creates a throwaway schema and returns a URL whose search_path
// points at it, and a func that drops it.
func newSchema(ctx context.Context, base string) (string, func(), error) {
	var b [6]byte
	_, _ = rand.Read(b[:])
	schema := "bench_" + hex.EncodeToString(b[:])
	admin, err := sql.Open("pgx", base)
	if err != nil {
		return "", nil, err
	}
	if _, err := admin.ExecContext(ctx, `CREATE SCHEMA `+schema); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create schema: %w", err)
	}
	drop := func() {
		_, _ = admin.Exec(`DROP SCHEMA ` + schema + ` CASCADE`)
		admin.Close()
	}
	u, err := url.Parse(base)
	if err != nil {
		drop()
		return "", nil, err
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String(), drop, nil
}

// ensureNumber connects the benchmark's number so the applier does the
// real work (contacts, conversations, messages) for every event.
func ensureNumber(ctx context.Context, db *store.DB) error {
	if _, err := db.NumberByPhoneNumberID(ctx, benchPhoneID); err == nil || !domain.IsNotFound(err) {
		return err
	}
	ws, err := db.WorkspaceBySlug(ctx, "bench")
	if domain.IsNotFound(err) {
		ws, err = db.CreateWorkspace(ctx, "bench", "Benchmark")
	}
	if err != nil {
		return err
	}
	_, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: benchWABA, PhoneNumberID: benchPhoneID,
		DisplayPhoneNumber: benchDisplay, AccessTokenEnc: []byte{1}})
	return err
}

// prefill tops webhook_events up to rows synthetic, already-applied events
// in large group commits, the way the writer stores them.
func prefill(ctx context.Context, db *store.DB, rows int64, progress func(string)) error {
	have, unapplied, err := db.CountWebhookEvents(ctx)
	if err != nil || rows <= 0 {
		return err
	}
	if have >= rows {
		if unapplied > 0 { // left by an earlier run of a kept database
			err = db.MarkAllWebhookEventsApplied(ctx)
		}
		return err
	}
	p := newPayloads("", 700)
	const batch = 10000
	// History arrived over the past 30 days, as it would have in a real
	// installation, not all in this hour.
	now := domain.Millis(time.Now())
	span := int64(30 * 24 * time.Hour / time.Millisecond)
	start := time.Now()
	for have < rows {
		n := min(batch, rows-have)
		evs := make([]*store.WebhookEvent, n)
		for i := range evs {
			at := now - span + span*(have+int64(i))/rows
			body := p.body(p.seq.Add(1), at/1000)
			sum := sha256.Sum256(body)
			evs[i] = &store.WebhookEvent{Hash: sum[:], Body: body, ReceivedAt: at}
		}
		if err := db.InsertWebhookEvents(ctx, evs); err != nil {
			return fmt.Errorf("prefill: %w", err)
		}
		// Prefilled history was applied long ago; the applier must not chew
		// on it. Marked batch by batch while its pages are hot.
		if err := db.MarkAllWebhookEventsApplied(ctx); err != nil {
			return fmt.Errorf("prefill: %w", err)
		}
		have += n
		if have%500_000 < batch && progress != nil {
			progress(fmt.Sprintf("prefill: %d rows (%.0f rows/s)", have, float64(have)/time.Since(start).Seconds()))
		}
	}
	return nil
}

func startNode(ctx context.Context, db *store.DB, o IngestOptions, log *slog.Logger) (*node, error) {
	n := &node{db: db, hub: realtime.NewMemory()}
	n.writer, n.applier = ingest.NewPipeline(db, n.hub, domain.SystemClock{}, log)
	n.applier.Applied = func(k int) { n.applied.Add(int64(k)) }
	h, err := web.New(web.Deps{
		DB: db, Hub: n.hub, Writer: n.writer, Metrics: metrics.New(db, log),
		Clock: domain.SystemClock{}, Log: log, AppSecret: o.AppSecret, Ready: db.Ping,
	})
	if err != nil {
		n.writer.Close()
		return nil, err
	}
	if n.url, n.stopHTTP, err = serve(h); err != nil {
		n.writer.Close()
		return nil, err
	}
	n.url += "/webhooks/whatsapp"
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.stopWork = cancel
	if !o.NoApplier {
		n.work.Add(1)
		go func() { defer n.work.Done(); n.applier.Run(workCtx) }()
	}
	return n, nil
}

// stop shuts down in the server's order: HTTP, writer, applier.
func (n *node) stop() {
	n.stopHTTP()
	n.writer.Close()
	n.stopWork()
	n.work.Wait()
	_ = n.hub.Close()
}

package realtime

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/gohavi/gohavi/internal/domain"
)

// PostgresConfig configures NewPostgres. Zero optional fields get defaults.
type PostgresConfig struct {
	// ConnString is used for the dedicated LISTEN connection and a small pool
	// for publishing and cleaning. It must reach PostgreSQL directly or via a
	// session-mode pooler: LISTEN does not survive transaction pooling.
	ConnString string
	Channel    string // NOTIFY channel, default "gohavi_events"
	Table      string // event table, default "realtime_events"; may be schema-qualified
	Logger     *slog.Logger

	PoolMaxConns  int32         // publish pool size, default 4
	Retention     time.Duration // rows older than this are deleted, default 1h
	CleanInterval time.Duration // how often the cleaner runs, default 5m
	// CatchUpWindow bounds the replay after a reconnect, default 2m. If the
	// listener was down longer, local subscribers are dropped (Lagged) so
	// their clients re-sync instead of silently missing events.
	CatchUpWindow time.Duration
}

func (c *PostgresConfig) setDefaults() {
	if c.Channel == "" {
		c.Channel = "gohavi_events"
	}
	if c.Table == "" {
		c.Table = "realtime_events"
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.PoolMaxConns <= 0 {
		c.PoolMaxConns = 4
	}
	if c.Retention <= 0 {
		c.Retention = time.Hour
	}
	if c.CleanInterval <= 0 {
		c.CleanInterval = 5 * time.Minute
	}
	if c.CatchUpWindow <= 0 {
		c.CatchUpWindow = 2 * time.Minute
	}
}

// Postgres is the multi-node hub. Events are rows in Table; NOTIFY carries
// only the id because payloads are capped below 8000 bytes. Each node LISTENs
// on one dedicated connection, fetches each event once and fans it out
// locally, so subscribers cost no database work.
type Postgres struct {
	cfg   PostgresConfig
	log   *slog.Logger
	pool  *pgxpool.Pool
	f     *fanout
	hooks testHooks
	sql   statements

	cancel    context.CancelFunc
	wg        sync.WaitGroup
	closed    atomic.Bool
	closeOnce sync.Once

	listenPID atomic.Uint32 // backend pid of the LISTEN connection, for tests
}

type statements struct {
	listen, insert, maxID, fetch, catchUp, clean string
}

// testHooks lets tests hold the listener down deterministically and reach
// the idle sweep without waiting 30 s.
type testHooks struct {
	beforeReconnect func(ctx context.Context)
	idlePoll        time.Duration
}

// NewPostgres connects, LISTENs and starts the listener and cleaner. ctx only
// bounds the initial connect; the hub runs until Close.
func NewPostgres(ctx context.Context, cfg PostgresConfig) (*Postgres, error) {
	return newPostgres(ctx, cfg, testHooks{})
}

func newPostgres(ctx context.Context, cfg PostgresConfig, hooks testHooks) (*Postgres, error) {
	cfg.setDefaults()
	poolCfg, err := pgxpool.ParseConfig(cfg.ConnString)
	if err != nil {
		// pgx parse errors can echo the input, which may hold a password.
		return nil, errors.New("realtime: invalid postgres connection string")
	}
	poolCfg.MaxConns = cfg.PoolMaxConns
	// Realtime events are ephemeral (a browser that misses one re-syncs
	// from the API), so their commits need not wait for the WAL flush;
	// with it, every publish costs a disk sync.
	poolCfg.ConnConfig.RuntimeParams["synchronous_commit"] = "off"
	pool, err := pgxpool.NewWithConfig(ctx, poolCfg)
	if err != nil {
		return nil, fmt.Errorf("realtime: create pool: %w", err)
	}
	p := &Postgres{
		cfg:   cfg,
		log:   cfg.Logger.With("component", "realtime"),
		pool:  pool,
		f:     newFanout(),
		hooks: hooks,
		sql:   buildStatements(cfg.Table, cfg.Channel),
	}
	conn, err := p.connect(ctx)
	if err != nil {
		pool.Close()
		return nil, err
	}
	// Start after the newest existing row: a new node has no subscribers
	// that could want older events.
	var start int64
	if err := conn.QueryRow(ctx, p.sql.maxID).Scan(&start); err != nil {
		_ = conn.Close(context.Background())
		pool.Close()
		return nil, fmt.Errorf("realtime: read max event id: %w", err)
	}
	runCtx, cancel := context.WithCancel(context.Background())
	p.cancel = cancel
	l := &listener{p: p, conn: conn, seen: newSeenSet(start, seenCapacity), lastOK: time.Now()}
	p.wg.Add(2)
	go l.run(runCtx)
	go p.cleanLoop(runCtx)
	return p, nil
}

func buildStatements(table, channel string) statements {
	t := pgx.Identifier(strings.Split(table, ".")).Sanitize()
	const cols = "SELECT id, workspace_id, type, data FROM "
	return statements{
		listen: "LISTEN " + pgx.Identifier{channel}.Sanitize(),
		insert: "WITH ins AS (INSERT INTO " + t + "(workspace_id, type, data, created_at) VALUES ($1, $2, $3, $4) RETURNING id) " +
			"SELECT id, pg_notify($5, id::text) FROM ins",
		maxID:   "SELECT COALESCE(max(id), 0) FROM " + t,
		fetch:   cols + t + " WHERE id = ANY($1) OR id > $2 ORDER BY id",
		catchUp: cols + t + " WHERE id > $1 AND created_at >= $2 ORDER BY id",
		clean:   "DELETE FROM " + t + " WHERE created_at < $1",
	}
}

// Publish implements Hub. The event reaches local subscribers through this
// node's own LISTEN, like every other node, which keeps one delivery order
// and exactly-once delivery per node.
func (p *Postgres) Publish(ctx context.Context, ev domain.Event) (domain.Event, error) {
	if p.closed.Load() {
		return ev, ErrClosed
	}
	data := ev.Data
	if data == nil {
		data = []byte{} // the column is NOT NULL; pgx sends a nil slice as NULL
	}
	var id int64
	err := p.pool.QueryRow(ctx, p.sql.insert, ev.WorkspaceID, ev.Type, data, time.Now().UnixMilli(), p.cfg.Channel).
		Scan(&id, nil)
	if err != nil {
		return ev, fmt.Errorf("realtime: publish: %w", err)
	}
	ev.ID = FormatID(id)
	return ev, nil
}

// Subscribe implements Hub.
func (p *Postgres) Subscribe(workspaceID int64) *Subscription { return p.f.subscribe(workspaceID) }

// Subscribers returns the number of live subscriptions on this node.
func (p *Postgres) Subscribers() int { return p.f.count() }

// Close implements Hub. It waits for the listener and cleaner to stop.
func (p *Postgres) Close() error {
	p.closeOnce.Do(func() {
		p.closed.Store(true)
		p.cancel()
		p.wg.Wait()
		p.pool.Close()
		p.f.closeAll()
	})
	return nil
}

// cleanLoop deletes expired rows. Every node runs it; the DELETEs are
// idempotent, so no coordination is needed.
func (p *Postgres) cleanLoop(ctx context.Context) {
	defer p.wg.Done()
	t := time.NewTicker(p.cfg.CleanInterval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		cctx, cancel := context.WithTimeout(ctx, time.Minute)
		cutoff := time.Now().Add(-p.cfg.Retention).UnixMilli()
		_, err := p.pool.Exec(cctx, p.sql.clean, cutoff)
		cancel()
		if err != nil && ctx.Err() == nil {
			p.log.Warn("realtime: delete expired events failed", "err", err)
		}
	}
}

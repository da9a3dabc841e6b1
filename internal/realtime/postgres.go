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
	// their clients resume through Since instead of silently missing events.
	CatchUpWindow time.Duration
	// SettleLag is how long delivery waits for a missing id (taken by an
	// INSERT that has not committed yet) before giving up on it, default 2s.
	// It delays events only while an id is missing; see sequencer.
	SettleLag time.Duration
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
	if c.SettleLag <= 0 {
		c.SettleLag = 2 * time.Second
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
	listen, insert, maxID, fetch, since, bounds, clean string
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
	p.f.head.Store(start)
	l := &listener{p: p, conn: conn, seq: newSequencer(start, cfg.SettleLag), lastOK: time.Now()}
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
		maxID:  "SELECT COALESCE(max(id), 0) FROM " + t,
		fetch:  cols + t + " WHERE id = ANY($1) OR id > $2 ORDER BY id",
		since:  "SELECT id, type, data FROM " + t + " WHERE workspace_id = $1 AND id > $2 AND id <= $3 ORDER BY id LIMIT $4",
		bounds: "SELECT COALESCE(min(id), 0), COALESCE(max(id), 0) FROM " + t,
		// Expiry deletes a prefix of ids, never a row between kept ones, so
		// Since can tell what is gone from the smallest id left. The cut is
		// the oldest fresh row by id (found by a primary-key scan that stops
		// there, so it costs what it deletes); the newest row always stays,
		// so an idle table still says where the ids had got to.
		clean: "DELETE FROM " + t + " WHERE id < COALESCE(" +
			"(SELECT min(id) FROM " + t + " WHERE created_at >= $1), (SELECT max(id) FROM " + t + "))",
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

// Since implements Hub. It reads the table, so a client can resume on any
// node, up to this node's head: what its listener delivered in order, which
// is everything at or below it that will ever commit (bar a very late
// commit, see sequencer). Rows are read by the primary key from afterID;
// for a gap of minutes that scan is short, so the table needs no workspace
// index.
func (p *Postgres) Since(ctx context.Context, workspaceID, afterID int64, limit int) ([]domain.Event, bool, error) {
	if p.closed.Load() {
		return nil, false, ErrClosed
	}
	head := p.f.head.Load()
	var evs []domain.Event
	if afterID < head && limit > 0 {
		rows, err := p.pool.Query(ctx, p.sql.since, workspaceID, afterID, head, limit)
		if err != nil {
			return nil, false, fmt.Errorf("realtime: since: %w", err)
		}
		for rows.Next() {
			var id int64
			ev := domain.Event{WorkspaceID: workspaceID}
			if err := rows.Scan(&id, &ev.Type, &ev.Data); err != nil {
				rows.Close()
				return nil, false, fmt.Errorf("realtime: since: %w", err)
			}
			ev.ID = FormatID(id)
			evs = append(evs, ev)
		}
		if err := rows.Err(); err != nil {
			return nil, false, fmt.Errorf("realtime: since: %w", err)
		}
	}
	// Read after the rows: expiry only ever raises the smallest id, so if
	// nothing above afterID is gone now, nothing was when the rows were read.
	var lo, hi int64
	if err := p.pool.QueryRow(ctx, p.sql.bounds).Scan(&lo, &hi); err != nil {
		return nil, false, fmt.Errorf("realtime: since: %w", err)
	}
	// Ids below lo are expired or never committed; a client lost events if
	// one of them lies between afterID and what Since would return up to.
	floor := head + 1
	if hi != 0 {
		floor = min(lo, floor)
	}
	switch {
	case afterID+1 < floor:
		return nil, false, nil
	case afterID > max(hi, head): // never issued: another database, or restored
		return nil, false, nil
	}
	return evs, true, nil
}

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
		if err := p.clean(ctx, time.Now()); err != nil && ctx.Err() == nil {
			p.log.Warn("realtime: delete expired events failed", "err", err)
		}
	}
}

func (p *Postgres) clean(ctx context.Context, now time.Time) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	_, err := p.pool.Exec(ctx, p.sql.clean, now.Add(-p.cfg.Retention).UnixMilli())
	return err
}

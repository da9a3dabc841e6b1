package realtime

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/gohavi/gohavi/internal/domain"
)

const (
	seenCapacity   = 4096
	maxBatchIDs    = 1024             // ids per fetch; the "id > last" clause covers the rest
	idlePoll       = 30 * time.Second // wake up to probe the connection and sweep for lost notifications (testHooks may shorten it)
	queryTimeout   = 15 * time.Second // a half-open TCP connection must not hang the loop forever
	connectTimeout = 10 * time.Second
	backoffMin     = 100 * time.Millisecond
	backoffMax     = 10 * time.Second
)

// doneCtx is already cancelled: pgx.Conn.WaitForNotification then returns a
// queued notification or fails at once without touching the network, which
// drains what the last query buffered.
var doneCtx = func() context.Context {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	return ctx
}()

// listener owns the LISTEN connection. Only its goroutine touches its
// fields, so it needs no locks, and deliveries are serialised as fanout
// requires.
//
// Commit-order caveat: BIGSERIAL ids are assigned at INSERT but become
// visible at COMMIT, so id 10 may commit after id 11. A plain "id > last"
// query would then skip 10 for good. Hence fetches ask for
// "id = ANY(notified ids) OR id > last" and seen dedups, so a late id that is
// notified is delivered once (after its successor) and never twice. The
// reconnect catch-up scans from seen.floor rather than last to pick up late
// ids whose notification was lost while disconnected.
type listener struct {
	p      *Postgres
	conn   *pgx.Conn
	seen   *seenSet
	ids    []int64
	lastOK time.Time // last time the connection was known to be receiving
}

func (p *Postgres) connect(ctx context.Context) (*pgx.Conn, error) {
	ctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	// ConnectError prints only user and database, never the password.
	conn, err := pgx.Connect(ctx, p.cfg.ConnString)
	if err != nil {
		return nil, fmt.Errorf("realtime: connect listener: %w", err)
	}
	if _, err := conn.Exec(ctx, p.sql.listen); err != nil {
		_ = conn.Close(context.Background())
		return nil, fmt.Errorf("realtime: listen: %w", err)
	}
	p.listenPID.Store(conn.PgConn().PID())
	return conn, nil
}

func (l *listener) run(ctx context.Context) {
	defer l.p.wg.Done()
	defer l.closeConn()
	for {
		err := l.listen(ctx)
		l.closeConn()
		if ctx.Err() != nil {
			return
		}
		l.p.log.Warn("realtime: listener connection lost, reconnecting", "err", err)
		if !l.reconnect(ctx) {
			return
		}
	}
}

func (l *listener) listen(ctx context.Context) error {
	for {
		wctx, cancel := context.WithTimeout(ctx, cmp.Or(l.p.hooks.idlePoll, idlePoll))
		n, err := l.conn.WaitForNotification(wctx)
		cancel()
		l.ids = l.ids[:0]
		switch {
		case ctx.Err() != nil:
			return ctx.Err()
		case err == nil:
			l.addID(n)
			l.drain()
		case pgconn.Timeout(err):
			// Idle: the fetch below doubles as a liveness probe and picks up
			// anything whose notification was lost.
		default:
			return err
		}
		if err := l.fetch(ctx, err == nil); err != nil {
			return err
		}
	}
}

func (l *listener) addID(n *pgconn.Notification) {
	if n == nil {
		return
	}
	id, err := strconv.ParseInt(n.Payload, 10, 64)
	if err != nil {
		// Someone else NOTIFYs on our channel; "id > last" still runs.
		l.p.log.Warn("realtime: ignoring malformed notification", "payload_len", len(n.Payload))
		return
	}
	l.ids = append(l.ids, id)
}

func (l *listener) drain() {
	for len(l.ids) < maxBatchIDs {
		n, err := l.conn.WaitForNotification(doneCtx)
		if err != nil || n == nil {
			return
		}
		l.addID(n)
	}
}

// fetch loads the notified rows plus everything after the newest delivered
// id in one query and fans them out. notified batches whose ids were all
// delivered already (typically swept up by an earlier "id > last") need no
// query at all.
func (l *listener) fetch(ctx context.Context, notified bool) error {
	start := time.Now()
	hadIDs := len(l.ids) > 0
	want := l.seen.unseen(l.ids)
	if notified && hadIDs && len(want) == 0 {
		l.lastOK = start
		return nil
	}
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	rows, err := l.conn.Query(qctx, l.p.sql.fetch, want, l.seen.last)
	if err != nil {
		return err
	}
	if err := l.deliverRows(rows); err != nil {
		return err
	}
	l.lastOK = start
	return nil
}

// catchUp replays what was committed while disconnected. It runs after
// LISTEN is re-established, so nothing can slip between the two.
func (l *listener) catchUp(ctx context.Context) error {
	window := l.p.cfg.CatchUpWindow
	if down := time.Since(l.lastOK); down > window {
		// Events older than the window may be gone or are not replayed;
		// ending the streams makes clients re-sync rather than miss them.
		n := l.p.f.dropAll()
		l.p.log.Warn("realtime: listener down longer than catch-up window, dropped subscribers",
			"down_for", down.Round(time.Millisecond), "subscribers", n)
	}
	start := time.Now()
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	cutoff := start.Add(-window).UnixMilli()
	rows, err := l.conn.Query(qctx, l.p.sql.catchUp, l.seen.floor, cutoff)
	if err != nil {
		return err
	}
	if err := l.deliverRows(rows); err != nil {
		return err
	}
	l.lastOK = start
	return nil
}

func (l *listener) deliverRows(rows pgx.Rows) error {
	defer rows.Close()
	for rows.Next() {
		var (
			id  int64
			ev  domain.Event
			err = rows.Scan(&id, &ev.WorkspaceID, &ev.Type, &ev.Data)
		)
		if err != nil {
			return err
		}
		if !l.seen.add(id) {
			continue
		}
		ev.ID = FormatID(id)
		l.p.f.deliver(ev)
	}
	return rows.Err()
}

// reconnect retries with capped, jittered exponential backoff until it has a
// listening, caught-up connection, or ctx ends.
func (l *listener) reconnect(ctx context.Context) bool {
	backoff := backoffMin
	for attempt := 1; ; attempt++ {
		if h := l.p.hooks.beforeReconnect; h != nil {
			h(ctx)
		}
		// Jitter spreads the reconnect storm when a database restart drops
		// every node at once.
		delay := backoff/2 + rand.N(backoff/2+1)
		select {
		case <-ctx.Done():
			return false
		case <-time.After(delay):
		}
		conn, err := l.p.connect(ctx)
		if err == nil {
			l.conn = conn
			if err = l.catchUp(ctx); err == nil {
				l.p.log.Warn("realtime: listener reconnected", "attempts", attempt)
				return true
			}
			l.closeConn()
		}
		if ctx.Err() != nil {
			return false
		}
		l.p.log.Warn("realtime: listener reconnect failed", "attempt", attempt, "err", err, "next_in", backoff)
		backoff = min(backoff*2, backoffMax)
	}
}

func (l *listener) closeConn() {
	if l.conn == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	_ = l.conn.Close(ctx)
	l.conn = nil
}

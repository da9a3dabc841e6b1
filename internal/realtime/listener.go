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
	maxBatchIDs    = 1024             // ids per fetch; the "id > high" clause covers the rest
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
// visible at COMMIT, so id 10 may commit after id 11. A plain "id > high"
// query would then skip 10 for good. Hence fetches ask for
// "id = ANY(notified ids and gaps) OR id > high", and the sequencer delivers
// in id order, holding 11 back until 10 commits or is given up on (see
// sequencer). Asking for the gaps again finds a row whose NOTIFY was lost
// before the wait for it runs out.
type listener struct {
	p      *Postgres
	conn   *pgx.Conn
	seq    *sequencer
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
		wait := cmp.Or(l.p.hooks.idlePoll, idlePoll)
		if d := l.seq.deadline(); !d.IsZero() {
			// Wake up in time to look for the missing row once more and
			// then give up on it, so a lost id stalls delivery only for lag.
			wait = min(wait, max(time.Until(d), time.Millisecond))
		}
		wctx, cancel := context.WithTimeout(ctx, wait)
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

// fetch loads the notified rows, the gaps below high and everything after
// high in one query and fans them out in order. notified batches whose ids
// are all known already (typically swept up by an earlier "id > high") need
// no query at all while nothing is missing.
func (l *listener) fetch(ctx context.Context, notified bool) error {
	start := time.Now()
	hadIDs := len(l.ids) > 0
	want := l.ids[:0]
	for _, id := range l.ids {
		if !l.seq.known(id) {
			want = append(want, id)
		}
	}
	if notified && hadIDs && len(want) == 0 && l.seq.deadline().IsZero() {
		l.lastOK = start
		return nil
	}
	want = l.seq.gaps(want, maxBatchIDs)
	if err := l.query(ctx, want, l.seq.high); err != nil {
		return err
	}
	l.lastOK = start
	return nil
}

// catchUp replays what was committed while disconnected. It runs after
// LISTEN is re-established, so nothing can slip between the two.
func (l *listener) catchUp(ctx context.Context) error {
	window := l.p.cfg.CatchUpWindow
	start := time.Now()
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	if down := time.Since(l.lastOK); down > window {
		// Too much may have happened to replay to live subscribers. Ending
		// their streams makes their clients reconnect and resume through
		// Since, which reads the table, so nothing here needs replaying:
		// the node starts afresh after the newest row.
		var head int64
		if err := l.conn.QueryRow(qctx, l.p.sql.maxID).Scan(&head); err != nil {
			return err
		}
		l.seq.reset(head)
		n := l.p.f.reset(head)
		l.p.log.Warn("realtime: listener down longer than catch-up window, dropped subscribers",
			"down_for", down.Round(time.Millisecond), "subscribers", n)
		l.lastOK = start
		return nil
	}
	// From settled rather than high: rows that were missing may have
	// committed while the notifications were lost, and given-up ids too.
	if err := l.query(qctx, l.seq.givenUp.list(), l.seq.settled); err != nil {
		return err
	}
	l.lastOK = start
	return nil
}

func (l *listener) query(ctx context.Context, ids []int64, after int64) error {
	qctx, cancel := context.WithTimeout(ctx, queryTimeout)
	defer cancel()
	rows, err := l.conn.Query(qctx, l.p.sql.fetch, ids, after)
	if err != nil {
		return err
	}
	defer rows.Close()
	now := time.Now()
	for rows.Next() {
		var (
			id  int64
			ev  domain.Event
			err = rows.Scan(&id, &ev.WorkspaceID, &ev.Type, &ev.Data)
		)
		if err != nil {
			return err
		}
		ev.ID = FormatID(id)
		l.seq.add(id, ev, now, l.p.f.deliver)
	}
	if err := rows.Err(); err != nil {
		return err
	}
	l.seq.flush(time.Now(), l.p.f.deliver)
	return nil
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

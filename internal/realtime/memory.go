package realtime

import (
	"context"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Defaults of Memory's replay history: a client away for a minute or two
// (a train tunnel, a laptop lid, a proxy restart) resumes without a reload.
const (
	DefaultHistoryAge = 5 * time.Minute
	DefaultHistoryLen = 10000
)

// Memory is the single-node hub (SQLite deployments).
type Memory struct {
	// HistoryAge and HistoryLen bound what each workspace keeps for Since,
	// whichever is reached first. Now, if set, replaces the system clock
	// for HistoryAge (tests). Set them before the hub is used.
	HistoryAge time.Duration
	HistoryLen int
	Now        func() time.Time

	f *fanout

	// mu makes ID assignment, delivery and recording one step, so every
	// subscriber receives events in ID order even with concurrent
	// publishers, and the history holds exactly what was delivered.
	// Delivery is non-blocking, so holding it is short.
	mu     sync.Mutex
	epoch  time.Time // carries a monotonic reading; see now
	start  int64     // the id before the first; see NewMemory
	last   int64
	hist   map[int64]*history
	swept  int64 // when every workspace's history was last trimmed
	closed bool
}

// NewMemory returns an in-process hub. Its ids start after the current time
// in microseconds, not at 1: a browser that reconnects after the process
// restarted then presents an id below the new start, which Since reports as
// lost, instead of an id the new process may already have reused for
// something else.
func NewMemory() *Memory {
	epoch := time.Now()
	start := epoch.UnixMicro()
	m := &Memory{
		HistoryAge: DefaultHistoryAge,
		HistoryLen: DefaultHistoryLen,
		f:          newFanout(),
		epoch:      epoch,
		start:      start,
		last:       start,
		hist:       make(map[int64]*history),
	}
	m.f.head.Store(start)
	return m
}

// Publish implements Hub.
func (m *Memory) Publish(ctx context.Context, ev domain.Event) (domain.Event, error) {
	if err := ctx.Err(); err != nil {
		return ev, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return ev, ErrClosed
	}
	m.last++
	ev.ID = FormatID(m.last)
	m.f.deliver(ev, m.last)
	m.record(ev)
	return ev, nil
}

// now reads the clock of the age bound. time.Since on a time with a
// monotonic reading reads only the monotonic clock, half the cost of
// time.Now, which is most of what the history adds to a publish.
func (m *Memory) now() int64 {
	if m.Now != nil {
		return m.Now().Sub(m.epoch).Nanoseconds()
	}
	return time.Since(m.epoch).Nanoseconds()
}

func (m *Memory) record(ev domain.Event) {
	now := m.now()
	cutoff := now - int64(m.HistoryAge)
	h := m.hist[ev.WorkspaceID]
	if h == nil {
		h = &history{floor: m.start}
		m.hist[ev.WorkspaceID] = h
	}
	h.push(stamped{seq: m.last, at: now, ev: ev}, m.HistoryLen)
	h.trim(m.HistoryLen, cutoff)
	// Workspaces that stopped publishing are trimmed here too, at most once
	// per HistoryAge, so their payloads do not outlive the age bound by much.
	if now-m.swept >= int64(m.HistoryAge) || now < m.swept {
		m.swept = now
		for _, o := range m.hist {
			o.trim(m.HistoryLen, cutoff)
		}
	}
}

// Since implements Hub.
func (m *Memory) Since(ctx context.Context, workspaceID, afterID int64, limit int) ([]domain.Event, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return nil, false, ErrClosed
	}
	floor := m.start
	h := m.hist[workspaceID]
	if h != nil {
		h.trim(m.HistoryLen, m.now()-int64(m.HistoryAge))
		floor = h.floor
	}
	if afterID < floor || afterID > m.last {
		return nil, false, nil
	}
	if h == nil {
		return nil, true, nil
	}
	return h.since(afterID, limit), true, nil
}

// Subscribe implements Hub.
func (m *Memory) Subscribe(workspaceID int64) *Subscription { return m.f.subscribe(workspaceID) }

// Subscribers returns the number of live subscriptions.
func (m *Memory) Subscribers() int { return m.f.count() }

// Close implements Hub.
func (m *Memory) Close() error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.closed {
		m.closed = true
		m.f.closeAll()
		m.hist = nil
	}
	return nil
}

package realtime

import (
	"context"
	"sync"

	"github.com/gohavi/gohavi/internal/domain"
)

// Memory is the single-node hub (SQLite deployments).
type Memory struct {
	f *fanout

	// mu makes ID assignment and delivery one step, so every subscriber
	// receives events in ID order even with concurrent publishers. Delivery
	// is non-blocking, so holding it is short.
	mu     sync.Mutex
	last   int64
	closed bool
}

// NewMemory returns an in-process hub.
func NewMemory() *Memory { return &Memory{f: newFanout()} }

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
	m.f.deliver(ev)
	return ev, nil
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
	}
	return nil
}

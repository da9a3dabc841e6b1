package realtime

import (
	"sync"
	"sync/atomic"

	"github.com/gohavi/gohavi/internal/domain"
)

// Subscription is one live listener on a workspace. Receive from C until it
// is closed; then Lagged tells whether the hub dropped it for falling behind.
type Subscription struct {
	C <-chan domain.Event

	ch     chan domain.Event
	ws     int64
	f      *fanout
	lagged atomic.Bool
}

// Close unregisters the subscription and closes C. It is idempotent and safe
// to call concurrently with publishing.
func (s *Subscription) Close() { s.f.remove(s) }

// Lagged reports whether the hub dropped this subscription because its buffer
// overflowed. The client missed events and must re-sync.
func (s *Subscription) Lagged() bool { return s.lagged.Load() }

// fanout is the in-memory delivery shared by both hubs: the Postgres hub uses
// it after fetching an event once per node. Delivery never blocks and starts
// no goroutines, so a subscription costs only its struct and channel buffer.
type fanout struct {
	mu     sync.RWMutex
	rooms  map[int64]map[*Subscription]struct{}
	closed bool
}

func newFanout() *fanout {
	return &fanout{rooms: make(map[int64]map[*Subscription]struct{})}
}

func (f *fanout) subscribe(ws int64) *Subscription {
	ch := make(chan domain.Event, SubscriptionBuffer)
	s := &Subscription{C: ch, ch: ch, ws: ws, f: f}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.closed {
		// A closed channel makes the SSE handler end at once instead of
		// hanging on a hub that will never deliver.
		close(ch)
		return s
	}
	room := f.rooms[ws]
	if room == nil {
		room = make(map[*Subscription]struct{})
		f.rooms[ws] = room
	}
	room[s] = struct{}{}
	return s
}

// deliver must be called by one goroutine at a time per hub (both hubs
// serialise it) so every subscriber sees events in the same order.
func (f *fanout) deliver(ev domain.Event) {
	var lagging []*Subscription
	f.mu.RLock()
	for s := range f.rooms[ev.WorkspaceID] {
		if s.lagged.Load() {
			// Already doomed: skip it so it never sees an event after a gap.
			continue
		}
		select {
		case s.ch <- ev:
		default:
			if s.lagged.CompareAndSwap(false, true) {
				lagging = append(lagging, s)
			}
		}
	}
	f.mu.RUnlock()
	// Closing needs the write lock; taking it only in the rare overflow case
	// keeps the common path on the read lock.
	for _, s := range lagging {
		f.remove(s)
	}
}

func (f *fanout) remove(s *Subscription) {
	f.mu.Lock()
	defer f.mu.Unlock()
	room := f.rooms[s.ws]
	if _, ok := room[s]; !ok {
		return
	}
	delete(room, s)
	if len(room) == 0 {
		delete(f.rooms, s.ws)
	}
	close(s.ch)
}

// dropAll ends every subscription as lagged, for when the hub knows it missed
// events it cannot recover; clients then reconnect and re-sync.
func (f *fanout) dropAll() int {
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for ws, room := range f.rooms {
		for s := range room {
			s.lagged.Store(true)
			close(s.ch)
			n++
		}
		delete(f.rooms, ws)
	}
	return n
}

func (f *fanout) closeAll() {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.closed = true
	for _, room := range f.rooms {
		for s := range room {
			close(s.ch)
		}
	}
	f.rooms = make(map[int64]map[*Subscription]struct{})
}

// count returns the number of live subscriptions (for metrics and tests).
func (f *fanout) count() int {
	f.mu.RLock()
	defer f.mu.RUnlock()
	n := 0
	for _, room := range f.rooms {
		n += len(room)
	}
	return n
}

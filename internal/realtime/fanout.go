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
	start  int64
	f      *fanout
	lagged atomic.Bool
}

// Start is the hub's head when the subscription was made: every event it
// receives in order has a greater id, and Since(…, Start(), …) misses nothing
// before them. An event at or below Start can still arrive on Postgres, when
// a commit was so late the hub stopped waiting for it (see sequencer); it
// then comes after events with greater ids, and a resuming client cannot
// tell it apart from one it already has, so the SSE handler asks for a
// re-sync instead of sending it.
func (s *Subscription) Start() int64 { return s.start }

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
	// head is the greatest id delivered in order. It is stored while the
	// read lock is held and read under the write lock by subscribe, so a
	// subscription's start and the deliveries it receives never overlap.
	head atomic.Int64
}

func newFanout() *fanout {
	return &fanout{rooms: make(map[int64]map[*Subscription]struct{})}
}

func (f *fanout) subscribe(ws int64) *Subscription {
	ch := make(chan domain.Event, SubscriptionBuffer)
	s := &Subscription{C: ch, ch: ch, ws: ws, f: f}
	f.mu.Lock()
	defer f.mu.Unlock()
	s.start = f.head.Load()
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
// serialise it) so every subscriber sees events in the same order. seq is
// ev.ID as a number; a seq below head (a very late commit) leaves head alone.
func (f *fanout) deliver(ev domain.Event, seq int64) {
	var lagging []*Subscription
	f.mu.RLock()
	// Before the sends, so a subscriber that has an event finds it in Since.
	if seq > f.head.Load() {
		f.head.Store(seq)
	}
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

// reset ends every subscription as lagged and moves head to seq without
// delivering what lies between, for when the hub missed events it will not
// fetch. Clients reconnect and replay them from the table. Both happen under
// one lock: a subscriber that kept the old head would replay too little.
func (f *fanout) reset(seq int64) int {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.head.Store(max(f.head.Load(), seq))
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

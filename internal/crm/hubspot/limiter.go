package hubspot

import (
	"context"
	"sync"
	"time"
)

// window allows at most max calls in any rolling period. A call holds its
// slot from the moment it is let through until period after its response
// arrived. HubSpot counts a call when it receives it, which is somewhere
// between those two instants, so however long requests take (and however
// they overlap) HubSpot never sees more than max in one of its windows.
type window struct {
	max    int
	period time.Duration
	now    func() time.Time

	mu       sync.Mutex
	inflight int
	ends     []time.Time // response times of finished calls, ascending
	freed    chan struct{}
}

func newWindow(max int, period time.Duration) *window {
	return &window{max: max, period: period, now: time.Now, freed: make(chan struct{})}
}

// acquire blocks until a slot is free or ctx ends, and returns the func to
// call when the response has arrived.
func (w *window) acquire(ctx context.Context) (func(), error) {
	for {
		w.mu.Lock()
		now := w.now()
		i := 0
		for i < len(w.ends) && !w.ends[i].Add(w.period).After(now) {
			i++
		}
		w.ends = w.ends[i:]
		if w.inflight+len(w.ends) < w.max {
			w.inflight++
			w.mu.Unlock()
			var once sync.Once
			return func() { once.Do(w.release) }, nil
		}
		var timer *time.Timer
		var expire <-chan time.Time
		if len(w.ends) > 0 {
			timer = time.NewTimer(w.ends[0].Add(w.period).Sub(now))
			expire = timer.C
		}
		freed := w.freed
		w.mu.Unlock()
		select {
		case <-ctx.Done():
		case <-freed:
		case <-expire:
		}
		if timer != nil {
			timer.Stop()
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
	}
}

func (w *window) release() {
	w.mu.Lock()
	w.inflight--
	w.ends = append(w.ends, w.now())
	close(w.freed)
	w.freed = make(chan struct{})
	w.mu.Unlock()
}

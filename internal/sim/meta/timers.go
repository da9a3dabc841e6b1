package meta

import (
	"sync"
	"time"
)

// scheduler runs delayed status changes on real timers and lets Close stop
// the pending ones and wait for those already running.
type scheduler struct {
	mu     sync.Mutex
	timers map[*time.Timer]struct{}
	closed bool
	wg     sync.WaitGroup
}

func newScheduler() *scheduler { return &scheduler{timers: map[*time.Timer]struct{}{}} }

func (s *scheduler) after(d time.Duration, fn func()) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	s.wg.Add(1)
	var t *time.Timer
	t = time.AfterFunc(d, func() {
		defer s.wg.Done()
		s.mu.Lock()
		delete(s.timers, t)
		closed := s.closed
		s.mu.Unlock()
		if !closed {
			fn()
		}
	})
	s.timers[t] = struct{}{}
}

func (s *scheduler) close() {
	s.mu.Lock()
	s.closed = true
	for t := range s.timers {
		// A timer stopped before firing never runs its func, so its
		// WaitGroup slot is released here instead.
		if t.Stop() {
			s.wg.Done()
		}
		delete(s.timers, t)
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// bucket is a token bucket driven by the injected clock, so rate tests can
// move time instead of sleeping.
type bucket struct {
	tokens float64
	last   time.Time
}

func newBucket(burst float64, now time.Time) *bucket { return &bucket{tokens: burst, last: now} }

// refill adds perSecond tokens for the time since the last refill, up to
// burst. A clock that moves backwards adds nothing.
func (b *bucket) refill(now time.Time, perSecond, burst float64) {
	if dt := now.Sub(b.last).Seconds(); dt > 0 {
		b.tokens = min(burst, b.tokens+dt*perSecond)
		b.last = now
	}
}

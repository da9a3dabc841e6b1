package realtime

import (
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// recvN reads exactly n events or fails.
func recvN(t *testing.T, s *Subscription, n int, timeout time.Duration) []domain.Event {
	t.Helper()
	out := make([]domain.Event, 0, n)
	deadline := time.After(timeout)
	for len(out) < n {
		select {
		case ev, ok := <-s.C:
			if !ok {
				t.Fatalf("channel closed after %d/%d events (lagged=%v)", len(out), n, s.Lagged())
			}
			out = append(out, ev)
		case <-deadline:
			t.Fatalf("timed out after %d/%d events", len(out), n)
		}
	}
	return out
}

// expectNone fails if s receives anything within d.
func expectNone(t *testing.T, s *Subscription, d time.Duration) {
	t.Helper()
	select {
	case ev, ok := <-s.C:
		if ok {
			t.Fatalf("unexpected event %+v", ev)
		}
		t.Fatalf("unexpected close (lagged=%v)", s.Lagged())
	case <-time.After(d):
	}
}

// assertIncreasing checks IDs are valid and strictly increasing.
func assertIncreasing(t *testing.T, evs []domain.Event) {
	t.Helper()
	var prev int64
	for i, ev := range evs {
		id, err := ParseID(ev.ID)
		if err != nil {
			t.Fatalf("event %d: %v", i, err)
		}
		if id <= prev {
			t.Fatalf("event %d: id %d not after %d", i, id, prev)
		}
		prev = id
	}
}

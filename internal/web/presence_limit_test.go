package web

import (
	"testing"
	"time"
)

// TestLivePresenceLimit: a repeat of the same state within presenceRepeat
// is dropped, a change of state never is; Meta's typing indicator goes
// out at most every typingIndicatorEvery per conversation; old entries
// are forgotten.
func TestLivePresenceLimit(t *testing.T) {
	var l livePresence
	t0 := time.Date(2026, 5, 1, 9, 0, 0, 0, time.UTC)
	at := func(d time.Duration) time.Time { return t0.Add(d) }
	steps := []struct {
		user, conv int64
		state      string
		at         time.Duration
		want       bool
	}{
		{1, 10, "viewing", 0, true},
		{1, 10, "viewing", 1900 * time.Millisecond, false},
		{2, 10, "viewing", 1900 * time.Millisecond, true}, // another member
		{1, 11, "viewing", 1900 * time.Millisecond, true}, // another conversation
		{1, 10, "viewing", 2 * time.Second, true},
		{1, 10, "typing", 2100 * time.Millisecond, true},
		{1, 10, "typing", 3 * time.Second, false},
		{1, 10, "idle", 3100 * time.Millisecond, true},
		{1, 10, "typing", 3200 * time.Millisecond, true},
	}
	for i, s := range steps {
		if got := l.admit(s.user, s.conv, s.state, at(s.at)); got != s.want {
			t.Errorf("step %d (%+v): admitted %v", i, s, got)
		}
	}
	for i, c := range []struct {
		conv int64
		at   time.Duration
		want bool
	}{{10, 0, true}, {10, 19 * time.Second, false}, {11, 19 * time.Second, true}, {10, 20 * time.Second, true}} {
		if got := l.indicatorDue(c.conv, at(c.at)); got != c.want {
			t.Errorf("indicator %d (%+v): %v", i, c, got)
		}
	}
	later := at(time.Hour)
	for range 1024 {
		l.admit(99, 99, "viewing", later)
	}
	if len(l.sent) != 1 || len(l.typing) != 0 {
		t.Fatalf("not pruned: %d sent, %d typing", len(l.sent), len(l.typing))
	}
}

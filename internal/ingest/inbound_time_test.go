package ingest

import (
	"testing"
	"time"
)

// Meta's whole-second stamps take our milliseconds only when the message
// arrives within its own second.
func TestInboundTime(t *testing.T) {
	sec := time.Date(2026, 11, 24, 13, 37, 50, 0, time.UTC)
	for _, c := range []struct {
		name      string
		meta, now time.Time
		want      time.Time
	}{
		{"no stamp", time.Time{}, sec.Add(5 * time.Millisecond), sec.Add(5 * time.Millisecond)},
		{"within its second", sec, sec.Add(400 * time.Millisecond), sec.Add(400 * time.Millisecond)},
		{"arrived late", sec, sec.Add(3 * time.Second), sec},
		{"our clock behind Meta's", sec, sec.Add(-time.Second), sec},
		{"a stamp finer than seconds is kept", sec.Add(10 * time.Millisecond), sec.Add(400 * time.Millisecond), sec.Add(10 * time.Millisecond)},
	} {
		if got := inboundTime(c.meta, c.now); !got.Equal(c.want) {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

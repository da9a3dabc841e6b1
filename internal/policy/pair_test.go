package policy

import (
	"testing"
	"time"
)

func TestPairBucket(t *testing.T) {
	var b PairBucket
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	for i := range PairBurst {
		var wait time.Duration
		if b, wait = b.Take(now); wait != 0 {
			t.Fatalf("burst message %d had to wait %s", i+1, wait)
		}
	}
	b, wait := b.Take(now)
	if wait != PairInterval {
		t.Fatalf("message 46 waits %s, want %s", wait, PairInterval)
	}
	if _, wait := b.Take(now.Add(PairInterval - time.Millisecond)); wait <= 0 {
		t.Fatal("a token appeared before 6 s")
	}
	b, wait = b.Take(now.Add(PairInterval))
	if wait != 0 {
		t.Fatalf("after exactly 6 s: wait %s", wait)
	}
	// An hour of quiet refills the burst, never beyond it.
	b, _ = b.Take(now.Add(time.Hour))
	if b.Tokens != PairBurst-1 {
		t.Fatalf("tokens after a quiet hour: %v", b.Tokens)
	}
}

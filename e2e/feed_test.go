package e2e

import (
	"errors"
	"fmt"
	"sync"
	"time"
)

// waitTimeout bounds every wait for something the product should do by
// itself; it is generous so a loaded CI machine does not flake.
const waitTimeout = 20 * time.Second

var errTimeout = errors.New("timed out")

// feed is an append-only list that readers can wait on: process output
// lines, realtime events. Waiting scans everything seen so far, so an item
// that arrived before the wait began is found too.
type feed[T any] struct {
	mu      sync.Mutex
	items   []T
	changed chan struct{}
	ended   bool
	err     error
}

func newFeed[T any]() *feed[T] { return &feed[T]{changed: make(chan struct{})} }

func (f *feed[T]) add(v T) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.items = append(f.items, v)
	close(f.changed)
	f.changed = make(chan struct{})
}

// end marks the source finished; waits then fail at once instead of
// running into their timeout.
func (f *feed[T]) end(err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.ended {
		return
	}
	f.ended, f.err = true, err
	close(f.changed)
	f.changed = make(chan struct{})
}

func (f *feed[T]) snapshot() []T {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]T(nil), f.items...)
}

// wait returns the first item that satisfies pred.
func (f *feed[T]) wait(timeout time.Duration, pred func(T) bool) (T, error) {
	var zero T
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	seen := 0
	for {
		f.mu.Lock()
		items, changed, ended, err := f.items[seen:], f.changed, f.ended, f.err
		f.mu.Unlock()
		for _, v := range items {
			if pred(v) {
				return v, nil
			}
		}
		seen += len(items)
		if ended {
			return zero, fmt.Errorf("the stream ended (%v)", err)
		}
		select {
		case <-changed:
		case <-deadline.C:
			return zero, errTimeout
		}
	}
}

// eventually polls cond until it holds or timeout passes; for state that
// has no stream to wait on (a database read through the API).
func eventually(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for delay := 10 * time.Millisecond; ; delay = min(delay*2, 250*time.Millisecond) {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(delay)
	}
}

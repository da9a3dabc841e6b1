// Package loop runs background passes the way GoHavi's engines need them:
// on a ticker, and at once when something is waiting (a webhook was just
// stored), without ever queueing more than one extra pass.
package loop

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"
)

// Waker asks a loop to run its next pass now. The zero value is ready.
type Waker struct {
	once sync.Once
	ch   chan struct{}
}

func (w *Waker) c() chan struct{} {
	w.once.Do(func() { w.ch = make(chan struct{}, 1) })
	return w.ch
}

// Wake makes the loop run soon; wakes while a pass runs fold into one.
func (w *Waker) Wake() {
	select {
	case w.c() <- struct{}{}:
	default:
	}
}

// C is the channel a wake arrives on, for loops that wait on more than a
// ticker.
func (w *Waker) C() <-chan struct{} { return w.c() }

// Run calls pass every interval (1 s when not positive) and whenever w is
// woken, until ctx ends.
func Run(ctx context.Context, interval time.Duration, w *Waker, pass func(context.Context)) {
	if interval <= 0 {
		interval = time.Second
	}
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		pass(ctx)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-w.c():
		}
	}
}

// NodeName is a random name for this process in leases.
func NodeName() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return "node-" + hex.EncodeToString(b)
}

// Package ingest makes Meta's webhooks durable and then applies them.
//
// Writer is the durable half: every request hands its raw body to one
// writer goroutine, which commits whatever has queued up in a single
// transaction (group commit) and then releases all those requests at once.
// One fsync serves hundreds of webhooks, which is how ingest outruns a
// commit-per-request design by an order of magnitude while still
// answering 200 only after the event is on disk.
package ingest

import (
	"context"
	"crypto/sha256"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// ErrClosed is returned once the writer is shutting down.
var ErrClosed = errors.New("ingest: writer closed")

type request struct {
	ev   store.WebhookEvent
	done chan error
}

// Writer group-commits raw webhook bodies.
type Writer struct {
	db       *store.DB
	clock    domain.Clock
	in       chan *request
	maxBatch int
	onCommit func(ids []int64)

	mu      sync.RWMutex
	closed  bool
	wg      sync.WaitGroup
	waiting atomic.Int64 // requests queued or being committed
}

// Busy reports whether requests are waiting for a commit right now.
func (w *Writer) Busy() bool { return w.waiting.Load() > 0 }

// NewPipeline wires a writer and an applier together: each commit wakes
// the applier, and the applier gives way while webhooks wait for a commit,
// so a burst is acknowledged at full speed and applied right behind it.
func NewPipeline(db *store.DB, hub Publisher, clock domain.Clock, log *slog.Logger) (*Writer, *Applier) {
	a := NewApplier(db, hub, clock, log)
	w := NewWriter(db, clock, func([]int64) { a.Wake() })
	a.busy = w.Busy
	return w, a
}

// NewWriter starts the writer goroutine. onCommit (may be nil) learns the
// ids of newly stored events after each commit, so the applier can start.
func NewWriter(db *store.DB, clock domain.Clock, onCommit func(ids []int64)) *Writer {
	w := &Writer{db: db, clock: clock, in: make(chan *request, 8192), maxBatch: 2000, onCommit: onCommit}
	w.wg.Add(1)
	go w.loop()
	return w
}

// Store makes body durable. It returns after the commit that holds it, with
// dup=true when an identical body was stored before (a retry from Meta).
func (w *Writer) Store(ctx context.Context, body []byte) (id int64, dup bool, err error) {
	sum := sha256.Sum256(body)
	r := &request{ev: store.WebhookEvent{Hash: sum[:], Body: body, ReceivedAt: domain.Millis(w.clock.Now())}, done: make(chan error, 1)}
	w.mu.RLock()
	if w.closed {
		w.mu.RUnlock()
		return 0, false, ErrClosed
	}
	w.waiting.Add(1)
	defer w.waiting.Add(-1)
	select {
	case w.in <- r:
	case <-ctx.Done():
		w.mu.RUnlock()
		return 0, false, ctx.Err()
	}
	w.mu.RUnlock()
	// Wait for the commit even if ctx ends: the batch may already hold r,
	// and the caller must not be told "failed" for a stored event it will
	// then retry needlessly. The writer always answers.
	if err := <-r.done; err != nil {
		return 0, false, err
	}
	return r.ev.ID, r.ev.Duplicate, nil
}

// Close stops accepting, commits what is queued and waits for the writer.
func (w *Writer) Close() {
	w.mu.Lock()
	if !w.closed {
		w.closed = true
		close(w.in)
	}
	w.mu.Unlock()
	w.wg.Wait()
}

func (w *Writer) loop() {
	defer w.wg.Done()
	batch := make([]*request, 0, w.maxBatch)
	evs := make([]*store.WebhookEvent, 0, w.maxBatch)
	for first := range w.in {
		batch = append(batch[:0], first)
	drain:
		for len(batch) < w.maxBatch {
			select {
			case r, ok := <-w.in:
				if !ok {
					break drain
				}
				batch = append(batch, r)
			default:
				break drain
			}
		}
		evs = evs[:0]
		for _, r := range batch {
			evs = append(evs, &r.ev)
		}
		err := w.db.InsertWebhookEvents(context.Background(), evs)
		var ids []int64
		for _, r := range batch {
			if err == nil && !r.ev.Duplicate {
				ids = append(ids, r.ev.ID)
			}
			r.done <- err
		}
		if len(ids) > 0 && w.onCommit != nil {
			w.onCommit(ids)
		}
	}
}

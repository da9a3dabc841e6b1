// Package appointments turns Calendly bookings into WhatsApp messages: a
// confirmation when someone books, reminders before the meeting (T-24h
// and T-1h by default), a "rescheduled" note when the time moves and, if
// wanted, a note when it is canceled.
//
// Every message a booking asks for is a booking_messages row with a due
// time, written in the same commit that records the webhook as processed.
// The scheduler leases due rows one at a time and marks a row sent inside
// the transaction that stores its WhatsApp message, so a crash, a restart
// or a second node can neither lose a reminder nor send it twice. Sends go
// through the outbound pipeline, so consent, the window and the tier apply.
package appointments

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/loop"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
)

// Sender is the send pipeline.
type Sender interface {
	Submit(ctx context.Context, req outbound.Request) (domain.Message, error)
}

// Engine runs the appointment messages. Set the fields, then call Run (or
// Pass in tests).
type Engine struct {
	DB    *store.DB
	Box   *secret.Box
	Clock domain.Clock
	Log   *slog.Logger
	Send  Sender
	API   *calendly.Client
	// PublicURL is where Calendly delivers webhooks and OAuth redirects.
	PublicURL string
	// AppSigningKey verifies deliveries of subscriptions made with an
	// OAuth token (Calendly signs those with the app's key).
	AppSigningKey string
	// Interval is how often Run looks for due work when nobody wakes it.
	Interval time.Duration
	// Node names this process in leases (random when empty).
	Node string

	once  sync.Once
	waker loop.Waker
}

const (
	leaseFor        = time.Minute
	batch           = 100
	subscriptionAge = 10 * time.Minute // how often a subscription's state is read
	retryCheck      = 30 * time.Second
)

func (e *Engine) init() {
	e.once.Do(func() {
		if e.Node == "" {
			e.Node = loop.NodeName()
		}
		if e.Log == nil {
			e.Log = slog.Default()
		}
	})
}

// Wake makes Run look for work now (a delivery was just stored).
func (e *Engine) Wake() { e.waker.Wake() }

// Run works until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	e.init()
	loop.Run(ctx, e.Interval, &e.waker, func(ctx context.Context) { e.Pass(ctx) })
}

// Pass applies stored deliveries, sends what is due, looks at replies and
// at the subscriptions' state, once. It reports how many messages it
// settled (sent, skipped or canceled).
func (e *Engine) Pass(ctx context.Context) int {
	e.init()
	e.applyEvents(ctx)
	n := e.sendDue(ctx)
	conns, err := e.DB.CalendlyConnections(ctx)
	if err != nil {
		if ctx.Err() == nil {
			e.Log.Error("calendly: listing connections", "err", err)
		}
		return n
	}
	for _, c := range conns {
		e.watchReplies(ctx, c)
		if e.Clock.Now().Sub(domain.FromMillis(c.SubscriptionCheckedAt)) >= subscriptionAge {
			e.checkSubscription(ctx, c)
		}
	}
	return n
}

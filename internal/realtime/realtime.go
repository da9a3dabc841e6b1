// Package realtime fans workspace events out to live subscribers (the SSE
// team inbox). Memory serves a single node; Postgres lets several stateless
// nodes sharing one database see each other's events via LISTEN/NOTIFY.
package realtime

import (
	"context"
	"errors"
	"strconv"

	"github.com/gohavi/gohavi/internal/domain"
)

// Hub is implemented by *Memory and *Postgres.
type Hub interface {
	// Publish delivers ev to every current subscriber of ev.WorkspaceID on
	// every node. It assigns ev.ID (see FormatID). ev.Data is shared with all
	// subscribers, so neither the caller nor subscribers may modify it later.
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
	// Subscribe registers a subscriber for one workspace. The channel is
	// buffered; a subscriber that falls behind by more than the buffer is
	// dropped: its channel is closed and Lagged() reports true, so the SSE
	// handler ends the stream and the browser reconnects (and re-syncs from
	// the API). Close unregisters.
	Subscribe(workspaceID int64) *Subscription
	// Close ends every subscription (channels closed, Lagged false) and
	// releases resources. Publish afterwards returns ErrClosed.
	Close() error
}

// SubscriptionBuffer is the per-subscriber channel capacity. A domain.Event
// is 64 bytes, so a subscription costs ~5 KB; that keeps 10,000
// subscriptions near 50 MB while tolerating a burst of 64 events.
const SubscriptionBuffer = 64

// ErrClosed is returned by Publish after Close.
var ErrClosed = errors.New("realtime: hub closed")

// Event IDs are the decimal form of a strictly increasing int64 (memory: a
// counter; Postgres: the event table's BIGSERIAL id, shared by all nodes), so
// the SSE layer can use them verbatim as `id:` fields and compare them after
// ParseID.

// FormatID renders an event sequence number as an Event.ID.
func FormatID(seq int64) string { return strconv.FormatInt(seq, 10) }

// ParseID is the inverse of FormatID, e.g. for a Last-Event-ID header.
func ParseID(id string) (int64, error) {
	seq, err := strconv.ParseInt(id, 10, 64)
	if err != nil || seq <= 0 {
		return 0, errors.New("realtime: invalid event id " + strconv.Quote(id))
	}
	return seq, nil
}

var (
	_ Hub = (*Memory)(nil)
	_ Hub = (*Postgres)(nil)
)

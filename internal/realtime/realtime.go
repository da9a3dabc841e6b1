// Package realtime fans workspace events out to live subscribers (the SSE
// team inbox). Memory serves a single node; Postgres lets several stateless
// nodes sharing one database see each other's events via LISTEN/NOTIFY.
// Both keep recent events (Memory: minutes in a per-workspace ring;
// Postgres: the event table, on any node), so a client that reconnects is
// replayed what it missed instead of reloading.
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
	// handler ends the stream and the browser reconnects, resuming from the
	// last id it got. Close unregisters.
	Subscribe(workspaceID int64) *Subscription
	// Since returns up to limit events of workspaceID with ids above afterID,
	// oldest first, for a client that resumes after a disconnect. It returns
	// only what this node has already delivered in order, so a subscription
	// made before the call receives everything after the last event
	// returned, or after its Start if that is greater. complete is false when
	// events after afterID may be gone (older than the retained history, or
	// afterID is not an id this hub issued, e.g. from before a restart): the
	// client must re-sync from the API.
	Since(ctx context.Context, workspaceID, afterID int64, limit int) (events []domain.Event, complete bool, err error)
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
// counter that starts at the hub's creation time in microseconds, so ids from
// before a restart are recognisably old; Postgres: the event table's
// BIGSERIAL id, shared by all nodes), so the SSE layer can use them verbatim
// as `id:` fields and compare them after ParseID.

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

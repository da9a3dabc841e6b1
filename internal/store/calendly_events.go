package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

// CalendlyEvent is one stored webhook delivery.
type CalendlyEvent struct {
	ID           int64
	ConnectionID int64
	DedupeKey    string
	Event        string
	InviteeURI   string
	Body         string
	Attempts     int
}

// InsertCalendlyEvent stores a delivery unless its dedupe key is already
// stored (a redelivery); inserted says which.
func (db *DB) InsertCalendlyEvent(ctx context.Context, e CalendlyEvent) (bool, error) {
	return affected(db.W.ExecContext(ctx, `INSERT INTO calendly_events(connection_id, dedupe_key, event, invitee_uri, body, received_at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connection_id, dedupe_key) DO NOTHING`,
		e.ConnectionID, clean(e.DedupeKey), clean(e.Event), clean(e.InviteeURI), clean(e.Body), db.now()))
}

// PendingCalendlyEvents lists unprocessed deliveries in arrival order.
func (db *DB) PendingCalendlyEvents(ctx context.Context, limit int) ([]CalendlyEvent, error) {
	rows, err := db.W.QueryContext(ctx, `SELECT id, connection_id, dedupe_key, event, invitee_uri, body, attempts FROM calendly_events
		WHERE done_at = 0 ORDER BY id LIMIT $1`, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CalendlyEvent{}
	for rows.Next() {
		var e CalendlyEvent
		if err := rows.Scan(&e.ID, &e.ConnectionID, &e.DedupeKey, &e.Event, &e.InviteeURI, &e.Body, &e.Attempts); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// ClaimCalendlyEvent marks a delivery processed inside the transaction
// that applies it; false means another node already did (on PostgreSQL
// the second claimer waits for the first commit, then sees it done).
func (tx *Tx) ClaimCalendlyEvent(ctx context.Context, id int64, errText string) (bool, error) {
	return affected(tx.tx.ExecContext(ctx, `UPDATE calendly_events SET done_at = $1, attempts = attempts + 1, error = $2 WHERE id = $3 AND done_at = 0`,
		tx.now, clean(errText), id))
}

// FailCalendlyEvent counts a failed attempt at a delivery that stays
// pending.
func (db *DB) FailCalendlyEvent(ctx context.Context, id int64, errText string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_events SET attempts = attempts + 1, error = $1 WHERE id = $2 AND done_at = 0`, clean(errText), id)
	return err
}

// InboundMessage is a customer's message as the reply watcher sees it.
type InboundMessage struct {
	ID        int64
	ContactID int64
	Type      string
	Text      string
	Payload   []byte
	ReplyTo   string // wamid quoted
}

// InboundAfter lists a workspace's inbound messages with id > after, in id
// order, and the highest message id looked at (inbound or not), so the
// cursor moves past outbound messages too.
func (db *DB) InboundAfter(ctx context.Context, workspaceID, after int64, limit int) ([]InboundMessage, int64, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, direction, contact_id, type, text, payload, reply_to FROM messages
		WHERE workspace_id = $1 AND id > $2 ORDER BY id LIMIT $3`, workspaceID, after, limit)
	if err != nil {
		return nil, after, err
	}
	defer rows.Close()
	out, last := []InboundMessage{}, after
	for rows.Next() {
		var m InboundMessage
		var dir string
		if err := rows.Scan(&m.ID, &dir, &m.ContactID, &m.Type, &m.Text, &m.Payload, &m.ReplyTo); err != nil {
			return nil, after, err
		}
		last = m.ID
		if domain.Direction(dir) == domain.Inbound {
			out = append(out, m)
		}
	}
	return out, last, rows.Err()
}

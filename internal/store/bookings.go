package store

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Booking is one Calendly invitee: a person booked into a scheduled event.
type Booking struct {
	ID              int64
	WorkspaceID     int64
	ConnectionID    int64
	InviteeURI      string
	EventURI        string
	EventTypeURI    string
	EventName       string
	Name            string
	Email           string
	PhoneRaw        string // as given
	Phone           string // E.164; "" when none is usable
	PhoneSource     string // text_reminder_number, location, question
	PhoneProblem    string // why nothing is sent, when Phone is ""
	Timezone        string
	StartAt         time.Time
	EndAt           time.Time
	Location        string // join link or place
	Status          string // active | canceled | rescheduled
	ConfirmedAt     time.Time
	OldInviteeURI   string
	NewInviteeURI   string
	CancelReason    string
	CanceledBy      string
	ContactID       int64
	RemoteUpdatedAt time.Time // the payload's updated_at: the last writer wins
	Details         string    // JSON, owned by package appointments
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Messages        []BookingMessage
}

// Booking states.
const (
	BookingActive      = "active"
	BookingCanceled    = "canceled"
	BookingRescheduled = "rescheduled"
)

// BookingMessage is one WhatsApp message a booking asks for.
type BookingMessage struct {
	ID        int64
	BookingID int64
	Kind      string // confirmation, rescheduled, cancellation, reminder_24h, reminder_1h, …
	DueAt     time.Time
	State     string // scheduled | sent | skipped | canceled
	Reason    string
	MessageID int64
	Attempts  int
	// The WhatsApp message's own status and error, once sent.
	MessageStatus string
	MessageError  string
}

// Booking message states.
const (
	MsgScheduled = "scheduled"
	MsgSent      = "sent"
	MsgSkipped   = "skipped"
	MsgCanceled  = "canceled"
)

// ErrLeaseLost says a booking message's lease passed to another node: the
// caller's transaction must roll back so the message is not sent twice.
var ErrLeaseLost = errors.New("the booking message is no longer leased by this node")

const bookingCols = `id, workspace_id, connection_id, invitee_uri, event_uri, event_type_uri, event_name, name, email, phone_raw, phone,
	phone_source, phone_problem, timezone, start_at, end_at, location, status, confirmed_at, old_invitee_uri, new_invitee_uri,
	cancel_reason, canceled_by, contact_id, remote_updated_at, details, created_at, updated_at`

func scanBooking(row interface{ Scan(...any) error }) (Booking, error) {
	var b Booking
	var start, end, confirmed, remote, created, updated int64
	err := row.Scan(&b.ID, &b.WorkspaceID, &b.ConnectionID, &b.InviteeURI, &b.EventURI, &b.EventTypeURI, &b.EventName, &b.Name, &b.Email,
		&b.PhoneRaw, &b.Phone, &b.PhoneSource, &b.PhoneProblem, &b.Timezone, &start, &end, &b.Location, &b.Status, &confirmed,
		&b.OldInviteeURI, &b.NewInviteeURI, &b.CancelReason, &b.CanceledBy, &b.ContactID, &remote, &b.Details, &created, &updated)
	b.StartAt, b.EndAt, b.ConfirmedAt, b.RemoteUpdatedAt = domain.FromMillis(start), domain.FromMillis(end), domain.FromMillis(confirmed), domain.FromMillis(remote)
	b.CreatedAt, b.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return b, notFound(err)
}

func scanBookings(rows *sql.Rows, err error) ([]Booking, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Booking{}
	for rows.Next() {
		b, err := scanBooking(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// BookingByInvitee reads a booking by its invitee URI, locking it on
// PostgreSQL for the rest of the transaction.
func (tx *Tx) BookingByInvitee(ctx context.Context, connID int64, inviteeURI string) (Booking, error) {
	q := `SELECT ` + bookingCols + ` FROM bookings WHERE connection_id = $1 AND invitee_uri = $2`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	return scanBooking(tx.tx.QueryRowContext(ctx, q, connID, inviteeURI))
}

// SaveBooking inserts b, or updates the booking with its invitee URI.
func (tx *Tx) SaveBooking(ctx context.Context, b Booking) (Booking, error) {
	return scanBooking(tx.tx.QueryRowContext(ctx, `INSERT INTO bookings(workspace_id, connection_id, invitee_uri, event_uri, event_type_uri,
			event_name, name, email, phone_raw, phone, phone_source, phone_problem, timezone, start_at, end_at, location, status, confirmed_at,
			old_invitee_uri, new_invitee_uri, cancel_reason, canceled_by, contact_id, remote_updated_at, details, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26, $26)
		ON CONFLICT (connection_id, invitee_uri) DO UPDATE SET event_uri = excluded.event_uri, event_type_uri = excluded.event_type_uri,
			event_name = excluded.event_name, name = excluded.name, email = excluded.email, phone_raw = excluded.phone_raw, phone = excluded.phone,
			phone_source = excluded.phone_source, phone_problem = excluded.phone_problem, timezone = excluded.timezone, start_at = excluded.start_at,
			end_at = excluded.end_at, location = excluded.location, status = excluded.status, confirmed_at = excluded.confirmed_at,
			old_invitee_uri = excluded.old_invitee_uri, new_invitee_uri = excluded.new_invitee_uri, cancel_reason = excluded.cancel_reason,
			canceled_by = excluded.canceled_by, contact_id = excluded.contact_id, remote_updated_at = excluded.remote_updated_at,
			details = excluded.details, updated_at = excluded.updated_at
		RETURNING `+bookingCols,
		b.WorkspaceID, b.ConnectionID, clean(b.InviteeURI), clean(b.EventURI), clean(b.EventTypeURI), clean(b.EventName), clean(b.Name),
		clean(b.Email), clean(b.PhoneRaw), b.Phone, b.PhoneSource, clean(b.PhoneProblem), clean(b.Timezone), domain.Millis(b.StartAt),
		domain.Millis(b.EndAt), clean(b.Location), b.Status, domain.Millis(b.ConfirmedAt), clean(b.OldInviteeURI), clean(b.NewInviteeURI),
		clean(b.CancelReason), clean(b.CanceledBy), b.ContactID, domain.Millis(b.RemoteUpdatedAt), orJSON(b.Details), tx.now))
}

func orJSON(s string) string {
	if s == "" {
		return "{}"
	}
	return clean(s)
}

// AddBookingMessages schedules messages; a kind a booking already has is
// left as it is, so processing a delivery twice schedules nothing twice.
func (tx *Tx) AddBookingMessages(ctx context.Context, bookingID int64, msgs []BookingMessage) error {
	for _, m := range msgs {
		state := m.State
		if state == "" {
			state = MsgScheduled
		}
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO booking_messages(booking_id, kind, due_at, state, reason, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (booking_id, kind) DO NOTHING`,
			bookingID, m.Kind, domain.Millis(m.DueAt), state, clean(m.Reason), tx.now); err != nil {
			return err
		}
	}
	return nil
}

// CancelBookingMessages cancels a booking's messages not yet sent.
func (tx *Tx) CancelBookingMessages(ctx context.Context, bookingID int64, reason string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE booking_messages SET state = 'canceled', reason = $1, updated_at = $2
		WHERE booking_id = $3 AND state = 'scheduled'`, clean(reason), tx.now, bookingID)
	return err
}

// DueBookingMessages lists scheduled messages due by now and not leased,
// soonest first.
func (db *DB) DueBookingMessages(ctx context.Context, limit int) ([]BookingMessage, error) {
	now := db.now()
	rows, err := db.W.QueryContext(ctx, `SELECT id, booking_id, kind, due_at, state, reason, message_id, attempts FROM booking_messages
		WHERE state = 'scheduled' AND due_at <= $1 AND lease_until < $1 ORDER BY due_at, id LIMIT $2`, now, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []BookingMessage{}
	for rows.Next() {
		var m BookingMessage
		var due int64
		if err := rows.Scan(&m.ID, &m.BookingID, &m.Kind, &due, &m.State, &m.Reason, &m.MessageID, &m.Attempts); err != nil {
			return nil, err
		}
		m.DueAt = domain.FromMillis(due)
		out = append(out, m)
	}
	return out, rows.Err()
}

// LeaseBookingMessage claims a due message for owner until the given time
// (unix ms): one node at a time works it.
func (db *DB) LeaseBookingMessage(ctx context.Context, id int64, owner string, until int64) (bool, error) {
	return affected(db.W.ExecContext(ctx, `UPDATE booking_messages SET lease_owner = $1, lease_until = $2, attempts = attempts + 1
		WHERE id = $3 AND state = 'scheduled' AND lease_until < $4`, owner, until, id, db.now()))
}

// DelayBookingMessage keeps a leased message back until the given time
// (unix ms), noting why.
func (db *DB) DelayBookingMessage(ctx context.Context, id int64, owner string, until int64, reason string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE booking_messages SET lease_until = $1, reason = $2, updated_at = $3
		WHERE id = $4 AND lease_owner = $5 AND state = 'scheduled'`, until, clean(reason), db.now(), id, owner)
	return err
}

// FinishBookingMessage settles a leased message: sent (with its WhatsApp
// message, in the commit that stored it), skipped or canceled with the
// reason. ErrLeaseLost when the lease passed to another node meanwhile.
func (tx *Tx) FinishBookingMessage(ctx context.Context, id int64, owner, state, reason string, messageID int64) error {
	ok, err := affected(tx.tx.ExecContext(ctx, `UPDATE booking_messages SET state = $1, reason = $2, message_id = $3, lease_until = 0, updated_at = $4
		WHERE id = $5 AND lease_owner = $6 AND state = 'scheduled'`, state, clean(reason), messageID, tx.now, id, owner))
	if err == nil && !ok {
		err = ErrLeaseLost
	}
	return err
}

// FinishBookingMessage is Tx.FinishBookingMessage in its own transaction.
func (db *DB) FinishBookingMessage(ctx context.Context, id int64, owner, state, reason string) error {
	return db.WithTx(ctx, func(tx *Tx) error { return tx.FinishBookingMessage(ctx, id, owner, state, reason, 0) })
}

// BookingByID reads one booking of a workspace, with its messages.
func (db *DB) BookingByID(ctx context.Context, workspaceID, id int64) (Booking, error) {
	b, err := scanBooking(db.R.QueryRowContext(ctx, `SELECT `+bookingCols+` FROM bookings WHERE id = $1 AND workspace_id = $2`, id, workspaceID))
	if err != nil {
		return b, err
	}
	bs := []Booking{b}
	err = db.attachBookingMessages(ctx, bs)
	return bs[0], err
}

// Booking reads a booking whatsoever its workspace, without its messages
// (the scheduler's read, from the writer so it sees the latest state).
func (db *DB) Booking(ctx context.Context, id int64) (Booking, error) {
	return scanBooking(db.W.QueryRowContext(ctx, `SELECT `+bookingCols+` FROM bookings WHERE id = $1`, id))
}

// Bookings lists a workspace's bookings starting at or after from, by
// start time, with their messages.
func (db *DB) Bookings(ctx context.Context, workspaceID int64, from time.Time, limit int) ([]Booking, error) {
	bs, err := scanBookings(db.R.QueryContext(ctx, `SELECT `+bookingCols+` FROM bookings WHERE workspace_id = $1 AND start_at >= $2
		ORDER BY start_at, id LIMIT $3`, workspaceID, domain.Millis(from), limit))
	if err != nil {
		return nil, err
	}
	return bs, db.attachBookingMessages(ctx, bs)
}

// ActiveBookingsForContact lists a contact's active bookings that have
// not started, for matching a reply.
func (db *DB) ActiveBookingsForContact(ctx context.Context, workspaceID, contactID int64, now time.Time) ([]Booking, error) {
	bs, err := scanBookings(db.R.QueryContext(ctx, `SELECT `+bookingCols+` FROM bookings WHERE workspace_id = $1 AND contact_id = $2
		AND status = 'active' AND start_at > $3 ORDER BY start_at`, workspaceID, contactID, domain.Millis(now)))
	if err != nil {
		return nil, err
	}
	return bs, db.attachBookingMessages(ctx, bs)
}

// SetBookingConfirmed records that the invitee confirmed (by a reply).
func (db *DB) SetBookingConfirmed(ctx context.Context, id int64, at time.Time) (bool, error) {
	return affected(db.W.ExecContext(ctx, `UPDATE bookings SET confirmed_at = $1, updated_at = $2 WHERE id = $3 AND confirmed_at = 0`,
		domain.Millis(at), db.now(), id))
}

// attachBookingMessages fills in the bookings' messages with one query.
func (db *DB) attachBookingMessages(ctx context.Context, bs []Booking) error {
	if len(bs) == 0 {
		return nil
	}
	at := make(map[int64]int, len(bs))
	ph := make([]string, len(bs))
	args := make([]any, len(bs))
	for i := range bs {
		bs[i].Messages = []BookingMessage{}
		at[bs[i].ID] = i
		ph[i], args[i] = "$"+strconv.Itoa(i+1), bs[i].ID
	}
	rows, err := db.R.QueryContext(ctx, `SELECT bm.id, bm.booking_id, bm.kind, bm.due_at, bm.state, bm.reason, bm.message_id, bm.attempts,
			COALESCE(m.status, ''), COALESCE(m.error_title, '')
		FROM booking_messages bm LEFT JOIN messages m ON m.id = bm.message_id
		WHERE bm.booking_id IN (`+strings.Join(ph, ", ")+`) ORDER BY bm.due_at, bm.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var m BookingMessage
		var due int64
		if err := rows.Scan(&m.ID, &m.BookingID, &m.Kind, &due, &m.State, &m.Reason, &m.MessageID, &m.Attempts, &m.MessageStatus, &m.MessageError); err != nil {
			return err
		}
		m.DueAt = domain.FromMillis(due)
		i := at[m.BookingID]
		bs[i].Messages = append(bs[i].Messages, m)
	}
	return rows.Err()
}

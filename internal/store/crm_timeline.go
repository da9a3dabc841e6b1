package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// TimelineMessage is a message as the CRM timeline shows it.
type TimelineMessage struct {
	ID         int64
	Direction  string
	Type       string
	Text       string
	Status     string
	ErrorCode  int
	ErrorTitle string
	At         time.Time
	Phone      string // the customer's E.164
	Name       string // the customer's WhatsApp profile name
}

const timelineMsgCols = `m.id, m.direction, m.type, m.text, m.status, m.error_code, m.error_title, m.created_at, c.phone, c.name`

// MessagesAfter lists a workspace's messages with id > after, in id order:
// the timeline's feed, read from the messages themselves so that nothing on
// the hot ingest and send paths has to know about CRMs.
func (db *DB) MessagesAfter(ctx context.Context, workspaceID, after int64, limit int) ([]TimelineMessage, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+timelineMsgCols+` FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE m.workspace_id = $1 AND m.id > $2 ORDER BY m.id LIMIT $3`, workspaceID, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []TimelineMessage{}
	for rows.Next() {
		var m TimelineMessage
		var at int64
		if err := rows.Scan(&m.ID, &m.Direction, &m.Type, &m.Text, &m.Status, &m.ErrorCode, &m.ErrorTitle, &at, &m.Phone, &m.Name); err != nil {
			return nil, err
		}
		m.At = domain.FromMillis(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// CRMTimelineEntry is one entry to write on a CRM contact's timeline: a
// message (MessageID set; its text and status are read when written) or a
// notice with its own title and body.
type CRMTimelineEntry struct {
	ID           int64
	ConnectionID int64
	Key          string
	MessageID    int64
	Phone        string
	ContactCRMID string
	Title        string
	Body         string
	At           time.Time
	State        string // pending | logged | final | failed
	CRMEntryID   string
	LoggedStatus string
	Attempts     int
	Error        string
	Message      *TimelineMessage // joined when MessageID != 0
}

// Timeline entry states.
const (
	TimelinePending = "pending"
	TimelineLogged  = "logged" // written; the message's status may still change
	TimelineFinal   = "final"
	TimelineFailed  = "failed"
)

// QueueCRMTimeline adds entries (an entry already queued is skipped) and,
// when cursor > 0, moves the connection's message cursor, in one commit.
func (db *DB) QueueCRMTimeline(ctx context.Context, connID int64, entries []CRMTimelineEntry, cursor int64) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		for _, e := range entries {
			if _, err := tx.tx.ExecContext(ctx, `INSERT INTO crm_timeline(connection_id, entry_key, message_id, phone, contact_crm_id, title, body, at)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT (connection_id, entry_key) DO NOTHING`,
				connID, clean(e.Key), e.MessageID, clean(e.Phone), clean(e.ContactCRMID), clean(e.Title), clean(e.Body), domain.Millis(e.At)); err != nil {
				return err
			}
		}
		if cursor > 0 {
			_, err := tx.tx.ExecContext(ctx, `UPDATE crm_connections SET timeline_cursor = $1 WHERE id = $2 AND timeline_cursor < $1`, cursor, connID)
			return err
		}
		return nil
	})
}

const timelineCols = `t.id, t.connection_id, t.entry_key, t.message_id, t.phone, t.contact_crm_id, t.title, t.body, t.at, t.state, t.crm_entry_id,
	t.logged_status, t.attempts, t.error, ` + timelineMsgCols

func (db *DB) crmTimeline(ctx context.Context, where string, args ...any) ([]CRMTimelineEntry, error) {
	rows, err := db.W.QueryContext(ctx, `SELECT `+timelineCols+` FROM crm_timeline t
		LEFT JOIN messages m ON m.id = t.message_id LEFT JOIN contacts c ON c.id = m.contact_id WHERE `+where, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMTimelineEntry{}
	for rows.Next() {
		var e CRMTimelineEntry
		var at int64
		var m struct {
			id, code, at                               sql.NullInt64
			dir, typ, text, status, title, phone, name sql.NullString
		}
		if err := rows.Scan(&e.ID, &e.ConnectionID, &e.Key, &e.MessageID, &e.Phone, &e.ContactCRMID, &e.Title, &e.Body, &at, &e.State, &e.CRMEntryID,
			&e.LoggedStatus, &e.Attempts, &e.Error, &m.id, &m.dir, &m.typ, &m.text, &m.status, &m.code, &m.title, &m.at, &m.phone, &m.name); err != nil {
			return nil, err
		}
		e.At = domain.FromMillis(at)
		if m.id.Valid {
			e.Message = &TimelineMessage{ID: m.id.Int64, Direction: m.dir.String, Type: m.typ.String, Text: m.text.String, Status: m.status.String,
				ErrorCode: int(m.code.Int64), ErrorTitle: m.title.String, At: domain.FromMillis(m.at.Int64), Phone: m.phone.String, Name: m.name.String}
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// PendingCRMTimeline lists entries not yet written, in queue order.
func (db *DB) PendingCRMTimeline(ctx context.Context, connID int64, limit int) ([]CRMTimelineEntry, error) {
	return db.crmTimeline(ctx, `t.connection_id = $1 AND t.state = 'pending' ORDER BY t.id LIMIT $2`, connID, limit)
}

// CRMTimelineUpdates lists written message entries whose message has
// changed status since (a delivery, a read, a failure), in queue order.
func (db *DB) CRMTimelineUpdates(ctx context.Context, connID int64, limit int) ([]CRMTimelineEntry, error) {
	return db.crmTimeline(ctx, `t.connection_id = $1 AND t.state = 'logged' AND m.status <> t.logged_status ORDER BY t.id LIMIT $2`, connID, limit)
}

// CRMTimeline lists a connection's entries, newest first (the sync view).
func (db *DB) CRMTimeline(ctx context.Context, connID int64, limit int) ([]CRMTimelineEntry, error) {
	return db.crmTimeline(ctx, `t.connection_id = $1 ORDER BY t.id DESC LIMIT $2`, connID, limit)
}

// BeginCRMTimelineWrite counts an attempt on entries before they are sent:
// an entry with attempts > 0 may already be in the CRM.
func (db *DB) BeginCRMTimelineWrite(ctx context.Context, ids []int64) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		for _, id := range ids {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE crm_timeline SET attempts = attempts + 1 WHERE id = $1`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// CRMTimelineWritten is the outcome of writing one entry.
type CRMTimelineWritten struct {
	ID           int64
	ContactCRMID string
	CRMEntryID   string
	Status       string // the message status written ("" for notices)
	State        string // logged, final or failed
	Error        string
}

// MarkCRMTimeline records what became of written entries, in one commit.
func (db *DB) MarkCRMTimeline(ctx context.Context, done []CRMTimelineWritten) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		for _, d := range done {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE crm_timeline SET contact_crm_id = $1, crm_entry_id = CASE WHEN $2 = '' THEN crm_entry_id ELSE $2 END,
				logged_status = $3, state = $4, error = $5 WHERE id = $6`,
				clean(d.ContactCRMID), clean(d.CRMEntryID), clean(d.Status), d.State, clean(d.Error), d.ID); err != nil {
				return err
			}
		}
		return nil
	})
}

// RetryCRMTimeline puts a failed entry back in the queue.
func (db *DB) RetryCRMTimeline(ctx context.Context, connID, id int64) error {
	return affectedOne(db.W.ExecContext(ctx, `UPDATE crm_timeline SET state = 'pending', error = '' WHERE id = $1 AND connection_id = $2 AND state = 'failed'`, id, connID))
}

// CRMQueue counts what waits on a connection.
type CRMQueue struct {
	Events          int // webhooks not yet acted on
	Sends           int // stage sends not yet queued
	Timeline        int // timeline entries not yet written
	TimelineFailed  int
	TimelineWritten int
}

// CRMQueueCounts counts a connection's waiting work.
func (db *DB) CRMQueueCounts(ctx context.Context, connID int64) (CRMQueue, error) {
	var q CRMQueue
	err := db.R.QueryRowContext(ctx, `SELECT
		(SELECT COUNT(*) FROM crm_events WHERE connection_id = $1 AND done_at = 0),
		(SELECT COUNT(*) FROM crm_sends WHERE connection_id = $1 AND status = 'pending'),
		(SELECT COUNT(*) FROM crm_timeline WHERE connection_id = $1 AND state = 'pending'),
		(SELECT COUNT(*) FROM crm_timeline WHERE connection_id = $1 AND state = 'failed'),
		(SELECT COUNT(*) FROM crm_timeline WHERE connection_id = $1 AND state IN ('logged', 'final'))`, connID).
		Scan(&q.Events, &q.Sends, &q.Timeline, &q.TimelineFailed, &q.TimelineWritten)
	return q, err
}

// CRMLogEntry is one line of a connection's sync log.
type CRMLogEntry struct {
	ID           int64
	ConnectionID int64
	At           time.Time
	Kind         string // contact, deal, send, timeline, connection, watch
	Status       string // ok, failed, refused, retrying, skipped
	Subject      string // a phone, a deal id, …
	Detail       string
	Error        string
	RefKind      string // what a retry acts on: event, send, timeline ("" = nothing to retry)
	RefID        int64
}

// AddCRMLog appends to a connection's sync log.
func (db *DB) AddCRMLog(ctx context.Context, e CRMLogEntry) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO crm_log(connection_id, at, kind, status, subject, detail, error, ref_kind, ref_id)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, e.ConnectionID, db.now(), clean(e.Kind), clean(e.Status), clean(e.Subject),
		clean(e.Detail), clean(e.Error), clean(e.RefKind), e.RefID)
	return err
}

// CRMLog lists a connection's log, newest first, before an id (0: newest).
func (db *DB) CRMLog(ctx context.Context, connID, before int64, limit int) ([]CRMLogEntry, error) {
	if before <= 0 {
		before = 1 << 62
	}
	rows, err := db.R.QueryContext(ctx, `SELECT id, connection_id, at, kind, status, subject, detail, error, ref_kind, ref_id FROM crm_log
		WHERE connection_id = $1 AND id < $2 ORDER BY id DESC LIMIT $3`, connID, before, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMLogEntry{}
	for rows.Next() {
		var e CRMLogEntry
		var at int64
		if err := rows.Scan(&e.ID, &e.ConnectionID, &at, &e.Kind, &e.Status, &e.Subject, &e.Detail, &e.Error, &e.RefKind, &e.RefID); err != nil {
			return nil, err
		}
		e.At = domain.FromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// CRMLogByID reads one log entry of a connection.
func (db *DB) CRMLogByID(ctx context.Context, connID, id int64) (CRMLogEntry, error) {
	var e CRMLogEntry
	var at int64
	err := db.R.QueryRowContext(ctx, `SELECT id, connection_id, at, kind, status, subject, detail, error, ref_kind, ref_id FROM crm_log
		WHERE connection_id = $1 AND id = $2`, connID, id).Scan(&e.ID, &e.ConnectionID, &at, &e.Kind, &e.Status, &e.Subject, &e.Detail, &e.Error, &e.RefKind, &e.RefID)
	e.At = domain.FromMillis(at)
	return e, notFound(err)
}

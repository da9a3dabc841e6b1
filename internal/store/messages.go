package store

import (
	"context"
	"database/sql"
	"slices"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

const messageCols = `id, workspace_id, conversation_id, number_id, contact_id, direction, type, text, payload, wamid, status, error_code, error_title, error_detail, reply_to, sent_by, ts, created_at, updated_at, policy, expires_at, forwarded, retry_of, retried_by`

func scanMessage(row interface{ Scan(...any) error }) (domain.Message, error) {
	var m domain.Message
	var dir, status string
	var wamid sql.NullString
	var ts, created, updated, expires int64
	var policy string
	var forwarded int
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.ConversationID, &m.NumberID, &m.ContactID, &dir, &m.Type, &m.Text, &m.Payload, &wamid, &status,
		&m.ErrorCode, &m.ErrorTitle, &m.ErrorDetail, &m.ReplyTo, &m.SentBy, &ts, &created, &updated, &policy, &expires, &forwarded, &m.RetryOf, &m.RetriedBy)
	m.Forwarded = forwarded != 0
	m.ExpiresAt = domain.FromMillis(expires)
	if policy != "" {
		m.Policy = []byte(policy)
	}
	m.Direction, m.Status, m.WAMID = domain.Direction(dir), domain.Status(status), wamid.String
	m.Timestamp, m.CreatedAt, m.UpdatedAt = domain.FromMillis(ts), domain.FromMillis(created), domain.FromMillis(updated)
	return m, notFound(err)
}

// clean removes NUL characters, which PostgreSQL's text type cannot hold;
// a customer can send one, and it must not make the message unstorable.
func clean(s string) string { return strings.ReplaceAll(s, "\x00", "") }

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// InsertMessage stores m. A message whose (number, wamid) is already stored
// is a webhook retry: nothing changes and inserted is false.
func (tx *Tx) InsertMessage(ctx context.Context, m domain.Message) (out domain.Message, inserted bool, err error) {
	ts := domain.Millis(m.Timestamp)
	if ts == 0 {
		ts = tx.now
	}
	out, err = scanMessage(tx.queryRow(ctx, qInsertMessage,
		m.WorkspaceID, m.ConversationID, m.NumberID, m.ContactID, string(m.Direction), clean(m.Type), clean(m.Text), m.Payload, nullable(clean(m.WAMID)), string(m.Status), m.Status.Rank(),
		m.ErrorCode, clean(m.ErrorTitle), clean(m.ErrorDetail), clean(m.ReplyTo), m.SentBy, ts, tx.now, string(m.Policy), domain.Millis(m.ExpiresAt),
		boolInt(m.Forwarded), m.RetryOf))
	if domain.IsNotFound(err) {
		return domain.Message{}, false, nil
	}
	return out, err == nil, err
}

var qInsertMessage = hot(`INSERT INTO messages(workspace_id, conversation_id, number_id, contact_id, direction, type, text, payload, wamid, status, status_rank,
		error_code, error_title, error_detail, reply_to, sent_by, ts, created_at, updated_at, policy, expires_at, forwarded, retry_of)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $18, $19, $20, $21, $22)
		ON CONFLICT (number_id, wamid) WHERE wamid IS NOT NULL DO NOTHING
		RETURNING ` + messageCols)

// StatusChange is a delivery-status update for one outbound message.
type StatusChange struct {
	Status      domain.Status
	WAMID       string // recorded if the message has none yet
	ErrorCode   int
	ErrorTitle  string
	ErrorDetail string
}

// UpdateMessageStatus moves a message forward to ch.Status, and records
// ch.WAMID if it has none. It never moves a message backwards (a late
// "delivered" after "read" changes nothing) and reports whether anything
// changed; one statement, as the applier runs it for every status webhook.
func (tx *Tx) UpdateMessageStatus(ctx context.Context, id int64, ch StatusChange) (domain.Message, bool, error) {
	m, err := scanMessage(tx.queryRow(ctx, qUpdateStatus, nullable(clean(ch.WAMID)), string(ch.Status), ch.Status.Rank(), ch.ErrorCode, clean(ch.ErrorTitle), clean(ch.ErrorDetail), tx.now, id))
	if domain.IsNotFound(err) {
		m, err = tx.MessageByID(ctx, id) // nothing to change
		return m, false, err
	}
	return m, err == nil, err
}

// AdvanceStatusByWAMID moves the number's message with wamid forward to
// ch.Status in one statement, the common case of a status webhook. ok is
// false when nothing changed: no such message, or not a step forward.
func (tx *Tx) AdvanceStatusByWAMID(ctx context.Context, numberID int64, wamid string, ch StatusChange) (m domain.Message, ok bool, err error) {
	m, err = scanMessage(tx.queryRow(ctx, qAdvanceByWAMID, string(ch.Status), ch.Status.Rank(), ch.ErrorCode, clean(ch.ErrorTitle), clean(ch.ErrorDetail), tx.now, numberID, wamid))
	if domain.IsNotFound(err) {
		return domain.Message{}, false, nil
	}
	return m, err == nil, err
}

var qAdvanceByWAMID = hot(`UPDATE messages SET status = $1, status_rank = $2, error_code = $3, error_title = $4, error_detail = $5, updated_at = $6
		WHERE number_id = $7 AND wamid = $8 AND status_rank < $2
		RETURNING ` + messageCols)

var qUpdateStatus = hot(`UPDATE messages SET
		wamid = COALESCE(wamid, CAST($1 AS TEXT)),
		status = CASE WHEN status_rank < $3 THEN $2 ELSE status END,
		error_code = CASE WHEN status_rank < $3 THEN $4 ELSE error_code END,
		error_title = CASE WHEN status_rank < $3 THEN $5 ELSE error_title END,
		error_detail = CASE WHEN status_rank < $3 THEN $6 ELSE error_detail END,
		status_rank = CASE WHEN status_rank < $3 THEN $3 ELSE status_rank END,
		updated_at = $7
		WHERE id = $8 AND (status_rank < $3 OR (wamid IS NULL AND CAST($1 AS TEXT) IS NOT NULL))
		RETURNING ` + messageCols)

// ResetMessageStatus sets a status unconditionally, for the sender's own
// bookkeeping (for example "sending" back to "queued" before a retry).
func (tx *Tx) ResetMessageStatus(ctx context.Context, id int64, st domain.Status) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE messages SET status = $1, status_rank = $2, updated_at = $3 WHERE id = $4`, string(st), st.Rank(), tx.now, id)
	return err
}

// MessageByID reads a message inside the transaction, unscoped: used by
// workers that were handed the id by our own code.
func (tx *Tx) MessageByID(ctx context.Context, id int64) (domain.Message, error) {
	return scanMessage(tx.queryRow(ctx, qMessageByID, id))
}

var qMessageByID = hot(`SELECT ` + messageCols + ` FROM messages WHERE id = $1`)

// MessageByWAMID finds a number's message by Meta's id.
func (tx *Tx) MessageByWAMID(ctx context.Context, numberID int64, wamid string) (domain.Message, error) {
	return scanMessage(tx.queryRow(ctx, qMessageByWAMID, numberID, wamid))
}

var qMessageByWAMID = hot(`SELECT ` + messageCols + ` FROM messages WHERE number_id = $1 AND wamid = $2`)

// MessageByID finds a message of one workspace.
func (db *DB) MessageByID(ctx context.Context, workspaceID, id int64) (domain.Message, error) {
	return scanMessage(db.R.QueryRowContext(ctx, `SELECT `+messageCols+` FROM messages WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// ListMessages returns the newest limit messages of a conversation, oldest
// first.
func (db *DB) ListMessages(ctx context.Context, workspaceID, conversationID int64, limit int) ([]domain.Message, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+messageCols+` FROM messages WHERE workspace_id = $1 AND conversation_id = $2 ORDER BY id DESC LIMIT $3`, workspaceID, conversationID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Message{}
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// CountMessagesByStatus counts outbound messages per status (metrics).
func (db *DB) CountMessagesByStatus(ctx context.Context) (map[domain.Status]int64, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT status, COUNT(*) FROM messages WHERE direction = 'outbound' GROUP BY status`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[domain.Status]int64{}
	for rows.Next() {
		var s string
		var n int64
		if err := rows.Scan(&s, &n); err != nil {
			return nil, err
		}
		out[domain.Status(s)] = n
	}
	return out, rows.Err()
}

// JobQueueDepth counts River jobs waiting to run, per queue.
func (db *DB) JobQueueDepth(ctx context.Context) (map[string]int64, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT queue, COUNT(*) FROM river_job WHERE state IN ('available', 'scheduled', 'retryable') GROUP BY queue`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int64{}
	for rows.Next() {
		var q string
		var n int64
		if err := rows.Scan(&q, &n); err != nil {
			return nil, err
		}
		out[q] = n
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gohavi/gohavi/internal/domain"
)

// MaxPendingScheduled bounds the messages waiting in one conversation: a
// thread with more than this queued is a script, and belongs in a
// broadcast or an integration.
const MaxPendingScheduled = 50

// ErrScheduledLost says a scheduled message is no longer claimed by this
// node (its claim expired and another node took it, or it was canceled
// meanwhile): the send that was about to mark it sent must roll back.
var ErrScheduledLost = errors.New("the scheduled message is no longer claimed by this node")

const scheduledCols = `s.id, s.workspace_id, s.conversation_id, s.number_id, s.wa_id, s.created_by, COALESCE(u.name, ''), s.api_key_id,
	s.send_at, s.time_zone, s.type, s.text, s.body, s.reply_to, s.status, s.error_code, s.error_message, s.error_remedy,
	s.message_id, s.attempts, s.created_at, s.updated_at`

const scheduledFrom = ` FROM scheduled_messages s LEFT JOIN users u ON u.id = s.created_by `

func scanScheduled(row interface{ Scan(...any) error }) (domain.ScheduledMessage, error) {
	var m domain.ScheduledMessage
	var sendAt, created, updated int64
	var status, body, code, msg, remedy string
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.ConversationID, &m.NumberID, &m.WaID, &m.CreatedBy, &m.CreatedByName, &m.APIKeyID,
		&sendAt, &m.TimeZone, &m.Type, &m.Text, &body, &m.ReplyTo, &status, &code, &msg, &remedy,
		&m.MessageID, &m.Attempts, &created, &updated)
	m.SendAt, m.CreatedAt, m.UpdatedAt = domain.FromMillis(sendAt), domain.FromMillis(created), domain.FromMillis(updated)
	m.Status = domain.ScheduledStatus(status)
	if body != "" {
		m.Body = []byte(body)
	}
	if code != "" {
		m.Error = &domain.Error{Code: domain.Code(code), Message: msg, Remedy: remedy}
	}
	return m, notFound(err)
}

func scanScheduledRows(rows *sql.Rows, err error) ([]domain.ScheduledMessage, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.ScheduledMessage{}
	for rows.Next() {
		m, err := scanScheduled(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// CreateScheduled stores m as pending. The number and the customer are
// taken from the conversation, so a row always names the thread it goes
// to; a conversation of another workspace is not found.
func (db *DB) CreateScheduled(ctx context.Context, m domain.ScheduledMessage) (out domain.ScheduledMessage, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		var numberID int64
		var waID string
		err := tx.tx.QueryRowContext(ctx, `SELECT v.number_id, c.wa_id FROM conversations v JOIN contacts c ON c.id = v.contact_id
			WHERE v.workspace_id = $1 AND v.id = $2`, m.WorkspaceID, m.ConversationID).Scan(&numberID, &waID)
		if err != nil {
			return notFound(err)
		}
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM scheduled_messages WHERE conversation_id = $1 AND status IN ('pending', 'sending')`,
			m.ConversationID).Scan(&n); err != nil {
			return err
		}
		if n >= MaxPendingScheduled {
			return domain.Errorf(domain.CodeInvalidArgument, "Cancel some of the conversation's scheduled messages first.",
				"this conversation already has %d messages waiting to be sent, the most it can have", n)
		}
		var id int64
		err = tx.tx.QueryRowContext(ctx, `INSERT INTO scheduled_messages(workspace_id, conversation_id, number_id, wa_id, created_by, api_key_id,
			send_at, time_zone, type, text, body, reply_to, status, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'pending', $13, $13) RETURNING id`,
			m.WorkspaceID, m.ConversationID, numberID, waID, m.CreatedBy, m.APIKeyID, domain.Millis(m.SendAt), clean(m.TimeZone),
			m.Type, clean(m.Text), clean(string(m.Body)), clean(m.ReplyTo), tx.now).Scan(&id)
		if err != nil {
			return err
		}
		out, err = scanScheduled(tx.tx.QueryRowContext(ctx, `SELECT `+scheduledCols+scheduledFrom+`WHERE s.id = $1`, id))
		return err
	})
	return out, err
}

// ScheduledByID reads a scheduled message of one workspace.
func (db *DB) ScheduledByID(ctx context.Context, workspaceID, id int64) (domain.ScheduledMessage, error) {
	return scanScheduled(db.R.QueryRowContext(ctx, `SELECT `+scheduledCols+scheduledFrom+`WHERE s.workspace_id = $1 AND s.id = $2`, workspaceID, id))
}

// ListScheduled lists a conversation's scheduled messages: those still to
// go first, soonest first, then the history, most recently settled first.
func (db *DB) ListScheduled(ctx context.Context, workspaceID, conversationID int64, limit int) ([]domain.ScheduledMessage, error) {
	return scanScheduledRows(db.R.QueryContext(ctx, `SELECT `+scheduledCols+scheduledFrom+`WHERE s.workspace_id = $1 AND s.conversation_id = $2
		ORDER BY CASE WHEN s.status IN ('pending', 'sending') THEN 0 ELSE 1 END,
		  CASE WHEN s.status IN ('pending', 'sending') THEN s.send_at ELSE -s.updated_at END, s.id DESC
		LIMIT $3`, workspaceID, conversationID, limit))
}

// CancelScheduled cancels a message that has not gone yet. One claimed by
// a node whose claim ran out (the node died before sending) may be
// canceled too; one being sent, sent or failed is a conflict, and
// canceling twice answers the canceled message.
func (db *DB) CancelScheduled(ctx context.Context, workspaceID, id int64, now int64) (domain.ScheduledMessage, bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE scheduled_messages SET status = 'canceled', claimed_by = '', lease_until = 0, updated_at = $1
		WHERE workspace_id = $2 AND id = $3 AND (status = 'pending' OR (status = 'sending' AND lease_until <= $4))`,
		db.now(), workspaceID, id, now)
	if err != nil {
		return domain.ScheduledMessage{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return domain.ScheduledMessage{}, false, err
	}
	m, err := db.ScheduledByID(ctx, workspaceID, id)
	if err != nil || n > 0 {
		return m, n > 0, err
	}
	switch m.Status {
	case domain.ScheduledCanceled:
		return m, false, nil
	case domain.ScheduledSending:
		return m, false, domain.Errorf(domain.CodeConflict, "It is going out right now; look at the conversation in a moment.",
			"scheduled message %d is being sent and can no longer be canceled", id)
	case domain.ScheduledSent:
		return m, false, domain.Errorf(domain.CodeConflict, "A WhatsApp message cannot be taken back once sent; write a follow-up if it needs correcting.",
			"scheduled message %d was already sent", id)
	}
	return m, false, domain.Errorf(domain.CodeConflict, "Nothing is left to cancel; schedule it again if it should still go.",
		"scheduled message %d already failed", id)
}

// DueScheduled lists, across workspaces, pending messages whose time has
// come and claims that ran out (their node died), oldest first.
func (db *DB) DueScheduled(ctx context.Context, now int64, limit int) ([]domain.ScheduledMessage, error) {
	// Two index ranges, not one OR: each partial index serves its half.
	return scanScheduledRows(db.R.QueryContext(ctx, `SELECT `+scheduledCols+scheduledFrom+`WHERE s.id IN (
		  SELECT id FROM (SELECT id FROM scheduled_messages WHERE status = 'pending' AND send_at <= $1 ORDER BY send_at LIMIT $2) p
		  UNION ALL
		  SELECT id FROM (SELECT id FROM scheduled_messages WHERE status = 'sending' AND lease_until <= $1 ORDER BY lease_until LIMIT $2) c)
		ORDER BY s.send_at, s.id LIMIT $2`, now, limit))
}

// ClaimScheduled takes a due message for node until leaseUntil, counting
// the attempt. It reports false when another node has it, or it was
// canceled or settled meanwhile.
func (db *DB) ClaimScheduled(ctx context.Context, id int64, node string, now, leaseUntil int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE scheduled_messages SET status = 'sending', claimed_by = $1, lease_until = $2, attempts = attempts + 1, updated_at = $3
		WHERE id = $4 AND ((status = 'pending' AND send_at <= $5) OR (status = 'sending' AND lease_until <= $5))`,
		node, leaseUntil, db.now(), id, now)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// MarkScheduledSent records, inside the transaction that stores the
// message, that the scheduled message became messageID. ErrScheduledLost
// when node no longer holds it: the caller's transaction must roll back,
// so the message exists if and only if the row says sent.
func (tx *Tx) MarkScheduledSent(ctx context.Context, id int64, node string, messageID int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE scheduled_messages SET status = 'sent', message_id = $1, claimed_by = '', lease_until = 0, updated_at = $2
		WHERE id = $3 AND status = 'sending' AND claimed_by = $4`, messageID, tx.now, id, node)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n != 1 {
		return firstNonNil(err, ErrScheduledLost)
	}
	return nil
}

// FailScheduled settles a message node holds as failed with e's code,
// message and remedy. It reports false when node no longer holds it.
func (db *DB) FailScheduled(ctx context.Context, id int64, node string, e *domain.Error) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE scheduled_messages SET status = 'failed', error_code = $1, error_message = $2, error_remedy = $3,
		claimed_by = '', lease_until = 0, updated_at = $4 WHERE id = $5 AND status = 'sending' AND claimed_by = $6`,
		string(e.Code), clean(e.Message), clean(e.Remedy), db.now(), id, node)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// ReleaseScheduled hands a message node holds back to pending, to be
// tried on a later pass (the database or the send pipeline was
// unavailable).
func (db *DB) ReleaseScheduled(ctx context.Context, id int64, node string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE scheduled_messages SET status = 'pending', claimed_by = '', lease_until = 0, updated_at = $1
		WHERE id = $2 AND status = 'sending' AND claimed_by = $3`, db.now(), id, node)
	return err
}

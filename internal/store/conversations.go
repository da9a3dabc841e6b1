package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gohavi/gohavi/internal/domain"
)

const convCols = `v.id, v.workspace_id, v.number_id, v.contact_id, v.last_message_at, v.last_inbound_at, v.window_expires_at, v.last_message_text, v.unread_count, v.created_at, v.updated_at, v.fep_expires_at,
	v.status, v.snooze_until, COALESCE(v.assignee_id, 0), COALESCE(u.name, ''),
	c.id, c.workspace_id, c.wa_id, c.phone, c.name, c.created_at, c.updated_at`

const convFrom = ` FROM conversations v JOIN contacts c ON c.id = v.contact_id LEFT JOIN users u ON u.id = v.assignee_id `

func scanConversation(row interface{ Scan(...any) error }) (domain.Conversation, error) {
	var v domain.Conversation
	var lm, li, we, created, updated, fep, snooze, cc, cu int64
	var status string
	c := &v.Contact
	err := row.Scan(&v.ID, &v.WorkspaceID, &v.NumberID, &v.ContactID, &lm, &li, &we, &v.LastMessageText, &v.UnreadCount, &created, &updated, &fep,
		&status, &snooze, &v.AssigneeID, &v.AssigneeName,
		&c.ID, &c.WorkspaceID, &c.WaID, &c.Phone, &c.Name, &cc, &cu)
	v.LastMessageAt, v.LastInboundAt, v.WindowExpiresAt = domain.FromMillis(lm), domain.FromMillis(li), domain.FromMillis(we)
	v.CreatedAt, v.UpdatedAt, v.FreeEntryPointExpiresAt = domain.FromMillis(created), domain.FromMillis(updated), domain.FromMillis(fep)
	v.Status, v.SnoozeUntil = domain.ConvStatus(status), domain.FromMillis(snooze)
	c.CreatedAt, c.UpdatedAt = domain.FromMillis(cc), domain.FromMillis(cu)
	return v, notFound(err)
}

// EnsureConversation returns the id of the conversation between a number
// and a contact, creating it on first contact.
func (tx *Tx) EnsureConversation(ctx context.Context, workspaceID, numberID, contactID int64) (int64, error) {
	st, err := tx.EnsureConversationState(ctx, workspaceID, numberID, contactID)
	return st.ID, err
}

// ConversationState is what a conversation was before a message lands in
// it: enough for the applier to tell a first message or a reopening.
type ConversationState struct {
	ID            int64
	Status        domain.ConvStatus
	AssigneeID    int64
	LastInboundAt int64 // unix ms; 0 before the customer's first message
}

// EnsureConversationState is EnsureConversation with the conversation's
// state, read in the same statement.
func (tx *Tx) EnsureConversationState(ctx context.Context, workspaceID, numberID, contactID int64) (ConversationState, error) {
	var st ConversationState
	scan := func(row *sql.Row) error {
		var status string
		err := row.Scan(&st.ID, &status, &st.AssigneeID, &st.LastInboundAt)
		st.Status = domain.ConvStatus(status)
		return err
	}
	err := scan(tx.queryRow(ctx, qConversationState, numberID, contactID))
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return st, err // the usual case: a read, not a write
	}
	return st, scan(tx.queryRow(ctx, qEnsureConversation, workspaceID, numberID, contactID, tx.now))
}

const convStateCols = `id, status, COALESCE(assignee_id, 0), last_inbound_at`

var qConversationState = hot(`SELECT ` + convStateCols + ` FROM conversations WHERE number_id = $1 AND contact_id = $2`)

var qEnsureConversation = hot(`INSERT INTO conversations(workspace_id, number_id, contact_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $4)
		ON CONFLICT (number_id, contact_id) DO UPDATE SET number_id = excluded.number_id RETURNING ` + convStateCols)

// convOnlyCols are a conversation's own columns, for RETURNING (which
// cannot join); the caller attaches the contact it already holds. The
// assignee's name is a scalar subquery, which both engines allow there.
const convOnlyCols = `id, workspace_id, number_id, contact_id, last_message_at, last_inbound_at, window_expires_at, last_message_text, unread_count, created_at, updated_at, fep_expires_at,
	status, snooze_until, COALESCE(assignee_id, 0), COALESCE((SELECT name FROM users WHERE users.id = conversations.assignee_id), '')`

func scanConversationWith(row interface{ Scan(...any) error }, contact domain.Contact) (domain.Conversation, error) {
	var v domain.Conversation
	var lm, li, we, created, updated, fep, snooze int64
	var status string
	err := row.Scan(&v.ID, &v.WorkspaceID, &v.NumberID, &v.ContactID, &lm, &li, &we, &v.LastMessageText, &v.UnreadCount, &created, &updated, &fep,
		&status, &snooze, &v.AssigneeID, &v.AssigneeName)
	v.LastMessageAt, v.LastInboundAt, v.WindowExpiresAt = domain.FromMillis(lm), domain.FromMillis(li), domain.FromMillis(we)
	v.CreatedAt, v.UpdatedAt, v.FreeEntryPointExpiresAt = domain.FromMillis(created), domain.FromMillis(updated), domain.FromMillis(fep)
	v.Status, v.SnoozeUntil = domain.ConvStatus(status), domain.FromMillis(snooze)
	v.Contact = contact
	return v, notFound(err)
}

func (tx *Tx) conversation(ctx context.Context, id int64) (domain.Conversation, error) {
	return scanConversation(tx.tx.QueryRowContext(ctx, `SELECT `+convCols+convFrom+`WHERE v.id = $1`, id))
}

// ConversationFor finds the conversation of a number and contact, if any.
func (db *DB) ConversationFor(ctx context.Context, workspaceID, numberID, contactID int64) (domain.Conversation, error) {
	return scanConversation(db.R.QueryRowContext(ctx, `SELECT `+convCols+convFrom+`WHERE v.workspace_id = $1 AND v.number_id = $2 AND v.contact_id = $3`, workspaceID, numberID, contactID))
}

// NoteInbound records a customer message at ts: it refreshes the service
// window to expires, bumps the unread count and the preview, and reopens a
// snoozed or resolved conversation (the customer needs the team again).
// Values only move forward so replayed or out-of-order webhooks cannot
// shorten the window. contact is the conversation's contact, attached to
// the result.
func (tx *Tx) NoteInbound(ctx context.Context, convID, ts, expires int64, text string, contact domain.Contact) (domain.Conversation, error) {
	// Meta stamps whole seconds, so a customer's answer in the same second
	// as our reply looks older than it. For the preview it counts as late
	// in its second as it may have been.
	latest := ts
	if ts%1000 == 0 {
		latest = ts + 999
	}
	return scanConversationWith(tx.queryRow(ctx, qNoteInbound, convID, ts, expires, clean(text), tx.now, latest), contact)
}

var qNoteInbound = hot(`UPDATE conversations SET
		last_message_text = CASE WHEN $6 >= last_message_at THEN $4 ELSE last_message_text END,
		last_message_at = CASE WHEN $2 > last_message_at THEN $2 ELSE last_message_at END,
		last_inbound_at = CASE WHEN $2 > last_inbound_at THEN $2 ELSE last_inbound_at END,
		window_expires_at = CASE WHEN $3 > window_expires_at THEN $3 ELSE window_expires_at END,
		unread_count = unread_count + 1,
		status = CASE WHEN status IN ('snoozed', 'resolved') THEN 'open' ELSE status END,
		snooze_until = CASE WHEN status IN ('snoozed', 'resolved') THEN 0 ELSE snooze_until END,
		updated_at = $5
		WHERE id = $1 RETURNING ` + convOnlyCols)

// NoteOutbound records a business message at ts in the preview.
func (tx *Tx) NoteOutbound(ctx context.Context, convID, ts int64, text string, contact domain.Contact) (domain.Conversation, error) {
	return scanConversationWith(tx.queryRow(ctx, qNoteOutbound, convID, ts, clean(text), tx.now), contact)
}

var qNoteOutbound = hot(`UPDATE conversations SET
		last_message_text = CASE WHEN $2 >= last_message_at THEN $3 ELSE last_message_text END,
		last_message_at = CASE WHEN $2 > last_message_at THEN $2 ELSE last_message_at END,
		updated_at = $4
		WHERE id = $1 RETURNING ` + convOnlyCols)

// ListConversations lists a workspace's conversations of every status,
// most recent first.
func (db *DB) ListConversations(ctx context.Context, workspaceID int64, limit int) ([]domain.Conversation, error) {
	out, _, err := db.ListInbox(ctx, InboxFilter{WorkspaceID: workspaceID, Limit: limit})
	return out, err
}

// ConversationByID finds a conversation of one workspace.
func (db *DB) ConversationByID(ctx context.Context, workspaceID, id int64) (domain.Conversation, error) {
	return scanConversation(db.R.QueryRowContext(ctx, `SELECT `+convCols+convFrom+`WHERE v.workspace_id = $1 AND v.id = $2`, workspaceID, id))
}

// MarkConversationRead clears the unread count and returns the
// conversation and the wamid of its newest inbound message (to mark read at
// Meta), or "" if none.
func (db *DB) MarkConversationRead(ctx context.Context, workspaceID, id int64) (conv domain.Conversation, lastInbound string, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET unread_count = 0 WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return domain.ErrNotFound
		}
		if conv, err = tx.conversation(ctx, id); err != nil {
			return err
		}
		err = tx.tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(wamid), '') FROM messages WHERE id = (SELECT MAX(id) FROM messages WHERE conversation_id = $1 AND direction = 'inbound')`, id).Scan(&lastInbound)
		return err
	})
	return conv, lastInbound, err
}

// NoteAdReferral records that the customer came from a click-to-WhatsApp
// ad at ts: a business reply before replyBy opens the free-entry-point
// window.
func (tx *Tx) NoteAdReferral(ctx context.Context, convID int64, replyBy int64) error {
	_, err := tx.exec(ctx, qNoteAdReferral, convID, replyBy)
	return err
}

var qNoteAdReferral = hot(`UPDATE conversations SET fep_reply_by = CASE WHEN $2 > fep_reply_by THEN $2 ELSE fep_reply_by END WHERE id = $1`)

// StartFreeEntryPoint opens the 72-hour free-entry-point window at now if
// the business answers in time and no window is running; it reports the
// conversation's window end (zero when none).
func (tx *Tx) StartFreeEntryPoint(ctx context.Context, convID, now, expires int64) (int64, error) {
	var end int64
	err := tx.queryRow(ctx, qStartFEP, convID, now, expires).Scan(&end)
	return end, err
}

var qStartFEP = hot(`UPDATE conversations SET fep_expires_at = CASE WHEN fep_reply_by > $2 AND fep_expires_at <= $2 THEN $3 ELSE fep_expires_at END
		WHERE id = $1 RETURNING fep_expires_at`)

package store

import (
	"context"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// SetConversationStatus moves a conversation to status (with until for a
// snooze, zero otherwise) if check, shown the conversation as it stands,
// allows it. changed is false when it already was so.
func (db *DB) SetConversationStatus(ctx context.Context, workspaceID, convID int64, status domain.ConvStatus, until time.Time, actor domain.Actor, check func(domain.Conversation) error) (conv domain.Conversation, changed bool, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		cur, err := tx.conversationIn(ctx, workspaceID, convID)
		if err != nil {
			return err
		}
		if err := checkWith(check, cur); err != nil {
			return err
		}
		if cur.Status == status && cur.SnoozeUntil.Equal(until) {
			conv = cur
			return nil
		}
		// Conditional on the status checked above, so the log's "from" is
		// true even when a customer's message reopened it meanwhile.
		res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET status = $1, snooze_until = $2, updated_at = $3 WHERE id = $4 AND status = $5 AND snooze_until = $6`,
			string(status), domain.Millis(until), tx.now, convID, string(cur.Status), domain.Millis(cur.SnoozeUntil))
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChangedMeanwhile
		}
		err = tx.AddActivity(ctx, domain.ConvActivity{WorkspaceID: workspaceID, ConversationID: convID, Kind: domain.ActivityStatus,
			Actor: actor, Status: status, FromStatus: cur.Status, SnoozeUntil: until})
		if err != nil {
			return err
		}
		changed = true
		conv, err = tx.conversation(ctx, convID)
		return err
	})
	return conv, changed, err
}

// WakeSnoozed reopens up to limit conversations whose snooze has ended by
// the database clock's now, across all workspaces, and returns them. Nodes
// may run it at the same time: the update re-checks each row's status
// under its lock, so every conversation wakes once.
func (db *DB) WakeSnoozed(ctx context.Context, limit int) ([]domain.Conversation, error) {
	var out []domain.Conversation
	err := db.WithTx(ctx, func(tx *Tx) error {
		rows, err := tx.tx.QueryContext(ctx, `UPDATE conversations SET status = 'open', snooze_until = 0, updated_at = $1
			WHERE id IN (SELECT id FROM conversations WHERE status = 'snoozed' AND snooze_until <= $1 ORDER BY snooze_until LIMIT $2)
			AND status = 'snoozed' RETURNING id, workspace_id`, tx.now, limit)
		if err != nil {
			return err
		}
		type woken struct{ id, ws int64 }
		var ws []woken
		for rows.Next() {
			var w woken
			if err := rows.Scan(&w.id, &w.ws); err != nil {
				rows.Close()
				return err
			}
			ws = append(ws, w)
		}
		rows.Close()
		if err := rows.Err(); err != nil || len(ws) == 0 {
			return err
		}
		args := make([]any, 0, len(ws))
		for _, w := range ws {
			err := tx.AddActivity(ctx, domain.ConvActivity{WorkspaceID: w.ws, ConversationID: w.id, Kind: domain.ActivityStatus,
				Actor: domain.Actor{Kind: domain.ActorSystem}, Status: domain.ConvOpen, FromStatus: domain.ConvSnoozed})
			if err != nil {
				return err
			}
			args = append(args, w.id)
		}
		ph := make([]string, len(args))
		for i := range args {
			ph[i] = placeholder(i + 1)
		}
		crows, err := tx.tx.QueryContext(ctx, `SELECT `+convCols+convFrom+`WHERE v.id IN (`+strings.Join(ph, ", ")+`) ORDER BY v.id`, args...)
		if err != nil {
			return err
		}
		defer crows.Close()
		for crows.Next() {
			v, err := scanConversation(crows)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		return crows.Err()
	})
	return out, err
}

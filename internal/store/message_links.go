package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

// ClaimRetry records that retryID tries failed message originalID again.
// Only a failed message not yet retried can be claimed: the conditional
// update is what keeps two people retrying at once from sending twice,
// as the loser's transaction (holding its new message) rolls back.
func (tx *Tx) ClaimRetry(ctx context.Context, originalID, retryID int64) error {
	res, err := tx.tx.ExecContext(ctx, `UPDATE messages SET retried_by = $1 WHERE id = $2 AND retried_by = 0 AND status = $3`,
		retryID, originalID, string(domain.StatusFailed))
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	m, err := tx.MessageByID(ctx, originalID)
	if err != nil {
		return err
	}
	return domain.RetryRefusal(m)
}

// ConversationAssigneeName is the conversation's assignee (0 when none)
// and the name to show for them, read inside a send's transaction.
func (tx *Tx) ConversationAssigneeName(ctx context.Context, convID int64) (int64, string, error) {
	var id int64
	var name string
	err := tx.tx.QueryRowContext(ctx, `SELECT COALESCE(c.assignee_id, 0), COALESCE(NULLIF(u.name, ''), u.email, '')
		FROM conversations c LEFT JOIN users u ON u.id = c.assignee_id WHERE c.id = $1`, convID).Scan(&id, &name)
	return id, name, notFound(err)
}

// LastInboundWAMID is the wamid of the customer's latest message in a
// conversation ("" when none): what Meta's read receipt and typing
// indicator point at.
func (db *DB) LastInboundWAMID(ctx context.Context, convID int64) (string, error) {
	var wamid string
	err := db.R.QueryRowContext(ctx, `SELECT COALESCE(MAX(wamid), '') FROM messages WHERE id = (SELECT MAX(id) FROM messages WHERE conversation_id = $1 AND direction = 'inbound')`, convID).Scan(&wamid)
	return wamid, err
}

package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

// Accepted is Meta's answer to one staged broadcast message: its wamid,
// and whether the message is held for pacing.
type Accepted struct {
	MessageID int64
	WAMID     string
	Held      bool
}

// AcceptMessages records Meta's acceptance of a batch of messages in one
// statement, never moving a message backwards. It returns the ids it
// left alone because another transaction holds them: on PostgreSQL the
// webhook applier may be applying the very status webhook that answer
// raced, and waiting for it while holding the rest of the batch is how
// the two deadlock. The caller records those one by one after commit.
func (tx *Tx) AcceptMessages(ctx context.Context, acc []Accepted) (busy []int64, err error) {
	if len(acc) == 0 {
		return nil, nil
	}
	rows := make([][]any, len(acc))
	for i, a := range acc {
		st := domain.StatusSent
		if a.Held {
			st = domain.StatusHeld
		}
		rows[i] = []any{a.MessageID, nullable(clean(a.WAMID)), string(st), st.Rank()}
	}
	args := []any{tx.now}
	values := valuesList(rows, []string{"BIGINT", "TEXT", "TEXT", "INTEGER"}, &args)
	update := `UPDATE messages AS m SET wamid = COALESCE(m.wamid, v.column2),
		status = CASE WHEN m.status_rank < v.column4 THEN v.column3 ELSE m.status END,
		status_rank = CASE WHEN m.status_rank < v.column4 THEN v.column4 ELSE m.status_rank END,
		updated_at = $1
		FROM (VALUES ` + values + `) AS v
		WHERE m.id = v.column1 AND (m.status_rank < v.column4 OR (m.wamid IS NULL AND v.column2 IS NOT NULL))`
	if tx.db.Dialect != Postgres {
		_, err := tx.exec(ctx, update, args...)
		return nil, err // one writer: nothing else holds a row
	}
	ids := make([]int64, len(acc))
	for i, a := range acc {
		ids[i] = a.MessageID
	}
	q := `WITH free AS (SELECT id FROM messages WHERE id IN (` + inList(ids, &args) + `) ORDER BY id FOR UPDATE SKIP LOCKED),
		upd AS (` + update + ` AND m.id IN (SELECT id FROM free))
		SELECT id FROM free`
	locked, err := scanIDs(tx.query(ctx, q, args...))
	if err != nil {
		return nil, err
	}
	got := make(map[int64]bool, len(locked))
	for _, id := range locked {
		got[id] = true
	}
	for _, id := range ids {
		if !got[id] {
			busy = append(busy, id)
		}
	}
	return busy, nil
}

// FinishRecipients moves sending recipients to sent, in one statement.
func (tx *Tx) FinishRecipients(ctx context.Context, ids []int64) error {
	if len(ids) == 0 {
		return nil
	}
	args := []any{tx.now}
	_, err := tx.exec(ctx, `UPDATE broadcast_recipients SET state = 'sent', reason = '', detail = '', updated_at = $1
		WHERE state = 'sending' AND id IN (`+inList(ids, &args)+`)`, args...)
	return err
}

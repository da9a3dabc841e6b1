package store

import (
	"context"
	"database/sql"

	"github.com/gohavi/gohavi/internal/domain"
)

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

// UpsertReaction records r as its reactor's current reaction on
// r.MessageID. Reactions arrive out of order (webhooks are not ordered,
// and our own settle when Meta accepts them), so an older one than the
// stored never replaces it; at the same time the later applied wins.
// changed is false when r was older or already recorded.
func (tx *Tx) UpsertReaction(ctx context.Context, r domain.Reaction) (changed bool, err error) {
	res, err := tx.exec(ctx, qUpsertReaction, r.MessageID, r.Reactor, r.WorkspaceID, string(r.Direction), clean(r.Emoji), r.UserID, r.SourceID, domain.Millis(r.At))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

var qUpsertReaction = hot(`INSERT INTO reactions(message_id, reactor, workspace_id, direction, emoji, user_id, source_id, reacted_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
		ON CONFLICT (message_id, reactor) DO UPDATE SET direction = excluded.direction, emoji = excluded.emoji,
			user_id = excluded.user_id, source_id = excluded.source_id, reacted_at = excluded.reacted_at
		WHERE reactions.reacted_at <= excluded.reacted_at AND reactions.source_id <> excluded.source_id`)

// DropReactionFrom removes the reaction on messageID that sourceID
// carried, if it is still the current one: Meta refused it after all.
func (tx *Tx) DropReactionFrom(ctx context.Context, messageID, sourceID int64) (bool, error) {
	res, err := tx.tx.ExecContext(ctx, `DELETE FROM reactions WHERE message_id = $1 AND source_id = $2`, messageID, sourceID)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

const reactionCols = `r.message_id, r.workspace_id, r.reactor, r.direction, r.emoji, r.user_id, COALESCE(NULLIF(u.name, ''), u.email, ''), r.source_id, r.reacted_at`

// reactionsFrom is the shared read: current reactions (removals left
// out), oldest first, with the reacting agent's name.
const reactionsFrom = ` FROM reactions r LEFT JOIN users u ON u.id = r.user_id AND r.user_id <> 0 WHERE r.emoji <> ''`

func scanReactions(rows *sql.Rows, err error) ([]domain.Reaction, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Reaction
	for rows.Next() {
		var r domain.Reaction
		var dir string
		var at int64
		if err := rows.Scan(&r.MessageID, &r.WorkspaceID, &r.Reactor, &dir, &r.Emoji, &r.UserID, &r.UserName, &r.SourceID, &at); err != nil {
			return nil, err
		}
		r.Direction, r.At = domain.Direction(dir), domain.FromMillis(at)
		out = append(out, r)
	}
	return out, rows.Err()
}

// ReactionsOf reads one message's current reactions inside the
// transaction that changed them, for the event that reports it.
func (tx *Tx) ReactionsOf(ctx context.Context, messageID int64) ([]domain.Reaction, error) {
	return scanReactions(tx.tx.QueryContext(ctx, `SELECT `+reactionCols+reactionsFrom+` AND r.message_id = $1 ORDER BY r.reacted_at, r.reactor`, messageID))
}

// ReactionsOfMessages reads the current reactions of a page of messages
// in one query, by message id.
func (db *DB) ReactionsOfMessages(ctx context.Context, workspaceID int64, ids []int64) (map[int64][]domain.Reaction, error) {
	out := map[int64][]domain.Reaction{}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{workspaceID}
	q := `SELECT ` + reactionCols + reactionsFrom + ` AND r.workspace_id = $1 AND r.message_id IN (` + inList(ids, &args) + `) ORDER BY r.reacted_at, r.reactor`
	rs, err := scanReactions(db.R.QueryContext(ctx, q, args...))
	for _, r := range rs {
		out[r.MessageID] = append(out[r.MessageID], r)
	}
	return out, err
}

// Quoted is what a reply shows of the message it quotes.
type Quoted struct {
	ID       int64
	NumberID int64
	WAMID    string
	Type     string
	Text     string
}

// QuotedMessages finds the messages with the given wamids, per number
// (wamids are unique per number), in one query over the (number_id,
// wamid) index. The result is keyed by number id, then wamid.
func (db *DB) QuotedMessages(ctx context.Context, workspaceID int64, wamids map[int64][]string) (map[int64]map[string]Quoted, error) {
	out := map[int64]map[string]Quoted{}
	if len(wamids) == 0 {
		return out, nil
	}
	args := []any{workspaceID}
	q := `SELECT id, number_id, wamid, type, text FROM messages WHERE workspace_id = $1 AND (`
	first := true
	for num, ws := range wamids {
		if len(ws) == 0 {
			continue
		}
		if !first {
			q += ` OR `
		}
		first = false
		args = append(args, num)
		q += `(number_id = ` + placeholder(len(args)) + ` AND wamid IN (` + inList(ws, &args) + `))`
	}
	if first {
		return out, nil
	}
	rows, err := db.R.QueryContext(ctx, q+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var m Quoted
		if err := rows.Scan(&m.ID, &m.NumberID, &m.WAMID, &m.Type, &m.Text); err != nil {
			return nil, err
		}
		if out[m.NumberID] == nil {
			out[m.NumberID] = map[string]Quoted{}
		}
		out[m.NumberID][m.WAMID] = m
	}
	return out, rows.Err()
}

// NumberDigits is the business number's phone digits: how WhatsApp names
// the business as a reactor.
func (tx *Tx) NumberDigits(ctx context.Context, numberID int64) (string, error) {
	var phone string
	err := tx.tx.QueryRowContext(ctx, `SELECT display_phone_number FROM numbers WHERE id = $1`, numberID).Scan(&phone)
	return domain.Digits(phone), notFound(err)
}

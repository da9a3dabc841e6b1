package store

import (
	"context"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// NewSend is one broadcast recipient the rules let through, to be staged
// by StageSends.
type NewSend struct {
	RecipientID    int64
	MessageID      int64 // set: an earlier attempt's message, already moved back to sending
	ContactID      int64
	ConversationID int64 // 0: created
	WaID           string
	Text           string
	Payload        []byte
	Policy         []byte
	TakesTierSlot  bool
	PairTokens     float64
	PairAt         time.Time
}

// stageChunk bounds one multi-row statement: 21 parameters a message row
// stays far below both engines' parameter limits.
const stageChunk = 500

// StageSends stores a claim's messages as "sending" and everything that
// goes with them, a statement per kind of row rather than per recipient
// (on PostgreSQL each statement is a round trip): conversations created,
// messages inserted and noted on their conversations, messaging-limit
// slots taken, pair-rate buckets saved, and recipients moved to sending.
// It fills in each send's MessageID.
func (tx *Tx) StageSends(ctx context.Context, workspaceID, numberID int64, portfolio string, sends []NewSend) error {
	for lo := 0; lo < len(sends); lo += stageChunk {
		if err := tx.stageChunk(ctx, workspaceID, numberID, portfolio, sends[lo:min(len(sends), lo+stageChunk)]); err != nil {
			return err
		}
	}
	return nil
}

func (tx *Tx) stageChunk(ctx context.Context, workspaceID, numberID int64, portfolio string, sends []NewSend) error {
	var fresh []*NewSend
	for i := range sends {
		if sends[i].MessageID == 0 {
			fresh = append(fresh, &sends[i])
		}
	}
	if err := tx.ensureConversations(ctx, workspaceID, numberID, fresh); err != nil {
		return err
	}
	if err := tx.insertSends(ctx, workspaceID, numberID, fresh); err != nil {
		return err
	}
	if err := tx.noteSends(ctx, fresh); err != nil {
		return err
	}
	var reach, pair, mark [][]any
	for _, s := range sends {
		if s.TakesTierSlot {
			reach = append(reach, []any{portfolio, s.WaID, tx.now})
		}
		pair = append(pair, []any{numberID, s.ContactID, s.PairTokens, domain.Millis(s.PairAt)})
		mark = append(mark, []any{s.RecipientID, s.MessageID})
	}
	if len(reach) > 0 {
		var args []any
		if _, err := tx.exec(ctx, `INSERT INTO tier_slots(portfolio, wa_id, reached_at) VALUES `+valuesList(reach, nil, &args)+`
			ON CONFLICT (portfolio, wa_id) DO UPDATE SET
			  reached_at = CASE WHEN excluded.reached_at > tier_slots.reached_at THEN excluded.reached_at ELSE tier_slots.reached_at END`,
			args...); err != nil {
			return err
		}
	}
	var args []any
	if _, err := tx.exec(ctx, `INSERT INTO pair_buckets(number_id, contact_id, tokens, at) VALUES `+valuesList(pair, nil, &args)+`
		ON CONFLICT (number_id, contact_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`, args...); err != nil {
		return err
	}
	args = []any{tx.now}
	_, err := tx.exec(ctx, `UPDATE broadcast_recipients AS r SET state = 'sending', message_id = v.column2, claimed_at = $1, updated_at = $1
		FROM (VALUES `+valuesList(mark, []string{"BIGINT", "BIGINT"}, &args)+`) AS v
		WHERE r.id = v.column1 AND r.state = 'pending'`, args...)
	return err
}

// ensureConversations fills in the conversation of each send that has
// none, creating it.
func (tx *Tx) ensureConversations(ctx context.Context, workspaceID, numberID int64, sends []*NewSend) error {
	var rows [][]any
	for _, s := range sends {
		if s.ConversationID == 0 {
			rows = append(rows, []any{workspaceID, numberID, s.ContactID, tx.now, tx.now})
		}
	}
	if len(rows) == 0 {
		return nil
	}
	var args []any
	got, err := idPairs(tx.query(ctx, `INSERT INTO conversations(workspace_id, number_id, contact_id, created_at, updated_at) VALUES `+
		valuesList(rows, nil, &args)+` ON CONFLICT (number_id, contact_id) DO UPDATE SET number_id = excluded.number_id RETURNING contact_id, id`, args...))
	if err != nil {
		return err
	}
	for _, s := range sends {
		if s.ConversationID == 0 {
			s.ConversationID = got[s.ContactID]
		}
	}
	return nil
}

// insertSends inserts the messages of sends as "sending".
func (tx *Tx) insertSends(ctx context.Context, workspaceID, numberID int64, sends []*NewSend) error {
	if len(sends) == 0 {
		return nil
	}
	rows := make([][]any, len(sends))
	st := domain.StatusSending
	for i, s := range sends {
		rows[i] = []any{workspaceID, s.ConversationID, numberID, s.ContactID, string(domain.Outbound), "template", clean(s.Text), s.Payload,
			string(st), st.Rank(), tx.now, tx.now, tx.now, string(s.Policy)}
	}
	var args []any
	got, err := idPairs(tx.query(ctx, `INSERT INTO messages(workspace_id, conversation_id, number_id, contact_id, direction, type, text, payload,
		status, status_rank, ts, created_at, updated_at, policy) VALUES `+valuesList(rows, nil, &args)+` RETURNING contact_id, id`, args...))
	if err != nil {
		return err
	}
	for _, s := range sends {
		s.MessageID = got[s.ContactID]
	}
	return nil
}

// noteSends updates each conversation's last message (the free-entry-
// point window starts as for any send).
func (tx *Tx) noteSends(ctx context.Context, sends []*NewSend) error {
	if len(sends) == 0 {
		return nil
	}
	rows := make([][]any, len(sends))
	for i, s := range sends {
		rows[i] = []any{s.ConversationID, clean(s.Text)}
	}
	args := []any{tx.now, tx.now + domain.FEPWindow.Milliseconds()}
	_, err := tx.exec(ctx, `UPDATE conversations AS c SET
		last_message_text = CASE WHEN $1 >= c.last_message_at THEN v.column2 ELSE c.last_message_text END,
		last_message_at = CASE WHEN $1 > c.last_message_at THEN $1 ELSE c.last_message_at END,
		fep_expires_at = CASE WHEN c.fep_reply_by > $1 AND c.fep_expires_at <= $1 THEN $2 ELSE c.fep_expires_at END,
		updated_at = $1
		FROM (VALUES `+valuesList(rows, []string{"BIGINT", "TEXT"}, &args)+`) AS v WHERE c.id = v.column1`, args...)
	return err
}

// valuesList appends rows' values to args and renders them as
// "($3, $4), ($5, $6)". casts types each column where PostgreSQL cannot
// infer it, as in the VALUES of an UPDATE … FROM.
func valuesList(rows [][]any, casts []string, args *[]any) string {
	var b strings.Builder
	for i, row := range rows {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('(')
		for j, v := range row {
			if j > 0 {
				b.WriteString(", ")
			}
			*args = append(*args, v)
			ph := placeholder(len(*args))
			if j < len(casts) && casts[j] != "" {
				ph = "CAST(" + ph + " AS " + casts[j] + ")"
			}
			b.WriteString(ph)
		}
		b.WriteByte(')')
	}
	return b.String()
}

// idPairs collects a query of (key, id) rows into a map.
func idPairs(rows interface {
	Next() bool
	Scan(...any) error
	Close() error
	Err() error
}, err error) (map[int64]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]int64{}
	for rows.Next() {
		var k, v int64
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

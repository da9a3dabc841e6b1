package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// SendFacts are what the rules judge one broadcast recipient by at the
// moment of sending, loaded for a whole batch in a handful of queries.
type SendFacts struct {
	AudienceContact
	TierCounted bool      // reached by a business-initiated message in the last 24 h
	PairTokens  float64   // the (number, customer) pair-rate bucket …
	PairAt      time.Time // … as of PairAt (zero: never used, full)
}

// inList appends vals to args and returns their placeholders for an
// IN (…) list: "$3, $4, $5".
func inList[T any](vals []T, args *[]any) string {
	var b strings.Builder
	for i, v := range vals {
		if i > 0 {
			b.WriteString(", ")
		}
		*args = append(*args, v)
		b.WriteString(placeholder(len(*args)))
	}
	return b.String()
}

// scanIDs collects a query of one int64 column.
func scanIDs(rows *sql.Rows, err error) ([]int64, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	return ids, rows.Err()
}

// BatchFacts loads the send-time facts of contactIDs for a send from
// numberID, whose messaging limit is portfolio's, at now.
func (tx *Tx) BatchFacts(ctx context.Context, workspaceID, numberID int64, portfolio string, contactIDs []int64, now time.Time) (map[int64]*SendFacts, error) {
	out := make(map[int64]*SendFacts, len(contactIDs))
	if len(contactIDs) == 0 {
		return out, nil
	}
	args := []any{workspaceID, numberID}
	rows, err := tx.query(ctx, `SELECT c.id, c.workspace_id, c.wa_id, c.phone, c.name, c.attributes,
		COALESCE(w.last_inbound_at, 0), COALESCE(w.window_expires_at, 0), COALESCE(w.id, 0), COALESCE(p.tokens, -1), COALESCE(p.at, 0)
		FROM contacts c LEFT JOIN conversations w ON w.contact_id = c.id AND w.number_id = $2
		LEFT JOIN pair_buckets p ON p.number_id = $2 AND p.contact_id = c.id
		WHERE c.workspace_id = $1 AND c.id IN (`+inList(contactIDs, &args)+`)`, args...)
	if err != nil {
		return nil, err
	}
	var waIDs []string
	for rows.Next() {
		f := &SendFacts{}
		var attrs string
		var numIn, window, pairAt int64
		if err := rows.Scan(&f.ID, &f.WorkspaceID, &f.WaID, &f.Phone, &f.Name, &attrs, &numIn, &window, &f.ConversationID, &f.PairTokens, &pairAt); err != nil {
			rows.Close()
			return nil, err
		}
		_ = json.Unmarshal([]byte(attrs), &f.Attributes)
		f.NumberInboundAt, f.WindowExpiresAt, f.LastInboundAt = domain.FromMillis(numIn), domain.FromMillis(window), domain.FromMillis(numIn)
		if f.PairTokens >= 0 {
			f.PairAt = domain.FromMillis(pairAt)
		}
		out[f.ID] = f
		waIDs = append(waIDs, f.WaID)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	args = args[:0]
	events, err := collectConsent(tx.query(ctx, `SELECT contact_id, action, created_at FROM consent_events WHERE contact_id IN (`+
		inList(contactIDs, &args)+`) ORDER BY contact_id, id`, args...))
	if err != nil {
		return nil, err
	}
	for id, f := range out {
		f.Consent = domain.Consent(events[id])
	}
	if portfolio == "" || len(waIDs) == 0 {
		return out, nil
	}
	args = []any{portfolio, domain.Millis(now.Add(-TierWindow))}
	trows, err := tx.query(ctx, `SELECT wa_id FROM tier_slots WHERE portfolio = $1 AND reached_at > $2 AND wa_id IN (`+inList(waIDs, &args)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer trows.Close()
	counted := map[string]bool{}
	for trows.Next() {
		var w string
		if err := trows.Scan(&w); err != nil {
			return nil, err
		}
		counted[w] = true
	}
	for _, f := range out {
		f.TierCounted = counted[f.WaID]
	}
	return out, trows.Err()
}

// LockTier holds the portfolio's messaging-limit lock until commit (on
// SQLite the single writer already serialises), so counting and taking
// slots for a batch cannot race other sends.
func (tx *Tx) LockTier(ctx context.Context, portfolio string) error {
	if tx.db.Dialect != Postgres {
		return nil
	}
	_, err := tx.exec(ctx, qTierLock, portfolio)
	return err
}

// NumberBucket reads (creating it full) the number's throughput bucket,
// locked until commit on PostgreSQL.
func (tx *Tx) NumberBucket(ctx context.Context, numberID int64, full float64) (tokens float64, at time.Time, err error) {
	if _, err = tx.exec(ctx, qNumberBucketInit, numberID, full, tx.now); err != nil {
		return 0, time.Time{}, err
	}
	q := qNumberBucket
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var ms int64
	err = tx.queryRow(ctx, q, numberID).Scan(&tokens, &ms)
	return tokens, domain.FromMillis(ms), err
}

var (
	qNumberBucketInit = hot(`INSERT INTO number_rate(number_id, tokens, at) VALUES ($1, $2, $3) ON CONFLICT (number_id) DO NOTHING`)
	qNumberBucket     = `SELECT tokens, at FROM number_rate WHERE number_id = $1`
	_                 = hot(qNumberBucket)
	qSaveNumberBucket = hot(`UPDATE number_rate SET tokens = $1, at = $2 WHERE number_id = $3`)
)

// SaveNumberBucket stores the bucket after spending.
func (tx *Tx) SaveNumberBucket(ctx context.Context, numberID int64, tokens float64, at time.Time) error {
	_, err := tx.exec(ctx, qSaveNumberBucket, tokens, domain.Millis(at), numberID)
	return err
}

// DebitNumberBucket spends one token of the number's throughput without
// waiting (a reply or a reminder): broadcasts then wait a little longer.
func (tx *Tx) DebitNumberBucket(ctx context.Context, numberID int64) error {
	_, err := tx.exec(ctx, qDebitNumberBucket, numberID)
	return err
}

var qDebitNumberBucket = hot(`UPDATE number_rate SET tokens = tokens - 1 WHERE number_id = $1`)

// RequeueMessage moves a message from sending back to queued, and reports
// whether it did: a status webhook that moved it on meanwhile wins.
func (tx *Tx) RequeueMessage(ctx context.Context, id int64) (bool, error) {
	return tx.moveMessage(ctx, id, domain.StatusSending, domain.StatusQueued)
}

// ResendMessage moves a queued message to sending for another attempt,
// and reports whether it did.
func (tx *Tx) ResendMessage(ctx context.Context, id int64) (bool, error) {
	return tx.moveMessage(ctx, id, domain.StatusQueued, domain.StatusSending)
}

func (tx *Tx) moveMessage(ctx context.Context, id int64, from, to domain.Status) (bool, error) {
	res, err := tx.exec(ctx, qMoveMessage, string(to), to.Rank(), tx.now, id, string(from))
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

var qMoveMessage = hot(`UPDATE messages SET status = $1, status_rank = $2, updated_at = $3 WHERE id = $4 AND status = $5`)

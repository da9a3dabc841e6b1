package store

import (
	"context"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// NewRecipient is one row of a launch's snapshot.
type NewRecipient struct {
	ContactID int64
	WaID      string
	Name      string
	State     domain.RecipientState // pending or skipped
	Reason    string
	Detail    string
}

// AddRecipients writes a launch's snapshot, many rows per statement. A
// wa_id the broadcast already has is left as it is, so a launch that is
// repeated after a crash adds nothing twice.
func (tx *Tx) AddRecipients(ctx context.Context, broadcastID int64, rows []NewRecipient) error {
	const per = 400 // 8 values each: well under both engines' parameter limits
	for len(rows) > 0 {
		n := min(per, len(rows))
		var b strings.Builder
		b.WriteString(`INSERT INTO broadcast_recipients(broadcast_id, contact_id, wa_id, name, state, reason, detail, updated_at) VALUES `)
		args := make([]any, 0, n*8)
		for i, r := range rows[:n] {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(")
			for j, v := range []any{broadcastID, r.ContactID, clean(r.WaID), clean(r.Name), string(r.State), clean(r.Reason), clean(r.Detail), tx.now} {
				if j > 0 {
					b.WriteString(", ")
				}
				args = append(args, v)
				b.WriteString(placeholder(len(args)))
			}
			b.WriteString(")")
		}
		b.WriteString(` ON CONFLICT (broadcast_id, wa_id) DO NOTHING`)
		if _, err := tx.exec(ctx, b.String(), args...); err != nil {
			return err
		}
		rows = rows[n:]
	}
	return nil
}

const recipientCols = `r.id, r.broadcast_id, r.contact_id, r.wa_id, r.name, r.state, r.reason, r.detail, r.message_id, r.attempts, r.not_before, r.claimed_at, r.updated_at`

func scanRecipient(row interface{ Scan(...any) error }, extra ...any) (domain.Recipient, error) {
	var r domain.Recipient
	var state string
	var nb, claimed, updated int64
	dest := append([]any{&r.ID, &r.BroadcastID, &r.ContactID, &r.WaID, &r.Name, &state, &r.Reason, &r.Detail, &r.MessageID, &r.Attempts, &nb, &claimed, &updated}, extra...)
	if err := row.Scan(dest...); err != nil {
		return r, notFound(err)
	}
	r.State = domain.RecipientState(state)
	r.NotBefore, r.ClaimedAt, r.UpdatedAt = domain.FromMillis(nb), domain.FromMillis(claimed), domain.FromMillis(updated)
	return r, nil
}

// ClaimableRecipients returns up to limit pending recipients whose time
// has come, in id order. On PostgreSQL the rows stay locked until commit
// and rows another node holds are skipped, so two nodes sharing a
// broadcast never take the same recipient.
func (tx *Tx) ClaimableRecipients(ctx context.Context, broadcastID int64, now time.Time, limit int) ([]domain.Recipient, error) {
	q := `SELECT ` + recipientCols + ` FROM broadcast_recipients r WHERE r.broadcast_id = $1 AND r.state = 'pending' AND r.not_before <= $2 ORDER BY r.id LIMIT $3`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	rows, err := tx.query(ctx, q, broadcastID, domain.Millis(now), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Recipient
	for rows.Next() {
		r, err := scanRecipient(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// SkipRecipient settles a recipient the rules refuse at send time.
func (tx *Tx) SkipRecipient(ctx context.Context, id int64, reason, detail string) error {
	_, err := tx.exec(ctx, qSkipRecipient, clean(reason), clean(detail), tx.now, id)
	return err
}

var qSkipRecipient = hot(`UPDATE broadcast_recipients SET state = 'skipped', reason = $1, detail = $2, updated_at = $3 WHERE id = $4 AND state IN ('pending', 'sending')`)

// DeferRecipient puts a recipient back to wait until at (a retry after a
// transient error, or the customer's pair rate), counting the attempt
// when attempt is true.
func (tx *Tx) DeferRecipient(ctx context.Context, id int64, at time.Time, reason string, attempt bool) error {
	inc := 0
	if attempt {
		inc = 1
	}
	_, err := tx.exec(ctx, qDeferRecipient, domain.Millis(at), clean(reason), inc, tx.now, id)
	return err
}

var qDeferRecipient = hot(`UPDATE broadcast_recipients SET state = 'pending', not_before = $1, detail = $2, attempts = attempts + $3, updated_at = $4
		WHERE id = $5 AND state IN ('pending', 'sending')`)

// MarkRecipientSending records that the recipient's message is stored and
// about to be handed to Meta: from here on only a status webhook or the
// reconciler decides what happened.
func (tx *Tx) MarkRecipientSending(ctx context.Context, id, messageID int64) error {
	_, err := tx.exec(ctx, qMarkSending, messageID, tx.now, id)
	return err
}

var qMarkSending = hot(`UPDATE broadcast_recipients SET state = 'sending', message_id = $1, claimed_at = $2, updated_at = $2 WHERE id = $3 AND state = 'pending'`)

// FinishRecipient moves a sending recipient to sent or failed.
func (tx *Tx) FinishRecipient(ctx context.Context, id int64, state domain.RecipientState, reason, detail string) error {
	_, err := tx.exec(ctx, qFinishRecipient, string(state), clean(reason), clean(detail), tx.now, id)
	return err
}

var qFinishRecipient = hot(`UPDATE broadcast_recipients SET state = $1, reason = $2, detail = $3, updated_at = $4 WHERE id = $5 AND state = 'sending'`)

// InFlight is a recipient in "sending" with its message's status.
type InFlight struct {
	Recipient domain.Recipient
	Message   domain.Status
	ErrorCode int
	ErrorText string
}

// SendingRecipients lists recipients of a broadcast in "sending" that were
// claimed before the given time, with where their message stands.
func (db *DB) SendingRecipients(ctx context.Context, broadcastID int64, claimedBefore time.Time, limit int) ([]InFlight, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+recipientCols+`, COALESCE(m.status, ''), COALESCE(m.error_code, 0), COALESCE(m.error_title, '')
		FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id
		WHERE r.broadcast_id = $1 AND r.state = 'sending' AND r.claimed_at < $2 ORDER BY r.id LIMIT $3`, broadcastID, domain.Millis(claimedBefore), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []InFlight
	for rows.Next() {
		var f InFlight
		var st string
		if f.Recipient, err = scanRecipient(rows, &st, &f.ErrorCode, &f.ErrorText); err != nil {
			return nil, err
		}
		f.Message = domain.Status(st)
		out = append(out, f)
	}
	return out, rows.Err()
}

// RecipientsLeft counts a broadcast's recipients not yet settled: pending
// (ready or waiting) and sending.
func (tx *Tx) RecipientsLeft(ctx context.Context, broadcastID int64) (pending, sending int, err error) {
	err = tx.queryRow(ctx, qRecipientsLeft, broadcastID).Scan(&pending, &sending)
	return pending, sending, err
}

var qRecipientsLeft = hot(`SELECT COALESCE(SUM(CASE WHEN state = 'pending' THEN 1 ELSE 0 END), 0), COALESCE(SUM(CASE WHEN state = 'sending' THEN 1 ELSE 0 END), 0)
		FROM broadcast_recipients WHERE broadcast_id = $1 AND state IN ('pending', 'sending')`)

// NextRecipientAt is the earliest not_before among a broadcast's pending
// recipients (zero when none waits).
func (tx *Tx) NextRecipientAt(ctx context.Context, broadcastID int64) (time.Time, error) {
	var at int64
	err := tx.queryRow(ctx, `SELECT COALESCE(MIN(not_before), 0) FROM broadcast_recipients WHERE broadcast_id = $1 AND state = 'pending'`, broadcastID).Scan(&at)
	return domain.FromMillis(at), err
}

// InFlightBroadcasts lists broadcasts with recipients in "sending" since
// before the given time: sends whose outcome is still unknown.
func (db *DB) InFlightBroadcasts(ctx context.Context, claimedBefore time.Time) ([]int64, error) {
	return scanIDs(db.R.QueryContext(ctx, `SELECT DISTINCT broadcast_id FROM broadcast_recipients WHERE state = 'sending' AND claimed_at < $1`, domain.Millis(claimedBefore)))
}

// CancelPending settles a canceled broadcast's waiting recipients as
// skipped; sends already with Meta keep their outcome.
func (tx *Tx) CancelPending(ctx context.Context, broadcastID int64, detail string) error {
	_, err := tx.exec(ctx, `UPDATE broadcast_recipients SET state = 'skipped', reason = 'canceled', detail = $1, updated_at = $2
		WHERE broadcast_id = $3 AND state = 'pending'`, clean(detail), tx.now, broadcastID)
	return err
}

// RecipientCount is how many recipients a broadcast has (0 before launch).
func (db *DB) RecipientCount(ctx context.Context, broadcastID int64) (int, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM broadcast_recipients WHERE broadcast_id = $1`, broadcastID).Scan(&n)
	return n, err
}

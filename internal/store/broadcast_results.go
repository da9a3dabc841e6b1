package store

import (
	"context"
	"fmt"

	"github.com/gohavi/gohavi/internal/domain"
)

// BroadcastCounts is a broadcast's funnel. Sent counts every message Meta
// accepted, so it includes the delivered, read and replied ones; delivered
// includes read. Failed includes failures Meta reported after accepting.
type BroadcastCounts struct {
	Total     int `json:"total"`
	Pending   int `json:"pending"`
	Sent      int `json:"sent"`
	Delivered int `json:"delivered"`
	Read      int `json:"read"`
	Replied   int `json:"replied"`
	Failed    int `json:"failed"`
	Skipped   int `json:"skipped"`
}

// The outcome of a recipient, derived from its row and its message: the
// message moves on with status webhooks long after the row settled.
const (
	resultFrom = ` FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id LEFT JOIN conversations v ON v.id = m.conversation_id `
	// mStatus is never NULL, so every condition below is true or false
	// (NOT of a NULL would hide recipients without a message yet).
	mStatus   = `COALESCE(m.status, '')`
	isFailed  = `(r.state = 'failed' OR ` + mStatus + ` = 'failed')`
	isSkipped = `r.state = 'skipped'`
	isSent    = `(NOT ` + isFailed + ` AND r.state <> 'skipped' AND ` + mStatus + ` IN ('held', 'sent', 'delivered', 'read'))`
	isDeliv   = `(NOT ` + isFailed + ` AND r.state <> 'skipped' AND ` + mStatus + ` IN ('delivered', 'read'))`
	isRead    = `(NOT ` + isFailed + ` AND r.state <> 'skipped' AND ` + mStatus + ` = 'read')`
	isReplied = `(r.state <> 'skipped' AND m.id IS NOT NULL AND COALESCE(v.last_inbound_at, 0) > m.created_at)`
)

func sumIf(cond string) string { return `COALESCE(SUM(CASE WHEN ` + cond + ` THEN 1 ELSE 0 END), 0)` }

// BroadcastCounts computes the funnel of one broadcast.
func (db *DB) BroadcastCounts(ctx context.Context, broadcastID int64) (BroadcastCounts, error) {
	var c BroadcastCounts
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*), `+sumIf(isSent)+`, `+sumIf(isDeliv)+`, `+sumIf(isRead)+`, `+sumIf(isReplied)+`, `+
		sumIf(isFailed)+`, `+sumIf(isSkipped)+resultFrom+`WHERE r.broadcast_id = $1`, broadcastID).
		Scan(&c.Total, &c.Sent, &c.Delivered, &c.Read, &c.Replied, &c.Failed, &c.Skipped)
	c.Pending = c.Total - c.Sent - c.Failed - c.Skipped
	return c, err
}

// BroadcastFailures counts a broadcast's outcomes (sent or failed) and its
// failures for the failure-rate rule: the funnel without the replies join,
// because the sender asks while it sends.
func (db *DB) BroadcastFailures(ctx context.Context, broadcastID int64) (settled, failed int, err error) {
	err = db.R.QueryRowContext(ctx, `SELECT `+sumIf(isSent+` OR `+isFailed)+`, `+sumIf(isFailed)+`
		FROM broadcast_recipients r LEFT JOIN messages m ON m.id = r.message_id WHERE r.broadcast_id = $1 AND r.state <> 'pending'`, broadcastID).Scan(&settled, &failed)
	return settled, failed, err
}

// ResultGroups name sets of recipients for the results list and for
// follow-up broadcasts; each is a condition over a recipient's outcome.
var resultGroups = map[string]string{
	"all":                "1 = 1",
	"pending":            `(NOT ` + isFailed + ` AND NOT ` + isSkipped + ` AND NOT ` + isSent + `)`,
	"sent":               isSent,
	"delivered":          isDeliv,
	"read":               isRead,
	"replied":            isReplied,
	"failed":             isFailed,
	"skipped":            isSkipped,
	"not_delivered":      `(` + isSent + ` AND ` + mStatus + ` IN ('held', 'sent'))`,
	"delivered_not_read": `(` + isDeliv + ` AND ` + mStatus + ` = 'delivered' AND NOT ` + isReplied + `)`,
	"read_not_replied":   `(` + isRead + ` AND NOT ` + isReplied + `)`,
	"not_replied":        `(` + isSent + ` AND NOT ` + isReplied + `)`,
}

// ResultGroupValid reports whether name is a known group ("failed_retryable"
// is one too: failed with one of the codes the caller passes).
func ResultGroupValid(name string) bool {
	_, ok := resultGroups[name]
	return ok || name == "failed_retryable"
}

func groupCond(group string, retryable []int, args *[]any) (string, error) {
	if group == "failed_retryable" {
		if len(retryable) == 0 {
			return "1 = 0", nil
		}
		in := inList(retryable, args)
		return `(` + isFailed + ` AND (COALESCE(m.error_code, 0) IN (` + in + `) OR (m.id IS NULL AND r.state = 'failed')))`, nil
	}
	cond, ok := resultGroups[group]
	if !ok {
		return "", fmt.Errorf("unknown result group %q", group)
	}
	return cond, nil
}

// RecipientResult is a recipient with its outcome.
type RecipientResult struct {
	domain.Recipient
	Phone       string
	ErrorDetail string
}

// ListRecipients pages through a broadcast's recipients in a group, in id
// order after afterID.
func (db *DB) ListRecipients(ctx context.Context, broadcastID int64, group string, retryable []int, afterID int64, limit int) ([]RecipientResult, error) {
	args := []any{broadcastID, afterID, limit}
	cond, err := groupCond(group, retryable, &args)
	if err != nil {
		return nil, err
	}
	rows, err := db.R.QueryContext(ctx, `SELECT `+recipientCols+`, COALESCE(m.status, ''), COALESCE(m.error_code, 0), COALESCE(m.error_title, ''), COALESCE(m.error_detail, ''),
		CASE WHEN `+isReplied+` THEN 1 ELSE 0 END`+resultFrom+`WHERE r.broadcast_id = $1 AND r.id > $2 AND `+cond+` ORDER BY r.id LIMIT $3`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []RecipientResult
	for rows.Next() {
		var res RecipientResult
		var st, title string
		var code, replied int
		if res.Recipient, err = scanRecipient(rows, &st, &code, &title, &res.ErrorDetail, &replied); err != nil {
			return nil, err
		}
		res.MessageStatus, res.ErrorCode, res.ErrorTitle = domain.Status(st), code, title
		res.Replied, res.Phone = replied == 1, "+"+res.WaID
		out = append(out, res)
	}
	return out, rows.Err()
}

// GroupContactIDs lists the contacts of a broadcast's result group, for a
// follow-up.
func (db *DB) GroupContactIDs(ctx context.Context, broadcastID int64, group string, retryable []int) ([]int64, error) {
	args := []any{broadcastID}
	cond, err := groupCond(group, retryable, &args)
	if err != nil {
		return nil, err
	}
	return scanIDs(db.R.QueryContext(ctx, `SELECT r.contact_id`+resultFrom+`WHERE r.broadcast_id = $1 AND `+cond+` ORDER BY r.id`, args...))
}

package store

import (
	"context"
	"encoding/json"
	"strconv"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

const broadcastCols = `id, workspace_id, name, number_id, template_name, template_language, parameters, audience, schedule_at, timezone,
	status, status_reason, failure_threshold, parent_id, follow_up, created_by, next_at, wait_reason, created_at, updated_at, launched_at, finished_at, template_args`

func scanBroadcast(row interface{ Scan(...any) error }) (domain.Broadcast, error) {
	var b domain.Broadcast
	var params, aud, status, targs string
	var sched, next, created, updated, launched, finished int64
	err := row.Scan(&b.ID, &b.WorkspaceID, &b.Name, &b.NumberID, &b.TemplateName, &b.TemplateLanguage, &params, &aud, &sched, &b.TimeZone,
		&status, &b.StatusReason, &b.FailureThreshold, &b.ParentID, &b.FollowUp, &b.CreatedBy, &next, &b.WaitReason, &created, &updated, &launched, &finished, &targs)
	if err != nil {
		return b, notFound(err)
	}
	_ = json.Unmarshal([]byte(params), &b.Parameters)
	_ = json.Unmarshal([]byte(aud), &b.Audience)
	_ = json.Unmarshal([]byte(targs), &b.Args)
	b.Status = domain.BroadcastStatus(status)
	b.ScheduleAt, b.NextAt = domain.FromMillis(sched), domain.FromMillis(next)
	b.CreatedAt, b.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	b.LaunchedAt, b.FinishedAt = domain.FromMillis(launched), domain.FromMillis(finished)
	return b, nil
}

// CreateBroadcast stores a draft.
func (db *DB) CreateBroadcast(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	params, _ := json.Marshal(nonNilStrings(b.Parameters))
	aud, _ := json.Marshal(b.Audience)
	targs, _ := json.Marshal(b.Args)
	now := db.now()
	return scanBroadcast(db.W.QueryRowContext(ctx, `INSERT INTO broadcasts(workspace_id, name, number_id, template_name, template_language, parameters, audience,
		schedule_at, timezone, status, failure_threshold, parent_id, follow_up, created_by, created_at, updated_at, template_args)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $15, $16) RETURNING `+broadcastCols,
		b.WorkspaceID, clean(b.Name), b.NumberID, clean(b.TemplateName), clean(b.TemplateLanguage), string(params), string(aud),
		domain.Millis(b.ScheduleAt), clean(b.TimeZone), string(domain.BroadcastDraft), b.FailureThreshold, b.ParentID, clean(b.FollowUp), b.CreatedBy, now,
		clean(string(targs))))
}

func nonNilStrings(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// BroadcastByID reads a broadcast of one workspace.
func (db *DB) BroadcastByID(ctx context.Context, workspaceID, id int64) (domain.Broadcast, error) {
	return scanBroadcast(db.R.QueryRowContext(ctx, `SELECT `+broadcastCols+` FROM broadcasts WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// BroadcastByIDAny reads a broadcast unscoped (the sender's own ids).
func (db *DB) BroadcastByIDAny(ctx context.Context, id int64) (domain.Broadcast, error) {
	return scanBroadcast(db.R.QueryRowContext(ctx, qBroadcast, id))
}

// Broadcast reads a broadcast inside a transaction, unscoped (the sender
// was handed the id by our own code).
func (tx *Tx) Broadcast(ctx context.Context, id int64) (domain.Broadcast, error) {
	return scanBroadcast(tx.queryRow(ctx, qBroadcast, id))
}

var qBroadcast = hot(`SELECT ` + broadcastCols + ` FROM broadcasts WHERE id = $1`)

// ListBroadcasts lists a workspace's broadcasts, newest first.
func (db *DB) ListBroadcasts(ctx context.Context, workspaceID int64, limit int) ([]domain.Broadcast, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+broadcastCols+` FROM broadcasts WHERE workspace_id = $1 ORDER BY id DESC LIMIT $2`, workspaceID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Broadcast{}
	for rows.Next() {
		b, err := scanBroadcast(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// UpdateBroadcastDraft replaces a draft's content; a launched broadcast
// is domain.ErrNotFound (nothing matched).
func (db *DB) UpdateBroadcastDraft(ctx context.Context, b domain.Broadcast) (domain.Broadcast, error) {
	params, _ := json.Marshal(nonNilStrings(b.Parameters))
	aud, _ := json.Marshal(b.Audience)
	targs, _ := json.Marshal(b.Args)
	return scanBroadcast(db.W.QueryRowContext(ctx, `UPDATE broadcasts SET name = $1, number_id = $2, template_name = $3, template_language = $4,
		parameters = $5, audience = $6, schedule_at = $7, timezone = $8, failure_threshold = $9, updated_at = $10, template_args = $13
		WHERE workspace_id = $11 AND id = $12 AND status = 'draft' RETURNING `+broadcastCols,
		clean(b.Name), b.NumberID, clean(b.TemplateName), clean(b.TemplateLanguage), string(params), string(aud), domain.Millis(b.ScheduleAt),
		clean(b.TimeZone), b.FailureThreshold, db.now(), b.WorkspaceID, b.ID, clean(string(targs))))
}

// DeleteBroadcastDraft deletes a draft (a draft has no recipient rows
// yet) and reports whether there was one.
func (db *DB) DeleteBroadcastDraft(ctx context.Context, workspaceID, id int64) (bool, error) {
	return affected(db.W.ExecContext(ctx, `DELETE FROM broadcasts WHERE workspace_id = $1 AND id = $2 AND status = 'draft'`, workspaceID, id))
}

// MoveBroadcast changes a broadcast's status if it is in one of from, and
// reports whether it did. Launching stamps launched_at; reaching a final
// status stamps finished_at. A move clears any wait.
func (tx *Tx) MoveBroadcast(ctx context.Context, id int64, from []domain.BroadcastStatus, to domain.BroadcastStatus, reason string) (bool, error) {
	args := []any{string(to), clean(reason), tx.now, id}
	in := inList(from, &args)
	res, err := tx.exec(ctx, `UPDATE broadcasts SET status = $1, status_reason = $2, updated_at = $3, next_at = 0, wait_reason = '',
		launched_at = CASE WHEN launched_at = 0 AND $1 IN ('running', 'scheduled') THEN $3 ELSE launched_at END,
		finished_at = CASE WHEN $1 IN ('canceled', 'completed') THEN $3 ELSE finished_at END
		WHERE id = $4 AND status IN (`+in+`)`, args...)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n > 0, err
}

// SetBroadcastWait records that a running broadcast has nothing it may
// send before at, and why (zero at clears it).
func (tx *Tx) SetBroadcastWait(ctx context.Context, id int64, at time.Time, reason string) error {
	_, err := tx.exec(ctx, `UPDATE broadcasts SET next_at = $1, wait_reason = $2 WHERE id = $3`, domain.Millis(at), clean(reason), id)
	return err
}

// DueBroadcasts lists the ids of broadcasts with work at now: running ones
// not waiting, and scheduled ones whose time has come.
func (db *DB) DueBroadcasts(ctx context.Context, now time.Time) ([]int64, error) {
	return scanIDs(db.R.QueryContext(ctx, `SELECT id FROM broadcasts
		WHERE (status = 'running' AND next_at <= $1) OR (status = 'scheduled' AND schedule_at <= $1) ORDER BY id`, domain.Millis(now)))
}

// NextBroadcastWake is the earliest time a waiting or scheduled broadcast
// has work (zero when none waits).
func (db *DB) NextBroadcastWake(ctx context.Context) (time.Time, error) {
	var at int64
	err := db.R.QueryRowContext(ctx, `SELECT COALESCE(MIN(CASE WHEN status = 'scheduled' THEN schedule_at ELSE next_at END), 0) FROM broadcasts
		WHERE status = 'scheduled' OR (status = 'running' AND next_at > 0)`).Scan(&at)
	return domain.FromMillis(at), err
}

func placeholder(n int) string {
	return "$" + strconv.Itoa(n)
}

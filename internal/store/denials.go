package store

import (
	"context"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Denial is a send that policy refused; no message exists for it, so the
// refusal itself is what a person can look up later.
type Denial struct {
	ID          int64
	WorkspaceID int64
	NumberID    int64
	WaID        string
	Type        string
	Template    string
	Code        domain.Code
	Message     string
	Source      string // agent, api, broadcast, …
	CreatedAt   time.Time
}

// RecordDenial keeps a refusal.
func (db *DB) RecordDenial(ctx context.Context, d Denial) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO policy_denials(workspace_id, number_id, wa_id, type, template, code, message, source, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`, d.WorkspaceID, d.NumberID, clean(d.WaID), clean(d.Type), clean(d.Template), string(d.Code), clean(d.Message), clean(d.Source), db.now())
	return err
}

// RecentDenials lists a workspace's refusals since a time, newest first.
func (db *DB) RecentDenials(ctx context.Context, workspaceID int64, since time.Time, limit int) ([]Denial, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, workspace_id, number_id, wa_id, type, template, code, message, source, created_at FROM policy_denials
		WHERE workspace_id = $1 AND created_at >= $2 ORDER BY id DESC LIMIT $3`, workspaceID, domain.Millis(since), limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Denial{}
	for rows.Next() {
		var d Denial
		var code string
		var at int64
		if err := rows.Scan(&d.ID, &d.WorkspaceID, &d.NumberID, &d.WaID, &d.Type, &d.Template, &code, &d.Message, &d.Source, &at); err != nil {
			return nil, err
		}
		d.Code, d.CreatedAt = domain.Code(code), domain.FromMillis(at)
		out = append(out, d)
	}
	return out, rows.Err()
}

// DenialCounts counts a workspace's refusals by code since a time.
func (db *DB) DenialCounts(ctx context.Context, workspaceID int64, since time.Time) (map[domain.Code]int, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT code, COUNT(*) FROM policy_denials WHERE workspace_id = $1 AND created_at >= $2 GROUP BY code`, workspaceID, domain.Millis(since))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[domain.Code]int{}
	for rows.Next() {
		var code string
		var n int
		if err := rows.Scan(&code, &n); err != nil {
			return nil, err
		}
		out[domain.Code(code)] = n
	}
	return out, rows.Err()
}

package store

import (
	"context"
	"sort"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

const cannedCols = `id, workspace_id, shortcut, title, body, created_by, created_at, updated_at`

func scanCanned(row interface{ Scan(...any) error }) (domain.CannedResponse, error) {
	var c domain.CannedResponse
	var created, updated int64
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.Shortcut, &c.Title, &c.Body, &c.CreatedBy, &created, &updated)
	c.CreatedAt, c.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return c, notFound(err)
}

func shortcutTaken(shortcut string) error {
	return domain.Errorf(domain.CodeConflict, "Choose another shortcut, or edit the existing response.", "shortcut /%s is already used", shortcut)
}

// CannedResponses lists the workspace's canned responses by shortcut;
// prefix (as typed after "/") keeps only shortcuts starting with it. A
// prefix that no shortcut could start with matches nothing.
func (db *DB) CannedResponses(ctx context.Context, workspaceID int64, prefix string) ([]domain.CannedResponse, error) {
	prefix = strings.ToLower(strings.TrimPrefix(strings.TrimSpace(prefix), "/"))
	out := []domain.CannedResponse{}
	if !domain.ShortcutPrefix(prefix) {
		return out, nil
	}
	q := `SELECT ` + cannedCols + ` FROM canned_responses WHERE workspace_id = $1`
	args := []any{workspaceID}
	if prefix != "" {
		// "_" is a LIKE wildcard and may be in a shortcut: escape it.
		q += ` AND shortcut LIKE $2 ESCAPE '\'`
		args = append(args, strings.ReplaceAll(prefix, "_", `\_`)+"%")
	}
	rows, err := db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		c, err := scanCanned(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	// Sorted here, not by SQL: PostgreSQL's collation would put "-" and
	// "_" elsewhere than SQLite does.
	sort.Slice(out, func(i, j int) bool { return out[i].Shortcut < out[j].Shortcut })
	return out, rows.Err()
}

// CannedByID finds a canned response of one workspace.
func (db *DB) CannedByID(ctx context.Context, workspaceID, id int64) (domain.CannedResponse, error) {
	return scanCanned(db.R.QueryRowContext(ctx, `SELECT `+cannedCols+` FROM canned_responses WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// CannedByShortcut finds a canned response by its shortcut ("/" allowed).
func (db *DB) CannedByShortcut(ctx context.Context, workspaceID int64, shortcut string) (domain.CannedResponse, error) {
	shortcut, err := domain.NormalizeShortcut(shortcut)
	if err != nil {
		return domain.CannedResponse{}, err
	}
	c, err := scanCanned(db.R.QueryRowContext(ctx, `SELECT `+cannedCols+` FROM canned_responses WHERE workspace_id = $1 AND shortcut = $2`, workspaceID, shortcut))
	if domain.IsNotFound(err) {
		err = domain.Errorf(domain.CodeNotFound, "Pick one of GET /api/v1/canned.", "no canned response /%s", shortcut)
	}
	return c, err
}

// CreateCanned adds a canned response; a shortcut the workspace already
// uses is a conflict.
func (db *DB) CreateCanned(ctx context.Context, c domain.CannedResponse) (domain.CannedResponse, error) {
	c, err := domain.NormalizeCanned(c)
	if err != nil {
		return c, err
	}
	var out domain.CannedResponse
	err = db.WithTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM canned_responses WHERE workspace_id = $1`, c.WorkspaceID).Scan(&n); err != nil {
			return err
		}
		if n >= domain.MaxCannedResponses {
			return domain.Errorf(domain.CodeInvalidArgument, "Delete responses nobody uses before adding more.", "the workspace has %d canned responses, the most it can have", n)
		}
		out, err = scanCanned(tx.tx.QueryRowContext(ctx, `INSERT INTO canned_responses(workspace_id, shortcut, title, body, created_by, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING `+cannedCols, c.WorkspaceID, c.Shortcut, c.Title, c.Body, c.CreatedBy, tx.now))
		if isUniqueViolation(err) {
			return shortcutTaken(c.Shortcut)
		}
		return err
	})
	return out, err
}

// UpdateCanned replaces a canned response's shortcut, title and body.
func (db *DB) UpdateCanned(ctx context.Context, c domain.CannedResponse) (domain.CannedResponse, error) {
	c, err := domain.NormalizeCanned(c)
	if err != nil {
		return c, err
	}
	out, err := scanCanned(db.W.QueryRowContext(ctx, `UPDATE canned_responses SET shortcut = $1, title = $2, body = $3, updated_at = $4
		WHERE workspace_id = $5 AND id = $6 RETURNING `+cannedCols, c.Shortcut, c.Title, c.Body, db.now(), c.WorkspaceID, c.ID))
	if isUniqueViolation(err) {
		return out, shortcutTaken(c.Shortcut)
	}
	return out, err
}

// DeleteCanned removes a canned response.
func (db *DB) DeleteCanned(ctx context.Context, workspaceID, id int64) error {
	res, err := db.W.ExecContext(ctx, `DELETE FROM canned_responses WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return firstNonNil(err, domain.ErrNotFound)
	}
	return nil
}

package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

// Settings are a workspace's choices about the rules.
type Settings struct {
	BlockMarketingOnRed bool // refuse MARKETING templates while a number's quality is RED
}

// WorkspaceSettings reads a workspace's settings.
func (db *DB) WorkspaceSettings(ctx context.Context, workspaceID int64) (Settings, error) {
	var s Settings
	err := db.R.QueryRowContext(ctx, `SELECT block_marketing_on_red FROM workspaces WHERE id = $1`, workspaceID).Scan(&s.BlockMarketingOnRed)
	return s, notFound(err)
}

// SaveWorkspaceSettings stores a workspace's settings.
func (db *DB) SaveWorkspaceSettings(ctx context.Context, workspaceID int64, s Settings) error {
	res, err := db.W.ExecContext(ctx, `UPDATE workspaces SET block_marketing_on_red = $1 WHERE id = $2`, s.BlockMarketingOnRed, workspaceID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

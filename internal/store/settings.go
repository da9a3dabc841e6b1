package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

// Settings are a workspace's choices about the rules and the inbox.
type Settings struct {
	BlockMarketingOnRed bool              // refuse MARKETING templates while a number's quality is RED
	AutoAssign          domain.AutoAssign // how new conversations find an assignee
	AgentsSee           domain.AgentsSee  // which conversations agents see
	// NonAssigneeReply is whether agents may reply in a colleague's
	// conversation.
	NonAssigneeReply domain.NonAssigneeReply
}

// WorkspaceSettings reads a workspace's settings.
func (db *DB) WorkspaceSettings(ctx context.Context, workspaceID int64) (Settings, error) {
	var s Settings
	var auto, see, reply string
	err := db.R.QueryRowContext(ctx, `SELECT block_marketing_on_red, auto_assign, agents_see, non_assignee_reply FROM workspaces WHERE id = $1`, workspaceID).Scan(&s.BlockMarketingOnRed, &auto, &see, &reply)
	s.AutoAssign, s.AgentsSee, s.NonAssigneeReply = domain.AutoAssign(auto), domain.AgentsSee(see), domain.NonAssigneeReply(reply)
	return s, notFound(err)
}

// AgentsSee reads only the visibility setting, which every inbox request
// checks.
func (db *DB) AgentsSee(ctx context.Context, workspaceID int64) (domain.AgentsSee, error) {
	var see string
	err := db.R.QueryRowContext(ctx, `SELECT agents_see FROM workspaces WHERE id = $1`, workspaceID).Scan(&see)
	return domain.AgentsSee(see), notFound(err)
}

// SaveWorkspaceSettings stores a workspace's settings.
func (db *DB) SaveWorkspaceSettings(ctx context.Context, workspaceID int64, s Settings) error {
	if s.AutoAssign == "" {
		s.AutoAssign = domain.AutoAssignOff
	}
	if s.AgentsSee == "" {
		s.AgentsSee = domain.AgentsSeeAll
	}
	if s.NonAssigneeReply == "" {
		s.NonAssigneeReply = domain.NonAssigneeWarn
	}
	res, err := db.W.ExecContext(ctx, `UPDATE workspaces SET block_marketing_on_red = $1, auto_assign = $2, agents_see = $3, non_assignee_reply = $4 WHERE id = $5`,
		s.BlockMarketingOnRed, string(s.AutoAssign), string(s.AgentsSee), string(s.NonAssigneeReply), workspaceID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

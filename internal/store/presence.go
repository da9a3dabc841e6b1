package store

import (
	"context"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// TouchUser records that a member is around, at the database clock's now.
// Rows seen within domain.PresenceTouchEvery are left alone, so several
// tabs and nodes write about once per interval between them; touched says
// whether this call wrote.
func (db *DB) TouchUser(ctx context.Context, userID int64) (touched bool, err error) {
	now := db.now()
	res, err := db.W.ExecContext(ctx, `UPDATE users SET last_seen_at = $1 WHERE id = $2 AND last_seen_at <= $3`,
		now, userID, now-domain.PresenceTouchEvery.Milliseconds())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Member is a workspace member as the inbox shows them.
type Member struct {
	ID         int64
	Name       string
	Email      string
	Role       domain.Role
	LastSeenAt time.Time
}

// Online reports whether the member was seen recently enough at now to be
// given conversations.
func (m Member) Online(now time.Time) bool {
	return !m.LastSeenAt.IsZero() && now.Sub(m.LastSeenAt) <= domain.PresenceOnlineWithin
}

// Members lists a workspace's members by id, the round-robin's order.
func (db *DB) Members(ctx context.Context, workspaceID int64) ([]Member, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, name, email, role, last_seen_at FROM users WHERE workspace_id = $1 ORDER BY id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		var m Member
		var role string
		var seen int64
		if err := rows.Scan(&m.ID, &m.Name, &m.Email, &role, &seen); err != nil {
			return nil, err
		}
		m.Role, m.LastSeenAt = domain.Role(role), domain.FromMillis(seen)
		out = append(out, m)
	}
	return out, rows.Err()
}

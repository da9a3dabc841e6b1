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
	res, err := db.W.ExecContext(ctx, `UPDATE users SET last_seen_at = $1 WHERE id = $2 AND last_seen_at <= $3 AND deactivated_at = 0`,
		now, userID, now-domain.PresenceTouchEvery.Milliseconds())
	if err != nil {
		return false, err
	}
	n, _ := res.RowsAffected()
	return n > 0, nil
}

// Member is a workspace member as the inbox and the Team page show them.
type Member struct {
	ID            int64
	Name          string
	Email         string
	Role          domain.Role
	LastSeenAt    time.Time
	DeactivatedAt time.Time // zero: active
}

// Online reports whether the member was seen recently enough at now to be
// given conversations. A deactivated member never is.
func (m Member) Online(now time.Time) bool {
	return m.DeactivatedAt.IsZero() && !m.LastSeenAt.IsZero() && now.Sub(m.LastSeenAt) <= domain.PresenceOnlineWithin
}

package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

const memberCols = `id, name, email, role, last_seen_at, deactivated_at`

func scanMember(row interface{ Scan(...any) error }) (Member, error) {
	var m Member
	var role string
	var seen, deactivated int64
	err := row.Scan(&m.ID, &m.Name, &m.Email, &role, &seen, &deactivated)
	m.Role, m.LastSeenAt, m.DeactivatedAt = domain.Role(role), domain.FromMillis(seen), domain.FromMillis(deactivated)
	return m, notFound(err)
}

// Members lists a workspace's active members by id, the round-robin's
// order.
func (db *DB) Members(ctx context.Context, workspaceID int64) ([]Member, error) {
	return db.ListMembers(ctx, workspaceID, false)
}

// ListMembers lists a workspace's members by id; deactivated ones only
// when all is set.
func (db *DB) ListMembers(ctx context.Context, workspaceID int64, all bool) ([]Member, error) {
	q := `SELECT ` + memberCols + ` FROM users WHERE workspace_id = $1`
	if !all {
		q += ` AND deactivated_at = 0`
	}
	rows, err := db.R.QueryContext(ctx, q+` ORDER BY id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []Member{}
	for rows.Next() {
		m, err := scanMember(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// MemberByID reads one member of a workspace, deactivated or not.
func (db *DB) MemberByID(ctx context.Context, workspaceID, id int64) (Member, error) {
	return scanMember(db.R.QueryRowContext(ctx, `SELECT `+memberCols+` FROM users WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// CreateMember adds a member to a workspace. An email already in use (in
// any workspace: login is by email alone) is a CodeConflict; one held by
// a deactivated member of the same workspace says to reactivate them.
func (db *DB) CreateMember(ctx context.Context, u domain.User) (Member, error) {
	u, err := db.CreateUser(ctx, u)
	if domain.ErrorCode(err) == domain.CodeConflict {
		var deactivated int64
		if db.R.QueryRowContext(ctx, `SELECT deactivated_at FROM users WHERE workspace_id = $1 AND email = $2`, u.WorkspaceID, u.Email).Scan(&deactivated) == nil {
			if deactivated != 0 {
				return Member{}, domain.Errorf(domain.CodeConflict, "Reactivate them on the Team page instead, or use another email.", "%s belongs to a deactivated member", u.Email)
			}
			return Member{}, domain.Errorf(domain.CodeConflict, "They are already a member; change their role or password instead.", "%s is already a member", u.Email)
		}
		return Member{}, domain.Errorf(domain.CodeConflict, "Use another email address.", "a user with email %s already exists", u.Email)
	}
	if err != nil {
		return Member{}, err
	}
	return Member{ID: u.ID, Name: u.Name, Email: u.Email, Role: u.Role}, nil
}

// MemberChange is what UpdateMember changes; nil fields are left as they
// are.
type MemberChange struct {
	Name         *string
	Role         *domain.Role
	PasswordHash *string
	// Active false deactivates: sessions end, conversations are
	// unassigned. true reactivates; the member logs in again.
	Active *bool
	// KeepSession is the session (token hash) that changes its own
	// member's password: every other session of the member ends.
	KeepSession []byte
}

// MemberCheck decides whether a change to target may be made, shown the
// member as they stand and the workspace's active owners, counted under
// the workspace's lock.
type MemberCheck func(target domain.User, activeOwners int) error

// UpdateMember applies ch to member id of a workspace if check allows it,
// and returns the member after, and the conversations a deactivation
// unassigned (each logged as unassigned by actor) for the caller to
// publish.
//
// It locks the workspace row first, so two changes that would each leave
// one owner cannot both pass on PostgreSQL (SQLite has one writer).
// Unassigning updates many conversation rows, which an apply batch may be
// updating in another order: a deadlock PostgreSQL breaks is tried again.
func (db *DB) UpdateMember(ctx context.Context, workspaceID, id int64, ch MemberChange, actor domain.Actor, check MemberCheck) (m Member, unassigned []domain.Conversation, err error) {
	for attempt := 1; ; attempt++ {
		m, unassigned, err = db.updateMember(ctx, workspaceID, id, ch, actor, check)
		if err == nil || attempt == 3 || !IsConflict(err) || ctx.Err() != nil {
			return m, unassigned, err
		}
	}
}

func (db *DB) updateMember(ctx context.Context, workspaceID, id int64, ch MemberChange, actor domain.Actor, check MemberCheck) (m Member, unassigned []domain.Conversation, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		unassigned = nil
		if _, err := tx.tx.ExecContext(ctx, `UPDATE workspaces SET last_assigned_user_id = last_assigned_user_id WHERE id = $1`, workspaceID); err != nil {
			return err
		}
		cur, err := scanUser(tx.tx.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
		if err != nil {
			return err
		}
		var owners int
		err = tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE workspace_id = $1 AND role = $2 AND deactivated_at = 0`,
			workspaceID, string(domain.RoleOwner)).Scan(&owners)
		if err != nil {
			return err
		}
		if check != nil {
			if err := check(cur, owners); err != nil {
				return err
			}
		}
		if ch.Name != nil {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE users SET name = $1 WHERE id = $2`, *ch.Name, id); err != nil {
				return err
			}
		}
		if ch.Role != nil {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE users SET role = $1 WHERE id = $2`, string(*ch.Role), id); err != nil {
				return err
			}
		}
		if ch.PasswordHash != nil {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE users SET password_hash = $1 WHERE id = $2`, *ch.PasswordHash, id); err != nil {
				return err
			}
			if err := tx.endSessions(ctx, id, ch.KeepSession); err != nil {
				return err
			}
		}
		if ch.Active != nil && *ch.Active && !cur.Active() {
			if _, err := tx.tx.ExecContext(ctx, `UPDATE users SET deactivated_at = 0 WHERE id = $1`, id); err != nil {
				return err
			}
		}
		if ch.Active != nil && !*ch.Active && cur.Active() {
			if unassigned, err = tx.deactivate(ctx, workspaceID, id, actor); err != nil {
				return err
			}
		}
		m, err = scanMember(tx.tx.QueryRowContext(ctx, `SELECT `+memberCols+` FROM users WHERE id = $1`, id))
		return err
	})
	return m, unassigned, err
}

// endSessions logs a member out everywhere but keep (nil: everywhere).
func (tx *Tx) endSessions(ctx context.Context, userID int64, keep []byte) error {
	if keep == nil {
		_, err := tx.tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1`, userID)
		return err
	}
	_, err := tx.tx.ExecContext(ctx, `DELETE FROM sessions WHERE user_id = $1 AND token_hash <> $2`, userID, keep)
	return err
}

// unassignBatch bounds the placeholders of one read of unassigned
// conversations.
const unassignBatch = 500

// deactivate marks a member deactivated, ends their sessions and gives
// their conversations back to nobody, logging each as unassigned by actor.
func (tx *Tx) deactivate(ctx context.Context, workspaceID, id int64, actor domain.Actor) ([]domain.Conversation, error) {
	if _, err := tx.tx.ExecContext(ctx, `UPDATE users SET deactivated_at = $1 WHERE id = $2`, tx.now, id); err != nil {
		return nil, err
	}
	if err := tx.endSessions(ctx, id, nil); err != nil {
		return nil, err
	}
	ids, err := scanIDs(tx.tx.QueryContext(ctx, `UPDATE conversations SET assignee_id = NULL, updated_at = $1
		WHERE workspace_id = $2 AND assignee_id = $3 RETURNING id`, tx.now, workspaceID, id))
	if err != nil {
		return nil, err
	}
	out := make([]domain.Conversation, 0, len(ids))
	for _, c := range ids {
		err := tx.AddActivity(ctx, domain.ConvActivity{WorkspaceID: workspaceID, ConversationID: c, Kind: domain.ActivityUnassigned, Actor: actor, AssigneeID: id})
		if err != nil {
			return nil, err
		}
	}
	for len(ids) > 0 {
		batch := ids[:min(len(ids), unassignBatch)]
		ids = ids[len(batch):]
		args := []any{workspaceID}
		rows, err := tx.tx.QueryContext(ctx, `SELECT `+convCols+convFrom+`WHERE v.workspace_id = $1 AND v.id IN (`+inList(batch, &args)+`) ORDER BY v.id`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			c, err := scanConversation(rows)
			if err != nil {
				rows.Close()
				return nil, err
			}
			out = append(out, c)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return out, nil
}

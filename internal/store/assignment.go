package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"

	"github.com/gohavi/gohavi/internal/domain"
)

// errChangedMeanwhile answers a change that lost a race with another one
// on the same conversation: its check was made against a state that no
// longer holds.
var errChangedMeanwhile = domain.Errorf(domain.CodeConflict, "Reload the conversation and try again.", "the conversation changed meanwhile")

// nullID stores 0 as NULL, for the nullable assignee column.
func nullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// conversationIn reads a conversation of one workspace inside tx.
func (tx *Tx) conversationIn(ctx context.Context, workspaceID, id int64) (domain.Conversation, error) {
	return scanConversation(tx.tx.QueryRowContext(ctx, `SELECT `+convCols+convFrom+`WHERE v.workspace_id = $1 AND v.id = $2`, workspaceID, id))
}

// AssignConversation gives a conversation to userID (0: nobody) if check,
// shown the conversation as it stands, allows it. changed is false when it
// already was so (nothing recorded). The target must be a member of the
// workspace.
func (db *DB) AssignConversation(ctx context.Context, workspaceID, convID, userID int64, actor domain.Actor, check func(domain.Conversation) error) (conv domain.Conversation, changed bool, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		cur, err := tx.conversationIn(ctx, workspaceID, convID)
		if err != nil {
			return err
		}
		if userID != 0 {
			var deactivated int64
			var name string
			err := tx.tx.QueryRowContext(ctx, `SELECT deactivated_at, name FROM users WHERE id = $1 AND workspace_id = $2`, userID, workspaceID).Scan(&deactivated, &name)
			if errors.Is(err, sql.ErrNoRows) {
				return domain.ErrNotAMember(userID)
			}
			if err != nil {
				return err
			}
			if deactivated != 0 {
				return domain.Errorf(domain.CodeInvalidArgument, "Choose an active member, or ask an owner or admin to reactivate them on the Team page.", "%s is deactivated", name)
			}
		}
		if err := checkWith(check, cur); err != nil {
			return err
		}
		if cur.AssigneeID == userID {
			conv = cur
			return nil
		}
		// Conditional on the assignee checked above: a concurrent change
		// (another node, the round-robin) makes this one fail, not silently
		// overwrite what check never saw.
		res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET assignee_id = $1, updated_at = $2 WHERE id = $3 AND COALESCE(assignee_id, 0) = $4`,
			nullID(userID), tx.now, convID, cur.AssigneeID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return errChangedMeanwhile
		}
		a := domain.ConvActivity{WorkspaceID: workspaceID, ConversationID: convID, Kind: domain.ActivityAssigned, Actor: actor, AssigneeID: userID, FromAssigneeID: cur.AssigneeID}
		if userID == 0 {
			a.Kind, a.AssigneeID, a.FromAssigneeID = domain.ActivityUnassigned, cur.AssigneeID, 0
		}
		if err := tx.AddActivity(ctx, a); err != nil {
			return err
		}
		changed = true
		conv, err = tx.conversation(ctx, convID)
		return err
	})
	return conv, changed, err
}

// AutoAssign gives an unassigned conversation to the next member in the
// workspace's round-robin who is online at now (deactivated members take
// no turns), if the workspace asked for it. ok is false when nothing
// changed (off, nobody online, or someone assigned it first).
//
// It runs in its own short transaction after the message's commit: it
// locks the workspace row to take the next turn (so concurrent nodes never
// give out the same turn), and taking that lock inside the apply
// transaction, after conversation rows, could deadlock apply loops.
func (db *DB) AutoAssign(ctx context.Context, workspaceID, convID int64) (conv domain.Conversation, ok bool, err error) {
	var mode string
	if err := db.R.QueryRowContext(ctx, `SELECT auto_assign FROM workspaces WHERE id = $1`, workspaceID).Scan(&mode); err != nil {
		return conv, false, notFound(err)
	}
	if domain.AutoAssign(mode) != domain.AutoAssignRoundRobin {
		return conv, false, nil // the common case, without a write transaction
	}
	err = db.WithTx(ctx, func(tx *Tx) error {
		var last int64
		// A no-op write that locks the row: the turn read below is the
		// latest committed one, and stays ours until commit.
		err := tx.tx.QueryRowContext(ctx, `UPDATE workspaces SET last_assigned_user_id = last_assigned_user_id WHERE id = $1 AND auto_assign = $2 RETURNING last_assigned_user_id`,
			workspaceID, string(domain.AutoAssignRoundRobin)).Scan(&last)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // switched off meanwhile
		}
		if err != nil {
			return err
		}
		since := tx.now - domain.PresenceOnlineWithin.Milliseconds()
		var userID int64
		err = tx.tx.QueryRowContext(ctx, `SELECT id FROM users WHERE workspace_id = $1 AND last_seen_at >= $2 AND deactivated_at = 0
			ORDER BY CASE WHEN id > $3 THEN 0 ELSE 1 END, id LIMIT 1`, workspaceID, since, last).Scan(&userID)
		if errors.Is(err, sql.ErrNoRows) {
			return nil // nobody online: it waits in unassigned
		}
		if err != nil {
			return err
		}
		res, err := tx.tx.ExecContext(ctx, `UPDATE conversations SET assignee_id = $1, updated_at = $2 WHERE id = $3 AND workspace_id = $4 AND assignee_id IS NULL`,
			userID, tx.now, convID, workspaceID)
		if err != nil {
			return err
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return nil // a person was quicker; the turn is not used up
		}
		if _, err := tx.tx.ExecContext(ctx, `UPDATE workspaces SET last_assigned_user_id = $1 WHERE id = $2`, userID, workspaceID); err != nil {
			return err
		}
		err = tx.AddActivity(ctx, domain.ConvActivity{WorkspaceID: workspaceID, ConversationID: convID, Kind: domain.ActivityAssigned,
			Actor: domain.Actor{Kind: domain.ActorSystem}, AssigneeID: userID})
		if err != nil {
			return err
		}
		ok = true
		conv, err = tx.conversation(ctx, convID)
		return err
	})
	return conv, ok, err
}

// AddActivity appends to a conversation's activity log at the
// transaction's time.
func (tx *Tx) AddActivity(ctx context.Context, a domain.ConvActivity) error {
	_, err := tx.exec(ctx, qAddActivity, a.WorkspaceID, a.ConversationID, string(a.Kind), string(a.Actor.Kind), a.Actor.ID,
		a.AssigneeID, a.FromAssigneeID, string(a.Status), string(a.FromStatus), domain.Millis(a.SnoozeUntil), tx.now)
	return err
}

// Hot: the applier records a customer reopening a conversation.
var qAddActivity = hot(`INSERT INTO conversation_activity(workspace_id, conversation_id, kind, actor_kind, actor_id,
		assignee_id, from_assignee_id, status, from_status, snooze_until, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`)

// ConversationActivity returns the newest limit entries of a
// conversation's activity log, oldest first, with the names of the people
// involved as they are now.
func (db *DB) ConversationActivity(ctx context.Context, workspaceID, convID int64, limit int) ([]domain.ConvActivity, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT a.id, a.workspace_id, a.conversation_id, a.kind, a.actor_kind, a.actor_id,
		COALESCE(CASE a.actor_kind
			WHEN 'user' THEN (SELECT name FROM users WHERE id = a.actor_id)
			WHEN 'api_key' THEN (SELECT name FROM api_keys WHERE id = a.actor_id)
			WHEN 'customer' THEN (SELECT name FROM contacts WHERE id = a.actor_id) END, ''),
		a.assignee_id, COALESCE((SELECT name FROM users WHERE id = a.assignee_id), ''),
		a.from_assignee_id, COALESCE((SELECT name FROM users WHERE id = a.from_assignee_id), ''),
		a.status, a.from_status, a.snooze_until, a.created_at
		FROM conversation_activity a WHERE a.workspace_id = $1 AND a.conversation_id = $2 ORDER BY a.id DESC LIMIT $3`, workspaceID, convID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.ConvActivity{}
	for rows.Next() {
		var a domain.ConvActivity
		var kind, actorKind, status, from string
		var snooze, at int64
		if err := rows.Scan(&a.ID, &a.WorkspaceID, &a.ConversationID, &kind, &actorKind, &a.Actor.ID, &a.Actor.Name,
			&a.AssigneeID, &a.AssigneeName, &a.FromAssigneeID, &a.FromAssigneeName, &status, &from, &snooze, &at); err != nil {
			return nil, err
		}
		a.Kind, a.Actor.Kind, a.Status, a.FromStatus = domain.ActivityKind(kind), domain.ActorKind(actorKind), domain.ConvStatus(status), domain.ConvStatus(from)
		a.SnoozeUntil, a.At = domain.FromMillis(snooze), domain.FromMillis(at)
		out = append(out, a)
	}
	slices.Reverse(out)
	return out, rows.Err()
}

// ConversationAssignee reads who has a conversation (0: nobody) inside tx.
func (tx *Tx) ConversationAssignee(ctx context.Context, convID int64) (int64, error) {
	var id int64
	err := tx.tx.QueryRowContext(ctx, `SELECT COALESCE(assignee_id, 0) FROM conversations WHERE id = $1`, convID).Scan(&id)
	return id, notFound(err)
}

// checkWith runs an optional check.
func checkWith(check func(domain.Conversation) error, c domain.Conversation) error {
	if check == nil {
		return nil
	}
	return check(c)
}

// RoundRobinOn reports whether the workspace gives new conversations out
// by round-robin. The applier asks inside the message's transaction, so a
// conversation is offered only if it started while the setting was on,
// however late the offer runs after commit.
func (tx *Tx) RoundRobinOn(ctx context.Context, workspaceID int64) (bool, error) {
	var mode string
	err := tx.tx.QueryRowContext(ctx, `SELECT auto_assign FROM workspaces WHERE id = $1`, workspaceID).Scan(&mode)
	return domain.AutoAssign(mode) == domain.AutoAssignRoundRobin, notFound(err)
}

package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// AudienceContact is a contact an audience selected, with what planning
// and sending judge it by.
type AudienceContact struct {
	domain.Contact
	Attributes      map[string]string
	Consent         domain.ConsentState
	LastInboundAt   time.Time // the customer's last message to any number of the workspace
	NumberInboundAt time.Time // … to the sending number
	WindowExpiresAt time.Time // the service window with the sending number
	ConversationID  int64     // with the sending number (0: none yet)
}

// AudienceContacts calls fn for every contact aud selects, in id order,
// judged against the sending number. Tags, labels, number and follow-up
// groups are selected in SQL; attributes, consent and inbound times are
// compared by the caller on what fn receives. retryable are the error
// codes of the "failed_retryable" follow-up group.
func (db *DB) AudienceContacts(ctx context.Context, workspaceID, numberID int64, aud domain.Audience, retryable []int, fn func(AudienceContact) error) error {
	consent, err := db.workspaceConsent(ctx, workspaceID)
	if err != nil {
		return err
	}
	args := []any{workspaceID, numberID}
	var where strings.Builder
	in := func(vals []string) string {
		lower := make([]string, len(vals))
		for i, v := range vals {
			lower[i] = strings.ToLower(strings.TrimSpace(v))
		}
		return inList(lower, &args)
	}
	if len(aud.Tags) > 0 {
		where.WriteString(` AND EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND LOWER(t.tag) IN (` + in(aud.Tags) + `))`)
	}
	if len(aud.ExcludeTags) > 0 {
		where.WriteString(` AND NOT EXISTS (SELECT 1 FROM contact_tags t WHERE t.contact_id = c.id AND LOWER(t.tag) IN (` + in(aud.ExcludeTags) + `))`)
	}
	if len(aud.Labels) > 0 {
		where.WriteString(` AND EXISTS (SELECT 1 FROM conversation_labels l JOIN conversations lv ON lv.id = l.conversation_id
			WHERE lv.contact_id = c.id AND LOWER(l.label) IN (` + in(aud.Labels) + `))`)
	}
	if aud.NumberID != 0 {
		args = append(args, aud.NumberID)
		where.WriteString(` AND EXISTS (SELECT 1 FROM conversations nv WHERE nv.contact_id = c.id AND nv.number_id = ` + placeholder(len(args)) + `)`)
	}
	if f := aud.FollowUp; f != nil {
		args = append(args, f.BroadcastID, workspaceID)
		bid, ws := placeholder(len(args)-1), placeholder(len(args))
		cond, err := groupCond(f.Group, retryable, &args)
		if err != nil {
			return err
		}
		where.WriteString(` AND c.id IN (SELECT r.contact_id` + resultFrom + `JOIN broadcasts fb ON fb.id = r.broadcast_id
			WHERE r.broadcast_id = ` + bid + ` AND fb.workspace_id = ` + ws + ` AND ` + cond + `)`)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT c.id, c.workspace_id, c.wa_id, c.phone, c.name, c.created_at, c.updated_at, c.attributes,
		COALESCE((SELECT MAX(av.last_inbound_at) FROM conversations av WHERE av.contact_id = c.id), 0),
		COALESCE(w.last_inbound_at, 0), COALESCE(w.window_expires_at, 0), COALESCE(w.id, 0)
		FROM contacts c LEFT JOIN conversations w ON w.contact_id = c.id AND w.number_id = $2
		WHERE c.workspace_id = $1`+where.String()+` ORDER BY c.id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var a AudienceContact
		var created, updated, lastIn, numIn, window int64
		var attrs string
		if err := rows.Scan(&a.ID, &a.WorkspaceID, &a.WaID, &a.Phone, &a.Name, &created, &updated, &attrs, &lastIn, &numIn, &window, &a.ConversationID); err != nil {
			return err
		}
		a.CreatedAt, a.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
		a.LastInboundAt, a.NumberInboundAt, a.WindowExpiresAt = domain.FromMillis(lastIn), domain.FromMillis(numIn), domain.FromMillis(window)
		_ = json.Unmarshal([]byte(attrs), &a.Attributes)
		a.Consent = domain.Consent(consent[a.ID])
		if err := fn(a); err != nil {
			return err
		}
	}
	return rows.Err()
}

// workspaceConsent reads every consent event of a workspace, oldest first
// per contact: one pass instead of one query per contact.
func (db *DB) workspaceConsent(ctx context.Context, workspaceID int64) (map[int64][]domain.ConsentEvent, error) {
	return collectConsent(db.R.QueryContext(ctx, `SELECT contact_id, action, created_at FROM consent_events WHERE workspace_id = $1 ORDER BY contact_id, id`, workspaceID))
}

func collectConsent(rows *sql.Rows, err error) (map[int64][]domain.ConsentEvent, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64][]domain.ConsentEvent{}
	for rows.Next() {
		var id, at int64
		var action string
		if err := rows.Scan(&id, &action, &at); err != nil {
			return nil, err
		}
		out[id] = append(out[id], domain.ConsentEvent{Action: action, CreatedAt: domain.FromMillis(at)})
	}
	return out, rows.Err()
}

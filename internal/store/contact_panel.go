package store

import (
	"context"
	"encoding/json"

	"github.com/gohavi/gohavi/internal/domain"
)

// ContactThread is one of a contact's conversations, with the business
// number it is on.
type ContactThread struct {
	Conversation    domain.Conversation
	NumberPhone     string // display_phone_number
	NumberName      string // verified_name
	NumberConnected bool
}

// ContactPanel is everything the inbox shows beside a conversation about
// its customer, read together so the panel is one request.
type ContactPanel struct {
	Contact    domain.Contact
	Attributes map[string]string
	Tags       []string
	Consent    []domain.ConsentEvent // the whole ledger, oldest first
	// Threads are the contact's conversations on every number of the
	// workspace, newest first.
	Threads []ContactThread
}

// maxContactThreads bounds the threads read: one per number, and a
// workspace with more numbers than this is not a team inbox.
const maxContactThreads = 200

// ContactPanel reads the panel of contact id; a contact of another
// workspace is not found.
func (db *DB) ContactPanel(ctx context.Context, workspaceID, id int64) (ContactPanel, error) {
	var p ContactPanel
	var attrs string
	var created, updated int64
	c := &p.Contact
	err := db.R.QueryRowContext(ctx, `SELECT id, workspace_id, wa_id, phone, name, created_at, updated_at, attributes FROM contacts
		WHERE workspace_id = $1 AND id = $2`, workspaceID, id).Scan(&c.ID, &c.WorkspaceID, &c.WaID, &c.Phone, &c.Name, &created, &updated, &attrs)
	if err != nil {
		return p, notFound(err)
	}
	c.CreatedAt, c.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	p.Attributes = map[string]string{}
	if attrs != "" {
		// Written only by the importer from a map; anything unreadable
		// (hand-edited) reads as no attributes rather than no panel.
		_ = json.Unmarshal([]byte(attrs), &p.Attributes)
	}
	if p.Tags, err = db.ContactTags(ctx, workspaceID, id); err != nil {
		return p, err
	}
	if p.Consent, err = db.ConsentEvents(ctx, workspaceID, id); err != nil {
		return p, err
	}
	p.Threads, err = db.contactThreads(ctx, workspaceID, p.Contact)
	return p, err
}

func (db *DB) contactThreads(ctx context.Context, workspaceID int64, contact domain.Contact) ([]ContactThread, error) {
	// The number's columns are scalar subqueries, not a join: convOnlyCols
	// names its columns bare, and numbers shares several of the names.
	rows, err := db.R.QueryContext(ctx, `SELECT `+convOnlyCols+`,
		  COALESCE((SELECT display_phone_number FROM numbers WHERE numbers.id = conversations.number_id), ''),
		  COALESCE((SELECT verified_name FROM numbers WHERE numbers.id = conversations.number_id), ''),
		  COALESCE((SELECT disconnected_at FROM numbers WHERE numbers.id = conversations.number_id), 0)
		FROM conversations WHERE contact_id = $1 AND workspace_id = $2
		ORDER BY last_message_at DESC, id DESC LIMIT $3`, contact.ID, workspaceID, maxContactThreads)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []ContactThread{}
	for rows.Next() {
		var t ContactThread
		var disconnected int64
		t.Conversation, err = scanConversationWith(threadRow{rows, []any{&t.NumberPhone, &t.NumberName, &disconnected}}, contact)
		if err != nil {
			return nil, err
		}
		t.NumberConnected = disconnected == 0
		out = append(out, t)
	}
	return out, rows.Err()
}

// threadRow lets a row scanner for some columns read a row that has more:
// the extra columns land in tail.
type threadRow struct {
	row  interface{ Scan(...any) error }
	tail []any
}

func (s threadRow) Scan(dest ...any) error { return s.row.Scan(append(dest, s.tail...)...) }

// ContactSeenBy reports whether a member limited to their own and
// unassigned conversations (userID) has a conversation with the contact:
// what lets them see the contact at all.
func (db *DB) ContactSeenBy(ctx context.Context, workspaceID, contactID, userID int64) (bool, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversations
		WHERE workspace_id = $1 AND contact_id = $2 AND (assignee_id IS NULL OR assignee_id = $3)`,
		workspaceID, contactID, userID).Scan(&n)
	return n > 0, err
}

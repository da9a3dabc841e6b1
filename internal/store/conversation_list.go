package store

import (
	"context"
	"fmt"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// InboxFilter selects a page of a workspace's conversations, newest first.
type InboxFilter struct {
	WorkspaceID int64
	Statuses    []domain.ConvStatus // nil: every status
	// Assignees keeps the conversations of these users (0: unassigned).
	// nil keeps everyone's; an empty, non-nil list keeps nothing (the
	// caller's restrictions left no one).
	Assignees []int64
	NumberID  int64  // 0: every number
	Label     string // "": any; compared case-insensitively
	Before    Cursor // zero: from the newest
	Limit     int
}

// Cursor is a position in the newest-first order: the last row of a page.
type Cursor struct {
	At int64 // last_message_at, unix ms
	ID int64
}

// IsZero reports whether c is the start.
func (c Cursor) IsZero() bool { return c.ID == 0 }

// String renders the cursor for clients, who pass it back as is.
func (c Cursor) String() string {
	if c.IsZero() {
		return ""
	}
	return strconv.FormatInt(c.At, 10) + "_" + strconv.FormatInt(c.ID, 10)
}

// ParseCursor reads a cursor made by Cursor.String.
func ParseCursor(s string) (Cursor, error) {
	if s == "" {
		return Cursor{}, nil
	}
	at, id, ok := strings.Cut(s, "_")
	c := Cursor{}
	var err1, err2 error
	c.At, err1 = strconv.ParseInt(at, 10, 64)
	c.ID, err2 = strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil || c.ID <= 0 || c.At < 0 {
		return Cursor{}, domain.Errorf(domain.CodeInvalidArgument, `Pass back the "next" value of the previous page unchanged.`, "bad cursor %q", s)
	}
	return c, nil
}

// ListInbox returns a page of conversations and the cursor of the next
// page (zero when this was the last).
//
// A list over several statuses or assignees is the union of one index
// range per (status, assignee) pair, each cut at the page size and merged:
// a page costs the same at a hundred conversations as at a hundred
// thousand, whatever the mix of statuses, where one range over the whole
// workspace would wade through every resolved conversation to find the
// open ones.
func (db *DB) ListInbox(ctx context.Context, f InboxFilter) ([]domain.Conversation, Cursor, error) {
	out := []domain.Conversation{}
	if f.Assignees != nil && len(f.Assignees) == 0 {
		return out, Cursor{}, nil
	}
	statuses := f.Statuses
	if len(statuses) == 0 {
		statuses = domain.ConvStatuses
	}
	args := []any{f.WorkspaceID, f.Limit + 1}
	arg := func(v any) string { args = append(args, v); return placeholder(len(args)) }
	var common strings.Builder
	if f.NumberID != 0 {
		common.WriteString(` AND v.number_id = ` + arg(f.NumberID))
	}
	if f.Label != "" {
		// Labels are stored normalised (lower case, single spaces).
		label := strings.ToLower(strings.Join(strings.Fields(f.Label), " "))
		rare, err := db.rareLabel(ctx, f.WorkspaceID, label)
		if err != nil {
			return nil, Cursor{}, err
		}
		if rare {
			// Start from the label's few conversations and sort them.
			common.WriteString(` AND v.id IN (SELECT l.conversation_id FROM conversation_labels l WHERE l.workspace_id = $1 AND l.label = ` + arg(label) + `)`)
		} else {
			// Walk the index order checking each: a common label fills a
			// page quickly, where sorting all its conversations would not.
			common.WriteString(` AND EXISTS (SELECT 1 FROM conversation_labels l WHERE l.conversation_id = v.id AND l.label = ` + arg(label) + `)`)
		}
	}
	if !f.Before.IsZero() {
		common.WriteString(fmt.Sprintf(` AND (v.last_message_at, v.id) < (%s, %s)`, arg(f.Before.At), arg(f.Before.ID)))
	}
	var who []string // one assignee condition per branch; "" is anyone
	if f.Assignees == nil {
		who = []string{""}
	}
	for _, a := range f.Assignees {
		if a == 0 {
			who = append(who, ` AND v.assignee_id IS NULL`)
		} else {
			who = append(who, ` AND v.assignee_id = `+arg(a))
		}
	}
	var branches []string
	for _, st := range statuses {
		s := arg(string(st))
		for _, w := range who {
			branches = append(branches, fmt.Sprintf(`SELECT id FROM (SELECT v.id FROM conversations v WHERE v.workspace_id = $1 AND v.status = %s%s%s
				ORDER BY v.last_message_at DESC, v.id DESC LIMIT $2) b%d`, s, w, common.String(), len(branches)))
		}
	}
	q := `SELECT ` + convCols + ` FROM (` + strings.Join(branches, " UNION ALL ") + `) p JOIN conversations v ON v.id = p.id
		JOIN contacts c ON c.id = v.contact_id LEFT JOIN users u ON u.id = v.assignee_id
		ORDER BY v.last_message_at DESC, v.id DESC LIMIT $2`
	rows, err := db.R.QueryContext(ctx, q, args...)
	if err != nil {
		return nil, Cursor{}, err
	}
	defer rows.Close()
	for rows.Next() {
		v, err := scanConversation(rows)
		if err != nil {
			return nil, Cursor{}, err
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		return nil, Cursor{}, err
	}
	var next Cursor
	if len(out) > f.Limit {
		out = out[:f.Limit]
		last := out[len(out)-1]
		next = Cursor{At: domain.Millis(last.LastMessageAt), ID: last.ID}
	}
	return out, next, nil
}

// ResolvedCountCap bounds the resolved count. Resolved conversations pile
// up forever, and counting a hundred thousand of them on every refresh
// would cost more than all the other counts together; past the cap the
// inbox shows "10,000+".
const ResolvedCountCap = 10000

// InboxCounts are the numbers beside the inbox's tabs. All, Mine and
// Unassigned count what the default list shows (open and pending), and so
// do the unread counts: a snoozed or resolved conversation does not nag.
// The per-status counts cover every conversation the member sees,
// Resolved up to ResolvedCountCap (ResolvedCapped says it went past).
type InboxCounts struct {
	All, Mine, Unassigned                int
	Open, Pending, Snoozed, Resolved     int
	ResolvedCapped                       bool
	Unread, UnreadMine, UnreadUnassigned int
}

// CountInbox counts a workspace's conversations for userID (0 for an API
// key). restricted counts only what an agent limited to their own and
// unassigned conversations sees. One query, read from the status index
// alone: the statuses still in play by assignee, and the capped count of
// resolved ones.
func (db *DB) CountInbox(ctx context.Context, workspaceID, userID int64, restricted bool) (InboxCounts, error) {
	var c InboxCounts
	visible := ``
	if restricted {
		visible = ` AND (assignee_id IS NULL OR assignee_id = $2)`
	}
	rows, err := db.R.QueryContext(ctx, `SELECT status, CASE WHEN assignee_id IS NULL THEN 0 WHEN assignee_id = $2 THEN 1 ELSE 2 END,
			COUNT(*), SUM(CASE WHEN unread_count > 0 THEN 1 ELSE 0 END)
		FROM conversations WHERE workspace_id = $1 AND status IN ('open', 'pending', 'snoozed')`+visible+` GROUP BY 1, 2
		UNION ALL SELECT 'resolved', 3, COUNT(*), 0 FROM (SELECT 1 AS one FROM conversations
			WHERE workspace_id = $1 AND status = 'resolved'`+visible+` LIMIT $3) r`, workspaceID, userID, ResolvedCountCap+1)
	if err != nil {
		return c, err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var w, n, unread int
		if err := rows.Scan(&status, &w, &n, &unread); err != nil {
			return c, err
		}
		switch domain.ConvStatus(status) {
		case domain.ConvOpen:
			c.Open += n
		case domain.ConvPending:
			c.Pending += n
		case domain.ConvSnoozed:
			c.Snoozed += n
			continue
		case domain.ConvResolved:
			c.Resolved, c.ResolvedCapped = min(n, ResolvedCountCap), n > ResolvedCountCap
			continue
		}
		c.All += n
		c.Unread += unread
		switch w {
		case 0:
			c.Unassigned += n
			c.UnreadUnassigned += unread
		case 1:
			c.Mine += n
			c.UnreadMine += unread
		}
	}
	return c, rows.Err()
}

// rareLabelMax is where a label stops being rare enough to list by
// starting from its conversations.
const rareLabelMax = 2000

// rareLabel reports whether few conversations carry label, counting at
// most rareLabelMax+1 entries of the label index.
func (db *DB) rareLabel(ctx context.Context, workspaceID int64, label string) (bool, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT 1 AS one FROM conversation_labels WHERE workspace_id = $1 AND label = $2 LIMIT $3) r`,
		workspaceID, label, rareLabelMax+1).Scan(&n)
	return n <= rareLabelMax, err
}

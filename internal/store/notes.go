package store

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// NewNote is a note as an agent (AuthorUserID) or an API key
// (AuthorKeyID) writes it.
type NewNote struct {
	WorkspaceID    int64
	ConversationID int64
	AuthorUserID   int64
	AuthorKeyID    int64
	Body           string
}

const noteCols = `n.id, n.workspace_id, n.conversation_id, n.author_user_id, n.author_key_id,
	COALESCE(u.name, ''), COALESCE(u.email, ''), COALESCE(k.name, ''), n.body, n.after_message_id, n.created_at, n.updated_at`

// The author joins are guarded by "<> 0" because 0 means "the other kind".
const noteFrom = ` FROM notes n LEFT JOIN users u ON u.id = n.author_user_id AND n.author_user_id <> 0
	LEFT JOIN api_keys k ON k.id = n.author_key_id AND n.author_key_id <> 0 `

func scanNote(row interface{ Scan(...any) error }) (domain.Note, error) {
	var n domain.Note
	var userName, userEmail, keyName string
	var created, updated int64
	err := row.Scan(&n.ID, &n.WorkspaceID, &n.ConversationID, &n.Author.UserID, &n.Author.APIKeyID,
		&userName, &userEmail, &keyName, &n.Body, &n.AfterMessageID, &created, &updated)
	switch {
	case n.Author.UserID != 0:
		n.Author.Name = domain.Member{Name: userName, Email: userEmail}.DisplayName()
	case n.Author.APIKeyID != 0:
		n.Author.Name = "API key " + strconv.Quote(keyName)
	}
	n.CreatedAt, n.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return n, notFound(err)
}

// CreateNote adds a note to a conversation of the workspace (not found
// otherwise) and resolves its @mentions against the workspace's members.
// It is placed after the conversation's newest message.
func (db *DB) CreateNote(ctx context.Context, nn NewNote) (domain.Note, error) {
	body, err := domain.NormalizeNoteBody(nn.Body)
	if err != nil {
		return domain.Note{}, err
	}
	var out domain.Note
	err = db.WithTx(ctx, func(tx *Tx) error {
		var id int64
		err := tx.tx.QueryRowContext(ctx, `INSERT INTO notes(workspace_id, conversation_id, author_user_id, author_key_id, body, after_message_id, created_at, updated_at)
			SELECT v.workspace_id, v.id, $3, $4, $5, COALESCE((SELECT MAX(m.id) FROM messages m WHERE m.conversation_id = v.id), 0), $6, $6
			FROM conversations v WHERE v.workspace_id = $1 AND v.id = $2 RETURNING id`,
			nn.WorkspaceID, nn.ConversationID, nn.AuthorUserID, nn.AuthorKeyID, body, tx.now).Scan(&id)
		if err != nil {
			return notFound(err)
		}
		if err := tx.setMentions(ctx, nn.WorkspaceID, id, body); err != nil {
			return err
		}
		out, err = tx.note(ctx, nn.WorkspaceID, id)
		return err
	})
	return out, err
}

// UpdateNote replaces a note's body and resolves its mentions again. It
// keeps its place in the thread. Who may edit is the caller's decision
// (domain.CanEditNote).
func (db *DB) UpdateNote(ctx context.Context, workspaceID, id int64, body string) (domain.Note, error) {
	body, err := domain.NormalizeNoteBody(body)
	if err != nil {
		return domain.Note{}, err
	}
	var out domain.Note
	err = db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `UPDATE notes SET body = $1, updated_at = $2 WHERE workspace_id = $3 AND id = $4`, body, tx.now, workspaceID, id)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return firstNonNil(err, domain.ErrNotFound)
		}
		if err := tx.setMentions(ctx, workspaceID, id, body); err != nil {
			return err
		}
		out, err = tx.note(ctx, workspaceID, id)
		return err
	})
	return out, err
}

func firstNonNil(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// DeleteNote removes a note (its mentions go with it) and returns it.
func (db *DB) DeleteNote(ctx context.Context, workspaceID, id int64) (domain.Note, error) {
	var out domain.Note
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		if out, err = tx.note(ctx, workspaceID, id); err != nil {
			return err
		}
		_, err = tx.tx.ExecContext(ctx, `DELETE FROM notes WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
		return err
	})
	return out, err
}

// NoteByID finds a note of one workspace.
func (db *DB) NoteByID(ctx context.Context, workspaceID, id int64) (domain.Note, error) {
	n, err := scanNote(db.R.QueryRowContext(ctx, `SELECT `+noteCols+noteFrom+`WHERE n.workspace_id = $1 AND n.id = $2`, workspaceID, id))
	if err != nil {
		return n, err
	}
	ns := []domain.Note{n}
	err = loadMentions(ctx, db.R, ns)
	return ns[0], err
}

// ListNotes returns a conversation's newest limit notes, oldest first.
func (db *DB) ListNotes(ctx context.Context, workspaceID, conversationID int64, limit int) ([]domain.Note, error) {
	ns, err := db.notesBefore(ctx, workspaceID, conversationID, TimelineCursor{}, limit)
	slices.Reverse(ns)
	return ns, err
}

func (tx *Tx) note(ctx context.Context, workspaceID, id int64) (domain.Note, error) {
	n, err := scanNote(tx.tx.QueryRowContext(ctx, `SELECT `+noteCols+noteFrom+`WHERE n.workspace_id = $1 AND n.id = $2`, workspaceID, id))
	if err != nil {
		return n, err
	}
	ns := []domain.Note{n}
	err = loadMentions(ctx, tx.tx, ns)
	return ns[0], err
}

// WorkspaceMembers lists the active members of a workspace, for
// @mentions. Mentions already made of a member since deactivated still
// show them.
func (db *DB) WorkspaceMembers(ctx context.Context, workspaceID int64) ([]domain.Member, error) {
	return members(ctx, db.R, workspaceID)
}

func members(ctx context.Context, q queryer, workspaceID int64) ([]domain.Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name, email FROM users WHERE workspace_id = $1 AND deactivated_at = 0 ORDER BY id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Member{}
	for rows.Next() {
		var m domain.Member
		if err := rows.Scan(&m.ID, &m.Name, &m.Email); err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// setMentions stores who body mentions, replacing what an earlier version
// of the note mentioned. Members are read in the same transaction, so a
// mention resolves against the members as they are at this commit.
func (tx *Tx) setMentions(ctx context.Context, workspaceID, noteID int64, body string) error {
	ms, err := members(ctx, tx.tx, workspaceID)
	if err != nil {
		return err
	}
	if _, err := tx.tx.ExecContext(ctx, `DELETE FROM note_mentions WHERE note_id = $1`, noteID); err != nil {
		return err
	}
	found := domain.FindMentions(body, ms)
	if len(found) == 0 {
		return nil
	}
	args := []any{noteID}
	var values strings.Builder
	for i, m := range found {
		if i > 0 {
			values.WriteString(", ")
		}
		args = append(args, m.ID, i)
		fmt.Fprintf(&values, "($1, %s, %s)", placeholder(len(args)-1), placeholder(len(args)))
	}
	_, err = tx.tx.ExecContext(ctx, `INSERT INTO note_mentions(note_id, user_id, ord) VALUES `+values.String(), args...)
	return err
}

// loadMentions fills the mentions of ns in one query.
func loadMentions(ctx context.Context, q queryer, ns []domain.Note) error {
	if len(ns) == 0 {
		return nil
	}
	byID := make(map[int64]*domain.Note, len(ns))
	ids := make([]int64, len(ns))
	for i := range ns {
		ns[i].Mentions = []domain.Member{}
		byID[ns[i].ID], ids[i] = &ns[i], ns[i].ID
	}
	var args []any
	rows, err := q.QueryContext(ctx, `SELECT m.note_id, u.id, u.name, u.email FROM note_mentions m JOIN users u ON u.id = m.user_id
		WHERE m.note_id IN (`+inList(ids, &args)+`) ORDER BY m.note_id, m.ord`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var noteID int64
		var m domain.Member
		if err := rows.Scan(&noteID, &m.ID, &m.Name, &m.Email); err != nil {
			return err
		}
		if n := byID[noteID]; n != nil {
			n.Mentions = append(n.Mentions, m)
		}
	}
	return rows.Err()
}

// TimelineCursor is a place in a conversation's thread. The thread is
// ordered by key (anchor, kind, note id): a message's anchor is its id
// (messages are in id order, as the messages list shows them); a note's
// is the newest message when it was written, and it comes after that
// message and after the notes written before it. The zero cursor is the
// end of the thread.
type TimelineCursor struct {
	Anchor int64 // message id
	NoteID int64 // 0: the cursor is the message itself
}

// String is the cursor's opaque form for ?before=: "m42" or "n42.7".
func (c TimelineCursor) String() string {
	if c.NoteID == 0 {
		return "m" + strconv.FormatInt(c.Anchor, 10)
	}
	return "n" + strconv.FormatInt(c.Anchor, 10) + "." + strconv.FormatInt(c.NoteID, 10)
}

// ParseTimelineCursor reads a cursor written by String; "" is the end.
func ParseTimelineCursor(s string) (TimelineCursor, error) {
	bad := domain.Errorf(domain.CodeInvalidArgument, "Pass the next_before of the previous page, or leave before out for the newest page.", "before %q is not a timeline cursor", s)
	if s == "" {
		return TimelineCursor{}, nil
	}
	var c TimelineCursor
	var err1, err2 error
	switch s[0] {
	case 'm':
		c.Anchor, err1 = strconv.ParseInt(s[1:], 10, 64)
	case 'n':
		a, n, ok := strings.Cut(s[1:], ".")
		if !ok {
			return c, bad
		}
		c.Anchor, err1 = strconv.ParseInt(a, 10, 64)
		c.NoteID, err2 = strconv.ParseInt(n, 10, 64)
		if c.NoteID <= 0 {
			err2 = bad
		}
	default:
		return c, bad
	}
	if err1 != nil || err2 != nil || c.Anchor < 0 || (s[0] == 'm' && c.Anchor == 0) {
		return TimelineCursor{}, bad
	}
	return c, nil
}

// less orders two thread keys.
func (c TimelineCursor) less(o TimelineCursor) bool {
	if c.Anchor != o.Anchor {
		return c.Anchor < o.Anchor
	}
	return c.NoteID < o.NoteID // a message (0) before its notes
}

// TimelineItem is a message or a note of a thread.
type TimelineItem struct {
	Message *domain.Message
	Note    *domain.Note
}

// Cursor is the item's place in the thread.
func (it TimelineItem) Cursor() TimelineCursor {
	if it.Note != nil {
		return TimelineCursor{Anchor: it.Note.AfterMessageID, NoteID: it.Note.ID}
	}
	return TimelineCursor{Anchor: it.Message.ID}
}

// Timeline returns up to limit messages and notes of a conversation that
// come before before (the zero cursor: the newest), oldest first; more
// says whether older items remain. The caller checks the conversation
// belongs to the workspace; rows are filtered by workspace regardless.
func (db *DB) Timeline(ctx context.Context, workspaceID, conversationID int64, before TimelineCursor, limit int) (items []TimelineItem, more bool, err error) {
	q := `SELECT ` + messageCols + ` FROM messages WHERE workspace_id = $1 AND conversation_id = $2`
	args := []any{workspaceID, conversationID, limit + 1}
	if before != (TimelineCursor{}) {
		args = append(args, before.Anchor)
		if before.NoteID == 0 {
			q += ` AND id < $4`
		} else {
			q += ` AND id <= $4` // the anchor message comes before its notes
		}
	}
	rows, err := db.R.QueryContext(ctx, q+` ORDER BY id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, false, err
	}
	var msgs []domain.Message
	for rows.Next() {
		m, err := scanMessage(rows)
		if err != nil {
			rows.Close()
			return nil, false, err
		}
		msgs = append(msgs, m)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, false, err
	}
	notes, err := db.notesBefore(ctx, workspaceID, conversationID, before, limit+1)
	if err != nil {
		return nil, false, err
	}
	// Both lists are newest first: merge them, newest first, and keep limit.
	for i, j := 0, 0; len(items) <= limit && (i < len(msgs) || j < len(notes)); {
		if j == len(notes) || (i < len(msgs) && TimelineItem{Note: &notes[j]}.Cursor().less(TimelineCursor{Anchor: msgs[i].ID})) {
			items = append(items, TimelineItem{Message: &msgs[i]})
			i++
		} else {
			items = append(items, TimelineItem{Note: &notes[j]})
			j++
		}
	}
	if more = len(items) > limit; more {
		items = items[:limit]
	}
	slices.Reverse(items)
	return items, more, nil
}

// notesBefore returns up to limit notes before the cursor, newest first.
func (db *DB) notesBefore(ctx context.Context, workspaceID, conversationID int64, before TimelineCursor, limit int) ([]domain.Note, error) {
	q := `SELECT ` + noteCols + noteFrom + `WHERE n.workspace_id = $1 AND n.conversation_id = $2`
	args := []any{workspaceID, conversationID, limit}
	switch {
	case before == TimelineCursor{}:
	case before.NoteID == 0:
		args = append(args, before.Anchor)
		q += ` AND n.after_message_id < $4`
	default:
		args = append(args, before.Anchor, before.NoteID)
		q += ` AND (n.after_message_id < $4 OR (n.after_message_id = $4 AND n.id < $5))`
	}
	rows, err := db.R.QueryContext(ctx, q+` ORDER BY n.after_message_id DESC, n.id DESC LIMIT $3`, args...)
	if err != nil {
		return nil, err
	}
	ns := []domain.Note{}
	for rows.Next() {
		n, err := scanNote(rows)
		if err != nil {
			rows.Close()
			return nil, err
		}
		ns = append(ns, n)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return ns, loadMentions(ctx, db.R, ns)
}

package store

import (
	"context"
	"database/sql"
	"errors"
	"slices"
	"sort"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// Labels lists the workspace's label catalogue by name, each with the
// number of conversations carrying it.
func (db *DB) Labels(ctx context.Context, workspaceID int64) ([]domain.Label, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT l.name, l.color, l.created_at, COUNT(cl.conversation_id)
		FROM labels l LEFT JOIN conversation_labels cl ON cl.workspace_id = l.workspace_id AND cl.label = l.name
		WHERE l.workspace_id = $1 GROUP BY l.name, l.color, l.created_at`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Label{}
	for rows.Next() {
		var l domain.Label
		var created int64
		if err := rows.Scan(&l.Name, &l.Color, &created, &l.Conversations); err != nil {
			return nil, err
		}
		l.CreatedAt = domain.FromMillis(created)
		out = append(out, l)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name }) // one order on both engines
	return out, rows.Err()
}

// LabelByName finds a label of the catalogue, with its count.
func (db *DB) LabelByName(ctx context.Context, workspaceID int64, name string) (domain.Label, error) {
	name, err := domain.NormalizeLabel(name)
	if err != nil {
		return domain.Label{}, err
	}
	var l domain.Label
	var created int64
	err = db.R.QueryRowContext(ctx, `SELECT l.name, l.color, l.created_at,
		(SELECT COUNT(*) FROM conversation_labels cl WHERE cl.workspace_id = l.workspace_id AND cl.label = l.name)
		FROM labels l WHERE l.workspace_id = $1 AND l.name = $2`, workspaceID, name).Scan(&l.Name, &l.Color, &created, &l.Conversations)
	l.CreatedAt = domain.FromMillis(created)
	return l, labelNotFound(err, name)
}

func labelNotFound(err error, name string) error {
	if errors.Is(err, sql.ErrNoRows) {
		return domain.Errorf(domain.CodeNotFound, "Create it first with POST /api/v1/labels (owners and admins), or pick one of GET /api/v1/labels.", "label %q is not one of the workspace's labels", name)
	}
	return err
}

// CreateLabel adds a label to the catalogue; a name it already holds is a
// conflict. An empty colour is chosen from the palette.
func (db *DB) CreateLabel(ctx context.Context, workspaceID int64, name, color string) (domain.Label, error) {
	name, err := domain.NormalizeLabel(name)
	if err != nil {
		return domain.Label{}, err
	}
	if color, err = domain.NormalizeLabelColor(color, name); err != nil {
		return domain.Label{}, err
	}
	l := domain.Label{Name: name, Color: color}
	err = db.WithTx(ctx, func(tx *Tx) error {
		var n int
		if err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM labels WHERE workspace_id = $1`, workspaceID).Scan(&n); err != nil {
			return err
		}
		if n >= domain.MaxLabels {
			return domain.Errorf(domain.CodeInvalidArgument, "Delete labels nobody uses before adding more.", "the workspace has %d labels, the most it can have", n)
		}
		_, err := tx.tx.ExecContext(ctx, `INSERT INTO labels(workspace_id, name, color, created_at) VALUES ($1, $2, $3, $4)`, workspaceID, name, color, tx.now)
		if isUniqueViolation(err) {
			return domain.Errorf(domain.CodeConflict, "Use the existing label, or choose another name.", "label %q already exists", name)
		}
		l.CreatedAt = domain.FromMillis(tx.now)
		return err
	})
	return l, err
}

// RecolorLabel changes a label's colour.
func (db *DB) RecolorLabel(ctx context.Context, workspaceID int64, name, color string) (domain.Label, error) {
	name, err := domain.NormalizeLabel(name)
	if err != nil {
		return domain.Label{}, err
	}
	if color, err = domain.NormalizeLabelColor(color, name); err != nil {
		return domain.Label{}, err
	}
	res, err := db.W.ExecContext(ctx, `UPDATE labels SET color = $1 WHERE workspace_id = $2 AND name = $3`, color, workspaceID, name)
	if err != nil {
		return domain.Label{}, err
	}
	if n, err := res.RowsAffected(); err != nil || n == 0 {
		return domain.Label{}, firstNonNil(err, labelNotFound(sql.ErrNoRows, name))
	}
	return db.LabelByName(ctx, workspaceID, name)
}

// DeleteLabel removes a label from the catalogue and from every
// conversation carrying it (so audiences stop selecting on it too), and
// returns how many conversations lost it.
func (db *DB) DeleteLabel(ctx context.Context, workspaceID int64, name string) (int64, error) {
	name, err := domain.NormalizeLabel(name)
	if err != nil {
		return 0, err
	}
	var removed int64
	err = db.WithTx(ctx, func(tx *Tx) error {
		res, err := tx.tx.ExecContext(ctx, `DELETE FROM labels WHERE workspace_id = $1 AND name = $2`, workspaceID, name)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 0 {
			return firstNonNil(err, labelNotFound(sql.ErrNoRows, name))
		}
		res, err = tx.tx.ExecContext(ctx, `DELETE FROM conversation_labels WHERE workspace_id = $1 AND label = $2`, workspaceID, name)
		if err != nil {
			return err
		}
		removed, err = res.RowsAffected()
		return err
	})
	return removed, err
}

// ConversationLabels lists a conversation's labels by name; a
// conversation of another workspace is not found.
func (db *DB) ConversationLabels(ctx context.Context, workspaceID, conversationID int64) ([]string, error) {
	if err := conversationExists(ctx, db.R, workspaceID, conversationID); err != nil {
		return nil, err
	}
	m, err := db.LabelsOfConversations(ctx, workspaceID, []int64{conversationID})
	return m[conversationID], err
}

// LabelsOfConversations reads the labels of many conversations in one
// query (every id present in the result, with at least an empty list),
// so a conversation list can show them.
func (db *DB) LabelsOfConversations(ctx context.Context, workspaceID int64, ids []int64) (map[int64][]string, error) {
	out := make(map[int64][]string, len(ids))
	for _, id := range ids {
		out[id] = []string{}
	}
	if len(ids) == 0 {
		return out, nil
	}
	args := []any{workspaceID}
	rows, err := db.R.QueryContext(ctx, `SELECT conversation_id, label FROM conversation_labels
		WHERE workspace_id = $1 AND conversation_id IN (`+inList(ids, &args)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var label string
		if err := rows.Scan(&id, &label); err != nil {
			return nil, err
		}
		out[id] = append(out[id], label)
	}
	for _, ls := range out {
		sort.Strings(ls) // in Go, not SQL: PostgreSQL's collation would order differently
	}
	return out, rows.Err()
}

func conversationExists(ctx context.Context, q queryer, workspaceID, conversationID int64) error {
	var one int
	return notFound(q.QueryRowContext(ctx, `SELECT 1 FROM conversations WHERE workspace_id = $1 AND id = $2`, workspaceID, conversationID).Scan(&one))
}

// SetConversationLabels replaces a conversation's labels with names, each
// of which must be in the catalogue. It returns the labels now on the
// conversation and whether anything changed.
func (db *DB) SetConversationLabels(ctx context.Context, workspaceID, conversationID int64, names []string) ([]string, bool, error) {
	want := []string{}
	for _, name := range names {
		n, err := domain.NormalizeLabel(name)
		if err != nil {
			return nil, false, err
		}
		if !slices.Contains(want, n) {
			want = append(want, n)
		}
	}
	if len(want) > domain.MaxConversationLabels {
		return nil, false, domain.Errorf(domain.CodeInvalidArgument, "Keep the labels that matter.", "%d labels; a conversation can carry at most %d", len(want), domain.MaxConversationLabels)
	}
	return db.changeLabels(ctx, workspaceID, conversationID, want, func(tx *Tx) (int64, error) {
		args := []any{workspaceID, conversationID}
		q := `DELETE FROM conversation_labels WHERE workspace_id = $1 AND conversation_id = $2`
		if len(want) > 0 {
			q += ` AND label NOT IN (` + inList(want, &args) + `)`
		}
		res, err := tx.tx.ExecContext(ctx, q, args...)
		if err != nil {
			return 0, err
		}
		removed, err := res.RowsAffected()
		if err != nil {
			return 0, err
		}
		added, err := tx.addLabels(ctx, workspaceID, conversationID, want)
		return removed + added, err
	})
}

// AddConversationLabel puts one catalogue label on a conversation.
func (db *DB) AddConversationLabel(ctx context.Context, workspaceID, conversationID int64, name string) ([]string, bool, error) {
	name, err := domain.NormalizeLabel(name)
	if err != nil {
		return nil, false, err
	}
	return db.changeLabels(ctx, workspaceID, conversationID, []string{name}, func(tx *Tx) (int64, error) {
		var n int
		err := tx.tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM conversation_labels WHERE conversation_id = $1 AND label <> $2`, conversationID, name).Scan(&n)
		if err == nil && n >= domain.MaxConversationLabels {
			err = domain.Errorf(domain.CodeInvalidArgument, "Remove a label first.", "a conversation can carry at most %d labels", domain.MaxConversationLabels)
		}
		if err != nil {
			return 0, err
		}
		return tx.addLabels(ctx, workspaceID, conversationID, []string{name})
	})
}

// RemoveConversationLabel takes a label off a conversation; one it does
// not carry changes nothing. The catalogue is not consulted, so a label
// set before it was catalogued can be removed too.
func (db *DB) RemoveConversationLabel(ctx context.Context, workspaceID, conversationID int64, name string) ([]string, bool, error) {
	name, err := domain.NormalizeLabel(name)
	if err != nil {
		return nil, false, err
	}
	return db.changeLabels(ctx, workspaceID, conversationID, nil, func(tx *Tx) (int64, error) {
		res, err := tx.tx.ExecContext(ctx, `DELETE FROM conversation_labels WHERE workspace_id = $1 AND conversation_id = $2 AND label = $3`, workspaceID, conversationID, name)
		if err != nil {
			return 0, err
		}
		return res.RowsAffected()
	})
}

// changeLabels runs change in a transaction after checking the
// conversation is the workspace's and every name in need is catalogued,
// and returns the resulting labels. Each statement of change is a set
// operation (no read-modify-write), so concurrent edits need no lock.
func (db *DB) changeLabels(ctx context.Context, workspaceID, conversationID int64, need []string, change func(*Tx) (int64, error)) ([]string, bool, error) {
	var labels []string
	var n int64
	err := db.WithTx(ctx, func(tx *Tx) error {
		if err := conversationExists(ctx, tx.tx, workspaceID, conversationID); err != nil {
			return err
		}
		if err := tx.requireLabels(ctx, workspaceID, need); err != nil {
			return err
		}
		var err error
		if n, err = change(tx); err != nil {
			return err
		}
		rows, err := tx.tx.QueryContext(ctx, `SELECT label FROM conversation_labels WHERE conversation_id = $1`, conversationID)
		if err != nil {
			return err
		}
		defer rows.Close()
		labels = []string{}
		for rows.Next() {
			var l string
			if err := rows.Scan(&l); err != nil {
				return err
			}
			labels = append(labels, l)
		}
		return rows.Err()
	})
	sort.Strings(labels)
	return labels, n > 0, err
}

// requireLabels refuses names that are not in the catalogue, naming them:
// labels on conversations come from the catalogue owners and admins keep,
// so a typo does not quietly start a new label.
func (tx *Tx) requireLabels(ctx context.Context, workspaceID int64, names []string) error {
	if len(names) == 0 {
		return nil
	}
	args := []any{workspaceID}
	rows, err := tx.tx.QueryContext(ctx, `SELECT name FROM labels WHERE workspace_id = $1 AND name IN (`+inList(names, &args)+`)`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	known := map[string]bool{}
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			return err
		}
		known[n] = true
	}
	if err := rows.Err(); err != nil {
		return err
	}
	var unknown []string
	for _, n := range names {
		if !known[n] {
			unknown = append(unknown, n)
		}
	}
	if len(unknown) == 0 {
		return nil
	}
	return domain.Errorf(domain.CodeInvalidArgument, "Create them first with POST /api/v1/labels (owners and admins), or pick from GET /api/v1/labels.",
		"not among the workspace's labels: %s", strings.Join(unknown, ", "))
}

// addLabels puts catalogued names on a conversation and counts the new ones.
func (tx *Tx) addLabels(ctx context.Context, workspaceID, conversationID int64, names []string) (int64, error) {
	if len(names) == 0 {
		return 0, nil
	}
	args := []any{workspaceID, conversationID}
	var values strings.Builder
	for i, n := range names {
		if i > 0 {
			values.WriteString(", ")
		}
		args = append(args, n)
		values.WriteString("($1, $2, " + placeholder(len(args)) + ")")
	}
	res, err := tx.tx.ExecContext(ctx, `INSERT INTO conversation_labels(workspace_id, conversation_id, label) VALUES `+values.String()+`
		ON CONFLICT (conversation_id, label) DO NOTHING`, args...)
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

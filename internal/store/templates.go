package store

import (
	"context"
	"strconv"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

const templateCols = `id, workspace_id, waba_id, meta_id, name, language, category, status, reason, quality, paused_until, components, parameter_format, ttl_seconds, created_at, updated_at`

func scanTemplate(row interface{ Scan(...any) error }) (domain.Template, error) {
	var t domain.Template
	var paused, created, updated int64
	err := row.Scan(&t.ID, &t.WorkspaceID, &t.WABAID, &t.MetaID, &t.Name, &t.Language, &t.Category, &t.Status, &t.Reason, &t.Quality,
		&paused, &t.Components, &t.ParameterFormat, &t.TTLSeconds, &created, &updated)
	t.PausedUntil, t.CreatedAt, t.UpdatedAt = domain.FromMillis(paused), domain.FromMillis(created), domain.FromMillis(updated)
	return t, notFound(err)
}

func scanTemplates(rows interface {
	Next() bool
	Scan(...any) error
	Err() error
	Close() error
}, err error) ([]domain.Template, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Template{}
	for rows.Next() {
		t, err := scanTemplate(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// UpsertTemplate inserts t or updates the template with the same
// (workspace, WABA, name, language), as a sync from Meta does. An empty
// MetaID or Quality keeps the stored one; empty Components are stored as
// "[]". TTLSeconds is stored as given: Meta lists a template's TTL only
// when one is set, so 0 from a sync means its default. CreatedAt is kept
// on update.
func (db *DB) UpsertTemplate(ctx context.Context, t domain.Template) (domain.Template, error) {
	if t.WorkspaceID == 0 || t.WABAID == "" || t.Name == "" || t.Language == "" {
		return t, domain.Errorf(domain.CodeInvalidArgument, "Give the template's WABA, name and language.", "template needs a workspace, WABA id, name and language")
	}
	components := t.Components
	if len(components) == 0 {
		components = []byte("[]")
	}
	quality := t.Quality
	if quality == "" {
		quality = "UNKNOWN"
	}
	now := db.now()
	return scanTemplate(db.W.QueryRowContext(ctx, `INSERT INTO templates(workspace_id, waba_id, meta_id, name, language, category, status, reason, quality, paused_until, components, parameter_format, ttl_seconds, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $15, $13, $13)
		ON CONFLICT (workspace_id, waba_id, name, language) DO UPDATE SET
		  meta_id = CASE WHEN excluded.meta_id <> '' THEN excluded.meta_id ELSE templates.meta_id END,
		  category = excluded.category,
		  status = excluded.status,
		  reason = excluded.reason,
		  quality = CASE WHEN $14 = '' THEN templates.quality ELSE excluded.quality END,
		  paused_until = excluded.paused_until,
		  components = excluded.components,
		  parameter_format = excluded.parameter_format,
		  ttl_seconds = excluded.ttl_seconds,
		  updated_at = excluded.updated_at
		RETURNING `+templateCols,
		t.WorkspaceID, clean(t.WABAID), clean(t.MetaID), clean(t.Name), clean(t.Language), clean(t.Category), clean(t.Status), clean(t.Reason), clean(quality),
		domain.Millis(t.PausedUntil), components, clean(t.ParameterFormat), now, clean(t.Quality), t.TTLSeconds))
}

// TemplateByID finds a template of one workspace.
func (db *DB) TemplateByID(ctx context.Context, workspaceID, id int64) (domain.Template, error) {
	return scanTemplate(db.R.QueryRowContext(ctx, `SELECT `+templateCols+` FROM templates WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// TemplateByName finds a template of one workspace by WABA, name and language.
func (db *DB) TemplateByName(ctx context.Context, workspaceID int64, wabaID, name, language string) (domain.Template, error) {
	return scanTemplate(db.R.QueryRowContext(ctx, `SELECT `+templateCols+` FROM templates WHERE workspace_id = $1 AND waba_id = $2 AND name = $3 AND language = $4`,
		workspaceID, wabaID, name, language))
}

// ListTemplates lists a workspace's templates by name, then language.
func (db *DB) ListTemplates(ctx context.Context, workspaceID int64) ([]domain.Template, error) {
	return scanTemplates(db.R.QueryContext(ctx, `SELECT `+templateCols+` FROM templates WHERE workspace_id = $1 ORDER BY name, language, waba_id, id`, workspaceID))
}

// SetTemplateTTL records a template's time-to-live after Meta accepted
// the edit, and returns the updated row. The range is not checked here:
// Meta is the authority, and templates.CheckTTL runs before the edit.
func (db *DB) SetTemplateTTL(ctx context.Context, workspaceID, id int64, ttl int) (domain.Template, error) {
	return scanTemplate(db.W.QueryRowContext(ctx, `UPDATE templates SET ttl_seconds = $1, updated_at = $2
		WHERE workspace_id = $3 AND id = $4 RETURNING `+templateCols, ttl, db.now(), workspaceID, id))
}

// DeleteTemplate removes a template of one workspace.
func (db *DB) DeleteTemplate(ctx context.Context, workspaceID, id int64) error {
	res, err := db.W.ExecContext(ctx, `DELETE FROM templates WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// SetTemplateStatus applies a message_template_status_update webhook to
// every workspace holding the template (webhooks are routed by WABA) and
// returns the changed rows, none if the template is unknown. The template is
// matched by metaID when given (and by wabaID too when that is given); if no
// row carries that id yet, rows of the WABA with the same name and language
// and no Meta id are matched and get it. Without metaID it matches by WABA,
// name and language. pausedUntil is stored as given (zero clears a pause).
func (tx *Tx) SetTemplateStatus(ctx context.Context, wabaID, metaID, name, language, status, reason string, pausedUntil time.Time) ([]domain.Template, error) {
	return tx.updateTemplates(ctx, `status = $1, reason = $2, paused_until = $3`, wabaID, metaID, name, language, clean(status), clean(reason), domain.Millis(pausedUntil))
}

// SetTemplateQuality applies a message_template_quality_update webhook,
// matching templates as SetTemplateStatus does, and returns the changed rows.
func (tx *Tx) SetTemplateQuality(ctx context.Context, wabaID, metaID, name, language, quality string) ([]domain.Template, error) {
	return tx.updateTemplates(ctx, `quality = $1`, wabaID, metaID, name, language, clean(quality))
}

// updateTemplates runs UPDATE templates SET <set> on the matched templates.
// set refers to vals as $1…$n; the update time and the match keys follow.
func (tx *Tx) updateTemplates(ctx context.Context, set, wabaID, metaID, name, language string, vals ...any) ([]domain.Template, error) {
	n := len(vals)
	p := func(i int) string { return "$" + strconv.Itoa(n+i) }
	set += `, updated_at = ` + p(1)
	with := func(extra ...any) []any { return append(append(append([]any{}, vals...), tx.now), extra...) }
	if metaID != "" {
		q := `UPDATE templates SET ` + set + ` WHERE meta_id = ` + p(2)
		args := with(metaID)
		if wabaID != "" {
			q += ` AND waba_id = ` + p(3)
			args = append(args, wabaID)
		}
		out, err := scanTemplates(tx.tx.QueryContext(ctx, q+` RETURNING `+templateCols, args...))
		if err != nil || len(out) > 0 || wabaID == "" || name == "" {
			return out, err
		}
		return scanTemplates(tx.tx.QueryContext(ctx, `UPDATE templates SET `+set+`, meta_id = `+p(2)+`
			WHERE waba_id = `+p(3)+` AND name = `+p(4)+` AND language = `+p(5)+` AND meta_id = '' RETURNING `+templateCols,
			with(metaID, wabaID, name, language)...))
	}
	return scanTemplates(tx.tx.QueryContext(ctx, `UPDATE templates SET `+set+`
		WHERE waba_id = `+p(2)+` AND name = `+p(3)+` AND language = `+p(4)+` RETURNING `+templateCols,
		with(wabaID, name, language)...))
}

package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// The columns of a media row without its bytes, which only MediaData
// reads.
const mediaCols = `id, workspace_id, COALESCE(message_id, 0), number_id, direction, meta_media_id, meta_at, mime_type,
	filename, size, sha256, status, error, attempts, created_by, created_at, updated_at`

func scanMedia(row interface{ Scan(...any) error }) (domain.Media, error) {
	var m domain.Media
	var dir, st string
	var metaAt, created, updated int64
	err := row.Scan(&m.ID, &m.WorkspaceID, &m.MessageID, &m.NumberID, &dir, &m.MetaMediaID, &metaAt, &m.MimeType,
		&m.Filename, &m.Size, &m.SHA256, &st, &m.Error, &m.Attempts, &m.CreatedBy, &created, &updated)
	m.Direction, m.Status = domain.Direction(dir), domain.MediaStatus(st)
	m.MetaAt, m.CreatedAt, m.UpdatedAt = domain.FromMillis(metaAt), domain.FromMillis(created), domain.FromMillis(updated)
	return m, notFound(err)
}

func hashHex(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// InsertMedia records a file without its bytes, in the caller's
// transaction: a customer's file, pending until it is downloaded (or
// failed at once when Meta said it cannot be).
func (tx *Tx) InsertMedia(ctx context.Context, m domain.Media) (domain.Media, error) {
	return scanMedia(tx.tx.QueryRowContext(ctx, `INSERT INTO media(workspace_id, message_id, number_id, direction, meta_media_id,
		mime_type, filename, status, error, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING `+mediaCols,
		m.WorkspaceID, nullID(m.MessageID), m.NumberID, string(m.Direction), m.MetaMediaID,
		clean(m.MimeType), clean(m.Filename), string(m.Status), clean(m.Error), tx.now))
}

// CreateMedia stores an uploaded file, ready to send. Size and SHA256 are
// those of data.
func (db *DB) CreateMedia(ctx context.Context, m domain.Media, data []byte) (domain.Media, error) {
	return scanMedia(db.W.QueryRowContext(ctx, `INSERT INTO media(workspace_id, number_id, direction, mime_type, filename,
		size, sha256, status, created_by, created_at, updated_at, data)
		VALUES ($1, 0, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10) RETURNING `+mediaCols,
		m.WorkspaceID, string(domain.Outbound), clean(m.MimeType), clean(m.Filename), len(data), hashHex(data),
		string(domain.MediaReady), m.CreatedBy, db.now(), data))
}

// MediaByID finds a file of one workspace, without its bytes.
func (db *DB) MediaByID(ctx context.Context, workspaceID, id int64) (domain.Media, error) {
	return scanMedia(db.R.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// MediaForJob finds a file by id alone, for the jobs that download and
// upload it.
func (db *DB) MediaForJob(ctx context.Context, id int64) (domain.Media, error) {
	return scanMedia(db.R.QueryRowContext(ctx, `SELECT `+mediaCols+` FROM media WHERE id = $1`, id))
}

// MediaData reads a file of one workspace with its bytes.
func (db *DB) MediaData(ctx context.Context, workspaceID, id int64) (domain.Media, []byte, error) {
	var data []byte
	var m domain.Media
	var err error
	row := db.R.QueryRowContext(ctx, `SELECT `+mediaCols+`, data FROM media WHERE workspace_id = $1 AND id = $2`, workspaceID, id)
	m, err = scanMedia(scanTail{row, &data})
	return m, data, err
}

// scanTail scans a mediaCols row followed by extra columns.
type scanTail struct {
	row   *sql.Row
	extra *[]byte
}

func (s scanTail) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra)...) }

// MediaOfMessages reads, in one query, the files of a page of messages:
// those linked by message id, and those named by id (the uploads that
// later sends reused through their payload's media_id).
func (db *DB) MediaOfMessages(ctx context.Context, workspaceID int64, messageIDs, mediaIDs []int64) ([]domain.Media, error) {
	if len(messageIDs) == 0 && len(mediaIDs) == 0 {
		return nil, nil
	}
	args := []any{workspaceID}
	var or []string
	if len(messageIDs) > 0 {
		or = append(or, `message_id IN (`+inList(messageIDs, &args)+`)`)
	}
	if len(mediaIDs) > 0 {
		or = append(or, `id IN (`+inList(mediaIDs, &args)+`)`)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT `+mediaCols+` FROM media WHERE workspace_id = $1 AND (`+strings.Join(or, ` OR `)+`)`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Media
	for rows.Next() {
		m, err := scanMedia(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, m)
	}
	return out, rows.Err()
}

// StoreMediaData saves a pending file's bytes and makes it ready. The
// type Meta announced is kept unless there was none (a download's
// Content-Type may be a CDN's generic one). ok is false when the file is
// no longer pending (a duplicate job got there first): nothing changes.
func (db *DB) StoreMediaData(ctx context.Context, id int64, mimeType string, data []byte) (m domain.Media, ok bool, err error) {
	m, err = scanMedia(db.W.QueryRowContext(ctx, `UPDATE media SET data = $2, size = $3, sha256 = $4, status = $5, error = '',
		mime_type = CASE WHEN mime_type = '' THEN $6 ELSE mime_type END, attempts = attempts + 1, updated_at = $7
		WHERE id = $1 AND status = $8 RETURNING `+mediaCols,
		id, data, len(data), hashHex(data), string(domain.MediaReady), clean(mimeType), db.now(), string(domain.MediaPending)))
	if domain.IsNotFound(err) {
		return m, false, nil
	}
	return m, err == nil, err
}

// NoteMediaFailure records a failed download attempt of a pending file:
// its error, readable by people, and, when final, gives up (failed).
// ok is false when the file is no longer pending.
func (db *DB) NoteMediaFailure(ctx context.Context, id int64, reason string, final bool) (m domain.Media, ok bool, err error) {
	st := domain.MediaPending
	if final {
		st = domain.MediaFailed
	}
	m, err = scanMedia(db.W.QueryRowContext(ctx, `UPDATE media SET status = $2, error = $3, attempts = attempts + 1, updated_at = $4
		WHERE id = $1 AND status = $5 RETURNING `+mediaCols, id, string(st), clean(reason), db.now(), string(domain.MediaPending)))
	if domain.IsNotFound(err) {
		return m, false, nil
	}
	return m, err == nil, err
}

// SetMediaMeta caches Meta's id of an upload for the number it was
// uploaded for; a send from another number uploads again and replaces it.
func (db *DB) SetMediaMeta(ctx context.Context, id, numberID int64, metaMediaID string) error {
	now := db.now()
	_, err := db.W.ExecContext(ctx, `UPDATE media SET number_id = $2, meta_media_id = $3, meta_at = $4, updated_at = $4 WHERE id = $1`,
		id, numberID, metaMediaID, now)
	return err
}

// LinkMedia links an upload to the first message that sends it, in that
// message's transaction; an upload already linked stays as it is.
func (tx *Tx) LinkMedia(ctx context.Context, workspaceID, mediaID, messageID int64) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE media SET message_id = $3, updated_at = $4
		WHERE workspace_id = $1 AND id = $2 AND message_id IS NULL`, workspaceID, mediaID, messageID, tx.now)
	return err
}

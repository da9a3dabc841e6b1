package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"fmt"
	"github.com/gohavi/gohavi/internal/domain"
	"strings"
)

// WebhookEvent is one raw webhook delivery as received.
type WebhookEvent struct {
	ID         int64
	Hash       []byte // SHA-256 of Body; byte-identical retries share it
	Body       []byte
	ReceivedAt int64
	Duplicate  bool // set by InsertWebhookEvents when Hash was already stored
}

// dedupBucket is the width, in milliseconds, of the retry-dedup window.
const dedupBucket = 3_600_000

// insertChunk bounds a multi-row INSERT well below both engines' parameter
// limits (SQLite 32766, PostgreSQL 65535).
const insertChunk = 1000

// InsertWebhookEvents stores a batch of raw deliveries in one transaction
// (group commit: one fsync for many requests) and reports, per event, its id
// or that it was a duplicate.
func (db *DB) InsertWebhookEvents(ctx context.Context, evs []*WebhookEvent) error {
	return db.WithTx(ctx, func(tx *Tx) error {
		for start := 0; start < len(evs); start += insertChunk {
			end := min(start+insertChunk, len(evs))
			if err := tx.insertWebhookChunk(ctx, evs[start:end]); err != nil {
				return err
			}
		}
		return nil
	})
}

func (tx *Tx) insertWebhookChunk(ctx context.Context, evs []*WebhookEvent) error {
	var sb strings.Builder
	sb.WriteString(`INSERT INTO webhook_events(received_at, dedup_hour, hash, body) VALUES `)
	args := make([]any, 0, len(evs)*4)
	byHash := make(map[string][]*WebhookEvent, len(evs))
	for _, ev := range evs {
		k := string(ev.Hash)
		if prev := byHash[k]; prev != nil {
			// A retry inside the same batch: one row, the rest are duplicates.
			byHash[k] = append(prev, ev)
			continue
		}
		byHash[k] = []*WebhookEvent{ev}
		if len(args) > 0 {
			sb.WriteByte(',')
		}
		if tx.db.Dialect == SQLite {
			sb.WriteString("(?,?,?,?)") // see anonymous: numbered parameters bind in quadratic time
		} else {
			n := len(args)
			fmt.Fprintf(&sb, "($%d,$%d,$%d,$%d)", n+1, n+2, n+3, n+4)
		}
		args = append(args, ev.ReceivedAt, ev.ReceivedAt/dedupBucket, ev.Hash, ev.Body)
	}
	sb.WriteString(` ON CONFLICT (dedup_hour, hash) DO NOTHING RETURNING id, hash`)
	for _, ev := range evs {
		ev.Duplicate, ev.ID = true, 0
	}
	rows, err := tx.tx.QueryContext(ctx, sb.String(), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var hash []byte
		if err := rows.Scan(&id, &hash); err != nil {
			return err
		}
		group := byHash[string(hash)]
		group[0].ID, group[0].Duplicate = id, false
	}
	return rows.Err()
}

// UnappliedWebhookEvents returns up to limit stored events not yet applied,
// with id > afterID, in id order; used at start to replay after a crash.
func (db *DB) UnappliedWebhookEvents(ctx context.Context, afterID int64, limit int) ([]WebhookEvent, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT id, hash, body, received_at FROM webhook_events WHERE applied_at IS NULL AND id > $1 ORDER BY id LIMIT $2`, afterID, limit)
	return scanWebhookEvents(rows, err)
}

func scanWebhookEvents(rows *sql.Rows, err error) ([]WebhookEvent, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []WebhookEvent
	for rows.Next() {
		var ev WebhookEvent
		if err := rows.Scan(&ev.ID, &ev.Hash, &ev.Body, &ev.ReceivedAt); err != nil {
			return nil, err
		}
		out = append(out, ev)
	}
	return out, rows.Err()
}

// MarkWebhookEventsApplied records that events were applied, inside the
// transaction that applied them so a crash cannot separate the two.
func (tx *Tx) MarkWebhookEventsApplied(ctx context.Context, ids []int64) error {
	for start := 0; start < len(ids); start += insertChunk {
		end := min(start+insertChunk, len(ids))
		var sb strings.Builder
		args := []any{tx.now}
		sb.WriteString(`UPDATE webhook_events SET applied_at = $1 WHERE id IN (`)
		for i, id := range ids[start:end] {
			if i > 0 {
				sb.WriteByte(',')
			}
			args = append(args, id)
			fmt.Fprintf(&sb, "$%d", len(args))
		}
		sb.WriteByte(')')
		if _, err := tx.tx.ExecContext(ctx, sb.String(), args...); err != nil {
			return err
		}
	}
	return nil
}

// CountWebhookEvents returns stored and still-unapplied event counts.
func (db *DB) CountWebhookEvents(ctx context.Context) (total, unapplied int64, err error) {
	err = db.R.QueryRowContext(ctx, `SELECT COUNT(*), COUNT(*) - COUNT(applied_at) FROM webhook_events`).Scan(&total, &unapplied)
	return total, unapplied, err
}

// ClaimUnappliedWebhookEvents returns up to limit unapplied events in id
// order for this transaction to apply. On PostgreSQL the rows are locked
// and rows locked by another node are skipped, so nodes share the backlog
// without applying an event twice.
func (tx *Tx) ClaimUnappliedWebhookEvents(ctx context.Context, limit int) ([]WebhookEvent, error) {
	q := qClaimEvents
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE SKIP LOCKED`
	}
	return scanWebhookEvents(tx.query(ctx, q, limit))
}

var qClaimEvents = hot(`SELECT id, hash, body, received_at FROM webhook_events WHERE applied_at IS NULL ORDER BY id LIMIT $1`)

// MarkWebhookEventFailed sets an event aside with the reason it could not
// be applied; the raw body stays for inspection and replay.
func (db *DB) MarkWebhookEventFailed(ctx context.Context, id int64, reason string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE webhook_events SET applied_at = $1, apply_error = $2 WHERE id = $3`, db.now(), reason, id)
	return err
}

// OldestUnappliedWebhook is when the oldest stored but unapplied event
// arrived (ok=false when none waits): how far the applier lags.
func (db *DB) OldestUnappliedWebhook(ctx context.Context) (at time.Time, ok bool, err error) {
	var ms int64
	err = db.R.QueryRowContext(ctx, `SELECT received_at FROM webhook_events WHERE applied_at IS NULL ORDER BY id LIMIT 1`).Scan(&ms)
	if errors.Is(err, sql.ErrNoRows) {
		return time.Time{}, false, nil
	}
	return domain.FromMillis(ms), err == nil, err
}

// MarkAllWebhookEventsApplied marks every pending event applied without
// applying it: for synthetic history (benchmarks), never for real traffic.
func (db *DB) MarkAllWebhookEventsApplied(ctx context.Context) error {
	_, err := db.W.ExecContext(ctx, `UPDATE webhook_events SET applied_at = received_at WHERE applied_at IS NULL`)
	return err
}

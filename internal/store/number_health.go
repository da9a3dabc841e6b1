package store

import (
	"context"
	"encoding/json"

	"github.com/gohavi/gohavi/internal/domain"
)

// UpdateNumber changes a number under a row lock (on PostgreSQL; SQLite
// has one writer): mutate sees the current state, and every field that
// changed is added to the number's history with source. It returns the
// number as stored and the events added.
func (db *DB) UpdateNumber(ctx context.Context, id int64, source string, mutate func(*domain.Number)) (domain.Number, []domain.NumberEvent, error) {
	var n domain.Number
	var events []domain.NumberEvent
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		n, events, err = tx.UpdateNumber(ctx, id, source, mutate)
		return err
	})
	return n, events, err
}

// UpdateNumber is the in-transaction form of DB.UpdateNumber.
func (tx *Tx) UpdateNumber(ctx context.Context, id int64, source string, mutate func(*domain.Number)) (domain.Number, []domain.NumberEvent, error) {
	q := `SELECT ` + numberCols + ` FROM numbers WHERE id = $1`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	old, err := scanNumber(tx.tx.QueryRowContext(ctx, q, id))
	if err != nil {
		return old, nil, err
	}
	n := old
	n.Health.Issues = append([]domain.HealthIssue(nil), old.Health.Issues...)
	mutate(&n)
	health, err := json.Marshal(n.Health)
	if err != nil {
		return old, nil, err
	}
	var disconnected int64
	if !n.DisconnectedAt.IsZero() {
		disconnected = domain.Millis(n.DisconnectedAt)
	}
	if _, err := tx.tx.ExecContext(ctx, `UPDATE numbers SET display_phone_number = $1, verified_name = $2, quality_rating = $3, health = $4,
		disconnected_at = $5, callback_override = $6, updated_at = $7 WHERE id = $8`,
		clean(n.DisplayPhoneNumber), clean(n.VerifiedName), clean(n.QualityRating), string(health), disconnected, clean(n.CallbackOverride), tx.now, id); err != nil {
		return old, nil, err
	}
	n.UpdatedAt = domain.FromMillis(tx.now)
	events := domain.NumberChanges(old, n)
	return n, events, tx.addNumberEvents(ctx, n, events, source)
}

// AddNumberEvent records an event that is not a field change (a profile
// edit, a tier change of the number's portfolio, an OBA request).
func (tx *Tx) AddNumberEvent(ctx context.Context, n domain.Number, e domain.NumberEvent) error {
	return tx.addNumberEvents(ctx, n, []domain.NumberEvent{e}, e.Source)
}

func (tx *Tx) addNumberEvents(ctx context.Context, n domain.Number, events []domain.NumberEvent, source string) error {
	for i := range events {
		e := &events[i]
		e.WorkspaceID, e.NumberID, e.At, e.Source = n.WorkspaceID, n.ID, domain.FromMillis(tx.now), source
		if err := tx.tx.QueryRowContext(ctx, `INSERT INTO number_events(workspace_id, number_id, at, kind, from_value, to_value, detail, source)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
			n.WorkspaceID, n.ID, tx.now, e.Kind, clean(e.From), clean(e.To), clean(e.Detail), clean(source)).Scan(&e.ID); err != nil {
			return err
		}
	}
	return nil
}

// NumberEvents lists a number's history, newest first.
func (db *DB) NumberEvents(ctx context.Context, workspaceID, numberID int64, limit int) ([]domain.NumberEvent, error) {
	if limit <= 0 || limit > 500 {
		limit = 100
	}
	rows, err := db.R.QueryContext(ctx, `SELECT id, workspace_id, number_id, at, kind, from_value, to_value, detail, source FROM number_events
		WHERE workspace_id = $1 AND number_id = $2 ORDER BY at DESC, id DESC LIMIT $3`, workspaceID, numberID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.NumberEvent{}
	for rows.Next() {
		var e domain.NumberEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.WorkspaceID, &e.NumberID, &at, &e.Kind, &e.From, &e.To, &e.Detail, &e.Source); err != nil {
			return nil, err
		}
		e.At = domain.FromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

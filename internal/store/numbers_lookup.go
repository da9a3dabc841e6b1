package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gohavi/gohavi/internal/domain"
)

// NumbersByWABA lists every number stored under a WABA, in every
// workspace, connected or not, oldest first: management webhooks name the
// WABA (and a display number), never a phone_number_id. On PostgreSQL the
// rows stay locked until the transaction ends, always in id order, so that
// a webhook and its replay applied side by side see each other's history
// instead of both recording the same change. An empty wabaID matches
// nothing.
func (tx *Tx) NumbersByWABA(ctx context.Context, wabaID string) ([]domain.Number, error) {
	if wabaID == "" {
		return nil, nil
	}
	q := `SELECT ` + numberCols + ` FROM numbers WHERE waba_id = $1 ORDER BY id`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	rows, err := tx.tx.QueryContext(ctx, q, wabaID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Number
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// LastNumberEvent returns the number's latest event of kind; found is
// false when its history has none. It lets a caller record an event that
// is not a field change (AddNumberEvent) only when the value moved.
func (tx *Tx) LastNumberEvent(ctx context.Context, numberID int64, kind string) (e domain.NumberEvent, found bool, err error) {
	var at int64
	err = tx.tx.QueryRowContext(ctx, `SELECT id, workspace_id, number_id, at, kind, from_value, to_value, detail, source FROM number_events
		WHERE number_id = $1 AND kind = $2 ORDER BY at DESC, id DESC LIMIT 1`, numberID, kind).
		Scan(&e.ID, &e.WorkspaceID, &e.NumberID, &at, &e.Kind, &e.From, &e.To, &e.Detail, &e.Source)
	if errors.Is(err, sql.ErrNoRows) {
		return domain.NumberEvent{}, false, nil
	}
	if err != nil {
		return domain.NumberEvent{}, false, err
	}
	e.At = domain.FromMillis(at)
	return e, true, nil
}

// RecordNumberEvent is AddNumberEvent returning the event as stored (id,
// time, number and workspace filled in), for callers that publish it.
func (tx *Tx) RecordNumberEvent(ctx context.Context, n domain.Number, e domain.NumberEvent) (domain.NumberEvent, error) {
	events := []domain.NumberEvent{e}
	if err := tx.addNumberEvents(ctx, n, events, e.Source); err != nil {
		return e, err
	}
	return events[0], nil
}

// PortfolioTier is DB.PortfolioTier inside a transaction: "" and no error
// for a portfolio never recorded.
func (tx *Tx) PortfolioTier(ctx context.Context, portfolio string) (string, error) {
	var tier string
	err := tx.tx.QueryRowContext(ctx, `SELECT tier FROM portfolios WHERE id = $1`, portfolio).Scan(&tier)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return tier, err
}

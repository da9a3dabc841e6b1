package store

import (
	"context"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// PairBucket loads the (number, contact) pair-rate bucket for update: on
// PostgreSQL the row is locked until the transaction ends, so two nodes
// sending to the same customer take turns. A missing bucket is zero.
func (tx *Tx) PairBucket(ctx context.Context, numberID, contactID int64) (tokens float64, at time.Time, err error) {
	if tx.db.Dialect == Postgres {
		// Lock a row that exists: FOR UPDATE cannot lock a missing one.
		if _, err := tx.exec(ctx, qPairEnsure, numberID, contactID); err != nil {
			return 0, time.Time{}, err
		}
	}
	q := qPairSelect
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var ms int64
	err = tx.tx.QueryRowContext(ctx, q, numberID, contactID).Scan(&tokens, &ms)
	if err != nil {
		if domain.IsNotFound(notFound(err)) {
			return 0, time.Time{}, nil
		}
		return 0, time.Time{}, err
	}
	return tokens, domain.FromMillis(ms), nil
}

var (
	qPairEnsure = hot(`INSERT INTO pair_buckets(number_id, contact_id, tokens, at) VALUES ($1, $2, 0, 0) ON CONFLICT (number_id, contact_id) DO NOTHING`)
	qPairSelect = `SELECT tokens, at FROM pair_buckets WHERE number_id = $1 AND contact_id = $2`
)

// SavePairBucket stores the bucket after a take.
func (tx *Tx) SavePairBucket(ctx context.Context, numberID, contactID int64, tokens float64, at time.Time) error {
	_, err := tx.exec(ctx, qPairSave, numberID, contactID, tokens, domain.Millis(at))
	return err
}

var qPairSave = hot(`INSERT INTO pair_buckets(number_id, contact_id, tokens, at) VALUES ($1, $2, $3, $4)
		ON CONFLICT (number_id, contact_id) DO UPDATE SET tokens = excluded.tokens, at = excluded.at`)

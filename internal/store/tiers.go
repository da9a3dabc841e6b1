package store

import (
	"context"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// TierWindow is the rolling window of Meta's messaging limit: a customer
// counts against a portfolio's tier for 24 hours after they were last
// reached by a business-initiated message.
const TierWindow = 24 * time.Hour

// qTierUsage counts the customers reached after $3 (now - 24 h), whether
// $2 is one of them, and the oldest such reach.
var qTierUsage = hot(`SELECT COUNT(*), COALESCE(MAX(CASE WHEN wa_id = $2 THEN 1 ELSE 0 END), 0), COALESCE(MIN(reached_at), 0)
		FROM tier_slots WHERE portfolio = $1 AND reached_at > $3`)

// qTierLock (PostgreSQL only) serialises TakeTierSlot per portfolio until
// commit. The two-key form with class 7243 keeps it apart from single-key
// locks such as the migration lock.
const qTierLock = `SELECT pg_advisory_xact_lock(7243, hashtext($1))`

var qTakeTierSlot = hot(`INSERT INTO tier_slots(portfolio, wa_id, reached_at) VALUES ($1, $2, $3)
		ON CONFLICT (portfolio, wa_id) DO UPDATE SET
		  reached_at = CASE WHEN excluded.reached_at > tier_slots.reached_at THEN excluded.reached_at ELSE tier_slots.reached_at END`)

func scanTierUsage(row interface{ Scan(...any) error }) (used int, counted bool, nextSlot time.Time, err error) {
	var c, oldest int64
	if err = row.Scan(&used, &c, &oldest); err != nil {
		return 0, false, time.Time{}, err
	}
	if used > 0 {
		nextSlot = domain.FromMillis(oldest).Add(TierWindow)
	}
	return used, c != 0, nextSlot, nil
}

// TierUsage reports, at now, how many unique customers the portfolio has
// reached in the last 24 hours (a reach at T counts until, not including,
// T+24h), whether waID is one of them, and when the oldest of them stops
// counting (zero when none count).
func (db *DB) TierUsage(ctx context.Context, portfolio, waID string, now time.Time) (used int, counted bool, nextSlot time.Time, err error) {
	return scanTierUsage(db.R.QueryRowContext(ctx, qTierUsage, portfolio, waID, domain.Millis(now.Add(-TierWindow))))
}

// TierUsage is DB.TierUsage inside a transaction.
func (tx *Tx) TierUsage(ctx context.Context, portfolio, waID string, now time.Time) (used int, counted bool, nextSlot time.Time, err error) {
	return scanTierUsage(tx.queryRow(ctx, qTierUsage, portfolio, waID, domain.Millis(now.Add(-TierWindow))))
}

// TakeTierSlot records that waID is reached at now, if the portfolio's
// limit allows it: a customer already counted is always allowed (and their
// reach refreshed); a new one only while fewer than limit customers count.
// limit < 0 means unlimited (the reach is still recorded); limit 0 admits
// no new customer. It is exact under concurrency: SQLite's single writer
// serialises transactions, and on PostgreSQL a transaction-scoped advisory
// lock keyed by the portfolio is held until commit.
func (tx *Tx) TakeTierSlot(ctx context.Context, portfolio, waID string, now time.Time, limit int) (bool, error) {
	if tx.db.Dialect == Postgres {
		if _, err := tx.exec(ctx, qTierLock, portfolio); err != nil {
			return false, err
		}
	}
	used, counted, _, err := tx.TierUsage(ctx, portfolio, waID, now)
	if err != nil {
		return false, err
	}
	if !counted && limit >= 0 && used >= limit {
		return false, nil
	}
	if _, err := tx.exec(ctx, qTakeTierSlot, portfolio, waID, domain.Millis(now)); err != nil {
		return false, err
	}
	return true, nil
}

// DeleteOldTierSlots removes reaches older than before (callers pass
// now - TierWindow or earlier: such rows no longer count).
func (db *DB) DeleteOldTierSlots(ctx context.Context, before time.Time) (int64, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM tier_slots WHERE reached_at < $1`, domain.Millis(before))
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// SetPortfolioTier records a portfolio's messaging tier ("TIER_250" …
// "TIER_UNLIMITED", "" unknown).
func (db *DB) SetPortfolioTier(ctx context.Context, portfolio, tier string) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO portfolios(id, tier, updated_at) VALUES ($1, $2, $3)
		ON CONFLICT (id) DO UPDATE SET tier = excluded.tier, updated_at = excluded.updated_at`, portfolio, clean(tier), db.now())
	return err
}

// PortfolioTier returns a portfolio's tier; an unknown portfolio has tier
// "" and no error.
func (db *DB) PortfolioTier(ctx context.Context, portfolio string) (string, error) {
	var tier string
	err := db.R.QueryRowContext(ctx, `SELECT tier FROM portfolios WHERE id = $1`, portfolio).Scan(&tier)
	if domain.IsNotFound(notFound(err)) {
		return "", nil
	}
	return tier, err
}

package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

const numberCols = `id, workspace_id, waba_id, phone_number_id, display_phone_number, verified_name, quality_rating, access_token_enc, sandbox, created_at, updated_at, health, disconnected_at, callback_override`

func scanNumber(row interface{ Scan(...any) error }) (domain.Number, error) {
	var n domain.Number
	var created, updated, disconnected int64
	var health string
	err := row.Scan(&n.ID, &n.WorkspaceID, &n.WABAID, &n.PhoneNumberID, &n.DisplayPhoneNumber, &n.VerifiedName, &n.QualityRating, &n.AccessTokenEnc, &n.Sandbox, &created, &updated,
		&health, &disconnected, &n.CallbackOverride)
	n.CreatedAt, n.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	if disconnected > 0 {
		n.DisconnectedAt = domain.FromMillis(disconnected)
	}
	if err == nil && health != "" {
		// Written only by this package from a domain.NumberHealth; an
		// unreadable value (hand-edited) reads as nothing known.
		_ = json.Unmarshal([]byte(health), &n.Health)
	}
	return n, notFound(err)
}

// CreateNumber connects a business number. A phone number id can belong to
// one workspace only, because webhooks are routed by it. Connecting again
// a number this workspace disconnected reconnects it, history and all.
func (db *DB) CreateNumber(ctx context.Context, n domain.Number) (domain.Number, error) {
	var out domain.Number
	err := db.WithTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.CreateNumber(ctx, n, "connect")
		return err
	})
	return out, err
}

// CreateNumber is the in-transaction form; source names what connected it
// in the number's history.
func (tx *Tx) CreateNumber(ctx context.Context, n domain.Number, source string) (domain.Number, error) {
	health, err := json.Marshal(n.Health)
	if err != nil {
		return n, err
	}
	old, err := scanNumber(tx.tx.QueryRowContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE phone_number_id = $1`, n.PhoneNumberID))
	switch {
	case err == nil && (old.WorkspaceID != n.WorkspaceID || old.Connected()):
		return n, domain.Errorf(domain.CodeConflict, "Each phone number can be connected once; disconnect it first.", "phone number %s is already connected", n.PhoneNumberID)
	case err == nil:
		n.ID, n.CreatedAt = old.ID, old.CreatedAt
		_, err = tx.tx.ExecContext(ctx, `UPDATE numbers SET waba_id = $1, display_phone_number = $2, verified_name = $3, quality_rating = $4, access_token_enc = $5,
			sandbox = $6, health = $7, disconnected_at = 0, callback_override = $8, updated_at = $9 WHERE id = $10`,
			n.WABAID, clean(n.DisplayPhoneNumber), clean(n.VerifiedName), clean(n.QualityRating), n.AccessTokenEnc, n.Sandbox, string(health), clean(n.CallbackOverride), tx.now, n.ID)
	case domain.IsNotFound(err):
		old = domain.Number{DisconnectedAt: domain.FromMillis(tx.now)} // so the history starts with "connected"
		err = tx.tx.QueryRowContext(ctx, `INSERT INTO numbers(workspace_id, waba_id, phone_number_id, display_phone_number, verified_name, quality_rating, access_token_enc, sandbox, created_at, updated_at, health, callback_override)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9, $10, $11) RETURNING id`,
			n.WorkspaceID, n.WABAID, n.PhoneNumberID, clean(n.DisplayPhoneNumber), clean(n.VerifiedName), clean(n.QualityRating), n.AccessTokenEnc, n.Sandbox, tx.now, string(health), clean(n.CallbackOverride)).Scan(&n.ID)
		n.CreatedAt = domain.FromMillis(tx.now)
	}
	if isUniqueViolation(err) {
		return n, domain.Errorf(domain.CodeConflict, "Each phone number can be connected once; disconnect it first.", "phone number %s is already connected", n.PhoneNumberID)
	}
	if err != nil {
		return n, err
	}
	n.UpdatedAt, n.DisconnectedAt = domain.FromMillis(tx.now), time.Time{}
	return n, tx.addNumberEvents(ctx, n, domain.NumberChanges(old, n), source)
}

// ListNumbers lists a workspace's numbers, oldest first.
func (db *DB) ListNumbers(ctx context.Context, workspaceID int64) ([]domain.Number, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE workspace_id = $1 ORDER BY id`, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.Number{}
	for rows.Next() {
		n, err := scanNumber(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, n)
	}
	return out, rows.Err()
}

// ConnectedNumbers lists a workspace's numbers in use, oldest first: the
// ones to send from, sync and refresh.
func (db *DB) ConnectedNumbers(ctx context.Context, workspaceID int64) ([]domain.Number, error) {
	all, err := db.ListNumbers(ctx, workspaceID)
	out := all[:0]
	for _, n := range all {
		if n.Connected() {
			out = append(out, n)
		}
	}
	return out, err
}

// NumberByID finds a number of one workspace.
func (db *DB) NumberByID(ctx context.Context, workspaceID, id int64) (domain.Number, error) {
	return scanNumber(db.R.QueryRowContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// NumberByPhoneNumberID routes a webhook to its number, across workspaces.
func (db *DB) NumberByPhoneNumberID(ctx context.Context, phoneNumberID string) (domain.Number, error) {
	return scanNumber(db.R.QueryRowContext(ctx, `SELECT `+numberCols+` FROM numbers WHERE phone_number_id = $1`, phoneNumberID))
}

// NumberByPhoneNumberID is the in-transaction form of the webhook routing
// lookup.
func (tx *Tx) NumberByPhoneNumberID(ctx context.Context, phoneNumberID string) (domain.Number, error) {
	return scanNumber(tx.queryRow(ctx, qNumberByPNID, phoneNumberID))
}

var qNumberByPNID = hot(`SELECT ` + numberCols + ` FROM numbers WHERE phone_number_id = $1`)

// WorkspacesWithNumbers lists the workspaces that have a connected number,
// for jobs that visit every account (template sync).
func (db *DB) WorkspacesWithNumbers(ctx context.Context) ([]int64, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT DISTINCT workspace_id FROM numbers WHERE disconnected_at = 0 ORDER BY workspace_id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, err
		}
		out = append(out, id)
	}
	return out, rows.Err()
}

// UpdateNumberHealth records what Meta last said about a number's names
// and quality (see UpdateNumber for the rest).
func (db *DB) UpdateNumberHealth(ctx context.Context, id int64, displayPhone, verifiedName, quality string) error {
	_, _, err := db.UpdateNumber(ctx, id, "refresh", func(n *domain.Number) {
		n.DisplayPhoneNumber, n.VerifiedName, n.QualityRating = displayPhone, verifiedName, quality
	})
	return err
}

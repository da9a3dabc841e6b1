package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

const numberCols = `id, workspace_id, waba_id, phone_number_id, display_phone_number, verified_name, quality_rating, access_token_enc, sandbox, created_at, updated_at`

func scanNumber(row interface{ Scan(...any) error }) (domain.Number, error) {
	var n domain.Number
	var created, updated int64
	err := row.Scan(&n.ID, &n.WorkspaceID, &n.WABAID, &n.PhoneNumberID, &n.DisplayPhoneNumber, &n.VerifiedName, &n.QualityRating, &n.AccessTokenEnc, &n.Sandbox, &created, &updated)
	n.CreatedAt, n.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return n, notFound(err)
}

// CreateNumber connects a business number. A phone number id can belong to
// one workspace only, because webhooks are routed by it.
func (db *DB) CreateNumber(ctx context.Context, n domain.Number) (domain.Number, error) {
	now := db.now()
	err := db.W.QueryRowContext(ctx, `INSERT INTO numbers(workspace_id, waba_id, phone_number_id, display_phone_number, verified_name, quality_rating, access_token_enc, sandbox, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9) RETURNING id`,
		n.WorkspaceID, n.WABAID, n.PhoneNumberID, n.DisplayPhoneNumber, n.VerifiedName, n.QualityRating, n.AccessTokenEnc, n.Sandbox, now).Scan(&n.ID)
	if isUniqueViolation(err) {
		return n, domain.Errorf(domain.CodeConflict, "Each phone number can be connected once; disconnect it first.", "phone number %s is already connected", n.PhoneNumberID)
	}
	n.CreatedAt, n.UpdatedAt = domain.FromMillis(now), domain.FromMillis(now)
	return n, err
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
	rows, err := db.R.QueryContext(ctx, `SELECT DISTINCT workspace_id FROM numbers ORDER BY workspace_id`)
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

// UpdateNumberHealth records what Meta last said about a number.
func (db *DB) UpdateNumberHealth(ctx context.Context, id int64, displayPhone, verifiedName, quality string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE numbers SET display_phone_number = $1, verified_name = $2, quality_rating = $3, updated_at = $4 WHERE id = $5`,
		clean(displayPhone), clean(verifiedName), clean(quality), db.now(), id)
	return err
}

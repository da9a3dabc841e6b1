package store

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

const contactCols = `id, workspace_id, wa_id, phone, name, created_at, updated_at`

func scanContact(row interface{ Scan(...any) error }) (domain.Contact, error) {
	var c domain.Contact
	var created, updated int64
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.WaID, &c.Phone, &c.Name, &created, &updated)
	c.CreatedAt, c.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return c, notFound(err)
}

// UpsertContact finds or creates the contact with waID. A non-empty name
// replaces the stored one: WhatsApp profile names change.
func (tx *Tx) UpsertContact(ctx context.Context, workspaceID int64, waID, phone, name string) (domain.Contact, error) {
	waID, name = clean(waID), clean(name)
	// Most messages come from known contacts whose name is unchanged: a
	// read, where an upsert would rewrite the row every time.
	c, err := scanContact(tx.queryRow(ctx, qContactByWaID, workspaceID, waID))
	if err == nil && (name == "" || name == c.Name) {
		return c, nil
	}
	if err != nil && !domain.IsNotFound(err) {
		return c, err
	}
	return scanContact(tx.queryRow(ctx, qUpsertContact, workspaceID, waID, clean(phone), name, tx.now))
}

var qContactByWaID = hot(`SELECT ` + contactCols + ` FROM contacts WHERE workspace_id = $1 AND wa_id = $2`)

var qUpsertContact = hot(`INSERT INTO contacts(workspace_id, wa_id, phone, name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5)
		ON CONFLICT (workspace_id, wa_id) DO UPDATE SET
		  name = CASE WHEN excluded.name <> '' THEN excluded.name ELSE contacts.name END,
		  updated_at = CASE WHEN excluded.name <> '' AND excluded.name <> contacts.name THEN excluded.updated_at ELSE contacts.updated_at END
		RETURNING ` + contactCols)

// ContactByWaID finds a contact of one workspace by WhatsApp id.
func (db *DB) ContactByWaID(ctx context.Context, workspaceID int64, waID string) (domain.Contact, error) {
	return scanContact(db.R.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE workspace_id = $1 AND wa_id = $2`, workspaceID, waID))
}

// ContactByID finds a contact of one workspace.
func (db *DB) ContactByID(ctx context.Context, workspaceID, id int64) (domain.Contact, error) {
	return scanContact(db.R.QueryRowContext(ctx, `SELECT `+contactCols+` FROM contacts WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

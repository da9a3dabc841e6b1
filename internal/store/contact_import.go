package store

import (
	"context"
	"encoding/json"
	"maps"

	"github.com/gohavi/gohavi/internal/domain"
)

// ContactImport is one contact of a spreadsheet import.
type ContactImport struct {
	WaID, Phone, Name string
	Tags              []string
	Attributes        map[string]string
	OptInFrom         string // "" = no consent to record
	Evidence          string
}

// ImportContacts creates or updates contacts in one transaction: a failure
// imports none. An existing contact keeps its name unless the row has
// one, gains the row's tags, and has the row's attributes merged over its
// own. An opt-in is added to the consent ledger once (a re-import of the
// same file records nothing twice).
func (db *DB) ImportContacts(ctx context.Context, workspaceID int64, rows []ContactImport, actor string) (imported, updated int, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		imported, updated = 0, 0
		for _, r := range rows {
			inserted, id, err := tx.importContact(ctx, workspaceID, r)
			if err != nil {
				return err
			}
			if inserted {
				imported++
			} else {
				updated++
			}
			for _, t := range r.Tags {
				if _, err := tx.tx.ExecContext(ctx, `INSERT INTO contact_tags(workspace_id, contact_id, tag) VALUES ($1, $2, $3)
					ON CONFLICT (contact_id, tag) DO NOTHING`, workspaceID, id, clean(t)); err != nil {
					return err
				}
			}
			if r.OptInFrom != "" {
				if _, err := tx.AddConsentEventOnce(ctx, domain.ConsentEvent{WorkspaceID: workspaceID, ContactID: id, Action: domain.ConsentOptIn,
					Source: "import", Wording: clean(r.OptInFrom), Evidence: clean(r.Evidence), Actor: actor}); err != nil {
					return err
				}
			}
		}
		return nil
	})
	return imported, updated, err
}

func (tx *Tx) importContact(ctx context.Context, workspaceID int64, r ContactImport) (bool, int64, error) {
	var id int64
	var name, attrs string
	err := tx.tx.QueryRowContext(ctx, `SELECT id, name, attributes FROM contacts WHERE workspace_id = $1 AND wa_id = $2`, workspaceID, r.WaID).Scan(&id, &name, &attrs)
	if err = notFound(err); domain.IsNotFound(err) {
		b, _ := json.Marshal(nonNilMap(r.Attributes))
		err = tx.tx.QueryRowContext(ctx, `INSERT INTO contacts(workspace_id, wa_id, phone, name, attributes, created_at, updated_at)
			VALUES ($1, $2, $3, $4, $5, $6, $6) RETURNING id`, workspaceID, clean(r.WaID), clean(r.Phone), clean(r.Name), clean(string(b)), tx.now).Scan(&id)
		return true, id, err
	}
	if err != nil {
		return false, 0, err
	}
	merged := map[string]string{}
	_ = json.Unmarshal([]byte(attrs), &merged)
	maps.Copy(merged, r.Attributes)
	if r.Name != "" {
		name = r.Name
	}
	b, _ := json.Marshal(merged)
	_, err = tx.tx.ExecContext(ctx, `UPDATE contacts SET name = $1, attributes = $2, updated_at = $3 WHERE id = $4`, clean(name), clean(string(b)), tx.now, id)
	return false, id, err
}

func nonNilMap(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

// ContactTags lists a contact's tags, sorted.
func (db *DB) ContactTags(ctx context.Context, workspaceID, contactID int64) ([]string, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT tag FROM contact_tags WHERE workspace_id = $1 AND contact_id = $2 ORDER BY tag`, workspaceID, contactID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []string{}
	for rows.Next() {
		var t string
		if err := rows.Scan(&t); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// ContactAttributes reads a contact's attributes.
func (db *DB) ContactAttributes(ctx context.Context, workspaceID, contactID int64) (map[string]string, error) {
	var raw string
	err := db.R.QueryRowContext(ctx, `SELECT attributes FROM contacts WHERE workspace_id = $1 AND id = $2`, workspaceID, contactID).Scan(&raw)
	if err != nil {
		return nil, notFound(err)
	}
	out := map[string]string{}
	return out, json.Unmarshal([]byte(raw), &out)
}

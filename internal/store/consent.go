package store

import (
	"context"
	"database/sql"
	"errors"

	"github.com/gohavi/gohavi/internal/domain"
)

const consentCols = `id, workspace_id, contact_id, action, source, wording, evidence, actor, created_at`

func scanConsentEvent(row interface{ Scan(...any) error }) (domain.ConsentEvent, error) {
	var e domain.ConsentEvent
	var created int64
	err := row.Scan(&e.ID, &e.WorkspaceID, &e.ContactID, &e.Action, &e.Source, &e.Wording, &e.Evidence, &e.Actor, &created)
	e.CreatedAt = domain.FromMillis(created)
	return e, notFound(err)
}

// AddConsentEvent appends e to the contact's consent ledger at the
// transaction's time. The action must be one of the domain.Consent*
// actions and the source non-empty (CodeInvalidArgument); a contact of
// another workspace is domain.ErrNotFound.
func (tx *Tx) AddConsentEvent(ctx context.Context, e domain.ConsentEvent) (domain.ConsentEvent, error) {
	if !domain.ValidConsentAction(e.Action) {
		return e, domain.Errorf(domain.CodeInvalidArgument, "Use opt_in, opt_out, opt_out_marketing or opt_in_marketing.", "unknown consent action %q", e.Action)
	}
	if e.Source == "" {
		return e, domain.Errorf(domain.CodeInvalidArgument, "Say where the consent came from.", "consent event needs a source")
	}
	var id int64
	if err := tx.queryRow(ctx, qContactInWorkspace, e.WorkspaceID, e.ContactID).Scan(&id); err != nil {
		return e, notFound(err)
	}
	return scanConsentEvent(tx.queryRow(ctx, qAddConsent, e.WorkspaceID, e.ContactID, e.Action, clean(e.Source), clean(e.Wording), clean(e.Evidence), clean(e.Actor), tx.now))
}

var qContactInWorkspace = hot(`SELECT id FROM contacts WHERE workspace_id = $1 AND id = $2`)

var qAddConsent = hot(`INSERT INTO consent_events(workspace_id, contact_id, action, source, wording, evidence, actor, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING ` + consentCols)

// AddConsentEvent appends e to the ledger in its own transaction.
func (db *DB) AddConsentEvent(ctx context.Context, e domain.ConsentEvent) (out domain.ConsentEvent, err error) {
	err = db.WithTx(ctx, func(tx *Tx) error {
		out, err = tx.AddConsentEvent(ctx, e)
		return err
	})
	return out, err
}

// ConsentEvents returns a contact's ledger, oldest first. A contact of
// another workspace is domain.ErrNotFound.
func (db *DB) ConsentEvents(ctx context.Context, workspaceID, contactID int64) ([]domain.ConsentEvent, error) {
	var id int64
	if err := db.R.QueryRowContext(ctx, qContactInWorkspace, workspaceID, contactID).Scan(&id); err != nil {
		return nil, notFound(err)
	}
	rows, err := db.R.QueryContext(ctx, `SELECT `+consentCols+` FROM consent_events WHERE contact_id = $1 AND workspace_id = $2 ORDER BY id`, contactID, workspaceID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.ConsentEvent{}
	for rows.Next() {
		e, err := scanConsentEvent(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// qContactConsent lists a contact's ledger actions oldest first; a contact
// with no events yields one row of NULLs, a foreign or unknown one none.
var qContactConsent = hot(`SELECT e.action, e.created_at FROM contacts c LEFT JOIN consent_events e ON e.contact_id = c.id
		WHERE c.workspace_id = $1 AND c.id = $2 ORDER BY e.id`)

// ContactConsent folds a contact's ledger (domain.Consent). A contact of
// another workspace is domain.ErrNotFound.
func (db *DB) ContactConsent(ctx context.Context, workspaceID, contactID int64) (domain.ConsentState, error) {
	return foldConsent(db.R.QueryContext(ctx, qContactConsent, workspaceID, contactID))
}

// ContactConsent is DB.ContactConsent inside a transaction (the send path
// checks consent and takes a tier slot atomically).
func (tx *Tx) ContactConsent(ctx context.Context, workspaceID, contactID int64) (domain.ConsentState, error) {
	return foldConsent(tx.query(ctx, qContactConsent, workspaceID, contactID))
}

func foldConsent(rows *sql.Rows, err error) (domain.ConsentState, error) {
	if err != nil {
		return domain.ConsentState{}, err
	}
	defer rows.Close()
	var events []domain.ConsentEvent
	found := false
	for rows.Next() {
		found = true
		var action sql.NullString
		var at sql.NullInt64
		if err := rows.Scan(&action, &at); err != nil {
			return domain.ConsentState{}, err
		}
		if action.Valid {
			events = append(events, domain.ConsentEvent{Action: action.String, CreatedAt: domain.FromMillis(at.Int64)})
		}
	}
	if err := rows.Err(); err != nil {
		return domain.ConsentState{}, err
	}
	if !found {
		return domain.ConsentState{}, domain.ErrNotFound
	}
	return domain.Consent(events), nil
}

// CreateContact adds a contact through the API. A wa_id the workspace
// already has returns the existing contact together with a CodeConflict
// error, so the caller can report its id. waID is required.
func (db *DB) CreateContact(ctx context.Context, workspaceID int64, waID, phone, name string) (domain.Contact, error) {
	waID = clean(waID)
	if waID == "" {
		return domain.Contact{}, domain.Errorf(domain.CodeInvalidArgument, "Give the contact's WhatsApp id (digits).", "contact needs a wa_id")
	}
	now := db.now()
	c, err := scanContact(db.W.QueryRowContext(ctx, `INSERT INTO contacts(workspace_id, wa_id, phone, name, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $5) RETURNING `+contactCols, workspaceID, waID, clean(phone), clean(name), now))
	if isUniqueViolation(err) {
		existing, err2 := db.ContactByWaID(ctx, workspaceID, waID)
		if err2 != nil {
			return existing, err2
		}
		return existing, domain.Errorf(domain.CodeConflict, "Use the existing contact.", "contact %s already exists", waID)
	}
	return c, err
}

// AddConsentEventOnce records e unless the contact already has an event
// with the same action, source and evidence (a replayed webhook), and
// reports whether it added one.
func (tx *Tx) AddConsentEventOnce(ctx context.Context, e domain.ConsentEvent) (bool, error) {
	var one int
	err := tx.queryRow(ctx, qConsentEventExists, e.ContactID, e.WorkspaceID, e.Action, e.Source, e.Evidence).Scan(&one)
	if err == nil {
		return false, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return false, err
	}
	_, err = tx.AddConsentEvent(ctx, e)
	return err == nil, err
}

var qConsentEventExists = hot(`SELECT 1 FROM consent_events
		WHERE contact_id = $1 AND workspace_id = $2 AND action = $3 AND source = $4 AND evidence = $5 LIMIT 1`)

// HasConsentEvents reports whether the contact's ledger has any event.
func (tx *Tx) HasConsentEvents(ctx context.Context, workspaceID, contactID int64) (bool, error) {
	var one int
	err := tx.queryRow(ctx, qHasConsentEvents, contactID, workspaceID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return false, nil
	}
	return err == nil, err
}

var qHasConsentEvents = hot(`SELECT 1 FROM consent_events WHERE contact_id = $1 AND workspace_id = $2 LIMIT 1`)

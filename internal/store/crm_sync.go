package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// CRMLink ties a phone to the CRM contact behind it.
type CRMLink struct {
	ConnectionID int64
	Phone        string
	CRMID        string // "" while being found or created
	Module       string
	CreatedByUs  bool
}

// ClaimCRMLink returns the phone's link, creating an empty one first: the
// primary key (connection, phone) is the local guard that makes every
// sender of a new lead wait for the same row instead of creating a second
// CRM contact.
func (db *DB) ClaimCRMLink(ctx context.Context, connID int64, phone string) (CRMLink, error) {
	if _, err := db.W.ExecContext(ctx, `INSERT INTO crm_links(connection_id, phone) VALUES ($1, $2) ON CONFLICT DO NOTHING`, connID, phone); err != nil {
		return CRMLink{}, err
	}
	l := CRMLink{ConnectionID: connID, Phone: phone}
	var created int
	err := db.W.QueryRowContext(ctx, `SELECT crm_id, module, created_by_us FROM crm_links WHERE connection_id = $1 AND phone = $2`, connID, phone).
		Scan(&l.CRMID, &l.Module, &created)
	l.CreatedByUs = created == 1
	return l, err
}

// SetCRMLink records the CRM contact found or created for a phone.
func (db *DB) SetCRMLink(ctx context.Context, l CRMLink) error {
	created := 0
	if l.CreatedByUs {
		created = 1
	}
	_, err := db.W.ExecContext(ctx, `UPDATE crm_links SET crm_id = $1, module = $2, created_by_us = $3, linked_at = $4 WHERE connection_id = $5 AND phone = $6`,
		clean(l.CRMID), clean(l.Module), created, db.now(), l.ConnectionID, l.Phone)
	return err
}

// CRMRecord is where a contact lives in a connected CRM, for the inbox.
type CRMRecord struct {
	Provider string
	CRMID    string
	URL      string // the contact's page, "" when unknown
}

// CRMRecordsForPhone lists the CRM contacts linked to a phone in a workspace.
func (db *DB) CRMRecordsForPhone(ctx context.Context, workspaceID int64, phone string) ([]CRMRecord, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT c.provider, l.crm_id, c.record_url FROM crm_links l JOIN crm_connections c ON c.id = l.connection_id
		WHERE c.workspace_id = $1 AND l.phone = $2 AND l.crm_id <> '' ORDER BY c.provider`, workspaceID, phone)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMRecord{}
	for rows.Next() {
		var r CRMRecord
		var pattern string
		if err := rows.Scan(&r.Provider, &r.CRMID, &pattern); err != nil {
			return nil, err
		}
		if pattern != "" {
			r.URL = strings.Replace(pattern, "{id}", r.CRMID, 1)
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CRMEvent is a stored CRM webhook: for now always "a deal may have
// changed stage"; the engine re-reads the deal before acting.
type CRMEvent struct {
	ID           int64
	ConnectionID int64
	DedupeKey    string
	Kind         string
	ObjectID     string
	Body         string
	ReceivedAt   time.Time
	Attempts     int
	Error        string
}

// InsertCRMEvents stores webhook events in one transaction, dropping the
// ones already stored (same connection and dedupe key), and says how many
// were new.
func (db *DB) InsertCRMEvents(ctx context.Context, evs []CRMEvent) (int, error) {
	n := 0
	err := db.WithTx(ctx, func(tx *Tx) error {
		for _, e := range evs {
			res, err := tx.tx.ExecContext(ctx, `INSERT INTO crm_events(connection_id, dedupe_key, kind, object_id, body, received_at)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (connection_id, dedupe_key) DO NOTHING`,
				e.ConnectionID, clean(e.DedupeKey), clean(e.Kind), clean(e.ObjectID), clean(e.Body), tx.now)
			if err != nil {
				return err
			}
			k, _ := res.RowsAffected()
			n += int(k)
		}
		return nil
	})
	return n, err
}

// PendingCRMEvents lists a connection's events not yet acted on, oldest first.
func (db *DB) PendingCRMEvents(ctx context.Context, connID int64, limit int) ([]CRMEvent, error) {
	rows, err := db.W.QueryContext(ctx, `SELECT id, connection_id, dedupe_key, kind, object_id, body, received_at, attempts, error FROM crm_events
		WHERE connection_id = $1 AND done_at = 0 ORDER BY id LIMIT $2`, connID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMEvent{}
	for rows.Next() {
		var e CRMEvent
		var at int64
		if err := rows.Scan(&e.ID, &e.ConnectionID, &e.DedupeKey, &e.Kind, &e.ObjectID, &e.Body, &at, &e.Attempts, &e.Error); err != nil {
			return nil, err
		}
		e.ReceivedAt = domain.FromMillis(at)
		out = append(out, e)
	}
	return out, rows.Err()
}

// FinishCRMEvent marks an event acted on (errText: given up on, and why).
func (tx *Tx) FinishCRMEvent(ctx context.Context, id int64, errText string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE crm_events SET done_at = $1, error = $2, attempts = attempts + 1 WHERE id = $3`, tx.now, clean(errText), id)
	return err
}

// RetryCRMEvent puts an event given up on back in the queue.
func (db *DB) RetryCRMEvent(ctx context.Context, connID, id int64) error {
	return affectedOne(db.W.ExecContext(ctx, `UPDATE crm_events SET done_at = 0, error = '' WHERE id = $1 AND connection_id = $2`, id, connID))
}

func affectedOne(res sql.Result, err error) error {
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// DealStage reads the last stage seen for a deal ("" when never seen),
// locking it on PostgreSQL for the rest of the transaction.
func (tx *Tx) DealStage(ctx context.Context, connID int64, dealID string) (string, error) {
	q := `SELECT stage FROM crm_deals WHERE connection_id = $1 AND deal_id = $2`
	if tx.db.Dialect == Postgres {
		q += ` FOR UPDATE`
	}
	var stage string
	err := tx.tx.QueryRowContext(ctx, q, connID, dealID).Scan(&stage)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return stage, err
}

// SetDealStage records the stage a deal is in now.
func (tx *Tx) SetDealStage(ctx context.Context, connID int64, dealID, pipeline, stage string) error {
	_, err := tx.tx.ExecContext(ctx, `INSERT INTO crm_deals(connection_id, deal_id, pipeline, stage, seen_at) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (connection_id, deal_id) DO UPDATE SET pipeline = excluded.pipeline, stage = excluded.stage, seen_at = excluded.seen_at`,
		connID, clean(dealID), clean(pipeline), clean(stage), tx.now)
	return err
}

// CRMRule sends a template when a deal enters a stage.
type CRMRule struct {
	ID               int64
	ConnectionID     int64
	PipelineID       string
	StageID          string
	TemplateName     string
	TemplateLanguage string
	Parameters       string // JSON array of parameter expressions
	NumberID         int64  // 0: the workspace's first number
	CreatedAt        time.Time
}

const crmRuleCols = `id, connection_id, pipeline_id, stage_id, template_name, template_language, parameters, number_id, created_at`

func scanCRMRule(row interface{ Scan(...any) error }) (CRMRule, error) {
	var r CRMRule
	var at int64
	err := row.Scan(&r.ID, &r.ConnectionID, &r.PipelineID, &r.StageID, &r.TemplateName, &r.TemplateLanguage, &r.Parameters, &r.NumberID, &at)
	r.CreatedAt = domain.FromMillis(at)
	return r, notFound(err)
}

// AddCRMRule stores a stage rule.
func (db *DB) AddCRMRule(ctx context.Context, r CRMRule) (CRMRule, error) {
	return scanCRMRule(db.W.QueryRowContext(ctx, `INSERT INTO crm_rules(connection_id, pipeline_id, stage_id, template_name, template_language, parameters, number_id, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING `+crmRuleCols,
		r.ConnectionID, clean(r.PipelineID), clean(r.StageID), clean(r.TemplateName), clean(r.TemplateLanguage), cmp.Or(clean(r.Parameters), "[]"), r.NumberID, db.now()))
}

// CRMRules lists a connection's rules, oldest first.
func (db *DB) CRMRules(ctx context.Context, connID int64) ([]CRMRule, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+crmRuleCols+` FROM crm_rules WHERE connection_id = $1 ORDER BY id`, connID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMRule{}
	for rows.Next() {
		r, err := scanCRMRule(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// CRMRule reads one of a connection's rules.
func (db *DB) CRMRule(ctx context.Context, connID, id int64) (CRMRule, error) {
	return scanCRMRule(db.R.QueryRowContext(ctx, `SELECT `+crmRuleCols+` FROM crm_rules WHERE connection_id = $1 AND id = $2`, connID, id))
}

// DeleteCRMRule removes one of a connection's rules.
func (db *DB) DeleteCRMRule(ctx context.Context, connID, id int64) error {
	return affectedOne(db.W.ExecContext(ctx, `DELETE FROM crm_rules WHERE connection_id = $1 AND id = $2`, connID, id))
}

// CRMSend is one template a stage transition asks for, for one contact.
type CRMSend struct {
	ID           int64
	ConnectionID int64
	RuleID       int64
	DealID       string
	EventID      int64
	ContactCRMID string
	Status       string // pending | sent | refused | failed
	MessageID    int64
	Error        string
}

// AddCRMSends queues sends; the unique (rule, deal, event, contact) makes a
// replayed transition add nothing.
func (tx *Tx) AddCRMSends(ctx context.Context, sends []CRMSend) error {
	for _, s := range sends {
		if _, err := tx.tx.ExecContext(ctx, `INSERT INTO crm_sends(connection_id, rule_id, deal_id, event_id, contact_crm_id, created_at)
			VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING`, s.ConnectionID, s.RuleID, clean(s.DealID), s.EventID, clean(s.ContactCRMID), tx.now); err != nil {
			return err
		}
	}
	return nil
}

// PendingCRMSends lists sends not yet queued as messages, oldest first.
func (db *DB) PendingCRMSends(ctx context.Context, connID int64, limit int) ([]CRMSend, error) {
	return scanCRMSends(db.W.QueryContext(ctx, `SELECT `+crmSendCols+` FROM crm_sends
		WHERE connection_id = $1 AND status = 'pending' ORDER BY id LIMIT $2`, connID, limit))
}

const crmSendCols = `id, connection_id, rule_id, deal_id, event_id, contact_crm_id, status, message_id, error`

func scanCRMSends(rows *sql.Rows, err error) ([]CRMSend, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMSend{}
	for rows.Next() {
		var s CRMSend
		if err := rows.Scan(&s.ID, &s.ConnectionID, &s.RuleID, &s.DealID, &s.EventID, &s.ContactCRMID, &s.Status, &s.MessageID, &s.Error); err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// FinishCRMSend records what became of a send. Called in the transaction
// that queues the message, a send is marked sent exactly when its message
// exists.
func (tx *Tx) FinishCRMSend(ctx context.Context, id int64, status string, messageID int64, errText string) error {
	_, err := tx.tx.ExecContext(ctx, `UPDATE crm_sends SET status = $1, message_id = $2, error = $3 WHERE id = $4 AND status = 'pending'`,
		status, messageID, clean(errText), id)
	return err
}

// FinishCRMSend is FinishCRMSend in its own transaction.
func (db *DB) FinishCRMSend(ctx context.Context, id int64, status string, messageID int64, errText string) error {
	return db.WithTx(ctx, func(tx *Tx) error { return tx.FinishCRMSend(ctx, id, status, messageID, errText) })
}

// CRMSendsForDeal lists the sends a deal caused (tests, the rule test view).
func (db *DB) CRMSendsForDeal(ctx context.Context, connID int64, dealID string) ([]CRMSend, error) {
	return scanCRMSends(db.R.QueryContext(ctx, `SELECT `+crmSendCols+` FROM crm_sends WHERE connection_id = $1 AND deal_id = $2 ORDER BY id`, connID, dealID))
}

// RetryCRMSend puts a failed send back in the queue.
func (db *DB) RetryCRMSend(ctx context.Context, connID, id int64) error {
	return affectedOne(db.W.ExecContext(ctx, `UPDATE crm_sends SET status = 'pending', error = '' WHERE id = $1 AND connection_id = $2 AND status = 'failed'`, id, connID))
}

package store

import (
	"cmp"
	"context"
	"database/sql"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// CRMConnection is a workspace's link to one CRM account. Its tokens are
// sealed; only the sync engine opens them.
type CRMConnection struct {
	ID             int64
	WorkspaceID    int64
	Provider       string // hubspot | zoho
	Auth           string // private_app | oauth
	AccountID      string // HubSpot portal id, Zoho org id
	AccountName    string
	RecordURL      string // contact page pattern with {id}
	TokensEnc      []byte
	TokenExpiresAt int64 // unix ms, 0: does not expire
	Status         string
	StatusReason   string
	Settings       string // JSON, owned by crmsync
	WebhookKey     string // secret in workflow-webhook URLs and Zoho's channel token
	TimelineCursor int64  // last message id put on the timeline queue
	NextAttemptAt  int64  // backoff after a CRM failure (unix ms)
	Failures       int
	LastError      string
	WatchChannelID int64
	WatchExpiresAt int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

// Connection states.
const (
	CRMActive = "active"
	CRMBroken = "broken" // the CRM refuses our token; a person must reconnect
)

const crmConnCols = `id, workspace_id, provider, auth, account_id, account_name, record_url, tokens_enc, token_expires_at, status, status_reason,
	settings, webhook_key, timeline_cursor, next_attempt_at, failures, last_error, watch_channel_id, watch_expires_at, created_at, updated_at`

func scanCRMConnection(row interface{ Scan(...any) error }) (CRMConnection, error) {
	var c CRMConnection
	var created, updated int64
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.Provider, &c.Auth, &c.AccountID, &c.AccountName, &c.RecordURL, &c.TokensEnc, &c.TokenExpiresAt,
		&c.Status, &c.StatusReason, &c.Settings, &c.WebhookKey, &c.TimelineCursor, &c.NextAttemptAt, &c.Failures, &c.LastError,
		&c.WatchChannelID, &c.WatchExpiresAt, &created, &updated)
	c.CreatedAt, c.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return c, notFound(err)
}

func (db *DB) crmConnections(ctx context.Context, where string, args ...any) ([]CRMConnection, error) {
	return scanCRMConnections(db.R.QueryContext(ctx, `SELECT `+crmConnCols+` FROM crm_connections WHERE `+where+` ORDER BY id`, args...))
}

func scanCRMConnections(rows *sql.Rows, err error) ([]CRMConnection, error) {
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CRMConnection{}
	for rows.Next() {
		c, err := scanCRMConnection(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// SaveCRMConnection connects a workspace to a CRM account, or reconnects
// it with new tokens: a reconnect clears a broken state and any backoff but
// keeps settings, rules, links and the timeline position, so work that
// waited while the connection was broken goes out now. A first connect
// starts the timeline at the workspace's newest message.
func (db *DB) SaveCRMConnection(ctx context.Context, c CRMConnection) (CRMConnection, error) {
	now := db.now()
	row := db.W.QueryRowContext(ctx, `INSERT INTO crm_connections(workspace_id, provider, auth, account_id, account_name, record_url, tokens_enc,
			token_expires_at, settings, webhook_key, timeline_cursor, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, (SELECT COALESCE(MAX(id), 0) FROM messages WHERE workspace_id = $1), $11, $11)
		ON CONFLICT (workspace_id, provider) DO UPDATE SET auth = excluded.auth, account_id = excluded.account_id,
			account_name = excluded.account_name, record_url = excluded.record_url, tokens_enc = excluded.tokens_enc,
			token_expires_at = excluded.token_expires_at, status = 'active', status_reason = '', refresh_lock_until = 0,
			next_attempt_at = 0, failures = 0, last_error = '', updated_at = excluded.updated_at
		RETURNING `+crmConnCols,
		c.WorkspaceID, clean(c.Provider), clean(c.Auth), clean(c.AccountID), clean(c.AccountName), clean(c.RecordURL), c.TokensEnc,
		c.TokenExpiresAt, cmp.Or(c.Settings, "{}"), clean(c.WebhookKey), now)
	return scanCRMConnection(row)
}

// CRMConnection is a workspace's connection to provider.
func (db *DB) CRMConnection(ctx context.Context, workspaceID int64, provider string) (CRMConnection, error) {
	return scanCRMConnection(db.R.QueryRowContext(ctx, `SELECT `+crmConnCols+` FROM crm_connections WHERE workspace_id = $1 AND provider = $2`, workspaceID, provider))
}

// CRMConnectionByID reads a connection whatever its workspace (engine use).
func (db *DB) CRMConnectionByID(ctx context.Context, id int64) (CRMConnection, error) {
	return scanCRMConnection(db.W.QueryRowContext(ctx, `SELECT `+crmConnCols+` FROM crm_connections WHERE id = $1`, id))
}

// CRMConnections lists a workspace's connections.
func (db *DB) CRMConnections(ctx context.Context, workspaceID int64) ([]CRMConnection, error) {
	return db.crmConnections(ctx, `workspace_id = $1`, workspaceID)
}

// CRMConnectionsByAccount finds the connections a CRM webhook is for
// (one CRM account may serve several workspaces).
func (db *DB) CRMConnectionsByAccount(ctx context.Context, provider, accountID string) ([]CRMConnection, error) {
	return db.crmConnections(ctx, `provider = $1 AND account_id = $2`, provider, accountID)
}

// DeleteCRMConnection disconnects; its queues, rules and log go with it.
func (db *DB) DeleteCRMConnection(ctx context.Context, workspaceID int64, provider string) error {
	res, err := db.W.ExecContext(ctx, `DELETE FROM crm_connections WHERE workspace_id = $1 AND provider = $2`, workspaceID, provider)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return domain.ErrNotFound
	}
	return nil
}

// SetCRMSettings replaces a connection's settings JSON.
func (db *DB) SetCRMSettings(ctx context.Context, id int64, settings string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET settings = $1, updated_at = $2 WHERE id = $3`, settings, db.now(), id)
	return err
}

// ClaimCRMRefresh takes the connection's refresh lock until the given time
// (unix ms) if nobody holds it: one token refresh at a time across nodes,
// without holding a transaction open during the call to the CRM.
func (db *DB) ClaimCRMRefresh(ctx context.Context, id int64, until int64) (bool, error) {
	res, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET refresh_lock_until = $1 WHERE id = $2 AND refresh_lock_until < $3`, until, id, db.now())
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// SaveCRMTokens stores refreshed tokens and releases the refresh lock in one
// statement: a rotated refresh token is saved with its access token or not
// at all.
func (db *DB) SaveCRMTokens(ctx context.Context, id int64, enc []byte, expiresAt int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET tokens_enc = $1, token_expires_at = $2, refresh_lock_until = 0, updated_at = $3 WHERE id = $4`,
		enc, expiresAt, db.now(), id)
	return err
}

// ReleaseCRMRefresh gives the refresh lock up after a failed refresh.
func (db *DB) ReleaseCRMRefresh(ctx context.Context, id int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET refresh_lock_until = 0 WHERE id = $1`, id)
	return err
}

// SetCRMStatus marks a connection active or broken, with the reason.
func (db *DB) SetCRMStatus(ctx context.Context, id int64, status, reason string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4`, status, clean(reason), db.now(), id)
	return err
}

// LeaseCRMConnections claims the active connections that are due (not
// backing off) and not leased by another node, until the given time: one
// node at a time works a connection, so its calls to the CRM are paced by
// one client-side limiter and its queues are worked in order.
func (db *DB) LeaseCRMConnections(ctx context.Context, owner string, until int64) ([]CRMConnection, error) {
	return scanCRMConnections(db.W.QueryContext(ctx, `UPDATE crm_connections SET lease_owner = $1, lease_until = $2
		WHERE status = 'active' AND next_attempt_at <= $3 AND (lease_until < $3 OR lease_owner = $1)
		RETURNING `+crmConnCols, owner, until, db.now()))
}

// ReleaseCRMLease hands a connection back so any node may take it next.
func (db *DB) ReleaseCRMLease(ctx context.Context, id int64, owner string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET lease_until = 0 WHERE id = $1 AND lease_owner = $2`, id, owner)
	return err
}

// SetCRMBackoff records a failed pass: nothing is tried again before next
// (unix ms). failures 0 and lastErr "" record a healthy pass.
func (db *DB) SetCRMBackoff(ctx context.Context, id int64, next int64, failures int, lastErr string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET next_attempt_at = $1, failures = $2, last_error = $3 WHERE id = $4`,
		next, failures, clean(lastErr), id)
	return err
}

// SetCRMWatch records a notification channel and when it expires.
func (db *DB) SetCRMWatch(ctx context.Context, id, channelID, expiresAt int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE crm_connections SET watch_channel_id = $1, watch_expires_at = $2, updated_at = $3 WHERE id = $4`,
		channelID, expiresAt, db.now(), id)
	return err
}

// CRMConnectionByWatch finds the connection a Zoho channel belongs to.
func (db *DB) CRMConnectionByWatch(ctx context.Context, channelID int64) (CRMConnection, error) {
	return scanCRMConnection(db.R.QueryRowContext(ctx, `SELECT `+crmConnCols+` FROM crm_connections WHERE provider = 'zoho' AND watch_channel_id = $1`, channelID))
}

// CRMConnectionsByWebhookKey finds the connection a workflow webhook URL
// belongs to.
func (db *DB) CRMConnectionsByWebhookKey(ctx context.Context, provider, key string) ([]CRMConnection, error) {
	return db.crmConnections(ctx, `provider = $1 AND webhook_key = $2`, provider, key)
}

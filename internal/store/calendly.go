package store

import (
	"cmp"
	"context"
	"database/sql"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// CalendlyConnection is a workspace's link to a Calendly user or
// organisation. Tokens and the webhook signing key are sealed; only the
// appointments engine opens them.
type CalendlyConnection struct {
	ID                    int64
	WorkspaceID           int64
	Auth                  string // pat | oauth
	UserURI               string
	OrganizationURI       string
	UserName              string
	UserEmail             string
	UserTimezone          string
	Scope                 string // user | organization
	TokensEnc             []byte
	TokenExpiresAt        int64 // unix ms; 0 for a personal access token
	SigningKeyEnc         []byte
	HookKey               string // the secret part of the delivery URL
	SubscriptionURI       string
	SubscriptionState     string // active | disabled | missing | ""
	SubscriptionError     string
	SubscriptionCheckedAt int64
	Status                string // active | broken
	StatusReason          string
	Settings              string // JSON, owned by package appointments
	ReplyCursor           int64  // last message id looked at for replies
	CreatedAt             time.Time
	UpdatedAt             time.Time
}

const calConnCols = `id, workspace_id, auth, user_uri, organization_uri, user_name, user_email, user_timezone, scope, tokens_enc, token_expires_at,
	signing_key_enc, hook_key, subscription_uri, subscription_state, subscription_error, subscription_checked_at, status, status_reason,
	settings, reply_cursor, created_at, updated_at`

func scanCalConn(row interface{ Scan(...any) error }) (CalendlyConnection, error) {
	var c CalendlyConnection
	var created, updated int64
	err := row.Scan(&c.ID, &c.WorkspaceID, &c.Auth, &c.UserURI, &c.OrganizationURI, &c.UserName, &c.UserEmail, &c.UserTimezone, &c.Scope,
		&c.TokensEnc, &c.TokenExpiresAt, &c.SigningKeyEnc, &c.HookKey, &c.SubscriptionURI, &c.SubscriptionState, &c.SubscriptionError,
		&c.SubscriptionCheckedAt, &c.Status, &c.StatusReason, &c.Settings, &c.ReplyCursor, &created, &updated)
	c.CreatedAt, c.UpdatedAt = domain.FromMillis(created), domain.FromMillis(updated)
	return c, notFound(err)
}

// SaveCalendlyConnection connects a workspace to Calendly, or reconnects
// it: tokens, signing key, delivery URL and subscription are replaced,
// settings are replaced only when c.Settings is set, and bookings stay.
// A first connect starts looking for replies at the newest message.
func (db *DB) SaveCalendlyConnection(ctx context.Context, c CalendlyConnection) (CalendlyConnection, error) {
	now := db.now()
	return scanCalConn(db.W.QueryRowContext(ctx, `INSERT INTO calendly_connections(workspace_id, auth, user_uri, organization_uri, user_name,
			user_email, user_timezone, scope, tokens_enc, token_expires_at, signing_key_enc, hook_key, subscription_uri, subscription_state,
			subscription_checked_at, settings, reply_cursor, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, (SELECT COALESCE(MAX(id), 0) FROM messages WHERE workspace_id = $1), $15, $15)
		ON CONFLICT (workspace_id) DO UPDATE SET auth = excluded.auth, user_uri = excluded.user_uri, organization_uri = excluded.organization_uri,
			user_name = excluded.user_name, user_email = excluded.user_email, user_timezone = excluded.user_timezone, scope = excluded.scope,
			tokens_enc = excluded.tokens_enc, token_expires_at = excluded.token_expires_at, refresh_lock_until = 0,
			signing_key_enc = excluded.signing_key_enc, hook_key = excluded.hook_key, subscription_uri = excluded.subscription_uri,
			subscription_state = excluded.subscription_state, subscription_error = '', subscription_checked_at = excluded.subscription_checked_at,
			status = 'active', status_reason = '',
			settings = CASE WHEN $17 THEN excluded.settings ELSE calendly_connections.settings END, updated_at = excluded.updated_at
		RETURNING `+calConnCols,
		c.WorkspaceID, clean(c.Auth), clean(c.UserURI), clean(c.OrganizationURI), clean(c.UserName), clean(c.UserEmail), clean(c.UserTimezone),
		cmp.Or(c.Scope, "user"), c.TokensEnc, c.TokenExpiresAt, c.SigningKeyEnc, clean(c.HookKey), clean(c.SubscriptionURI), clean(c.SubscriptionState),
		now, cmp.Or(c.Settings, "{}"), c.Settings != ""))
}

// CalendlyConnection is the workspace's connection.
func (db *DB) CalendlyConnection(ctx context.Context, workspaceID int64) (CalendlyConnection, error) {
	return scanCalConn(db.R.QueryRowContext(ctx, `SELECT `+calConnCols+` FROM calendly_connections WHERE workspace_id = $1`, workspaceID))
}

// CalendlyConnectionByID reads a connection whatever its workspace
// (engine use), from the writer so it sees the latest tokens.
func (db *DB) CalendlyConnectionByID(ctx context.Context, id int64) (CalendlyConnection, error) {
	return scanCalConn(db.W.QueryRowContext(ctx, `SELECT `+calConnCols+` FROM calendly_connections WHERE id = $1`, id))
}

// CalendlyConnectionByHookKey finds the connection a delivery URL names.
func (db *DB) CalendlyConnectionByHookKey(ctx context.Context, key string) (CalendlyConnection, error) {
	return scanCalConn(db.R.QueryRowContext(ctx, `SELECT `+calConnCols+` FROM calendly_connections WHERE hook_key = $1`, key))
}

// CalendlyConnections lists every active connection (engine use).
func (db *DB) CalendlyConnections(ctx context.Context) ([]CalendlyConnection, error) {
	rows, err := db.R.QueryContext(ctx, `SELECT `+calConnCols+` FROM calendly_connections WHERE status = 'active' ORDER BY id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []CalendlyConnection{}
	for rows.Next() {
		c, err := scanCalConn(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// DeleteCalendlyConnection disconnects; bookings and their messages go
// with it.
func (db *DB) DeleteCalendlyConnection(ctx context.Context, workspaceID int64) error {
	return affectedOne(db.W.ExecContext(ctx, `DELETE FROM calendly_connections WHERE workspace_id = $1`, workspaceID))
}

// SetCalendlySubscription records the webhook subscription and its state
// as last seen.
func (db *DB) SetCalendlySubscription(ctx context.Context, id int64, uri, state, errText string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_connections SET subscription_uri = $1, subscription_state = $2, subscription_error = $3,
		subscription_checked_at = $4, updated_at = $4 WHERE id = $5`, clean(uri), state, clean(errText), db.now(), id)
	return err
}

// SetCalendlySettings replaces a connection's settings JSON.
func (db *DB) SetCalendlySettings(ctx context.Context, id int64, settings string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_connections SET settings = $1, updated_at = $2 WHERE id = $3`, settings, db.now(), id)
	return err
}

// SetCalendlyStatus marks a connection active or broken, with the reason.
func (db *DB) SetCalendlyStatus(ctx context.Context, id int64, status, reason string) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_connections SET status = $1, status_reason = $2, updated_at = $3 WHERE id = $4`, status, clean(reason), db.now(), id)
	return err
}

// ClaimCalendlyRefresh takes the refresh lock until the given time (unix
// ms) if nobody holds it. Calendly's refresh tokens are single-use: two
// nodes refreshing at once would lock the connection out.
func (db *DB) ClaimCalendlyRefresh(ctx context.Context, id, until int64) (bool, error) {
	return affected(db.W.ExecContext(ctx, `UPDATE calendly_connections SET refresh_lock_until = $1 WHERE id = $2 AND refresh_lock_until < $3`, until, id, db.now()))
}

// SaveCalendlyTokens stores a refreshed grant (access and rotated refresh
// token together) and releases the refresh lock, in one statement.
func (db *DB) SaveCalendlyTokens(ctx context.Context, id int64, enc []byte, expiresAt int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_connections SET tokens_enc = $1, token_expires_at = $2, refresh_lock_until = 0, updated_at = $3 WHERE id = $4`,
		enc, expiresAt, db.now(), id)
	return err
}

// ReleaseCalendlyRefresh gives the refresh lock up after a failed refresh.
func (db *DB) ReleaseCalendlyRefresh(ctx context.Context, id int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_connections SET refresh_lock_until = 0 WHERE id = $1`, id)
	return err
}

// AdvanceCalendlyReplyCursor moves the reply cursor forward, never back.
func (db *DB) AdvanceCalendlyReplyCursor(ctx context.Context, id, cursor int64) error {
	_, err := db.W.ExecContext(ctx, `UPDATE calendly_connections SET reply_cursor = $1 WHERE id = $2 AND reply_cursor < $1`, cursor, id)
	return err
}

func affected(res sql.Result, err error) (bool, error) {
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

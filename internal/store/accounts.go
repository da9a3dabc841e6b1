package store

import (
	"context"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
)

// CreateWorkspace adds a tenant. A taken slug is a CodeConflict.
func (db *DB) CreateWorkspace(ctx context.Context, slug, name string) (domain.Workspace, error) {
	w := domain.Workspace{Slug: slug, Name: name}
	now := db.now()
	err := db.W.QueryRowContext(ctx, `INSERT INTO workspaces(slug, name, created_at) VALUES ($1, $2, $3) RETURNING id`, slug, name, now).Scan(&w.ID)
	if isUniqueViolation(err) {
		return w, domain.Errorf(domain.CodeConflict, "Choose another slug.", "workspace %q already exists", slug)
	}
	w.CreatedAt = domain.FromMillis(now)
	return w, err
}

// WorkspaceBySlug finds a workspace by its slug.
func (db *DB) WorkspaceBySlug(ctx context.Context, slug string) (domain.Workspace, error) {
	return db.workspace(ctx, `slug = $1`, slug)
}

// WorkspaceByID finds a workspace by id.
func (db *DB) WorkspaceByID(ctx context.Context, id int64) (domain.Workspace, error) {
	return db.workspace(ctx, `id = $1`, id)
}

func (db *DB) workspace(ctx context.Context, where string, arg any) (domain.Workspace, error) {
	var w domain.Workspace
	var created int64
	err := db.R.QueryRowContext(ctx, `SELECT id, slug, name, created_at FROM workspaces WHERE `+where, arg).Scan(&w.ID, &w.Slug, &w.Name, &created)
	w.CreatedAt = domain.FromMillis(created)
	return w, notFound(err)
}

// CountUsers counts users across all workspaces (first-run detection).
func (db *DB) CountUsers(ctx context.Context) (int, error) {
	var n int
	err := db.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM users`).Scan(&n)
	return n, err
}

// CreateUser adds a user. Emails are unique across the installation because
// login is by email alone.
func (db *DB) CreateUser(ctx context.Context, u domain.User) (domain.User, error) {
	u.Email = strings.ToLower(strings.TrimSpace(u.Email))
	now := db.now()
	err := db.W.QueryRowContext(ctx, `INSERT INTO users(workspace_id, email, name, role, password_hash, created_at) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id`,
		u.WorkspaceID, u.Email, u.Name, string(u.Role), u.PasswordHash, now).Scan(&u.ID)
	if isUniqueViolation(err) {
		return u, domain.Errorf(domain.CodeConflict, "Log in with that email, or use another one.", "a user with email %s already exists", u.Email)
	}
	u.CreatedAt = domain.FromMillis(now)
	return u, err
}

const userCols = `id, workspace_id, email, name, role, password_hash, created_at, deactivated_at`

func scanUser(row interface{ Scan(...any) error }) (domain.User, error) {
	var u domain.User
	var role string
	var created, deactivated int64
	err := row.Scan(&u.ID, &u.WorkspaceID, &u.Email, &u.Name, &role, &u.PasswordHash, &created, &deactivated)
	u.Role, u.CreatedAt, u.DeactivatedAt = domain.Role(role), domain.FromMillis(created), domain.FromMillis(deactivated)
	return u, notFound(err)
}

// UserByEmail finds a user for login, deactivated or not: login tells a
// deactivated member why, once their password is right.
func (db *DB) UserByEmail(ctx context.Context, email string) (domain.User, error) {
	return scanUser(db.R.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE email = $1`, strings.ToLower(strings.TrimSpace(email))))
}

// UserByID finds a user of one workspace, deactivated or not.
func (db *DB) UserByID(ctx context.Context, workspaceID, id int64) (domain.User, error) {
	return scanUser(db.R.QueryRowContext(ctx, `SELECT `+userCols+` FROM users WHERE workspace_id = $1 AND id = $2`, workspaceID, id))
}

// CreateSession stores a browser session by its token hash.
func (db *DB) CreateSession(ctx context.Context, s domain.Session) error {
	_, err := db.W.ExecContext(ctx, `INSERT INTO sessions(token_hash, user_id, workspace_id, expires_at, created_at) VALUES ($1, $2, $3, $4, $5)`,
		s.TokenHash, s.UserID, s.WorkspaceID, domain.Millis(s.ExpiresAt), db.now())
	return err
}

// SessionUser returns the active user of an unexpired session.
// Deactivating a member deletes their sessions; the condition here also
// covers a login that was finishing as the member was deactivated.
func (db *DB) SessionUser(ctx context.Context, tokenHash []byte) (domain.User, error) {
	return scanUser(db.R.QueryRowContext(ctx, `SELECT u.id, u.workspace_id, u.email, u.name, u.role, u.password_hash, u.created_at, u.deactivated_at
		FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = $1 AND s.expires_at > $2 AND u.deactivated_at = 0`, tokenHash, db.now()))
}

// DeleteSession logs a session out.
func (db *DB) DeleteSession(ctx context.Context, tokenHash []byte) error {
	_, err := db.W.ExecContext(ctx, `DELETE FROM sessions WHERE token_hash = $1`, tokenHash)
	return err
}

// DeleteExpiredSessions removes sessions past their expiry.
func (db *DB) DeleteExpiredSessions(ctx context.Context) (int64, error) {
	res, err := db.W.ExecContext(ctx, `DELETE FROM sessions WHERE expires_at <= $1`, db.now())
	if err != nil {
		return 0, err
	}
	return res.RowsAffected()
}

// CreateAPIKey stores a key by its hash.
func (db *DB) CreateAPIKey(ctx context.Context, k domain.APIKey) (domain.APIKey, error) {
	now := db.now()
	err := db.W.QueryRowContext(ctx, `INSERT INTO api_keys(workspace_id, name, prefix, hash, created_at) VALUES ($1, $2, $3, $4, $5) RETURNING id`,
		k.WorkspaceID, k.Name, k.Prefix, k.Hash, now).Scan(&k.ID)
	k.CreatedAt = domain.FromMillis(now)
	return k, err
}

// APIKeyByHash finds the key a bearer token hashes to.
func (db *DB) APIKeyByHash(ctx context.Context, hash []byte) (domain.APIKey, error) {
	var k domain.APIKey
	var created, used int64
	err := db.R.QueryRowContext(ctx, `SELECT id, workspace_id, name, prefix, hash, created_at, last_used_at FROM api_keys WHERE hash = $1`, hash).
		Scan(&k.ID, &k.WorkspaceID, &k.Name, &k.Prefix, &k.Hash, &created, &used)
	k.CreatedAt, k.LastUsedAt = domain.FromMillis(created), domain.FromMillis(used)
	return k, notFound(err)
}

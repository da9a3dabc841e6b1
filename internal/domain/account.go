package domain

import "time"

// Role is a member's role in a workspace.
type Role string

// Roles, from most to least privileged.
const (
	RoleOwner Role = "owner"
	RoleAdmin Role = "admin"
	RoleAgent Role = "agent"
)

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return r == RoleOwner || r == RoleAdmin || r == RoleAgent }

// CanManage reports whether r may manage numbers, members and settings.
func (r Role) CanManage() bool { return r == RoleOwner || r == RoleAdmin }

// Workspace is a tenant: every other row belongs to exactly one.
type Workspace struct {
	ID        int64
	Slug      string
	Name      string
	CreatedAt time.Time
}

// User is a person who logs in. Users belong to one workspace in this cut.
type User struct {
	ID           int64
	WorkspaceID  int64
	Email        string
	Name         string
	Role         Role
	PasswordHash string
	CreatedAt    time.Time
	// DeactivatedAt is when an owner or admin deactivated the member
	// (zero: active). A deactivated member cannot log in and is not
	// given conversations; their history keeps their name.
	DeactivatedAt time.Time
}

// Active reports whether u may log in and take conversations.
func (u User) Active() bool { return u.DeactivatedAt.IsZero() }

// APIKey authenticates REST clients; only its hash is stored.
type APIKey struct {
	ID          int64
	WorkspaceID int64
	Name        string
	Prefix      string // first characters of the key, shown to tell keys apart
	Hash        []byte
	CreatedAt   time.Time
	LastUsedAt  time.Time
}

// Session is a browser login; only the token's hash is stored.
type Session struct {
	TokenHash   []byte
	UserID      int64
	WorkspaceID int64
	ExpiresAt   time.Time
	CreatedAt   time.Time
}

// Principal is who is making a request: a user (browser or CLI) or an API key.
type Principal struct {
	WorkspaceID int64
	UserID      int64 // 0 for API keys
	APIKeyID    int64 // 0 for users
	Role        Role
}

package app

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"os"
	"path/filepath"

	"github.com/gohavi/gohavi/internal/auth"
	"github.com/gohavi/gohavi/internal/domain"
)

// DefaultWorkspace is the slug created for the first owner.
const DefaultWorkspace = "default"

// EnsureWorkspace returns the workspace with slug, creating it if missing.
func (b *Base) EnsureWorkspace(ctx context.Context, slug string) (domain.Workspace, error) {
	ws, err := b.DB.WorkspaceBySlug(ctx, slug)
	if domain.IsNotFound(err) {
		ws, err = b.DB.CreateWorkspace(ctx, slug, slug)
		if domain.ErrorCode(err) == domain.CodeConflict {
			return b.DB.WorkspaceBySlug(ctx, slug) // another node won the race
		}
	}
	return ws, err
}

// CreateUser adds a user to the workspace slug (created if missing).
func (b *Base) CreateUser(ctx context.Context, slug, email, name string, role domain.Role, password string) (domain.User, error) {
	if !role.Valid() {
		return domain.User{}, domain.Errorf(domain.CodeInvalidArgument, "Use owner, admin or agent.", "unknown role %q", role)
	}
	hash, err := auth.HashPassword(password)
	if err != nil {
		return domain.User{}, domain.Errorf(domain.CodeInvalidArgument, "Choose a password of 8 to 1024 characters.", "%v", err)
	}
	ws, err := b.EnsureWorkspace(ctx, slug)
	if err != nil {
		return domain.User{}, err
	}
	if name == "" {
		name = email
	}
	return b.DB.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: email, Name: name, Role: role, PasswordHash: hash})
}

// CreateAPIKey makes a key for workspace slug and returns it in clear, once.
func (b *Base) CreateAPIKey(ctx context.Context, slug, name string) (string, domain.APIKey, error) {
	ws, err := b.DB.WorkspaceBySlug(ctx, slug)
	if domain.IsNotFound(err) {
		return "", domain.APIKey{}, domain.Errorf(domain.CodeNotFound, "Create the workspace first (gohavi user create --workspace SLUG …).", "workspace %q does not exist", slug)
	}
	if err != nil {
		return "", domain.APIKey{}, err
	}
	if name == "" {
		return "", domain.APIKey{}, domain.Errorf(domain.CodeInvalidArgument, "Pass --name to tell keys apart.", "the key needs a name")
	}
	token, hash := auth.NewToken(auth.PrefixAPIKey)
	k, err := b.DB.CreateAPIKey(ctx, domain.APIKey{WorkspaceID: ws.ID, Name: name, Prefix: auth.TokenPrefix(token), Hash: hash})
	return token, k, err
}

// Login is a credential to show the person starting the server.
type Login struct {
	Email, Password, Where string
}

// bootstrapOwner creates the first owner when no user exists: from
// GOHAVI_ADMIN_* if set, else (sandbox) a generated one whose password is
// written to the data dir so it can be found again.
func (b *Base) bootstrapOwner(ctx context.Context, sandbox bool) (*Login, error) {
	n, err := b.DB.CountUsers(ctx)
	if err != nil {
		return nil, err
	}
	file := filepath.Join(b.Cfg.DataDir, "sandbox-login.txt")
	if n > 0 {
		if sandbox {
			if data, err := os.ReadFile(file); err == nil {
				return &Login{Where: string(data)}, nil
			}
		}
		return nil, nil
	}
	email, pw := b.Cfg.AdminEmail, b.Cfg.AdminPassword
	if email == "" {
		if !sandbox {
			return nil, nil
		}
		var r [12]byte
		_, _ = rand.Read(r[:])
		email, pw = "owner@gohavi.local", base64.RawURLEncoding.EncodeToString(r[:])
	}
	if _, err := b.CreateUser(ctx, DefaultWorkspace, email, "Owner", domain.RoleOwner, pw); err != nil {
		if domain.ErrorCode(err) == domain.CodeConflict {
			return nil, nil // another node created it first
		}
		return nil, err
	}
	l := &Login{Email: email, Password: pw, Where: fmt.Sprintf("%s / %s", email, pw)}
	if b.Cfg.AdminEmail != "" {
		l.Where = email + " (password from GOHAVI_ADMIN_PASSWORD)"
	} else if err := os.WriteFile(file, []byte(l.Where), 0o600); err != nil {
		return nil, err
	}
	return l, nil
}

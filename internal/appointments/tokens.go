package appointments

import (
	"context"
	"encoding/json"
	"errors"
	"strconv"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// An access token lives 2 hours; it is refreshed in its last 20 minutes
// (spec §4: at 80 % of its life), so no call starts with a dying token.
const (
	refreshMargin  = 20 * time.Minute
	refreshLockFor = 30 * time.Second
)

// errRefreshing says another node holds the refresh lock right now.
var errRefreshing = errors.New("calendly: another node is refreshing the token")

func tokenAAD(workspaceID int64) []byte {
	return []byte("calendly:" + strconv.FormatInt(workspaceID, 10))
}
func signingAAD(workspaceID int64) []byte {
	return []byte("calendly-signing:" + strconv.FormatInt(workspaceID, 10))
}

func (e *Engine) sealTokens(workspaceID int64, t calendly.Tokens) ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return e.Box.Seal(b, tokenAAD(workspaceID))
}

func (e *Engine) openTokens(c store.CalendlyConnection) (calendly.Tokens, error) {
	var t calendly.Tokens
	b, err := e.Box.Open(c.TokensEnc, tokenAAD(c.WorkspaceID))
	if err != nil {
		return t, domain.Errorf(domain.CodeInternal, "GOHAVI_SECRET_KEY differs from the key the Calendly token was stored with; connect Calendly again.", "cannot decrypt the Calendly token")
	}
	return t, json.Unmarshal(b, &t)
}

func (e *Engine) signingKey(c store.CalendlyConnection) (string, error) {
	b, err := e.Box.Open(c.SigningKeyEnc, signingAAD(c.WorkspaceID))
	if err != nil {
		return "", err
	}
	if len(b) == 0 {
		return e.AppSigningKey, nil // an OAuth subscription: the app's key signs
	}
	return string(b), nil
}

// token returns a usable access token for c, refreshing it first when it
// is about to expire. Calendly's refresh tokens are single-use, so one node
// at a time refreshes (a lock column, no transaction held during the call)
// and the new pair is saved in one statement.
func (e *Engine) token(ctx context.Context, c store.CalendlyConnection) (string, error) {
	t, err := e.openTokens(c)
	if err != nil {
		return "", err
	}
	now := e.Clock.Now()
	if t.Refresh == "" || t.ExpiresAt.IsZero() || t.ExpiresAt.Sub(now) > refreshMargin {
		return t.Access, nil
	}
	ok, err := e.DB.ClaimCalendlyRefresh(ctx, c.ID, domain.Millis(now.Add(refreshLockFor)))
	if err != nil {
		return "", err
	}
	if !ok {
		if now.Before(t.ExpiresAt) {
			return t.Access, nil // still valid while the other node refreshes
		}
		return "", errRefreshing
	}
	// Another node may have refreshed between our read and the claim.
	fresh, err := e.DB.CalendlyConnectionByID(ctx, c.ID)
	if err != nil {
		_ = e.DB.ReleaseCalendlyRefresh(ctx, c.ID)
		return "", err
	}
	if t, err = e.openTokens(fresh); err != nil || t.ExpiresAt.Sub(now) > refreshMargin {
		_ = e.DB.ReleaseCalendlyRefresh(ctx, c.ID)
		return t.Access, err
	}
	nt, err := e.API.Refresh(ctx, t.Refresh)
	if err != nil {
		_ = e.DB.ReleaseCalendlyRefresh(context.WithoutCancel(ctx), c.ID)
		if calendly.KindOf(err) == calendly.KindAuth {
			e.broken(ctx, c, "Calendly refused to refresh the access token ("+err.Error()+"); connect Calendly again.")
		}
		return "", err
	}
	nt.ExpiresAt = now.Add(nt.ExpiresIn)
	enc, err := e.sealTokens(c.WorkspaceID, nt)
	if err == nil {
		// Without WithoutCancel a shutdown could drop the only copy of the
		// new refresh token after Calendly revoked the old one.
		err = e.DB.SaveCalendlyTokens(context.WithoutCancel(ctx), c.ID, enc, domain.Millis(nt.ExpiresAt))
	}
	return nt.Access, err
}

func (e *Engine) broken(ctx context.Context, c store.CalendlyConnection, reason string) {
	e.Log.Warn("calendly connection broken", "workspace", c.WorkspaceID, "reason", reason)
	if err := e.DB.SetCalendlyStatus(ctx, c.ID, "broken", reason); err != nil {
		e.Log.Error("calendly: marking connection broken", "err", err)
	}
}

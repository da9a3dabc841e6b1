package crmsync

import (
	"context"
	"encoding/json"
	"strconv"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/crm/hubspot"
	"github.com/gohavi/gohavi/internal/crm/zoho"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// Tokens are refreshed this long before they expire, so a call never
// starts with a token about to die (HubSpot's last 30 minutes).
const (
	refreshMargin  = 5 * time.Minute
	refreshLockFor = 30 * time.Second
)

// connClient is a connection's API client and the token source behind it,
// kept across passes so the client-side rate limiter keeps its state.
type connClient struct {
	crm.Client
	tokens *tokenSource
}

func sealTokens(e *Engine, connKey string, t crm.Tokens) ([]byte, error) {
	b, err := json.Marshal(t)
	if err != nil {
		return nil, err
	}
	return e.Box.Seal(b, []byte(connKey))
}

func openTokens(e *Engine, c store.CRMConnection) (crm.Tokens, error) {
	var t crm.Tokens
	b, err := e.Box.Open(c.TokensEnc, []byte(tokenKey(c.WorkspaceID, c.Provider)))
	if err != nil {
		return t, domain.Errorf(domain.CodeInternal, "GOHAVI_SECRET_KEY differs from the key the CRM tokens were stored with; reconnect the CRM.", "cannot decrypt the CRM tokens")
	}
	return t, json.Unmarshal(b, &t)
}

// tokenKey binds sealed tokens to their workspace and provider: copied onto
// another connection's row they do not open.
func tokenKey(workspaceID int64, provider string) string {
	return "crm:" + strconv.FormatInt(workspaceID, 10) + ":" + provider
}

// client returns the connection's cached client, building it on first use.
func (e *Engine) client(c store.CRMConnection) (crm.Client, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if cc := e.clients[c.ID]; cc != nil {
		return cc, nil
	}
	t, err := openTokens(e, c)
	if err != nil {
		return nil, err
	}
	ts := &tokenSource{e: e, conn: c, cur: t}
	cc := &connClient{Client: e.newClient(c.Provider, t, ts), tokens: ts}
	e.clients[c.ID] = cc
	return cc, nil
}

// forget drops a connection's cached client (new tokens, disconnect).
func (e *Engine) forget(id int64) {
	e.init()
	e.mu.Lock()
	delete(e.clients, id)
	e.mu.Unlock()
}

func (e *Engine) newClient(provider string, t crm.Tokens, ts crm.TokenSource) crm.Client {
	if crm.Provider(provider) == crm.Zoho {
		return zoho.New(zoho.Config{HTTPClient: e.Cfg.HTTPClient}, ts, t.APIDomain)
	}
	return hubspot.New(hubspot.Config{APIURL: e.Cfg.HubSpotAPIURL, HTTPClient: e.Cfg.HTTPClient}, ts)
}

func (e *Engine) refresh(ctx context.Context, provider string, t crm.Tokens) (crm.Tokens, error) {
	if t.RefreshToken == "" {
		return t, &crm.Error{Kind: crm.KindAuth, Message: "the token was rejected and a private-app token cannot be refreshed"}
	}
	var nt crm.Tokens
	var err error
	if crm.Provider(provider) == crm.Zoho {
		nt, err = e.zohoOAuth().Refresh(ctx, t)
	} else {
		nt, err = e.hubspotOAuth().Refresh(ctx, t.RefreshToken)
	}
	if err != nil {
		return nt, err
	}
	if nt.RefreshToken == "" {
		nt.RefreshToken = t.RefreshToken
	}
	return e.rebase(nt), nil
}

// rebase moves an expiry the OAuth client computed on the wall clock onto
// the engine's clock, which decides when to refresh.
func (e *Engine) rebase(t crm.Tokens) crm.Tokens {
	if !t.ExpiresAt.IsZero() {
		t.ExpiresAt = e.Clock.Now().Add(time.Until(t.ExpiresAt))
	}
	return t
}

func (e *Engine) hubspotOAuth() hubspot.OAuth {
	return hubspot.OAuth{APIURL: e.Cfg.HubSpotAPIURL, AuthURL: e.Cfg.HubSpotAuthURL, ClientID: e.Cfg.HubSpotClientID,
		ClientSecret: e.Cfg.HubSpotClientSecret, HTTPClient: e.Cfg.HTTPClient}
}

func (e *Engine) zohoOAuth() zoho.OAuth {
	return zoho.OAuth{AccountsURL: e.Cfg.ZohoAccountsURL, ClientID: e.Cfg.ZohoClientID, ClientSecret: e.Cfg.ZohoClientSecret, HTTPClient: e.Cfg.HTTPClient}
}

// tokenSource serves a connection's access token and refreshes it before
// it expires or when the CRM rejects it: one refresh at a time per
// connection across nodes (a lock row claimed with a compare-and-set, not
// a transaction held open during the call), and the new tokens saved in
// one statement.
type tokenSource struct {
	e    *Engine
	conn store.CRMConnection
	mu   sync.Mutex
	cur  crm.Tokens
}

func (s *tokenSource) fresh(t crm.Tokens) bool {
	return t.ExpiresAt.IsZero() || s.e.Clock.Now().Before(t.ExpiresAt.Add(-refreshMargin))
}

func (s *tokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fresh(s.cur) {
		return s.cur.AccessToken, nil
	}
	return s.refreshLocked(ctx, "")
}

func (s *tokenSource) Invalidate(ctx context.Context, rejected string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, err := s.refreshLocked(ctx, rejected)
	return err
}

// reload reads the tokens another node may have refreshed.
func (s *tokenSource) reload(ctx context.Context) error {
	c, err := s.e.DB.CRMConnectionByID(ctx, s.conn.ID)
	if err != nil {
		return err
	}
	if c.Status == store.CRMBroken {
		return &crm.Error{Kind: crm.KindAuth, Message: c.StatusReason}
	}
	t, err := openTokens(s.e, c)
	if err == nil {
		s.cur = t
	}
	return err
}

func (s *tokenSource) usable(rejected string) bool {
	return s.cur.AccessToken != rejected && s.fresh(s.cur)
}

func (s *tokenSource) refreshLocked(ctx context.Context, rejected string) (string, error) {
	deadline := time.Now().Add(refreshLockFor)
	for {
		if err := s.reload(ctx); err != nil {
			return "", err
		}
		if s.usable(rejected) {
			return s.cur.AccessToken, nil
		}
		until := domain.Millis(s.e.Clock.Now().Add(refreshLockFor))
		got, err := s.e.DB.ClaimCRMRefresh(ctx, s.conn.ID, until)
		if err != nil {
			return "", err
		}
		if got {
			return s.refreshClaimed(ctx, rejected)
		}
		// Another node is refreshing: wait for its tokens.
		if time.Now().After(deadline) {
			return "", &crm.Error{Kind: crm.KindTransient, Message: "another node is still refreshing the CRM token"}
		}
		select {
		case <-ctx.Done():
			return "", ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

func (s *tokenSource) refreshClaimed(ctx context.Context, rejected string) (string, error) {
	release := func() { _ = s.e.DB.ReleaseCRMRefresh(context.WithoutCancel(ctx), s.conn.ID) }
	// The tokens may have changed between the read and the claim.
	if err := s.reload(ctx); err != nil {
		release()
		return "", err
	}
	if s.usable(rejected) {
		release()
		return s.cur.AccessToken, nil
	}
	nt, err := s.e.refresh(ctx, s.conn.Provider, s.cur)
	if err != nil {
		release()
		return "", err
	}
	enc, err := sealTokens(s.e, tokenKey(s.conn.WorkspaceID, s.conn.Provider), nt)
	if err != nil {
		release()
		return "", err
	}
	if err := s.e.DB.SaveCRMTokens(context.WithoutCancel(ctx), s.conn.ID, enc, expiresMillis(nt)); err != nil {
		release()
		return "", err
	}
	s.cur = nt
	return nt.AccessToken, nil
}

func expiresMillis(t crm.Tokens) int64 {
	if t.ExpiresAt.IsZero() {
		return 0
	}
	return domain.Millis(t.ExpiresAt)
}

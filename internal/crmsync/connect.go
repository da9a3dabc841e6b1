package crmsync

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/crm/zoho"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// staticTokens serves the token a person just gave; it cannot refresh.
type staticTokens string

func (s staticTokens) Token(context.Context) (string, error) { return string(s), nil }
func (s staticTokens) Invalidate(context.Context, string) error {
	return &crm.Error{Kind: crm.KindAuth, Message: "the token was rejected"}
}

// connectError turns a CRM failure during connect into an answer for the
// person connecting.
func connectError(provider string, err error) error {
	name := providerName(provider)
	switch crm.KindOf(err) {
	case crm.KindAuth:
		// Not "unauthenticated": that would read as the person's own
		// GoHavi session having ended.
		return domain.Errorf(domain.CodeInvalidArgument, "Check the token (or sign in to the CRM again) and retry.", "%s refused the credentials: %v", name, err)
	case crm.KindForbidden:
		return domain.Errorf(domain.CodeForbidden, "Give the app the CRM scopes listed on the Integrations page and retry.", "%s refused for lack of permission: %v", name, err)
	case crm.KindInvalid:
		return domain.Errorf(domain.CodeInvalidArgument, "Fix the CRM setup described in the message and retry.", "%s: %v", name, err)
	}
	return domain.Errorf(domain.CodeUnavailable, "Try again in a minute.", "%s could not be reached: %v", name, err)
}

// connect checks tokens against the CRM (reads the account, prepares the
// unique fields idempotent writes need) and saves the connection.
func (e *Engine) connect(ctx context.Context, workspaceID int64, provider, auth string, t crm.Tokens) (store.CRMConnection, error) {
	e.init()
	cl := e.newClient(provider, t, staticTokens(t.AccessToken))
	acct, err := cl.Account(ctx)
	if err != nil {
		return store.CRMConnection{}, connectError(provider, err)
	}
	if err := cl.Setup(ctx); err != nil {
		return store.CRMConnection{}, connectError(provider, err)
	}
	enc, err := sealTokens(e, tokenKey(workspaceID, provider), t)
	if err != nil {
		return store.CRMConnection{}, err
	}
	key := randomKey()
	if old, err := e.DB.CRMConnection(ctx, workspaceID, provider); err == nil {
		key = old.WebhookKey
	} else if !domain.IsNotFound(err) {
		return store.CRMConnection{}, err
	}
	c, err := e.DB.SaveCRMConnection(ctx, store.CRMConnection{WorkspaceID: workspaceID, Provider: provider, Auth: auth, AccountID: acct.ID,
		AccountName: acct.Name, RecordURL: acct.RecordURL, TokensEnc: enc, TokenExpiresAt: expiresMillis(t), WebhookKey: key})
	if err != nil {
		return c, err
	}
	e.forget(c.ID)
	e.log(ctx, c.ID, store.CRMLogEntry{Kind: "connection", Status: "ok", Subject: acct.ID, Detail: "connected to " + providerName(provider) + " account " + acct.Name})
	e.Wake()
	return c, nil
}

func randomKey() string {
	b := make([]byte, 20)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// ConnectHubSpotToken connects with a private-app token, which does not
// expire and cannot be refreshed.
func (e *Engine) ConnectHubSpotToken(ctx context.Context, workspaceID int64, token string) (store.CRMConnection, error) {
	token = strings.TrimSpace(token)
	if token == "" || len(token) > 1000 {
		return store.CRMConnection{}, invalid(`access_token is required: the private app's token ("pat-…")`)
	}
	return e.connect(ctx, workspaceID, string(crm.HubSpot), "private_app", crm.Tokens{AccessToken: token})
}

// ConnectHubSpotCode finishes HubSpot's OAuth: the code from the redirect
// is exchanged for tokens.
func (e *Engine) ConnectHubSpotCode(ctx context.Context, workspaceID int64, code, redirectURI string) (store.CRMConnection, error) {
	if strings.TrimSpace(code) == "" {
		return store.CRMConnection{}, invalid("code is required")
	}
	t, err := e.hubspotOAuth().Exchange(ctx, code, redirectURI)
	if err != nil {
		return store.CRMConnection{}, connectError("hubspot", err)
	}
	return e.connect(ctx, workspaceID, string(crm.HubSpot), "oauth", e.rebase(t))
}

// ConnectZoho finishes Zoho's OAuth with a grant code (from the redirect,
// or a self-client code from Zoho's API console), or takes a refresh token
// the admin already has. accountsServer is the data centre's accounts
// server the redirect named; only Zoho's own hosts (or the configured one)
// get our client secret.
func (e *Engine) ConnectZoho(ctx context.Context, workspaceID int64, accountsServer, code, refreshToken, redirectURI string) (store.CRMConnection, error) {
	accountsServer = strings.TrimRight(strings.TrimSpace(accountsServer), "/")
	if accountsServer == "" {
		accountsServer = strings.TrimRight(e.Cfg.ZohoAccountsURL, "/")
	}
	if accountsServer != strings.TrimRight(e.Cfg.ZohoAccountsURL, "/") && !zoho.AllowedAccountsServer(accountsServer) {
		return store.CRMConnection{}, invalid("accounts_server %q is not a Zoho accounts server", accountsServer)
	}
	var t crm.Tokens
	var err error
	switch {
	case strings.TrimSpace(code) != "":
		t, err = e.zohoOAuth().Exchange(ctx, accountsServer, strings.TrimSpace(code), redirectURI)
	case strings.TrimSpace(refreshToken) != "":
		t, err = e.zohoOAuth().Refresh(ctx, crm.Tokens{RefreshToken: strings.TrimSpace(refreshToken), AccountsServer: accountsServer})
	default:
		return store.CRMConnection{}, invalid("give code (a grant code) or refresh_token")
	}
	if err != nil {
		return store.CRMConnection{}, connectError("zoho", err)
	}
	if t.AccountsServer == "" {
		t.AccountsServer = accountsServer
	}
	return e.connect(ctx, workspaceID, string(crm.Zoho), "oauth", e.rebase(t))
}

// Disconnect forgets a connection and everything queued on it; a Zoho
// notification channel is switched off first (best effort).
func (e *Engine) Disconnect(ctx context.Context, workspaceID int64, provider string) error {
	c, err := e.DB.CRMConnection(ctx, workspaceID, provider)
	if err != nil {
		return err
	}
	if c.WatchChannelID != 0 {
		if cl, err := e.client(c); err == nil {
			if z, ok := cl.(*connClient).Client.(*zoho.Client); ok {
				_ = z.Unwatch(ctx, c.WatchChannelID)
			}
		}
	}
	e.forget(c.ID)
	return e.DB.DeleteCRMConnection(ctx, workspaceID, provider)
}

// OAuth state ties a redirect back to the workspace that started it, for
// ten minutes; it is sealed, so it cannot be forged or replayed elsewhere.
type oauthState struct {
	WorkspaceID int64  `json:"w"`
	Provider    string `json:"p"`
	Expires     int64  `json:"e"`
}

// AuthorizeURL is where a person goes to let GoHavi into their CRM.
func (e *Engine) AuthorizeURL(workspaceID int64, provider string) (string, error) {
	if e.Cfg.PublicURL == "" {
		return "", domain.Errorf(domain.CodeUnavailable, "Set GOHAVI_PUBLIC_URL to the address the CRM redirects back to.", "OAuth needs a public URL")
	}
	b, _ := json.Marshal(oauthState{WorkspaceID: workspaceID, Provider: provider, Expires: e.Clock.Now().Add(10 * time.Minute).Unix()})
	sealed, err := e.Box.Seal(b, []byte("crm-oauth"))
	if err != nil {
		return "", err
	}
	state := base64.RawURLEncoding.EncodeToString(sealed)
	switch crm.Provider(provider) {
	case crm.HubSpot:
		if e.Cfg.HubSpotClientID == "" {
			return "", domain.Errorf(domain.CodeUnavailable, "Set GOHAVI_HUBSPOT_CLIENT_ID and GOHAVI_HUBSPOT_CLIENT_SECRET, or connect with a private-app token.", "no HubSpot app is configured")
		}
		return e.hubspotOAuth().AuthorizeURL(e.RedirectURI(provider), state), nil
	case crm.Zoho:
		if e.Cfg.ZohoClientID == "" {
			return "", domain.Errorf(domain.CodeUnavailable, "Set GOHAVI_ZOHO_CLIENT_ID and GOHAVI_ZOHO_CLIENT_SECRET.", "no Zoho app is configured")
		}
		return e.zohoOAuth().AuthorizeURL(e.RedirectURI(provider), state), nil
	}
	return "", invalid("unknown CRM %q", provider)
}

// RedirectURI is GoHavi's OAuth callback for a provider.
func (e *Engine) RedirectURI(provider string) string {
	return strings.TrimRight(e.Cfg.PublicURL, "/") + "/integrations/" + provider + "/callback"
}

// CompleteOAuth checks the state of a redirect and finishes the connect.
func (e *Engine) CompleteOAuth(ctx context.Context, provider, state, code, accountsServer string) (store.CRMConnection, error) {
	raw, err := base64.RawURLEncoding.DecodeString(state)
	var st oauthState
	if err == nil {
		var b []byte
		if b, err = e.Box.Open(raw, []byte("crm-oauth")); err == nil {
			err = json.Unmarshal(b, &st)
		}
	}
	if err != nil || st.Provider != provider || e.Clock.Now().Unix() > st.Expires {
		return store.CRMConnection{}, domain.Errorf(domain.CodeInvalidArgument, "Start the connection again from the Integrations page.", "the sign-in link is invalid or older than ten minutes")
	}
	if provider == string(crm.Zoho) {
		return e.ConnectZoho(ctx, st.WorkspaceID, accountsServer, code, "", e.RedirectURI(provider))
	}
	return e.ConnectHubSpotCode(ctx, st.WorkspaceID, code, e.RedirectURI(provider))
}

// renewWatch keeps Zoho's notification channel alive: channels expire
// silently (at most a week), so it is created when missing and renewed a
// day before it runs out. It asks for an hour less than a week: Zoho
// answers a request beyond the week with a one-hour channel, and our clock
// may run ahead of Zoho's.
func (p *pass) renewWatch(ctx context.Context) error {
	z, ok := p.cl.(*connClient).Client.(*zoho.Client)
	if !ok || p.e.Cfg.PublicURL == "" {
		return nil
	}
	now := p.e.Clock.Now()
	if p.conn.WatchChannelID != 0 && domain.FromMillis(p.conn.WatchExpiresAt).Sub(now) > 24*time.Hour {
		return nil
	}
	p.e.mu.Lock()
	next := p.e.watchRetry[p.conn.ID]
	p.e.mu.Unlock()
	if now.Before(next) {
		return nil
	}
	spec := zoho.WatchSpec{ChannelID: p.conn.WatchChannelID, Events: []string{"Deals.edit"}, Token: p.conn.WebhookKey,
		NotifyURL: strings.TrimRight(p.e.Cfg.PublicURL, "/") + "/webhooks/zoho", Expiry: now.Add(7*24*time.Hour - time.Hour)}
	var until time.Time
	var err error
	if spec.ChannelID == 0 {
		spec.ChannelID = 1_000_000_000 + p.conn.ID
		until, err = z.Watch(ctx, spec)
	} else if until, err = z.RenewWatch(ctx, spec); crm.KindOf(err) == crm.KindInvalid || crm.KindOf(err) == crm.KindNotFound {
		until, err = z.Watch(ctx, spec) // expired and gone: enable it again
	}
	if err != nil {
		if permanent(err) {
			// Logged and tried again in an hour, not on every pass.
			p.e.mu.Lock()
			p.e.watchRetry[p.conn.ID] = now.Add(time.Hour)
			p.e.mu.Unlock()
			p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "watch", Status: "failed", Detail: "could not set up Zoho's deal notifications; trying again in an hour", Error: err.Error()})
			return nil
		}
		return err
	}
	if err := p.e.DB.SetCRMWatch(ctx, p.conn.ID, spec.ChannelID, domain.Millis(until)); err != nil {
		return err
	}
	p.conn.WatchChannelID, p.conn.WatchExpiresAt = spec.ChannelID, domain.Millis(until)
	p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "watch", Status: "ok", Subject: strconv.FormatInt(spec.ChannelID, 10),
		Detail: "deal notifications active until " + until.UTC().Format(time.RFC3339)})
	return nil
}

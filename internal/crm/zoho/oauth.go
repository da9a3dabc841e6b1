package zoho

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// OAuth is GoHavi's Zoho API client registration (spec §2.1).
type OAuth struct {
	AccountsURL  string // default https://accounts.zoho.com (with multi-DC on, it serves every DC's users)
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client
}

// Scopes are what GoHavi asks for: records, notifications, field
// metadata (pipelines, the unique field check), the org, and search,
// which needs its own ZohoSearch scope.
var Scopes = []string{"ZohoCRM.modules.ALL", "ZohoCRM.notifications.ALL", "ZohoCRM.settings.fields.READ",
	"ZohoCRM.org.READ", "ZohoSearch.securesearch.READ"}

func (o OAuth) accounts() string {
	if o.AccountsURL == "" {
		return "https://accounts.zoho.com"
	}
	return strings.TrimRight(o.AccountsURL, "/")
}

func (o OAuth) httpClient() *http.Client {
	if o.HTTPClient != nil {
		return o.HTTPClient
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// AuthorizeURL is Zoho's consent page. access_type=offline gets a
// refresh token, prompt=consent a new one even for a returning user.
func (o OAuth) AuthorizeURL(redirectURI, state string) string {
	q := url.Values{"scope": {strings.Join(Scopes, ",")}, "client_id": {o.ClientID}, "response_type": {"code"},
		"access_type": {"offline"}, "redirect_uri": {redirectURI}, "prompt": {"consent"}}
	if state != "" {
		q.Set("state", state)
	}
	return o.accounts() + "/oauth/v2/auth?" + q.Encode()
}

// zohoAccounts are the accounts servers of Zoho's data centres (spec
// §2.1; the UK one is UNCONFIRMED there but listed so UK orgs can connect).
var zohoAccounts = map[string]bool{
	"accounts.zoho.com": true, "accounts.zoho.eu": true, "accounts.zoho.in": true, "accounts.zoho.com.au": true,
	"accounts.zoho.jp": true, "accounts.zoho.com.cn": true, "accounts.zohocloud.ca": true, "accounts.zoho.sa": true,
	"accounts.zoho.uk": true,
}

// AllowedAccountsServer reports whether u is one of Zoho's accounts
// servers, exactly (https, no port, path, query or credentials). The
// redirect's accounts-server parameter is attacker-controllable, and the
// code exchange sends our client secret there.
func AllowedAccountsServer(u string) bool {
	p, err := url.Parse(strings.TrimRight(u, "/"))
	if err != nil || p.Scheme != "https" || p.User != nil || p.Port() != "" || p.Path != "" || p.RawQuery != "" || p.Fragment != "" {
		return false
	}
	return zohoAccounts[strings.ToLower(p.Host)]
}

// server picks where a token call goes, refusing hosts that are neither
// Zoho's nor the configured accounts URL (the simulator in tests).
func (o OAuth) server(s string) (string, error) {
	s = strings.TrimRight(strings.TrimSpace(s), "/")
	if s == "" {
		s = o.accounts()
	}
	if s != o.accounts() && !AllowedAccountsServer(s) {
		return "", &crm.Error{Kind: crm.KindInvalid, Message: "accounts server " + strconv.Quote(s) + " is not one of Zoho's"}
	}
	return s, nil
}

// Exchange trades a grant code at the accounts server the redirect named
// ("" = AccountsURL). The answer's api_domain and that server go into the
// tokens: both are per data centre and needed for every later call.
func (o OAuth) Exchange(ctx context.Context, accountsServer, code, redirectURI string) (crm.Tokens, error) {
	srv, err := o.server(accountsServer)
	if err != nil {
		return crm.Tokens{}, err
	}
	tr, err := o.token(ctx, srv, url.Values{"grant_type": {"authorization_code"}, "client_id": {o.ClientID},
		"client_secret": {o.ClientSecret}, "redirect_uri": {redirectURI}, "code": {code}})
	if err != nil {
		return crm.Tokens{}, err
	}
	return crm.Tokens{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, ExpiresAt: tr.expiresAt(),
		Scope: tr.Scope, AccountsServer: srv, APIDomain: strings.TrimRight(tr.APIDomain, "/")}, nil
}

// Refresh gets a new access token at t.AccountsServer. Zoho does not
// rotate refresh tokens, so t.RefreshToken is kept.
func (o OAuth) Refresh(ctx context.Context, t crm.Tokens) (crm.Tokens, error) {
	srv, err := o.server(t.AccountsServer)
	if err != nil {
		return t, err
	}
	tr, err := o.token(ctx, srv, url.Values{"grant_type": {"refresh_token"}, "client_id": {o.ClientID},
		"client_secret": {o.ClientSecret}, "refresh_token": {t.RefreshToken}})
	if err != nil {
		return t, err
	}
	nt := crm.Tokens{AccessToken: tr.AccessToken, RefreshToken: t.RefreshToken, ExpiresAt: tr.expiresAt(),
		Scope: tr.Scope, AccountsServer: srv, APIDomain: strings.TrimRight(tr.APIDomain, "/")}
	if nt.Scope == "" {
		nt.Scope = t.Scope
	}
	if nt.APIDomain == "" {
		nt.APIDomain = t.APIDomain
	}
	return nt, nil
}

type tokenAnswer struct {
	AccessToken      string      `json:"access_token"`
	RefreshToken     string      `json:"refresh_token"`
	Scope            string      `json:"scope"`
	APIDomain        string      `json:"api_domain"`
	ExpiresIn        json.Number `json:"expires_in"`
	Error            string      `json:"error"`
	ErrorDescription string      `json:"error_description"`
}

func (t tokenAnswer) expiresAt() time.Time {
	sec, err := t.ExpiresIn.Int64()
	if err != nil || sec <= 0 {
		sec = 3600
	}
	return time.Now().Add(time.Duration(sec) * time.Second)
}

// refreshRetryAfter is the wait after Zoho's refresh cap (10 access
// tokens per refresh token per 10 minutes): the window is rolling, so a
// slot frees up within minutes.
const refreshRetryAfter = time.Minute

// token POSTs to /oauth/v2/token. Zoho reports most failures with HTTP
// 200 and an "error" field, so the body decides, not the status.
func (o OAuth) token(ctx context.Context, srv string, form url.Values) (tokenAnswer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, srv+"/oauth/v2/token", strings.NewReader(form.Encode()))
	if err != nil {
		return tokenAnswer{}, &crm.Error{Kind: crm.KindInvalid, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := o.httpClient().Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return tokenAnswer{}, ctx.Err()
		}
		return tokenAnswer{}, &crm.Error{Kind: crm.KindTransient, Message: err.Error()}
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var tr tokenAnswer
	jerr := json.Unmarshal(raw, &tr)
	st := resp.StatusCode
	switch {
	case st >= 500 || st == http.StatusTooManyRequests && tr.Error == "":
		k := crm.KindTransient
		if st == http.StatusTooManyRequests {
			k = crm.KindRateLimit
		}
		return tr, &crm.Error{Kind: k, Status: st, Message: "accounts server: " + http.StatusText(st), RetryAfter: retryAfter(resp.Header)}
	case tr.Error != "":
		return tr, tokenError(st, tr)
	case st/100 != 2 || jerr != nil || tr.AccessToken == "":
		return tr, &crm.Error{Kind: crm.KindInvalid, Status: st, Message: "accounts server gave no access token: " + strings.TrimSpace(string(raw))}
	}
	return tr, nil
}

func tokenError(st int, tr tokenAnswer) *crm.Error {
	e := &crm.Error{Kind: crm.KindInvalid, Status: st, Code: tr.Error, Message: tr.Error}
	if tr.ErrorDescription != "" {
		e.Message = tr.Error + ": " + tr.ErrorDescription
	}
	switch {
	case strings.Contains(strings.ToLower(tr.ErrorDescription), "too many requests") || tr.Error == "Access Denied":
		e.Kind, e.RetryAfter = crm.KindRateLimit, refreshRetryAfter
	case tr.Error == "invalid_code":
		// A used, expired or revoked grant or refresh token: only a new
		// consent fixes it.
		e.Kind, e.Message = crm.KindAuth, "invalid_code: the grant or refresh token is invalid, expired or revoked"
	case tr.Error == "invalid_client" || tr.Error == "invalid_client_secret":
		e.Kind = crm.KindAuth
	}
	return e
}

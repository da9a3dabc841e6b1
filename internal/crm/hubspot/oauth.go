package hubspot

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// OAuth is GoHavi's HubSpot app: the consent URL and the token endpoint.
type OAuth struct {
	APIURL       string // default https://api.hubapi.com
	AuthURL      string // default https://app.hubspot.com
	ClientID     string
	ClientSecret string
	HTTPClient   *http.Client
	// Scopes overrides DefaultScopes.
	Scopes []string
}

// DefaultScopes are what the app asks for: the product's install set,
// plus the contact schema scopes, without which HubSpot refuses to create
// the unique properties Setup makes (POST /crm/v3/properties needs
// crm.schemas.contacts.write; reading one back needs the read scope).
var DefaultScopes = []string{
	"oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read",
	"crm.schemas.contacts.read", "crm.schemas.contacts.write",
}

func (o OAuth) apiURL() string {
	if o.APIURL == "" {
		return "https://api.hubapi.com"
	}
	return strings.TrimRight(o.APIURL, "/")
}

// AuthorizeURL is where to send the HubSpot admin to install the app.
func (o OAuth) AuthorizeURL(redirectURI, state string) string {
	base := o.AuthURL
	if base == "" {
		base = "https://app.hubspot.com"
	}
	scopes := o.Scopes
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	q := url.Values{"client_id": {o.ClientID}, "redirect_uri": {redirectURI}, "scope": {strings.Join(scopes, " ")}}
	if state != "" {
		q.Set("state", state)
	}
	return strings.TrimRight(base, "/") + "/oauth/authorize?" + q.Encode()
}

// Exchange trades the code from the consent redirect for tokens.
func (o OAuth) Exchange(ctx context.Context, code, redirectURI string) (crm.Tokens, error) {
	return o.token(ctx, url.Values{
		"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI},
	}, "")
}

// Refresh gets a new access token. HubSpot keeps the refresh token the
// same; a revoked or unknown one answers *crm.Error of KindAuth.
func (o OAuth) Refresh(ctx context.Context, refreshToken string) (crm.Tokens, error) {
	return o.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refreshToken}}, refreshToken)
}

func (o OAuth) token(ctx context.Context, form url.Values, refresh string) (crm.Tokens, error) {
	form.Set("client_id", o.ClientID)
	form.Set("client_secret", o.ClientSecret)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, o.apiURL()+"/oauth/v1/token", strings.NewReader(form.Encode()))
	if err != nil {
		return crm.Tokens{}, &crm.Error{Kind: crm.KindInvalid, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	hc := o.HTTPClient
	if hc == nil {
		hc = &http.Client{Timeout: 30 * time.Second}
	}
	resp, err := hc.Do(req)
	if err != nil {
		return crm.Tokens{}, networkError(ctx, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return crm.Tokens{}, networkError(ctx, err)
	}
	if resp.StatusCode != http.StatusOK {
		e := (&Client{}).classify(resp.StatusCode, resp.Header, raw)
		// The token endpoint answers 400 for a bad code, a revoked refresh
		// token or wrong app credentials: none is fixed by retrying, and
		// all mean the connection has to be made again.
		if resp.StatusCode == http.StatusBadRequest || resp.StatusCode == http.StatusUnauthorized {
			e.Kind = crm.KindAuth
		}
		return crm.Tokens{}, e
	}
	var tr struct {
		AccessToken  string   `json:"access_token"`
		RefreshToken string   `json:"refresh_token"`
		ExpiresIn    int64    `json:"expires_in"`
		Scope        string   `json:"scope"`
		Scopes       []string `json:"scopes"`
	}
	if err := json.Unmarshal(raw, &tr); err != nil || tr.AccessToken == "" {
		return crm.Tokens{}, &crm.Error{Kind: crm.KindTransient, Status: resp.StatusCode, Message: "HubSpot's token answer has no access_token"}
	}
	t := crm.Tokens{AccessToken: tr.AccessToken, RefreshToken: tr.RefreshToken, Scope: tr.Scope}
	if t.RefreshToken == "" {
		t.RefreshToken = refresh
	}
	if t.Scope == "" && len(tr.Scopes) > 0 {
		t.Scope = strings.Join(tr.Scopes, " ")
	}
	if tr.ExpiresIn > 0 {
		t.ExpiresAt = time.Now().Add(time.Duration(tr.ExpiresIn) * time.Second)
	}
	return t, nil
}

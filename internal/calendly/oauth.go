package calendly

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// AuthorizeURL is where a person grants GoHavi access. Calendly recommends
// PKCE for every app, so a challenge is always sent.
func (c *Client) AuthorizeURL(redirectURI, state, verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	q := url.Values{"client_id": {c.ClientID}, "response_type": {"code"}, "redirect_uri": {redirectURI}, "state": {state},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	return strings.TrimRight(c.AuthURL, "/") + "/oauth/authorize?" + q.Encode()
}

// Exchange trades an authorization code for tokens.
func (c *Client) Exchange(ctx context.Context, code, redirectURI, verifier string) (Tokens, error) {
	return c.token(ctx, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}})
}

// Refresh spends a refresh token. Calendly's are single-use: the answer's
// refresh token replaces the old one, which no longer works.
func (c *Client) Refresh(ctx context.Context, refresh string) (Tokens, error) {
	return c.token(ctx, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {refresh}})
}

func (c *Client) token(ctx context.Context, form url.Values) (Tokens, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, strings.TrimRight(c.AuthURL, "/")+"/oauth/token", strings.NewReader(form.Encode()))
	if err != nil {
		return Tokens{}, &Error{Kind: KindInvalid, Message: err.Error()}
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(c.ClientID, c.ClientSecret)
	resp, err := c.http().Do(req)
	if err != nil {
		return Tokens{}, &Error{Kind: KindTransient, Message: err.Error()}
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	var out struct {
		Access       string `json:"access_token"`
		Refresh      string `json:"refresh_token"`
		ExpiresIn    int    `json:"expires_in"`
		CreatedAt    int64  `json:"created_at"`
		Owner        string `json:"owner"`
		Err          string `json:"error"`
		ErrorMessage string `json:"error_description"`
	}
	_ = json.Unmarshal(b, &out)
	if resp.StatusCode != http.StatusOK || out.Access == "" {
		e := &Error{Status: resp.StatusCode, Kind: kindFor(resp.StatusCode), Title: out.Err, Message: out.ErrorMessage}
		if out.Err == "invalid_grant" || out.Err == "invalid_client" {
			e.Kind = KindAuth // the grant is spent or revoked: only a person can fix it
		}
		if e.Message == "" {
			e.Message = http.StatusText(resp.StatusCode)
		}
		return Tokens{}, e
	}
	t := Tokens{Access: out.Access, Refresh: out.Refresh, Owner: out.Owner, ExpiresIn: time.Duration(out.ExpiresIn) * time.Second}
	return t, nil
}

package zoho

import (
	"crypto/rand"
	"encoding/hex"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The accounts server (spec §2.1). Zoho answers token errors with HTTP
// 200 and {"error":"<code>"}; the spec does not say so, but it is what
// Zoho is known to do and it is the harder case for a client (it must
// read the body, not the status), so the simulator does the same. The
// refresh cap is the exception: see tooManyRefreshes.

const (
	grantTTL         = 2 * time.Minute
	accessTTL        = 3600 * time.Second
	refreshWindow    = 10 * time.Minute
	refreshPerWindow = 10
)

// DefaultScope is what a grant from IssueGrant carries: everything GoHavi
// asks for.
const DefaultScope = "ZohoCRM.modules.ALL,ZohoCRM.notifications.ALL,ZohoCRM.settings.fields.READ,ZohoCRM.org.READ,ZohoSearch.securesearch.READ"

type grant struct {
	clientID, redirectURI, scope string
	offline                      bool
	expires                      time.Time
}

type refreshToken struct {
	clientID, scope string
	minted          []time.Time // access tokens minted from it, for the 10-per-10-min cap
	revoked         bool
}

type accessToken struct {
	scopes  map[string]bool // lower-cased
	expires time.Time
	refresh string // the refresh token it came from ("" for none)
	revoked bool
}

// newToken makes Zoho-shaped tokens: "1000." and two hex runs.
func newToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return "1000." + h[:32] + "." + h[32:]
}

func scopeSet(scope string) map[string]bool {
	m := map[string]bool{}
	for _, s := range strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' }) {
		m[strings.ToLower(s)] = true
	}
	return m
}

func (s *Server) clientOK(id string) bool { return s.cfg.ClientID == "" || id == s.cfg.ClientID }

func (s *Server) secretOK(secret string) bool {
	return s.cfg.ClientSecret == "" || secret == s.cfg.ClientSecret
}

// IssueGrant returns an authorization code (grant token) for the
// configured client with DefaultScope and offline access, as the consent
// screen or the API console's self-client gives.
func (s *Server) IssueGrant(redirectURI string) string {
	return s.IssueGrantScope(redirectURI, DefaultScope)
}

// IssueGrantScope is IssueGrant with the scopes the user consented to.
func (s *Server) IssueGrantScope(redirectURI, scope string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.newGrantLocked(s.cfg.ClientID, redirectURI, scope, true)
}

func (s *Server) newGrantLocked(clientID, redirectURI, scope string, offline bool) string {
	code := newToken()
	s.grants[code] = &grant{clientID: clientID, redirectURI: redirectURI, scope: scope, offline: offline,
		expires: s.now().Add(grantTTL)}
	return code
}

// ExpireTokens expires every access token issued so far: API calls with
// them get 401 INVALID_TOKEN until the client refreshes.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, a := range s.access {
		a.expires = time.Time{}
	}
}

// RevokeRefreshTokens revokes every refresh token, as a user removing the
// app's access does: refreshing answers {"error":"invalid_code"} and the
// access tokens minted from them stop working too.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rt := range s.refresh {
		rt.revoked = true
	}
	for _, a := range s.access {
		if a.refresh != "" {
			a.revoked = true
		}
	}
}

// tokenLocked is the access token of an API call, nil when it is
// missing, unknown, expired or revoked.
func (s *Server) tokenLocked(r *http.Request, now time.Time) *accessToken {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Zoho-oauthtoken ")
	if !ok {
		return nil
	}
	a := s.access[strings.TrimSpace(tok)]
	if a == nil || a.revoked || !now.Before(a.expires) {
		return nil
	}
	return a
}

// oauthAuth plays the consent screen: the user always agrees, and is
// sent back with the code, the DC and its accounts server (spec §2.1 step 2).
func (s *Server) oauthAuth(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	bad := func(msg string) { http.Error(w, msg, http.StatusBadRequest) }
	switch {
	case q.Get("response_type") != "code":
		bad("response_type must be code")
		return
	case !s.clientOK(q.Get("client_id")) || q.Get("client_id") == "":
		bad("Invalid Client ID")
		return
	case q.Get("scope") == "":
		bad("Invalid OAuth Scope")
		return
	}
	redirect, err := url.Parse(q.Get("redirect_uri"))
	if err != nil || redirect.Scheme == "" || redirect.Host == "" {
		bad("Invalid Redirect Uri")
		return
	}
	s.mu.Lock()
	code := s.newGrantLocked(q.Get("client_id"), q.Get("redirect_uri"), q.Get("scope"), q.Get("access_type") == "offline")
	s.mu.Unlock()
	v := redirect.Query()
	if st := q.Get("state"); st != "" {
		v.Set("state", st)
	}
	v.Set("code", code)
	v.Set("location", s.cfg.DC)
	v.Set("accounts-server", s.baseURL(r))
	redirect.RawQuery = v.Encode()
	http.Redirect(w, r, redirect.String(), http.StatusFound)
}

func tokenError(w http.ResponseWriter, code string) {
	writeJSON(w, http.StatusOK, map[string]any{"error": code})
}

// oauthToken is POST /oauth/v2/token; parameters come as a form or in
// the query, as Zoho accepts both.
func (s *Server) oauthToken(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	p := r.Form
	if !s.clientOK(p.Get("client_id")) || p.Get("client_id") == "" {
		tokenError(w, "invalid_client")
		return
	}
	if !s.secretOK(p.Get("client_secret")) {
		tokenError(w, "invalid_client_secret")
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	switch p.Get("grant_type") {
	case "authorization_code":
		code := p.Get("code")
		g := s.grants[code]
		delete(s.grants, code) // single use, even when the exchange fails
		if g == nil || !now.Before(g.expires) || g.clientID != p.Get("client_id") {
			tokenError(w, "invalid_code")
			return
		}
		if g.redirectURI != p.Get("redirect_uri") {
			tokenError(w, "invalid_redirect_uri")
			return
		}
		out := map[string]any{"scope": spaced(g.scope), "api_domain": s.baseURL(r), "token_type": "Bearer",
			"expires_in": int(accessTTL / time.Second)}
		rt := ""
		if g.offline {
			rt = newToken()
			s.refresh[rt] = &refreshToken{clientID: g.clientID, scope: g.scope}
			out["refresh_token"] = rt
		}
		out["access_token"] = s.mintLocked(g.scope, rt, now)
		writeJSON(w, http.StatusOK, out)
	case "refresh_token":
		rt := s.refresh[p.Get("refresh_token")]
		if rt == nil || rt.revoked || rt.clientID != p.Get("client_id") {
			tokenError(w, "invalid_code")
			return
		}
		cut := now.Add(-refreshWindow)
		kept := rt.minted[:0]
		for _, t := range rt.minted {
			if t.After(cut) {
				kept = append(kept, t)
			}
		}
		rt.minted = kept
		if len(rt.minted) >= refreshPerWindow {
			tooManyRefreshes(w)
			return
		}
		rt.minted = append(rt.minted, now)
		writeJSON(w, http.StatusOK, map[string]any{
			"access_token": s.mintLocked(rt.scope, p.Get("refresh_token"), now),
			"scope":        spaced(rt.scope), "api_domain": s.baseURL(r), "token_type": "Bearer",
			"expires_in": int(accessTTL / time.Second),
		})
	default:
		tokenError(w, "unsupported_grant_type")
	}
}

// tooManyRefreshes answers the 11th refresh within 10 minutes. The text
// is UNCONFIRMED (spec §2.5); this is the shape reported by Zoho users,
// and the status (400, unlike the other token errors) too.
func tooManyRefreshes(w http.ResponseWriter) {
	writeJSON(w, http.StatusBadRequest, map[string]any{
		"error":             "Access Denied",
		"error_description": "You have made too many requests continuously. Please try again after some time.",
		"status":            "failure",
	})
}

func (s *Server) mintLocked(scope, refresh string, now time.Time) string {
	tok := newToken()
	s.access[tok] = &accessToken{scopes: scopeSet(scope), expires: now.Add(accessTTL), refresh: refresh}
	return tok
}

// spaced writes scopes as the token answer does: space-separated.
func spaced(scope string) string {
	return strings.Join(strings.FieldsFunc(scope, func(r rune) bool { return r == ',' || r == ' ' }), " ")
}

// oauthRevoke is POST /oauth/v2/token/revoke?token=. Revoking a refresh
// token also kills its access tokens. Unknown tokens answer success too:
// Zoho's answer for them is undocumented, and revoking is idempotent.
func (s *Server) oauthRevoke(w http.ResponseWriter, r *http.Request) {
	_ = r.ParseForm()
	tok := r.Form.Get("token")
	s.mu.Lock()
	if rt := s.refresh[tok]; rt != nil {
		rt.revoked = true
		for _, a := range s.access {
			if a.refresh == tok {
				a.revoked = true
			}
		}
	}
	if a := s.access[tok]; a != nil {
		a.revoked = true
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"status": "success"})
}

package hubspot

import (
	"crypto/rand"
	"encoding/base64"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	accessTTL = 30 * time.Minute // expires_in: 1800 (spec §1.1.1)
	// HubSpot does not document the code lifetime; RFC 6749 asks for at
	// most 10 minutes, which is what short-lived means here.
	codeTTL = 10 * time.Minute
)

// DefaultScopes are what IssueCode grants, and /oauth/authorize without a
// scope parameter: the product's install set, plus the schema scopes that
// creating the unique properties needs.
var DefaultScopes = []string{
	"oauth", "crm.objects.contacts.read", "crm.objects.contacts.write", "crm.objects.deals.read",
	"crm.schemas.contacts.read", "crm.schemas.contacts.write",
}

type authCode struct {
	clientID, redirectURI string
	scopes                []string
	expires               time.Time
}

type accessToken struct {
	refresh string
	scopes  []string
	expires time.Time
}

type refreshGrant struct {
	clientID string
	scopes   []string
	revoked  bool
}

// caller is who made an API call.
type caller struct {
	token   string
	private bool // private-app token: every scope, daily headers
	scopes  map[string]bool
}

func (c *caller) hasAny(need []string) bool {
	if c.private || len(need) == 0 {
		return true
	}
	for _, s := range need {
		if c.scopes[s] {
			return true
		}
	}
	return false
}

// AddPrivateAppToken registers a private-app token ("pat-na1-…") that
// never expires and carries every scope.
func (s *Server) AddPrivateAppToken(token string) {
	s.mu.Lock()
	s.private[token] = true
	s.mu.Unlock()
}

// IssueCode returns an authorization code for redirectURI with
// DefaultScopes, as the consent screen would give.
func (s *Server) IssueCode(redirectURI string) string {
	return s.issueCode(s.cfg.ClientID, redirectURI, DefaultScopes)
}

func (s *Server) issueCode(clientID, redirectURI string, scopes []string) string {
	code := newUUID()
	s.mu.Lock()
	s.codes[code] = &authCode{clientID: clientID, redirectURI: redirectURI, scopes: scopes, expires: s.now().Add(codeTTL)}
	s.mu.Unlock()
	return code
}

// ExpireTokens expires every OAuth access token issued so far: the next
// call with one answers 401 EXPIRED_AUTHENTICATION.
func (s *Server) ExpireTokens() {
	s.mu.Lock()
	past := s.now().Add(-time.Second)
	for _, t := range s.access {
		t.expires = past
	}
	s.mu.Unlock()
}

// RevokeRefreshTokens makes every refresh token issued so far fail with
// 400 BAD_REFRESH_TOKEN, as uninstalling the app does. Access tokens
// already issued keep working until they expire, as on HubSpot.
func (s *Server) RevokeRefreshTokens() {
	s.mu.Lock()
	for _, g := range s.refresh {
		g.revoked = true
	}
	s.mu.Unlock()
}

// authorize is the consent screen, consenting at once.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.cfg.ClientID {
		oauthPage(w, "Authorization failed: unknown client_id "+q.Get("client_id"))
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("redirect_uri") == "" || err != nil || !target.IsAbs() {
		oauthPage(w, "Authorization failed: redirect_uri is missing or not an absolute URL")
		return
	}
	scopes := strings.Fields(q.Get("scope"))
	if len(scopes) == 0 {
		scopes = DefaultScopes
	}
	scopes = append(scopes, strings.Fields(q.Get("optional_scope"))...)
	code := s.issueCode(s.cfg.ClientID, q.Get("redirect_uri"), scopes)
	tq := target.Query()
	tq.Set("code", code)
	if st := q.Get("state"); st != "" {
		tq.Set("state", st)
	}
	target.RawQuery = tq.Encode()
	http.Redirect(w, r, target.String(), http.StatusFound)
}

func oauthPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>HubSpot</title><p>%s</p>\n", html.EscapeString(msg))
}

// oauthError is the token endpoint's error body. The status codes
// (BAD_AUTH_CODE, BAD_REFRESH_TOKEN, …) are HubSpot's; the spec has no
// sample, so the shape follows HubSpot's v1 answers as clients parse them.
// v3 adds the RFC 6749 error fields, which its OAuth 2.0 endpoint speaks.
func oauthError(w http.ResponseWriter, v3 bool, status, msg, rfc string) {
	body := map[string]string{"status": status, "message": msg, "correlationId": newUUID()}
	if v3 {
		body["error"], body["error_description"] = rfc, msg
	}
	writeJSON(w, http.StatusBadRequest, body)
}

// token serves /oauth/v1/token and /oauth/v3/token (form body).
func (s *Server) token(v3 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.Calls[r.Method+" "+r.URL.Path]++
		f := s.fault
		s.mu.Unlock()
		if f.Status != 0 {
			writeFault(w, f)
			return
		}
		if err := r.ParseForm(); err != nil {
			oauthError(w, v3, "BAD_REQUEST", "could not parse the form body", "invalid_request")
			return
		}
		form := r.Form
		if v3 { // v3 takes credentials in the body only
			form = r.PostForm
		}
		if form.Get("client_id") != s.cfg.ClientID {
			oauthError(w, v3, "BAD_CLIENT_ID", "missing or invalid client id", "invalid_client")
			return
		}
		if form.Get("client_secret") != s.cfg.ClientSecret {
			oauthError(w, v3, "BAD_CLIENT_SECRET", "missing or invalid client secret", "invalid_client")
			return
		}
		now := s.now()
		s.mu.Lock()
		var refresh string
		var scopes []string
		switch form.Get("grant_type") {
		case "authorization_code":
			c := s.codes[form.Get("code")]
			delete(s.codes, form.Get("code")) // single use, even when the exchange fails
			switch {
			case c == nil || c.clientID != s.cfg.ClientID:
				s.mu.Unlock()
				oauthError(w, v3, "BAD_AUTH_CODE", "missing or unknown auth code", "invalid_grant")
				return
			case !now.Before(c.expires):
				s.mu.Unlock()
				oauthError(w, v3, "EXPIRED_AUTH_CODE", "auth code is expired", "invalid_grant")
				return
			case c.redirectURI != form.Get("redirect_uri"):
				s.mu.Unlock()
				oauthError(w, v3, "BAD_REDIRECT_URI", "redirect_uri does not match initial redirect uri", "invalid_grant")
				return
			}
			refresh, scopes = newUUID(), c.scopes
			s.refresh[refresh] = &refreshGrant{clientID: c.clientID, scopes: c.scopes}
		case "refresh_token":
			refresh = form.Get("refresh_token")
			g := s.refresh[refresh]
			if g == nil || g.revoked || g.clientID != s.cfg.ClientID {
				s.mu.Unlock()
				oauthError(w, v3, "BAD_REFRESH_TOKEN", "missing or invalid refresh token", "invalid_grant")
				return
			}
			scopes = g.scopes
		default:
			s.mu.Unlock()
			oauthError(w, v3, "BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token", "unsupported_grant_type")
			return
		}
		tok := newAccessToken()
		s.access[tok] = &accessToken{refresh: refresh, scopes: scopes, expires: now.Add(accessTTL)}
		s.mu.Unlock()
		body := map[string]any{
			"token_type": "bearer", "access_token": tok, "refresh_token": refresh,
			"expires_in": int(accessTTL / time.Second),
		}
		if v3 {
			body["hub_id"], body["user_id"], body["scopes"], body["token_use"] = s.cfg.PortalID, simUserID, scopes, "access"
		}
		writeJSON(w, http.StatusOK, body)
	}
}

const simUserID = 2620001

// tokenInfo is the v1 access-token metadata call apps use to learn the
// portal behind a token.
func (s *Server) tokenInfo(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	t := s.access[r.PathValue("token")]
	var left time.Duration
	if t != nil {
		left = t.expires.Sub(s.now())
	}
	s.mu.Unlock()
	if t == nil || left <= 0 {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "access token not found or expired", nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"token": r.PathValue("token"), "user": "sim-user@example.com", "hub_domain": "sim-portal.example.com",
		"scopes": t.scopes, "hub_id": s.cfg.PortalID, "app_id": s.cfg.AppID, "expires_in": int(left / time.Second),
		"user_id": simUserID, "token_type": "access",
	})
}

func newAccessToken() string {
	var b [72]byte
	_, _ = rand.Read(b[:])
	return "C" + base64.RawURLEncoding.EncodeToString(b[:])
}

// authenticateLocked checks the bearer token; on failure it answers the
// 401 message and category.
func (s *Server) authenticateLocked(r *http.Request) (*caller, string, string) {
	const notFound = "Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview"
	h := r.Header.Get("Authorization")
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		tok, ok = strings.CutPrefix(h, "bearer ")
	}
	tok = strings.TrimSpace(tok)
	if !ok || tok == "" {
		return nil, notFound, "INVALID_AUTHENTICATION"
	}
	if s.private[tok] || (s.cfg.AnyPrivateAppToken && strings.HasPrefix(tok, "pat-")) {
		return &caller{token: tok, private: true}, "", ""
	}
	t := s.access[tok]
	if t == nil {
		return nil, notFound, "INVALID_AUTHENTICATION"
	}
	if ago := s.now().Sub(t.expires); ago >= 0 {
		return nil, fmt.Sprintf("The OAuth token used to make this call expired %d minute(s) ago.", int(ago/time.Minute)), "EXPIRED_AUTHENTICATION"
	}
	c := &caller{token: tok, scopes: map[string]bool{}}
	for _, sc := range t.scopes {
		c.scopes[sc] = true
	}
	return c, "", ""
}

// requiredScopes lists the scopes of which a call needs one (nil: any
// token will do), after the security blocks of HubSpot's specs (§1.1.3).
// Reads accept the write scope too. Communications and notes are guarded
// by the contact scopes, their owning object's.
func requiredScopes(r *http.Request) []string {
	obj := func(t string) string {
		switch t, _ = normType(t); t {
		case "communications", "notes", "":
			return "contacts"
		default:
			return t
		}
	}
	read := func(t string) []string {
		return []string{"crm.objects." + obj(t) + ".read", "crm.objects." + obj(t) + ".write"}
	}
	write := func(t string) []string { return []string{"crm.objects." + obj(t) + ".write"} }
	t := r.PathValue("objectType")
	switch {
	case strings.HasPrefix(r.URL.Path, "/crm/v3/properties/"):
		sc := "crm.schemas." + obj(t)
		if r.Method == http.MethodGet {
			return append([]string{sc + ".read", sc + ".write"}, read(t)...)
		}
		return []string{sc + ".write"}
	case strings.HasPrefix(r.URL.Path, "/crm/v3/objects/"):
		op := r.PathValue("op")
		if r.Method == http.MethodGet || strings.HasSuffix(r.URL.Path, "/search") || op == "read" {
			return read(t)
		}
		return write(t)
	case strings.HasPrefix(r.URL.Path, "/crm/v3/pipelines/"):
		return read(t)
	case strings.HasPrefix(r.URL.Path, "/crm/v4/objects/"):
		return read(r.PathValue("from"))
	case strings.HasPrefix(r.URL.Path, "/crm/v4/associations/"):
		return write(r.PathValue("from"))
	}
	return nil
}

func writeMissingScopes(w http.ResponseWriter, need []string) {
	writeJSON(w, http.StatusForbidden, apiError{
		Status:        "error",
		Message:       "This app hasn't been granted all required scopes to make this call. Read more about required scopes here: https://developers.hubspot.com/scopes.",
		CorrelationID: newUUID(),
		Category:      "MISSING_SCOPES",
		Errors: []errorDetail{{
			Message: "One or more of the following scopes are required.",
			Context: map[string][]string{"requiredGranularScopes": need},
		}},
		Links: map[string]any{"scopes": "https://developers.hubspot.com/scopes"},
	})
}

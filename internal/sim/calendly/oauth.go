package simcalendly

import (
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

const (
	accessTTL       = 7200 * time.Second // expires_in (spec §3.1)
	codeTTL         = 10 * time.Minute
	tokenReqPerMin  = 8 // token endpoint requests per user per minute
	oauthScope      = "default"
	invalidGrantMsg = "The provided authorization grant is invalid, expired, revoked, does not match the redirection URI used in the authorization request, or was issued to another client."
)

type authCode struct {
	clientID, redirectURI, userID string
	challenge, method             string // PKCE
	expires                       time.Time
}

type accessToken struct {
	userID, clientID string
	created, expires time.Time
}

type refreshToken struct {
	userID, clientID string
	created          time.Time
	spent            bool // single use: rotated on every refresh
}

// caller is who made an API call.
type caller struct {
	userID string
	oauth  bool // an OAuth access token, not a PAT: the app key signs its subscriptions
}

// authenticateLocked resolves the bearer token, or says why not in
// Calendly's 401 message.
func (s *Server) authenticateLocked(r *http.Request, now time.Time) (*caller, string) {
	const invalid = "The access token is invalid"
	scheme, tok, _ := strings.Cut(r.Header.Get("Authorization"), " ")
	tok = strings.TrimSpace(tok)
	if !strings.EqualFold(scheme, "Bearer") || tok == "" {
		return nil, invalid
	}
	if id, ok := s.pats[tok]; ok {
		return &caller{userID: id}, ""
	}
	if t := s.access[tok]; t != nil {
		if !now.Before(t.expires) {
			return nil, "The access token expired"
		}
		return &caller{userID: t.userID, oauth: true}, ""
	}
	if s.cfg.AnyToken {
		return &caller{userID: s.defaultUser}, ""
	}
	return nil, invalid
}

// newJWT makes a token shaped like Calendly's (a JWT); nothing verifies
// its signature, clients must treat it as opaque.
func newJWT(use, userID string, now time.Time) string {
	enc := base64.RawURLEncoding
	head, _ := json.Marshal(map[string]string{"kid": "1", "typ": use, "alg": "ES256"})
	claims, _ := json.Marshal(map[string]any{"iss": "https://auth.calendly.com", "iat": now.Unix(), "jti": newID(), "user_uuid": userID})
	var sig [64]byte
	_, _ = rand.Read(sig[:])
	return enc.EncodeToString(head) + "." + enc.EncodeToString(claims) + "." + enc.EncodeToString(sig[:])
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// authorize is the consent screen, consenting at once as the default user.
func (s *Server) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != s.cfg.ClientID {
		oauthPage(w, "unknown client_id "+strconv.Quote(q.Get("client_id")))
		return
	}
	target, err := url.Parse(q.Get("redirect_uri"))
	if q.Get("redirect_uri") == "" || err != nil || !target.IsAbs() {
		oauthPage(w, "redirect_uri is missing or not an absolute URL")
		return
	}
	back := func(v url.Values) {
		tq := target.Query()
		for k := range v {
			tq.Set(k, v.Get(k))
		}
		if st := q.Get("state"); st != "" {
			tq.Set("state", st)
		}
		target.RawQuery = tq.Encode()
		http.Redirect(w, r, target.String(), http.StatusFound)
	}
	if q.Get("response_type") != "code" {
		back(url.Values{"error": {"unsupported_response_type"}, "error_description": {"response_type must be code"}})
		return
	}
	challenge, method := q.Get("code_challenge"), q.Get("code_challenge_method")
	if challenge != "" && method == "" {
		method = "plain" // RFC 7636's default
	}
	if challenge != "" && method != "S256" && method != "plain" {
		back(url.Values{"error": {"invalid_request"}, "error_description": {"code_challenge_method must be S256"}})
		return
	}
	code := randomHex(22)
	s.mu.Lock()
	s.codes[code] = &authCode{clientID: s.cfg.ClientID, redirectURI: q.Get("redirect_uri"), userID: s.defaultUser,
		challenge: challenge, method: method, expires: s.now().Add(codeTTL)}
	s.mu.Unlock()
	back(url.Values{"code": {code}})
}

func oauthPage(w http.ResponseWriter, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(http.StatusBadRequest)
	fmt.Fprintf(w, "<!doctype html><title>Calendly</title><p>Authorization failed: %s</p>\n", html.EscapeString(msg))
}

// oauthError is the RFC 6749 error body Calendly's OAuth endpoints use
// (spec §3.1).
func oauthError(w http.ResponseWriter, status int, code, desc string) {
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
}

// clientAuth checks the client by HTTP Basic, else client_id and
// client_secret in the form; on failure it answers 401 invalid_client.
func (s *Server) clientAuth(w http.ResponseWriter, r *http.Request) bool {
	if err := r.ParseForm(); err != nil {
		oauthError(w, http.StatusBadRequest, "invalid_request", "could not read the form body: "+err.Error())
		return false
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	if subtle.ConstantTimeCompare([]byte(id), []byte(s.cfg.ClientID)) != 1 ||
		subtle.ConstantTimeCompare([]byte(secret), []byte(s.cfg.ClientSecret)) != 1 {
		oauthError(w, http.StatusUnauthorized, "invalid_client",
			"Client authentication failed due to unknown client, no client authentication included, or unsupported authentication method.")
		return false
	}
	return true
}

// tokenRateLocked spends one of the user's 8 token requests per minute.
func (s *Server) tokenRateLocked(w http.ResponseWriter, userID string, now time.Time) bool {
	recent := s.tokenReqs[userID][:0]
	for _, t := range s.tokenReqs[userID] {
		if now.Sub(t) < rateWindow {
			recent = append(recent, t)
		}
	}
	s.tokenReqs[userID] = recent
	if len(recent) >= tokenReqPerMin {
		reset := int((recent[0].Add(rateWindow).Sub(now) + time.Second - 1) / time.Second)
		setRateHeaders(w, tokenReqPerMin, 0, reset)
		return false
	}
	s.tokenReqs[userID] = append(recent, now)
	return true
}

type tokenResponse struct {
	TokenType    string `json:"token_type"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int    `json:"expires_in"`
	Scope        string `json:"scope"`
	CreatedAt    int64  `json:"created_at"`
	Owner        string `json:"owner"`
	Organization string `json:"organization"`
}

// token serves POST /oauth/token. A grant is only spent once the request
// is admitted, so a 429 does not lock a client out of its refresh token.
func (s *Server) token(w http.ResponseWriter, r *http.Request) {
	if !s.clientAuth(w, r) {
		return
	}
	f := r.PostForm
	now := s.now()
	s.mu.Lock()
	var userID string
	switch f.Get("grant_type") {
	case "authorization_code":
		c := s.codes[f.Get("code")]
		if f.Get("code") == "" {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: code.")
			return
		}
		if c != nil && !s.tokenRateLocked(w, c.userID, now) {
			s.mu.Unlock()
			oauthError(w, http.StatusTooManyRequests, "too_many_requests", "Token requests are limited to 8 per user per minute.")
			return
		}
		delete(s.codes, f.Get("code")) // single use, even when the exchange fails
		if c == nil || c.clientID != s.cfg.ClientID || !now.Before(c.expires) || c.redirectURI != f.Get("redirect_uri") || !pkceOK(c, f.Get("code_verifier")) {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", invalidGrantMsg)
			return
		}
		userID = c.userID
	case "refresh_token":
		if f.Get("refresh_token") == "" {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: refresh_token.")
			return
		}
		g := s.refresh[f.Get("refresh_token")]
		if g == nil || g.spent || g.clientID != s.cfg.ClientID {
			s.mu.Unlock()
			oauthError(w, http.StatusBadRequest, "invalid_grant", invalidGrantMsg)
			return
		}
		if !s.tokenRateLocked(w, g.userID, now) {
			s.mu.Unlock()
			oauthError(w, http.StatusTooManyRequests, "too_many_requests", "Token requests are limited to 8 per user per minute.")
			return
		}
		g.spent = true
		userID = g.userID
	default:
		s.mu.Unlock()
		oauthError(w, http.StatusBadRequest, "unsupported_grant_type", "The authorization grant type is not supported by the authorization server.")
		return
	}
	u := s.users[userID]
	at, rt := newJWT("JWT", userID, now), randomHex(32)
	s.access[at] = &accessToken{userID: userID, clientID: s.cfg.ClientID, created: now, expires: now.Add(accessTTL)}
	s.refresh[rt] = &refreshToken{userID: userID, clientID: s.cfg.ClientID, created: now}
	res := tokenResponse{TokenType: "Bearer", AccessToken: at, RefreshToken: rt, ExpiresIn: int(accessTTL / time.Second),
		Scope: oauthScope, CreatedAt: now.Unix(), Owner: s.uri("users", u.id), Organization: s.uri("organizations", u.orgID)}
	s.mu.Unlock()
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, res)
}

func pkceOK(c *authCode, verifier string) bool {
	switch c.method {
	case "":
		return true
	case "plain":
		return verifier != "" && subtle.ConstantTimeCompare([]byte(verifier), []byte(c.challenge)) == 1
	}
	sum := sha256.Sum256([]byte(verifier))
	return verifier != "" && subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.challenge)) == 1
}

// introspect answers RFC 7662 for access and refresh tokens; anything
// unknown, expired, spent or revoked is {"active":false}.
func (s *Server) introspect(w http.ResponseWriter, r *http.Request) {
	if !s.clientAuth(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: token.")
		return
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]any{"active": false}
	active := func(userID string, iat time.Time) {
		u := s.users[userID]
		out = map[string]any{"active": true, "scope": oauthScope, "client_id": s.cfg.ClientID, "token_type": "Bearer",
			"iat": iat.Unix(), "owner": s.uri("users", u.id), "organization": s.uri("organizations", u.orgID)}
	}
	if t := s.access[tok]; t != nil && now.Before(t.expires) {
		active(t.userID, t.created)
		out["exp"] = t.expires.Unix()
	} else if g := s.refresh[tok]; g != nil && !g.spent {
		active(g.userID, g.created)
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusOK, out)
}

// revoke answers RFC 7009: 200 for any token, known or not.
func (s *Server) revoke(w http.ResponseWriter, r *http.Request) {
	if !s.clientAuth(w, r) {
		return
	}
	tok := r.PostForm.Get("token")
	if tok == "" {
		oauthError(w, http.StatusBadRequest, "invalid_request", "Missing required parameter: token.")
		return
	}
	s.mu.Lock()
	delete(s.access, tok)
	if g := s.refresh[tok]; g != nil {
		g.spent = true
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{})
}

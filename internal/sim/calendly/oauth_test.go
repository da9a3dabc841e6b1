package simcalendly

import (
	"crypto/sha256"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

const redirect = "https://app.example.com/calendly/callback"

// authorize runs the consent redirect and answers the code.
func authorize(t *testing.T, e *env, extra url.Values) string {
	t.Helper()
	q := url.Values{"client_id": {DefaultClientID}, "response_type": {"code"}, "redirect_uri": {redirect}, "state": {"xyz"}}
	for k, v := range extra {
		q[k] = v
	}
	r := e.call("GET", "/oauth/authorize?"+q.Encode(), "", nil)
	e.want(r, http.StatusFound)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("state") != "xyz" || loc.Query().Get("code") == "" {
		t.Fatalf("redirect to %q", r.header.Get("Location"))
	}
	return loc.Query().Get("code")
}

func exchange(e *env, code, verifier string) resp {
	return e.form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"code_verifier": {verifier}}, DefaultClientID, DefaultClientSecret)
}

func challenge(verifier string) string {
	sum := sha256.Sum256([]byte(verifier))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// oauthLogin runs authorize + PKCE code exchange for the default user.
func oauthLogin(t *testing.T, e *env) resp {
	t.Helper()
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	code := authorize(t, e, url.Values{"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}})
	r := exchange(e, code, verifier)
	e.want(r, http.StatusOK)
	return r
}

func TestOAuthCodePKCE(t *testing.T) {
	e := newEnv(t, Config{})
	verifier := "a-verifier-of-at-least-43-characters-0123456789"
	code := authorize(t, e, url.Values{"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}})
	if r := exchange(e, code, "wrong-verifier"); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("wrong verifier: %d %s", r.status, r.raw)
	}
	if r := exchange(e, code, verifier); r.status != 400 || r.str("error") != "invalid_grant" {
		t.Fatalf("a code is single use, failed exchanges included: %d %s", r.status, r.raw)
	}

	code = authorize(t, e, url.Values{"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}})
	r := exchange(e, code, verifier)
	e.want(r, http.StatusOK)
	if r.str("token_type") != "Bearer" || r.body["expires_in"].(float64) != 7200 || r.str("scope") != "default" ||
		r.body["created_at"].(float64) != float64(e.clock.Now().Unix()) || r.str("owner") != e.user.URI ||
		r.str("organization") != e.user.OrganizationURI || r.str("refresh_token") == "" || r.str("access_token") == "" {
		t.Fatalf("token: %s", r.raw)
	}
	if r := exchange(e, code, verifier); r.str("error") != "invalid_grant" {
		t.Fatalf("code reuse: %s", r.raw)
	}
	if r := e.call("GET", "/users/me", r.str("access_token"), nil); str(r.res(), "uri") != e.user.URI {
		t.Fatalf("users/me with the access token: %s", r.raw)
	}

	// Without PKCE, client credentials in the form work too.
	code = authorize(t, e, nil)
	r = e.form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {redirect},
		"client_id": {DefaultClientID}, "client_secret": {DefaultClientSecret}}, "", "")
	e.want(r, http.StatusOK)

	// Expired codes, wrong redirect_uri, wrong client.
	code = authorize(t, e, nil)
	e.clock.Advance(11 * time.Minute)
	if r := exchange(e, code, ""); r.str("error") != "invalid_grant" {
		t.Fatalf("expired code: %s", r.raw)
	}
	code = authorize(t, e, nil)
	r = e.form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {"https://evil.example.com/"}},
		DefaultClientID, DefaultClientSecret)
	if r.str("error") != "invalid_grant" {
		t.Fatalf("wrong redirect_uri: %s", r.raw)
	}
	if r := e.form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {"x"}}, DefaultClientID, "nope"); r.status != 401 || r.str("error") != "invalid_client" {
		t.Fatalf("wrong secret: %d %s", r.status, r.raw)
	}
	if r := e.form("/oauth/token", url.Values{"grant_type": {"password"}}, DefaultClientID, DefaultClientSecret); r.str("error") != "unsupported_grant_type" {
		t.Fatalf("password grant: %s", r.raw)
	}
	if r := e.call("GET", "/oauth/authorize?client_id=nope&response_type=code&redirect_uri="+url.QueryEscape(redirect), "", nil); r.status != 400 {
		t.Fatalf("unknown client at authorize: %d", r.status)
	}
	r = e.call("GET", "/oauth/authorize?"+url.Values{"client_id": {DefaultClientID}, "response_type": {"token"}, "redirect_uri": {redirect}}.Encode(), "", nil)
	if loc, _ := url.Parse(r.header.Get("Location")); r.status != 302 || loc.Query().Get("error") != "unsupported_response_type" {
		t.Fatalf("response_type=token: %d %s", r.status, r.header.Get("Location"))
	}
}

func TestOAuthRefreshRotationAndExpiry(t *testing.T) {
	e := newEnv(t, Config{})
	first := oauthLogin(t, e)
	access := first.str("access_token")
	e.clock.Advance(7199 * time.Second)
	e.want(e.call("GET", "/users/me", access, nil), http.StatusOK)
	e.clock.Advance(time.Second)
	r := e.call("GET", "/users/me", access, nil)
	if r.status != 401 || r.str("title") != "Unauthenticated" || r.str("message") != "The access token expired" {
		t.Fatalf("after 7200 s: %d %s", r.status, r.raw)
	}

	refresh := func(tok string) resp {
		return e.form("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}, DefaultClientID, DefaultClientSecret)
	}
	second := refresh(first.str("refresh_token"))
	e.want(second, http.StatusOK)
	if second.str("refresh_token") == first.str("refresh_token") || second.str("access_token") == access {
		t.Fatalf("refresh did not rotate: %s", second.raw)
	}
	e.want(e.call("GET", "/users/me", second.str("access_token"), nil), http.StatusOK)
	if r := refresh(first.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" || r.str("error_description") == "" {
		t.Fatalf("spent refresh token: %d %s", r.status, r.raw)
	}
	e.want(refresh(second.str("refresh_token")), http.StatusOK)
}

func TestOAuthTokenRateLimit(t *testing.T) {
	e := newEnv(t, Config{})
	tok := oauthLogin(t, e) // 1 of 8
	rt := tok.str("refresh_token")
	for range 7 {
		r := e.form("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, DefaultClientID, DefaultClientSecret)
		e.want(r, http.StatusOK)
		rt = r.str("refresh_token")
	}
	r := e.form("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, DefaultClientID, DefaultClientSecret)
	if r.status != 429 || r.header.Get("X-RateLimit-Limit") != "8" {
		t.Fatalf("9th token request: %d %v %s", r.status, r.header, r.raw)
	}
	// The refused request did not spend the refresh token.
	e.clock.Advance(time.Minute)
	e.want(e.form("/oauth/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, DefaultClientID, DefaultClientSecret), http.StatusOK)
}

func TestOAuthIntrospectRevoke(t *testing.T) {
	e := newEnv(t, Config{ClientID: "cid", ClientSecret: "sec"})
	verifier := "dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"
	q := url.Values{"client_id": {"cid"}, "response_type": {"code"}, "redirect_uri": {redirect}, "state": {"xyz"},
		"code_challenge": {challenge(verifier)}, "code_challenge_method": {"S256"}}
	loc, _ := url.Parse(e.call("GET", "/oauth/authorize?"+q.Encode(), "", nil).header.Get("Location"))
	tok := e.form("/oauth/token", url.Values{"grant_type": {"authorization_code"}, "code": {loc.Query().Get("code")},
		"redirect_uri": {redirect}, "code_verifier": {verifier}}, "cid", "sec")
	e.want(tok, http.StatusOK)
	access := tok.str("access_token")

	intro := func(token string) resp {
		return e.form("/oauth/introspect", url.Values{"client_id": {"cid"}, "client_secret": {"sec"}, "token": {token}}, "", "")
	}
	r := intro(access)
	if r.body["active"] != true || r.str("client_id") != "cid" || r.str("owner") != e.user.URI || r.body["exp"] == nil {
		t.Fatalf("introspect: %s", r.raw)
	}
	if r := intro(tok.str("refresh_token")); r.body["active"] != true {
		t.Fatalf("introspect refresh: %s", r.raw)
	}
	if r := intro("nope"); r.body["active"] != false {
		t.Fatalf("introspect unknown: %s", r.raw)
	}
	r = e.form("/oauth/revoke", url.Values{"client_id": {"cid"}, "client_secret": {"sec"}, "token": {access}}, "", "")
	e.want(r, http.StatusOK)
	if r := intro(access); r.body["active"] != false {
		t.Fatalf("introspect revoked: %s", r.raw)
	}
	if r := e.call("GET", "/users/me", access, nil); r.status != 401 {
		t.Fatalf("revoked token: %d", r.status)
	}
	if r := e.form("/oauth/revoke", url.Values{"client_id": {"cid"}, "client_secret": {"sec"}}, "", ""); r.status != 400 || r.str("error") != "invalid_request" {
		t.Fatalf("revoke without token: %d %s", r.status, r.raw)
	}
	if n := e.sim.Calls("POST /oauth/token"); n != 1 {
		t.Fatalf("Calls(POST /oauth/token) = %d", n)
	}
}

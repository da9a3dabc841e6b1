package zoho

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

func TestAuthorizeRedirectCarriesDCAndAccountsServer(t *testing.T) {
	e := newEnv(t, Config{DC: "eu"})
	q := url.Values{"scope": {DefaultScope}, "client_id": {testClientID}, "response_type": {"code"},
		"access_type": {"offline"}, "redirect_uri": {testRedirect + "?x=1"}, "state": {"st-1"}, "prompt": {"consent"}}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Get(e.srv.URL + "/oauth/v2/auth?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Fatalf("status %d", resp.StatusCode)
	}
	loc, _ := url.Parse(resp.Header.Get("Location"))
	got := loc.Query()
	if got.Get("location") != "eu" || got.Get("accounts-server") != e.srv.URL || got.Get("state") != "st-1" || got.Get("x") != "1" {
		t.Fatalf("redirect %s", loc)
	}
	if loc.Scheme+"://"+loc.Host+loc.Path != testRedirect {
		t.Fatalf("redirect target %s", loc)
	}
	// The code is exchanged at the accounts server the redirect named,
	// with the same redirect_uri.
	st, out := e.form("/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "redirect_uri": {testRedirect + "?x=1"}, "code": {got.Get("code")}})
	if st != 200 || out["api_domain"] != e.srv.URL || out["token_type"] != "Bearer" || out["expires_in"] != float64(3600) ||
		out["refresh_token"] == nil || out["access_token"] == nil {
		t.Fatalf("exchange: %d %v", st, out)
	}
	// Single use.
	st, out = e.form("/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "redirect_uri": {testRedirect + "?x=1"}, "code": {got.Get("code")}})
	if st != 200 || out["error"] != "invalid_code" {
		t.Fatalf("reused code: %d %v", st, out)
	}
}

func TestGrantRules(t *testing.T) {
	e := newEnv(t, Config{})
	ex := func(code, redirect, secret string) map[string]any {
		_, out := e.form("/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID},
			"client_secret": {secret}, "redirect_uri": {redirect}, "code": {code}})
		return out
	}
	if out := ex(e.sim.IssueGrant(testRedirect), testRedirect, "wrong"); out["error"] != "invalid_client_secret" {
		t.Fatalf("bad secret: %v", out)
	}
	if out := ex(e.sim.IssueGrant(testRedirect), "https://evil.example.com/cb", testClientSecret); out["error"] != "invalid_redirect_uri" {
		t.Fatalf("other redirect: %v", out)
	}
	code := e.sim.IssueGrant(testRedirect)
	e.clock.Advance(2*time.Minute + time.Second)
	if out := ex(code, testRedirect, testClientSecret); out["error"] != "invalid_code" {
		t.Fatalf("expired code: %v", out)
	}
	if out := ex("1000.nonsense", testRedirect, testClientSecret); out["error"] != "invalid_code" {
		t.Fatalf("unknown code: %v", out)
	}
}

func TestRefreshAndTheTenPerTenMinutesCap(t *testing.T) {
	e := newEnv(t, Config{})
	_, rt := e.tokens()
	refresh := func() (int, map[string]any) {
		// Query parameters, as in Zoho's documented refresh call.
		q := url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID}, "client_secret": {testClientSecret}, "refresh_token": {rt}}
		return e.form("/oauth/v2/token?"+q.Encode(), nil)
	}
	for i := range 10 {
		st, out := refresh()
		if st != 200 || out["access_token"] == nil || out["refresh_token"] != nil || out["api_domain"] != e.srv.URL {
			t.Fatalf("refresh %d: %d %v", i, st, out)
		}
		if a := e.call(out["access_token"].(string), "GET", "/crm/v7/org", nil); a.status != 200 {
			t.Fatalf("new token rejected: %d", a.status)
		}
	}
	st, out := refresh()
	if st != 400 || out["error"] != "Access Denied" || out["error_description"] == nil {
		t.Fatalf("11th refresh: %d %v", st, out)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	if st, out = refresh(); st != 200 || out["access_token"] == nil {
		t.Fatalf("after the window: %d %v", st, out)
	}
}

func TestExpiredAndRevokedTokens(t *testing.T) {
	e := newEnv(t, Config{})
	tok, rt := e.tokens()
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 200 {
		t.Fatalf("fresh token: %d %s", a.status, a.raw)
	}
	e.clock.Advance(3600 * time.Second)
	a := e.call(tok, "GET", "/crm/v7/org", nil)
	if a.status != 401 || a.body["code"] != "INVALID_TOKEN" || a.body["status"] != "error" || a.body["message"] != "invalid oauth token" {
		t.Fatalf("expired token: %d %s", a.status, a.raw)
	}
	if a := e.call("", "GET", "/crm/v7/org", nil); a.status != 401 || a.body["code"] != "INVALID_TOKEN" {
		t.Fatalf("no token: %d %s", a.status, a.raw)
	}
	tok = e.token()
	e.sim.ExpireTokens()
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 401 {
		t.Fatalf("ExpireTokens: %d", a.status)
	}
	e.sim.RevokeRefreshTokens()
	_, out := e.form("/oauth/v2/token", url.Values{"grant_type": {"refresh_token"}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "refresh_token": {rt}})
	if out["error"] != "invalid_code" {
		t.Fatalf("revoked refresh: %v", out)
	}
	// Revoke endpoint: the refresh token and its access tokens die.
	tok, rt = e.tokens()
	e.form("/oauth/v2/token/revoke?token="+url.QueryEscape(rt), nil)
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 401 {
		t.Fatalf("after revoke: %d", a.status)
	}
}

func TestScopeMismatch(t *testing.T) {
	e := newEnv(t, Config{})
	code := e.sim.IssueGrantScope(testRedirect, "ZohoCRM.modules.ALL")
	_, out := e.form("/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "redirect_uri": {testRedirect}, "code": {code}})
	tok := out["access_token"].(string)
	if a := e.call(tok, "GET", "/crm/v7/Contacts/search?email=a@b.c", nil); a.status != 401 || a.body["code"] != "OAUTH_SCOPE_MISMATCH" {
		t.Fatalf("search without ZohoSearch scope: %d %s", a.status, a.raw)
	}
	if a := e.call(tok, "GET", "/crm/v7/actions/watch", nil); a.status != 401 || a.body["code"] != "OAUTH_SCOPE_MISMATCH" {
		t.Fatalf("watch without notifications scope: %d %s", a.status, a.raw)
	}
	if a := e.call(tok, "POST", "/crm/v7/Contacts", data(map[string]any{"Last_Name": "X"})); a.status != 201 {
		t.Fatalf("insert with modules.ALL: %d %s", a.status, a.raw)
	}
}

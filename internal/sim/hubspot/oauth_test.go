package hubspot

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

func TestOAuthCodeRefreshExpiryRevoke(t *testing.T) {
	e := newEnv(t, Config{ClientID: "cid", ClientSecret: "secret"})
	redirect := "https://app.example.com/hubspot/callback"

	// The consent screen redirects back with a code and the state.
	r := e.call("GET", "/oauth/authorize?"+url.Values{
		"client_id": {"cid"}, "redirect_uri": {redirect}, "state": {"xyz"},
		"scope": {strings.Join(DefaultScopes, " ")},
	}.Encode(), "", nil)
	e.want(r, http.StatusFound)
	loc, err := url.Parse(r.header.Get("Location"))
	if err != nil || !strings.HasPrefix(loc.String(), redirect+"?") || loc.Query().Get("state") != "xyz" {
		t.Fatalf("redirect to %q", r.header.Get("Location"))
	}
	code := loc.Query().Get("code")

	exchange := func(code, redirect string) resp {
		return e.form("/oauth/v1/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"cid"},
			"client_secret": {"secret"}, "redirect_uri": {redirect}, "code": {code}})
	}
	bad := exchange(e.sim.IssueCode(redirect), "https://elsewhere.example.com/cb")
	if bad.status != 400 || bad.str("status") != "BAD_REDIRECT_URI" {
		t.Fatalf("wrong redirect: %d %s", bad.status, bad.raw)
	}
	tok := exchange(code, redirect)
	e.want(tok, http.StatusOK)
	if tok.str("token_type") != "bearer" || tok.body["expires_in"].(float64) != 1800 || tok.str("refresh_token") == "" {
		t.Fatalf("token answer: %s", tok.raw)
	}
	if again := exchange(code, redirect); again.status != 400 || again.str("status") != "BAD_AUTH_CODE" {
		t.Fatalf("code reuse: %d %s", again.status, again.raw)
	}
	expired := e.sim.IssueCode(redirect)
	e.clock.Advance(11 * time.Minute)
	if r := exchange(expired, redirect); r.str("status") != "EXPIRED_AUTH_CODE" {
		t.Fatalf("expired code: %s", r.raw)
	}
	if r := e.form("/oauth/v1/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {"nope"}, "client_secret": {"secret"}}); r.str("status") != "BAD_CLIENT_ID" {
		t.Fatalf("bad client: %s", r.raw)
	}

	access := tok.str("access_token")
	e.want(e.call("GET", "/account-info/v3/details", access, nil), http.StatusOK)
	e.clock.Advance(31 * time.Minute)
	r = e.call("GET", "/account-info/v3/details", access, nil)
	if r.status != 401 || r.str("category") != "EXPIRED_AUTHENTICATION" {
		t.Fatalf("after 31 min: %d %s", r.status, r.raw)
	}

	refresh := func(v3 bool) resp {
		path := "/oauth/v1/token"
		if v3 {
			path = "/oauth/v3/token"
		}
		return e.form(path, url.Values{"grant_type": {"refresh_token"}, "client_id": {"cid"}, "client_secret": {"secret"}, "refresh_token": {tok.str("refresh_token")}})
	}
	r1 := refresh(false)
	e.want(r1, http.StatusOK)
	if r1.str("refresh_token") != tok.str("refresh_token") {
		t.Fatal("HubSpot keeps the refresh token on refresh")
	}
	e.want(e.call("GET", "/account-info/v3/details", r1.str("access_token"), nil), http.StatusOK)
	r3 := refresh(true)
	if r3.body["hub_id"].(float64) != DefaultPortalID {
		t.Fatalf("v3 answer without hub_id: %s", r3.raw)
	}

	e.sim.ExpireTokens()
	if r := e.call("GET", "/account-info/v3/details", r1.str("access_token"), nil); r.status != 401 {
		t.Fatalf("after ExpireTokens: %d", r.status)
	}
	e.sim.RevokeRefreshTokens()
	if r := refresh(false); r.status != 400 || r.str("status") != "BAD_REFRESH_TOKEN" {
		t.Fatalf("revoked refresh: %d %s", r.status, r.raw)
	}
	if r := refresh(true); r.str("error") != "invalid_grant" {
		t.Fatalf("v3 revoked refresh: %s", r.raw)
	}
	if r := e.call("GET", "/account-info/v3/details", "made-up", nil); r.status != 401 || r.str("category") != "INVALID_AUTHENTICATION" {
		t.Fatalf("unknown token: %d %s", r.status, r.raw)
	}
}

func TestScopesEnforced(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.call("GET", "/oauth/authorize?"+url.Values{"client_id": {DefaultClientID}, "redirect_uri": {"https://x.example/cb"},
		"scope": {"oauth crm.objects.contacts.read"}}.Encode(), "", nil)
	loc, _ := url.Parse(r.header.Get("Location"))
	tok := e.form("/oauth/v3/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {DefaultClientID},
		"client_secret": {DefaultClientSecret}, "redirect_uri": {"https://x.example/cb"}, "code": {loc.Query().Get("code")}})
	e.want(tok, 200)
	access := tok.str("access_token")
	e.want(e.call("POST", "/crm/v3/objects/contacts/search", access, map[string]any{}), 200)
	r = e.call("POST", "/crm/v3/properties/contacts", access, map[string]any{"name": "x", "label": "x", "type": "string", "fieldType": "text", "groupName": "contactinformation"})
	if r.status != 403 || r.str("category") != "MISSING_SCOPES" {
		t.Fatalf("property create without schema scope: %d %s", r.status, r.raw)
	}
}

func TestFaultThenCleared(t *testing.T) {
	e := newEnv(t, Config{})
	e.sim.SetFault(Fault{Status: 503})
	if r := e.call("GET", "/account-info/v3/details", testToken, nil); r.status != 503 {
		t.Fatalf("fault: %d", r.status)
	}
	e.sim.SetFault(Fault{Status: 429, RetryAfter: 1500 * time.Millisecond})
	r := e.call("GET", "/account-info/v3/details", testToken, nil)
	if r.status != 429 || r.str("policyName") != "TEN_SECONDLY_ROLLING" || r.header.Get("Retry-After") != "2" {
		t.Fatalf("429 fault: %d %v %s", r.status, r.header, r.raw)
	}
	e.sim.SetFault(Fault{})
	r = e.call("GET", "/account-info/v3/details", testToken, nil)
	e.want(r, 200)
	if r.body["portalId"].(float64) != DefaultPortalID || r.str("uiDomain") != "app.hubspot.com" || r.str("timeZone") != "US/Eastern" {
		t.Fatalf("details: %s", r.raw)
	}
	if st := e.sim.Stats(); st.Faulted != 2 || st.APICalls != 3 {
		t.Fatalf("stats: %+v", st)
	}
}

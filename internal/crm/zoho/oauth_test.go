package zoho

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/crm"
	zohosim "github.com/gohavi/gohavi/internal/sim/zoho"
)

func TestExchangeAtTheRedirectsAccountsServer(t *testing.T) {
	e := newEnv(t, zohosim.Config{DC: "in"})
	au := e.oauth.AuthorizeURL(testRedirect, "state-1")
	q, _ := url.ParseQuery(au[strings.Index(au, "?")+1:])
	if q.Get("access_type") != "offline" || q.Get("prompt") != "consent" || q.Get("response_type") != "code" ||
		!strings.Contains(q.Get("scope"), "ZohoSearch.securesearch.READ") || !strings.Contains(q.Get("scope"), "ZohoCRM.org.READ") {
		t.Fatalf("authorize URL %s", au)
	}
	// The consent screen sends the user back with the code, the DC and its
	// accounts server.
	noFollow := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := noFollow.Get(au)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	back, _ := url.Parse(resp.Header.Get("Location"))
	bq := back.Query()
	if bq.Get("location") != "in" || bq.Get("state") != "state-1" {
		t.Fatalf("redirect %s", back)
	}
	tok, err := e.oauth.Exchange(context.Background(), bq.Get("accounts-server"), bq.Get("code"), testRedirect)
	if err != nil {
		t.Fatal(err)
	}
	if tok.AccessToken == "" || tok.RefreshToken == "" || tok.APIDomain != e.srv.URL || tok.AccountsServer != e.srv.URL ||
		tok.ExpiresAt.IsZero() || !strings.Contains(tok.Scope, "ZohoCRM.modules.ALL") {
		t.Fatalf("tokens %+v", tok)
	}
	// A grant code works once.
	_, err = e.oauth.Exchange(context.Background(), bq.Get("accounts-server"), bq.Get("code"), testRedirect)
	kindOf(t, err, crm.KindAuth)
	// A forged accounts-server never gets the client secret.
	_, err = e.oauth.Exchange(context.Background(), "https://accounts.evil.example", "code", testRedirect)
	kindOf(t, err, crm.KindInvalid)
}

func TestRefreshKeepsTheRefreshToken(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	first := e.tokens()
	// As the engine calls it for a pasted refresh token: no api_domain yet.
	nt, err := e.oauth.Refresh(context.Background(), crm.Tokens{RefreshToken: first.RefreshToken, AccountsServer: first.AccountsServer})
	if err != nil {
		t.Fatal(err)
	}
	if nt.RefreshToken != first.RefreshToken || nt.AccessToken == "" || nt.AccessToken == first.AccessToken || nt.APIDomain != e.srv.URL {
		t.Fatalf("refreshed %+v", nt)
	}
	// The cap: 10 access tokens per refresh token per 10 minutes.
	for range 9 {
		if _, err := e.oauth.Refresh(context.Background(), first); err != nil {
			t.Fatal(err)
		}
	}
	_, err = e.oauth.Refresh(context.Background(), first)
	if ce := kindOf(t, err, crm.KindRateLimit); ce.RetryAfter <= 0 {
		t.Fatalf("no RetryAfter: %+v", ce)
	}
	e.sim.RevokeRefreshTokens()
	_, err = e.oauth.Refresh(context.Background(), first)
	kindOf(t, err, crm.KindAuth)
}

func TestAllowedAccountsServer(t *testing.T) {
	for u, want := range map[string]bool{
		"https://accounts.zoho.com":            true,
		"https://accounts.zoho.eu/":            true,
		"https://accounts.zoho.in":             true,
		"https://accounts.zoho.com.au":         true,
		"https://accounts.zoho.jp":             true,
		"https://accounts.zoho.com.cn":         true,
		"https://accounts.zohocloud.ca":        true,
		"https://accounts.zoho.sa":             true,
		"https://accounts.zoho.uk":             true,
		"https://ACCOUNTS.ZOHO.COM":            true,
		"https://accounts.zoho.ca":             false, // Canada is zohocloud.ca
		"http://accounts.zoho.com":             false,
		"https://accounts.zoho.com.evil.com":   false,
		"https://accounts.zoho.com:8443":       false,
		"https://user@accounts.zoho.com":       false,
		"https://accounts.zoho.com/oauth":      false,
		"https://accounts.zoho.com?x=1":        false,
		"https://evil.com#accounts.zoho.com":   false,
		"https://accounts.zoho.com@evil.com":   false,
		"":                                     false,
		"https://notaccounts.zoho.com":         false,
		"https://accounts.zoho.com.evil.com/x": false,
	} {
		if got := AllowedAccountsServer(u); got != want {
			t.Errorf("%q: %v, want %v", u, got, want)
		}
	}
}

package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/auth"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

// login posts the login form and returns the session cookie.
func (n *node) login(t testing.TB, email, password string) *http.Cookie {
	t.Helper()
	r := n.call(t, http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/" {
		t.Fatalf("login: status %d, Location %q; body %s", r.Status, r.Header.Get("Location"), r.Body)
	}
	for _, c := range r.Cookie {
		if c.Name == "gohavi_session" {
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Value == "" {
				t.Fatalf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/", c)
			}
			return &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	t.Fatalf("login set no gohavi_session cookie: %v", r.Header["Set-Cookie"])
	return nil
}

func wantLoginRedirect(t testing.TB, r resp) {
	t.Helper()
	if r.Status != http.StatusSeeOther || r.Header.Get("Location") != "/login" {
		t.Fatalf("status %d, Location %q; want 303 to /login", r.Status, r.Header.Get("Location"))
	}
}

// TestAuthentication: API keys and sessions, their failure modes, and the
// cross-origin guard on cookie-authenticated writes.
func TestAuthentication(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := n.apiKey(t, "default")

		// No or bad credentials: 401 with the stable code.
		for name, o := range map[string]opt{
			"none":          func(*http.Request) {},
			"basic scheme":  withHeader("Authorization", "Basic dXNlcjpwdw=="),
			"empty bearer":  withHeader("Authorization", "Bearer "),
			"unknown key":   bearer("ghk_" + strings.Repeat("x", 40)),
			"garbage":       withHeader("Authorization", "Bearer not a key at all"),
			"bad cookie":    withCookie(&http.Cookie{Name: "gohavi_session", Value: "nope"}),
			"key as cookie": withCookie(&http.Cookie{Name: "gohavi_session", Value: key}),
		} {
			t.Run(name, func(t *testing.T) {
				for _, p := range []string{"/api/v1/me", "/api/v1/conversations", "/api/v1/events"} {
					n.call(t, http.MethodGet, p, nil, o).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
				}
				n.call(t, http.MethodPost, "/api/v1/messages", `{"to":"+447700900123","type":"text","text":{"body":"x"}}`, o).
					wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
			})
		}
		// A wrong key does not fall back to a valid cookie.
		good := n.login(t, ownerEmail, ownerPassword)
		n.call(t, http.MethodGet, "/api/v1/me", nil, bearer("nope"), withCookie(good)).
			wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		n.call(t, http.MethodGet, "/api/v1/me", nil, bearer(key)).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, "/api/v1/me", nil, withHeader("Authorization", "bearer "+key)).want(t, http.StatusOK, nil)

		// Wrong password: 401 page that says so, and no cookie.
		for _, pw := range []string{"wrong-password", ""} {
			r := n.call(t, http.MethodPost, "/login", url.Values{"email": {ownerEmail}, "password": {pw}})
			if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "Wrong email or password.") {
				t.Fatalf("wrong password: status %d, body %.300s", r.Status, r.Body)
			}
			if len(r.Cookie) != 0 {
				t.Fatalf("wrong password set cookies: %v", r.Cookie)
			}
		}
		r := n.call(t, http.MethodPost, "/login", url.Values{"email": {"nobody@example.com"}, "password": {ownerPassword}})
		if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), "Wrong email or password.") {
			t.Fatalf("unknown email: status %d", r.Status)
		}

		// The page redirects without a session and renders with one.
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/", nil))
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/", nil, bearer(key)))
		cookie := n.login(t, ownerEmail, ownerPassword)
		page := n.call(t, http.MethodGet, "/", nil, withCookie(cookie))
		if page.Status != http.StatusOK || !strings.Contains(string(page.Body), ownerEmail) {
			t.Fatalf("inbox page: status %d, body %.300s", page.Status, page.Body)
		}
		var me struct {
			User *struct {
				Email string `json:"email"`
				Role  string `json:"role"`
			} `json:"user"`
		}
		n.call(t, http.MethodGet, "/api/v1/me", nil, withCookie(cookie)).want(t, http.StatusOK, &me)
		if me.User == nil || me.User.Email != ownerEmail || me.User.Role != "owner" {
			t.Fatalf("me = %+v", me.User)
		}

		// Cross-site writes with the cookie are refused before the handler.
		send := `{"to":"+447700900123","type":"text","text":{"body":"csrf"}}`
		for _, h := range [][2]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "https://evil.example"}} {
			n.call(t, http.MethodPost, "/api/v1/messages", send, withCookie(cookie), withHeader(h[0], h[1])).
				wantError(t, http.StatusForbidden, domain.CodeForbidden)
			n.call(t, http.MethodPost, "/logout", nil, withCookie(cookie), withHeader(h[0], h[1])).
				wantError(t, http.StatusForbidden, domain.CodeForbidden)
		}
		// Same-origin is fine (422: nobody wrote to us, but it got through).
		n.call(t, http.MethodPost, "/api/v1/messages", send, withCookie(cookie), withHeader("Origin", n.URL), withHeader("Sec-Fetch-Site", "same-origin")).
			wantError(t, http.StatusUnprocessableEntity, domain.CodeWindowClosed)

		// Logout ends the session for the API and the page.
		wantLoginRedirect(t, n.call(t, http.MethodPost, "/logout", nil, withCookie(cookie)))
		n.call(t, http.MethodGet, "/api/v1/me", nil, withCookie(cookie)).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/", nil, withCookie(cookie)))

		// An expired session is refused.
		expiring := n.login(t, ownerEmail, ownerPassword)
		n.call(t, http.MethodGet, "/api/v1/me", nil, withCookie(expiring)).want(t, http.StatusOK, nil)
		past := domain.Millis(time.Now().Add(-time.Minute))
		if _, err := n.DB.W.ExecContext(context.Background(), `UPDATE sessions SET expires_at = $1 WHERE token_hash = $2`,
			past, auth.HashToken(expiring.Value)); err != nil {
			t.Fatal(err)
		}
		n.call(t, http.MethodGet, "/api/v1/me", nil, withCookie(expiring)).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/", nil, withCookie(expiring)))
		if n, err := n.DB.DeleteExpiredSessions(context.Background()); err != nil || n != 1 {
			t.Fatalf("DeleteExpiredSessions = %d, %v; want the expired one", n, err)
		}
	})
}

// TestAgentRole: an agent reads and sends but cannot connect numbers.
func TestAgentRole(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		if _, err := n.CreateUser(ctx, "default", "agent@example.com", "Agent", domain.RoleAgent, "agent-password-1"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent@example.com", "agent-password-1"))

		spare := n.Sim.AddNumber(meta.NumberSpec{})
		n.call(t, http.MethodPost, "/api/v1/whatsapp/numbers",
			map[string]string{"waba_id": spare.WABAID, "phone_number_id": spare.PhoneNumberID, "access_token": spare.AccessToken}, agent).
			wantError(t, http.StatusForbidden, domain.CodeForbidden)
		if ns := n.numbers(t, agent); len(ns) != 1 {
			t.Fatalf("numbers after the agent's refused connect: %+v", ns)
		}

		if _, err := n.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900303", Text: "hello agent"}); err != nil {
			t.Fatal(err)
		}
		conv := n.conversationWith(t, agent, "447700900303")
		n.call(t, http.MethodGet, "/api/v1/conversations/"+itoa(conv.ID), nil, agent).want(t, http.StatusOK, nil)
		if ms := n.messages(t, agent, conv.ID); len(ms) != 1 || ms[0].Text != "hello agent" {
			t.Fatalf("agent sees messages %+v", ms)
		}
		m := n.sendText(t, agent, "+447700900303", "hi from the agent")
		n.call(t, http.MethodPost, "/api/v1/conversations/"+itoa(conv.ID)+"/read", nil, agent).want(t, http.StatusNoContent, nil)
		n.waitStatus(t, agent, m.ID, "sent", "delivered")
		eventually(t, 10*time.Second, "the simulator received the agent's reply", func() bool {
			for _, s := range n.Sim.Sent(sandboxPhone) {
				if s.WaID == "447700900303" {
					return true
				}
			}
			return false
		})
	})
}

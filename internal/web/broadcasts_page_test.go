package web_test

import (
	"context"
	"net/http"
	"regexp"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

// broadcastControls are the hooks of everything on the Broadcasts page
// that composes, imports, launches or steers: owners and admins get them,
// agents do not.
var broadcastControls = []string{
	`id="broadcast-new"`, `<form id="compose-form"`, `id="compose-save"`, `id="bc-template"`, `id="bc-param-rows"`,
	`id="bc-tags"`, `id="bc-consent"`, `id="bc-schedule"`, `id="bc-timezone"`, `id="bc-threshold"`,
	`<form id="import-form"`, `id="import-file"`, `id="broadcast-launch"`,
	`id="broadcast-pause"`, `id="broadcast-resume"`, `id="broadcast-cancel"`, `class="btn btn-secondary bc-followup"`,
	`data-can-manage="true"`,
}

// TestBroadcastsPage: /broadcasts is behind the login like every page; an
// owner gets the compose form, the import and the steering controls, an
// agent the same page without any of them; every page links to it.
func TestBroadcastsPage(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/broadcasts", nil))
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/broadcasts", nil, bearer(n.apiKey(t, "default"))))
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/broadcasts", nil, withCookie(&http.Cookie{Name: "gohavi_session", Value: "nope"})))

		owner := withCookie(n.login(t, ownerEmail, ownerPassword))
		page := n.call(t, http.MethodGet, "/broadcasts", nil, owner)
		body := string(page.Body)
		if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
			!strings.Contains(page.Header.Get("Content-Security-Policy"), "default-src 'self'") {
			t.Fatalf("owner: status %d, headers %v", page.Status, page.Header)
		}
		for _, want := range append([]string{
			`<a id="nav-broadcasts" href="/broadcasts" aria-current="page">Broadcasts</a>`, ownerEmail,
			`id="broadcast-list"`, `id="detail-view"`, `id="plan"`, `id="preview-list"`, `id="results"`,
			`id="bc-counters"`, `id="bc-progress"`, `id="rcpt-state"`, `id="rcpt-csv"`, `id="recipients"`, `id="live-status"`,
			`{{first_name|there}}`, `data-role="owner"`,
		}, broadcastControls...) {
			if !strings.Contains(body, want) {
				t.Errorf("owner's page lacks %s", want)
			}
		}
		if strings.Contains(body, "<script>") || strings.Contains(body, "style=") {
			t.Error("the page has inline script or style, which its CSP refuses")
		}
		// The page's own assets are served.
		assets := regexp.MustCompile(`/static/(broadcasts[\w.-]*)\?v=\w+`).FindAllStringSubmatch(body, -1)
		if len(assets) != 2 {
			t.Fatalf("asset references %v, want the script and the stylesheet", assets)
		}
		for _, a := range assets {
			if r := n.call(t, http.MethodGet, a[0], nil); r.Status != http.StatusOK || len(r.Body) == 0 {
				t.Errorf("%s: status %d", a[0], r.Status)
			}
		}
		for _, js := range []string{"broadcasts-compose.js", "broadcasts-plan.js", "broadcasts-results.js", "broadcasts-import.js", "broadcasts-words.js"} {
			if r := n.call(t, http.MethodGet, "/static/"+js, nil); r.Status != http.StatusOK {
				t.Errorf("%s: status %d", js, r.Status)
			}
		}

		// Every other page links to it.
		for _, p := range []string{"/", "/appointments", "/compliance", "/numbers", "/integrations"} {
			r := n.call(t, http.MethodGet, p, nil, owner)
			if r.Status != http.StatusOK || !strings.Contains(string(r.Body), `<a id="nav-broadcasts" href="/broadcasts">Broadcasts</a>`) {
				t.Errorf("%s: status %d, no link to the Broadcasts page", p, r.Status)
			}
		}

		// An agent follows broadcasts but gets no control.
		if _, err := n.CreateUser(context.Background(), "default", "agent.broadcasts@example.com", "Agent B", domain.RoleAgent, "agent-password-7"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent.broadcasts@example.com", "agent-password-7"))
		page = n.call(t, http.MethodGet, "/broadcasts", nil, agent)
		body = string(page.Body)
		if page.Status != http.StatusOK {
			t.Fatalf("agent: status %d", page.Status)
		}
		for _, want := range []string{`<a id="nav-broadcasts" href="/broadcasts" aria-current="page">`, `data-role="agent"`,
			`id="broadcast-list"`, `id="plan"`, `id="preview-list"`, `id="bc-counters"`, `id="recipients"`, `id="rcpt-state"`, `id="rcpt-csv"`,
			"Owners and admins compose and launch broadcasts"} {
			if !strings.Contains(body, want) {
				t.Errorf("agent's page lacks %s", want)
			}
		}
		for _, bad := range broadcastControls {
			if strings.Contains(body, bad) {
				t.Errorf("agent's page has the control %s", bad)
			}
		}
	})
}

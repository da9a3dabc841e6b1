package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/app"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/web"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// withTemplating serves n's services again with Deps.Templating set (the
// node's own handler is built before a test could set it) and returns a
// node whose URL is that handler. The simulator stays at n.URL + "/sim".
func withTemplating(t *testing.T, n *node) *node {
	t.Helper()
	graph := whatsapp.NewClient(n.URL+"/sim", n.Cfg.GraphVersion, &http.Client{Timeout: 20 * time.Second})
	h, err := web.New(web.Deps{
		DB: n.DB, Hub: n.Hub, Writer: n.Writer, Outbound: n.Outbound, Numbers: n.Numbers, Metrics: n.Metrics,
		Clock: n.Clock, Log: n.Log, AppSecret: appSecret, VerifyToken: verifyToken, Sandbox: true,
		Templating: &templating.Service{DB: n.DB, Graph: graph, Box: n.Box, Clock: n.Clock},
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &node{Server: &app.Server{Base: n.Base, URL: ts.URL}, client: n.client, logs: n.logs}
}

// parallelTemplating is parallelEngines with templating wired.
func parallelTemplating(t *testing.T, fn func(t *testing.T, n, plain *node)) {
	parallelEngines(t, func(t *testing.T, plain *node) { fn(t, withTemplating(t, plain), plain) })
}

func validTemplate(name string) map[string]any {
	return map[string]any{
		"name": name, "language": "en_US", "category": "UTILITY",
		"components": []map[string]any{{
			"type": "BODY", "text": "Your order {{1}} has shipped and will arrive soon.",
			"example": map[string]any{"body_text": [][]string{{"A-1234"}}},
		}},
	}
}

type templateJSON struct {
	ID         int64  `json:"id"`
	Name       string `json:"name"`
	Language   string `json:"language"`
	Category   string `json:"category"`
	Status     string `json:"status"`
	MetaID     string `json:"meta_id"`
	TTLSeconds int    `json:"message_send_ttl_seconds"`
	Components []struct {
		Type string `json:"type"`
		Text string `json:"text"`
	} `json:"components"`
	Warnings []struct {
		Code, Field, Message, Remedy string
	} `json:"warnings"`
}

func (n *node) templates(t testing.TB, o opt) []templateJSON {
	t.Helper()
	var l struct{ Data []templateJSON }
	n.call(t, http.MethodGet, "/api/v1/templates", nil, o).want(t, http.StatusOK, &l)
	return l.Data
}

func TestTemplatesCreateReviewSync(t *testing.T) {
	parallelTemplating(t, func(t *testing.T, n, plain *node) {
		key := bearer(n.apiKey(t, "default"))
		var created templateJSON
		n.call(t, http.MethodPost, "/api/v1/templates", validTemplate("order_shipped"), key).want(t, http.StatusCreated, &created)
		if created.ID == 0 || created.Status != "PENDING" || created.Category != "UTILITY" || created.MetaID == "" || created.Name != "order_shipped" {
			t.Fatalf("created %+v", created)
		}
		if created.Warnings == nil {
			t.Errorf("warnings missing from the create answer")
		}
		// The reviewer approves it in the simulator; a sync brings it back.
		wabaID := sandboxWABA(t, n)
		plain.call(t, http.MethodPost, "/sim/_sim/templates/status",
			map[string]string{"waba_id": wabaID, "name": "order_shipped", "language": "en_US", "event": "APPROVED"}).want(t, http.StatusOK, nil)
		var synced struct{ Synced int }
		n.call(t, http.MethodPost, "/api/v1/templates/sync", nil, key).want(t, http.StatusOK, &synced)
		if synced.Synced < 1 {
			t.Fatalf("synced %d", synced.Synced)
		}
		var got templateJSON
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", created.ID), nil, key).want(t, http.StatusOK, &got)
		if got.Status != "APPROVED" || got.MetaID != created.MetaID || len(got.Components) != 1 || got.Components[0].Type != "BODY" {
			t.Fatalf("after sync %+v", got)
		}
		list := n.templates(t, key)
		if len(list) != 1 || list[0].ID != created.ID || list[0].Status != "APPROVED" {
			t.Fatalf("list %+v", list)
		}
		// Another workspace sees none of it.
		other := bearer(n.apiKey(t, "other"))
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", created.ID), nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if l := n.templates(t, other); len(l) != 0 {
			t.Fatalf("other workspace lists %+v", l)
		}
		// Without a number there is nowhere to submit.
		n.call(t, http.MethodPost, "/api/v1/templates", validTemplate("order_other"), other).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		// A duplicate is Meta's refusal, passed on.
		e := n.call(t, http.MethodPost, "/api/v1/templates", validTemplate("order_shipped"), key).wantError(t, http.StatusUnprocessableEntity, "meta_rejected")
		if !strings.HasPrefix(e.Message, "Meta refused") {
			t.Errorf("meta error %+v", e)
		}
	})
}

func sandboxWABA(t *testing.T, n *node) string {
	t.Helper()
	num, err := n.DB.NumberByPhoneNumberID(context.Background(), sandboxPhone)
	if err != nil {
		t.Fatal(err)
	}
	return num.WABAID
}

func TestTemplatesLintAndRoles(t *testing.T) {
	parallelTemplating(t, func(t *testing.T, n, _ *node) {
		key := bearer(n.apiKey(t, "default"))
		bad := validTemplate("Bad Name!")
		bad["components"] = []map[string]any{{"type": "BODY", "text": "{{1}} starts with a variable"}}
		r := n.call(t, http.MethodPost, "/api/v1/templates", bad, key)
		e := r.wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if !strings.Contains(e.Message, "name") || e.Remedy == "" {
			t.Errorf("lint error %+v", e)
		}
		var body struct {
			Error struct {
				Findings []struct{ Code, Field, Message string }
			}
		}
		r.decode(t, &body)
		if len(body.Error.Findings) < 2 {
			t.Fatalf("findings %s", r.Body)
		}
		if l := n.templates(t, key); len(l) != 0 {
			t.Fatalf("a template failing lint was stored: %+v", l)
		}
		// The lint endpoint reports without submitting.
		var rep struct {
			OK       bool
			Errors   []struct{ Code string }
			Warnings []struct{ Code string }
		}
		n.call(t, http.MethodPost, "/api/v1/templates/lint", bad, key).want(t, http.StatusOK, &rep)
		if rep.OK || len(rep.Errors) != len(body.Error.Findings) || rep.Warnings == nil {
			t.Fatalf("lint report %+v", rep)
		}
		n.call(t, http.MethodPost, "/api/v1/templates/lint", validTemplate("fine"), key).want(t, http.StatusOK, &rep)
		if !rep.OK {
			t.Fatalf("valid template: %+v", rep)
		}

		// Agents may look, not submit or sync.
		if _, err := n.CreateUser(context.Background(), "default", "agent@example.com", "Agent", domain.RoleAgent, "agent-password-1"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent@example.com", "agent-password-1"))
		n.call(t, http.MethodPost, "/api/v1/templates", validTemplate("agent_try"), agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodPost, "/api/v1/templates/sync", nil, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.templates(t, agent)
		n.call(t, http.MethodGet, "/api/v1/templates", nil).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		n.call(t, http.MethodGet, "/api/v1/templates/999999", nil, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

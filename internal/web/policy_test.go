package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

type checkResult struct {
	Allowed           bool     `json:"allowed"`
	Code              string   `json:"code"`
	Message           string   `json:"message"`
	Remedy            string   `json:"remedy"`
	BusinessInitiated bool     `json:"business_initiated"`
	Warnings          []string `json:"warnings"`
}

// TestPolicyCheck: the check answers what a send would, and sends nothing.
func TestPolicyCheck(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		check := func(body string) (int, checkResult) {
			r := n.call(t, "POST", "/api/v1/policy/check", body, key)
			var c checkResult
			if r.Status == http.StatusOK {
				if err := json.Unmarshal(r.Body, &c); err != nil {
					t.Fatal(err)
				}
			}
			return r.Status, c
		}
		status, c := check(`{"to":"+447700900777","type":"text","text":{"body":"hi"}}`)
		if status != http.StatusOK || c.Allowed || c.Code != "window_closed" || c.Message == "" || c.Remedy == "" {
			t.Fatalf("closed window: %d %+v", status, c)
		}
		// The same body sent for real is refused with the same code.
		if r := n.call(t, "POST", "/api/v1/messages", `{"to":"+447700900777","type":"text","text":{"body":"hi"}}`, key); r.Status != http.StatusUnprocessableEntity || !json.Valid(r.Body) || !strings.Contains(string(r.Body), `"window_closed"`) {
			t.Fatalf("send: %d %s", r.Status, r.Body)
		}
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900777", Text: "hello"}); err != nil {
			t.Fatal(err)
		}
		n.conversationWith(t, key, "447700900777")
		status, c = check(`{"to":"+447700900777","type":"text","text":{"body":"hi"}}`)
		if status != http.StatusOK || !c.Allowed || c.Code != "" || c.BusinessInitiated {
			t.Fatalf("open window: %d %+v", status, c)
		}
		if sent := n.Sim.Sent(sandboxPhone); len(sent) != 0 {
			t.Fatalf("a check sent %d messages", len(sent))
		}
		// A template GoHavi cannot vouch for is refused with its own code.
		status, c = check(`{"to":"+447700900777","type":"template","template":{"name":"promo","language":{"code":"en"}}}`)
		if status != http.StatusOK || c.Allowed || c.Code != "template_not_approved" {
			t.Fatalf("unknown template: %d %+v", status, c)
		}
		// Malformed input is an error, as for a send.
		if status, _ := check(`{"to":"+447700900777","type":"text"}`); status != http.StatusBadRequest {
			t.Fatalf("malformed: %d", status)
		}
	})
}

// TestSettings: owners and admins (and API keys) change the workspace's
// rule settings; agents read them but cannot change them.
func TestSettings(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		if _, err := n.CreateUser(context.Background(), "default", "agent2@example.com", "Agent", domain.RoleAgent, "agent-password-2"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent2@example.com", "agent-password-2"))
		if r := n.call(t, "GET", "/api/v1/settings", nil, agent); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"block_marketing_on_red":false`) {
			t.Fatalf("read: %d %s", r.Status, r.Body)
		}
		n.call(t, "PUT", "/api/v1/settings", `{"block_marketing_on_red":true}`, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		if r := n.call(t, "PUT", "/api/v1/settings", `{"block_marketing_on_red":true}`, key); r.Status != http.StatusOK {
			t.Fatalf("admin write: %d %s", r.Status, r.Body)
		}
		if r := n.call(t, "GET", "/api/v1/settings", nil, agent); !strings.Contains(string(r.Body), `"block_marketing_on_red":true`) {
			t.Fatalf("after write: %s", r.Body)
		}
	})
}

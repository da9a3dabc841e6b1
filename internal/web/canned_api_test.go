package web_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

type cannedJSON struct {
	ID       int64  `json:"id"`
	Shortcut string `json:"shortcut"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

// TestCannedAPI: owners and admins write canned responses; every member
// finds them by shortcut prefix and renders them for a conversation.
func TestCannedAPI(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		owner, beta := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "beta"))
		_, agent := n.member(t, "agent.canned@example.com", "Sam Support", domain.RoleAgent)
		conv := n.customerConversation(t, owner, "447700900501", "Robin Banks", "hi")

		req := map[string]string{"shortcut": "thanks", "title": "Thanks", "body": "Thanks {{first_name|there}}! {{agent.first_name}} here; we reach you on {{phone}}. {{city|}}"}
		n.call(t, http.MethodPost, "/api/v1/canned", req, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		var thanks cannedJSON
		n.call(t, http.MethodPost, "/api/v1/canned", req, owner).want(t, http.StatusCreated, &thanks)
		if thanks.ID == 0 || thanks.Shortcut != "thanks" || thanks.Title != "Thanks" || thanks.Body != req["body"] {
			t.Fatalf("created = %+v", thanks)
		}
		n.call(t, http.MethodPost, "/api/v1/canned", map[string]string{"shortcut": "/Thanks", "body": "x"}, owner).wantError(t, http.StatusConflict, domain.CodeConflict)
		n.call(t, http.MethodPost, "/api/v1/canned", map[string]string{"shortcut": "hello", "body": "Hello!"}, owner).want(t, http.StatusCreated, nil)
		for _, bad := range []map[string]string{{"shortcut": "no way", "body": "x"}, {"shortcut": "ok!", "body": "x"}, {"shortcut": "ok", "body": ""}, {"body": "x"}} {
			if e := n.call(t, http.MethodPost, "/api/v1/canned", bad, owner).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument); e.Remedy == "" {
				t.Errorf("no remedy for %v", bad)
			}
		}

		// Any member searches by prefix.
		var list struct{ Data []cannedJSON }
		n.call(t, http.MethodGet, "/api/v1/canned?q=tha", nil, agent).want(t, http.StatusOK, &list)
		if len(list.Data) != 1 || list.Data[0].ID != thanks.ID {
			t.Fatalf("q=tha: %+v", list.Data)
		}
		n.call(t, http.MethodGet, "/api/v1/canned", nil, agent).want(t, http.StatusOK, &list)
		if len(list.Data) != 2 || list.Data[0].Shortcut != "hello" {
			t.Fatalf("all: %+v", list.Data)
		}

		// Rendering fills the contact's and the agent's variables and sends nothing.
		sentBefore := sentTotal(n)
		renderPath := fmt.Sprintf("/api/v1/conversations/%d/canned/thanks/render", conv)
		var out struct {
			Text string `json:"text"`
		}
		n.call(t, http.MethodPost, renderPath, nil, agent).want(t, http.StatusOK, &out)
		if out.Text != "Thanks Robin! Sam here; we reach you on +447700900501." {
			t.Fatalf("rendered %q", out.Text)
		}
		if sentTotal(n) != sentBefore {
			t.Fatal("rendering sent a message")
		}
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/canned/nope/render", conv), nil, agent).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/canned/bad!/render", conv), nil, agent).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		// Another workspace: neither its conversation nor its responses.
		n.call(t, http.MethodPost, renderPath, nil, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, "/api/v1/canned", nil, beta).want(t, http.StatusOK, &list)
		if len(list.Data) != 0 {
			t.Fatalf("beta sees %+v", list.Data)
		}
		itemPath := fmt.Sprintf("/api/v1/canned/%d", thanks.ID)
		n.call(t, http.MethodPut, itemPath, map[string]string{"shortcut": "x", "body": "x"}, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodDelete, itemPath, nil, beta).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// Editing is for owners and admins.
		n.call(t, http.MethodPut, itemPath, map[string]string{"shortcut": "ty", "body": "Ta"}, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodDelete, itemPath, nil, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodPut, itemPath, map[string]string{"shortcut": "hello", "body": "x"}, owner).wantError(t, http.StatusConflict, domain.CodeConflict)
		var edited cannedJSON
		n.call(t, http.MethodPut, itemPath, map[string]string{"shortcut": "ty", "body": "Ta {{name}}"}, owner).want(t, http.StatusOK, &edited)
		if edited.Shortcut != "ty" || edited.Body != "Ta {{name}}" {
			t.Fatalf("edited = %+v", edited)
		}
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/canned/ty/render", conv), nil, owner).want(t, http.StatusOK, &out)
		if out.Text != "Ta Robin Banks" {
			t.Fatalf("rendered by key %q", out.Text)
		}
		n.call(t, http.MethodDelete, itemPath, nil, owner).want(t, http.StatusNoContent, nil)
		n.call(t, http.MethodDelete, itemPath, nil, owner).wantError(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

type previewJSON struct {
	HeaderFormat string   `json:"header_format"`
	Header       string   `json:"header"`
	Body         string   `json:"body"`
	Footer       string   `json:"footer"`
	Buttons      []string `json:"buttons"`
	Spec         struct {
		Format    string   `json:"format"`
		BodyCount int      `json:"body_count"`
		BodyNames []string `json:"body_names"`
	} `json:"spec"`
	Suggested struct {
		Parameters []string          `json:"parameters"`
		Named      map[string]string `json:"named_parameters"`
	} `json:"suggested"`
}

// seedTemplate stores an approved template in the sandbox number's WABA.
func seedTemplate(t *testing.T, n *node, name, format, components string) domain.Template {
	t.Helper()
	num, err := n.DB.NumberByPhoneNumberID(context.Background(), sandboxPhone)
	if err != nil {
		t.Fatal(err)
	}
	tpl, err := n.DB.UpsertTemplate(context.Background(), domain.Template{
		WorkspaceID: num.WorkspaceID, WABAID: num.WABAID, MetaID: "meta-" + name, Name: name, Language: "en_US",
		Category: "UTILITY", Status: "APPROVED", ParameterFormat: format, Components: []byte(components),
	})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestTemplatePreview(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		pos := seedTemplate(t, n, "order_update", "POSITIONAL", `[
			{"type":"HEADER","format":"TEXT","text":"Order {{1}}"},
			{"type":"BODY","text":"Hi {{1}}, your order {{2}} ships on {{3}}."},
			{"type":"FOOTER","text":"Reply STOP to opt out"},
			{"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Thanks"}]}]`)
		named := seedTemplate(t, n, "named_update", "NAMED", `[{"type":"BODY","text":"Hello {{first_name}}, your code is {{code}}."}]`)
		path := func(id int64) string { return fmt.Sprintf("/api/v1/templates/%d/preview", id) }

		// Unfilled variables stay visible.
		var p previewJSON
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{"parameters": []string{"Ada"}}, key).want(t, http.StatusOK, &p)
		if p.Body != "Hi Ada, your order {{2}} ships on {{3}}." || p.Header != "Order {{1}}" || p.Footer != "Reply STOP to opt out" ||
			len(p.Buttons) != 1 || p.Buttons[0] != "Thanks" || p.Spec.BodyCount != 3 || p.HeaderFormat != "TEXT" {
			t.Fatalf("partial preview %+v", p)
		}
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{"parameters": []string{"Ada", "A-1", "Monday"}, "header": map[string]string{"text": "A-1"}}, key).want(t, http.StatusOK, &p)
		if p.Body != "Hi Ada, your order A-1 ships on Monday." || p.Header != "Order A-1" {
			t.Fatalf("full preview %+v", p)
		}
		// An empty body is fine: everything shows as variables.
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{}, key).want(t, http.StatusOK, &p)
		if p.Body != "Hi {{1}}, your order {{2}} ships on {{3}}." {
			t.Fatalf("empty preview %+v", p)
		}

		var q previewJSON
		n.call(t, http.MethodPost, path(named.ID), map[string]any{"named_parameters": map[string]string{"code": "1234"}}, key).want(t, http.StatusOK, &q)
		if q.Body != "Hello {{first_name}}, your code is 1234." || q.Spec.Format != "NAMED" || len(q.Spec.BodyNames) != 2 || q.Buttons == nil {
			t.Fatalf("named preview %+v", q)
		}

		// A contact suggests its name for the first variable.
		var ct struct{ ID int64 }
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{"phone": "+447700900555", "name": "Grace"}, key).want(t, http.StatusCreated, &ct)
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{"contact_id": ct.ID}, key).want(t, http.StatusOK, &p)
		if len(p.Suggested.Parameters) != 1 || p.Suggested.Parameters[0] != "Grace" {
			t.Fatalf("suggestion %+v", p)
		}
		n.call(t, http.MethodPost, path(named.ID), map[string]any{"contact_id": ct.ID}, key).want(t, http.StatusOK, &q)
		if q.Suggested.Named["first_name"] != "Grace" {
			t.Fatalf("named suggestion %+v", q)
		}

		// Another workspace sees neither the template nor the contact.
		other := bearer(n.apiKey(t, "other"))
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{}, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		var oc struct{ ID int64 }
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{"phone": "+447700900556", "name": "Other"}, other).want(t, http.StatusCreated, &oc)
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{"contact_id": oc.ID}, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		n.call(t, http.MethodPost, path(999999), map[string]any{}, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodPost, "/api/v1/templates/abc/preview", map[string]any{}, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodPost, path(pos.ID), "not an object", key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, path(pos.ID), map[string]any{}).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	})
}

func TestCompliancePage(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		r := n.call(t, http.MethodGet, "/compliance", nil)
		if r.Status != http.StatusSeeOther {
			t.Fatalf("without a session: %d", r.Status)
		}
		page := n.call(t, http.MethodGet, "/compliance", nil, withCookie(n.login(t, ownerEmail, ownerPassword)))
		body := string(page.Body)
		if page.Status != http.StatusOK || !strings.Contains(page.Header.Get("Content-Security-Policy"), "default-src 'self'") ||
			!strings.Contains(body, `id="compliance-numbers"`) || !strings.Contains(body, "/static/compliance.js?v=") {
			t.Fatalf("compliance page %d %v", page.Status, page.Header)
		}
	})
}

package outbound

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/templates"
)

// templateRequest is the "template" object of a send: GoHavi's simple form
// ({"name","language","parameters":[…]}) with optional named, header and
// button values. Meta's own "components" are built from it, so parameter
// counts and types are checked here and never bounce off Meta as 132000.
type templateRequest struct {
	Name       string                 `json:"name"`
	Language   json.RawMessage        `json:"language"` // "en_US" or {"code":"en_US"}
	Parameters []string               `json:"parameters"`
	Named      map[string]string      `json:"named_parameters"`
	Header     *templates.HeaderParam `json:"header"`
	Buttons    map[int][]string       `json:"buttons"`
}

func (r templateRequest) language() string {
	var s string
	if json.Unmarshal(r.Language, &s) == nil {
		return s
	}
	var obj struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.Language, &obj)
	return obj.Code
}

func parseTemplateRequest(body json.RawMessage) (templateRequest, error) {
	var r templateRequest
	if err := json.Unmarshal(body, &r); err != nil {
		return r, invalid("template: %v", err)
	}
	if strings.TrimSpace(r.Name) == "" || r.language() == "" {
		return r, invalid(`template needs "name" and "language" (for example {"name":"order_update","language":"en_US","parameters":["Ada"]})`)
	}
	return r, nil
}

// templateFacts looks the template up (on the number's business account)
// and checks the send's values against it. It returns the policy's view of
// the template (nil when GoHavi does not know it) and, when the values
// fit, Meta's template object to send.
func (s *Service) templateFacts(ctx context.Context, num domain.Number, body json.RawMessage, built bool) (*policy.Template, json.RawMessage, error) {
	r, err := parseTemplateRequest(body)
	if err != nil {
		return nil, nil, err
	}
	if built {
		return s.builtTemplateFacts(ctx, num, r)
	}
	stored, err := s.DB.TemplateByName(ctx, num.WorkspaceID, num.WABAID, r.Name, r.language())
	if domain.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	pt := &policy.Template{Name: stored.Name, Language: stored.Language, Category: stored.Category, Status: stored.Status, PausedUntil: stored.PausedUntil}
	t, err := templates.FromStored(stored)
	if err != nil {
		return pt, nil, err
	}
	comps, err := templates.Components(t, templates.SendParams{Header: r.Header, Body: r.Parameters, BodyNamed: r.Named, Buttons: r.Buttons})
	if err != nil {
		pt.ParamsErr = err
		return pt, nil, nil
	}
	out, err := json.Marshal(map[string]any{"name": stored.Name, "language": map[string]string{"code": stored.Language}, "components": comps})
	return pt, out, err
}

package web

import (
	"encoding/json"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/templates"
)

// previewRequest is the body of POST /api/v1/templates/{id}/preview: the
// values of a send, as in the "template" object of POST /api/v1/messages.
type previewRequest struct {
	ContactID  int64                  `json:"contact_id"`
	Parameters []string               `json:"parameters"`
	Named      map[string]string      `json:"named_parameters"`
	Header     *templates.HeaderParam `json:"header"`
}

// previewView is the rendered text of a template send. Unfilled variables
// stay visible ({{1}}, {{first_name}}). Spec says what the send needs, and
// Suggested proposes values (the contact's name for the first body
// variable) when contact_id is given.
type previewView struct {
	HeaderFormat string          `json:"header_format,omitempty"`
	Header       string          `json:"header"`
	Body         string          `json:"body"`
	Footer       string          `json:"footer"`
	Buttons      []string        `json:"buttons"`
	Spec         templates.Spec  `json:"spec"`
	Suggested    json.RawMessage `json:"suggested,omitempty"`
}

func (s *server) previewTemplate(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	st, err := s.DB.TemplateByID(r.Context(), p.WorkspaceID, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req previewRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	t, err := templates.FromStored(st)
	if err != nil {
		writeError(w, r, err)
		return
	}
	spec := t.Params()
	out := previewView{Spec: spec, Buttons: []string{}}
	if req.ContactID != 0 {
		c, err := s.DB.ContactByID(r.Context(), p.WorkspaceID, req.ContactID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		if c.Name != "" {
			switch {
			case len(spec.BodyNames) > 0:
				out.Suggested, _ = json.Marshal(map[string]map[string]string{"named_parameters": {spec.BodyNames[0]: c.Name}})
			case spec.BodyCount > 0:
				out.Suggested, _ = json.Marshal(map[string][]string{"parameters": {c.Name}})
			}
		}
	}
	rd := templates.Render(t, templates.SendParams{Header: req.Header, Body: req.Parameters, BodyNamed: req.Named})
	out.HeaderFormat, out.Header, out.Body, out.Footer = string(rd.HeaderFormat), rd.Header, rd.Body, rd.Footer
	if rd.Buttons != nil {
		out.Buttons = rd.Buttons
	}
	writeJSON(w, http.StatusOK, out)
}

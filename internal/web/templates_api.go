package web

import (
	"encoding/json"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/view"
)

// templateView is a stored template in API form.
type templateView struct {
	ID              int64           `json:"id"`
	WABAID          string          `json:"waba_id"`
	MetaID          string          `json:"meta_id"`
	Name            string          `json:"name"`
	Language        string          `json:"language"`
	Category        string          `json:"category"`
	Status          string          `json:"status"`
	Reason          string          `json:"reason"`
	Quality         string          `json:"quality"`
	PausedUntil     *string         `json:"paused_until"`
	ParameterFormat string          `json:"parameter_format"`
	TTLSeconds      int             `json:"message_send_ttl_seconds"` // 0: Meta's default for the category
	Components      json.RawMessage `json:"components"`
	CreatedAt       *string         `json:"created_at"`
	UpdatedAt       *string         `json:"updated_at"`
}

// createdTemplateView is the create answer: the stored template and the
// lint warnings (which never block a submission).
type createdTemplateView struct {
	templateView
	Warnings []templates.Finding `json:"warnings"`
}

func newTemplateView(t domain.Template) templateView {
	comps := json.RawMessage(t.Components)
	if !json.Valid(comps) {
		comps = json.RawMessage("[]")
	}
	return templateView{ID: t.ID, WABAID: t.WABAID, MetaID: t.MetaID, Name: t.Name, Language: t.Language, Category: t.Category,
		Status: t.Status, Reason: t.Reason, Quality: t.Quality, PausedUntil: view.Time(t.PausedUntil), ParameterFormat: t.ParameterFormat,
		TTLSeconds: t.TTLSeconds, Components: comps, CreatedAt: view.Time(t.CreatedAt), UpdatedAt: view.Time(t.UpdatedAt)}
}

// templateRequest is Meta's create payload plus the number whose WABA
// receives it (0: the workspace's first number).
type templateRequest struct {
	templates.Template
	NumberID int64 `json:"number_id"`
}

var errNoTemplating = domain.Errorf(domain.CodeUnavailable, "Restart the server; templates are wired at startup.", "template management is not available on this server")

// lintBody is a lint failure: the stable error shape plus every finding.
type lintBody struct {
	Error struct {
		Code     domain.Code         `json:"code"`
		Message  string              `json:"message"`
		Remedy   string              `json:"remedy,omitempty"`
		Findings []templates.Finding `json:"findings"`
		Warnings []templates.Finding `json:"warnings"`
	} `json:"error"`
}

func writeLintError(w http.ResponseWriter, rep templates.Report) {
	de := templating.LintError(rep)
	var b lintBody
	b.Error.Code, b.Error.Message, b.Error.Remedy = de.Code, de.Message, de.Remedy
	b.Error.Findings, b.Error.Warnings = nonNil(rep.Errors), nonNil(rep.Warnings)
	writeJSON(w, http.StatusBadRequest, b)
}

func nonNil(f []templates.Finding) []templates.Finding {
	if f == nil {
		return []templates.Finding{}
	}
	return f
}

func (s *server) createTemplate(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	if s.Templating == nil {
		writeError(w, r, errNoTemplating)
		return
	}
	var req templateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	t, rep, err := s.Templating.Create(r.Context(), p.WorkspaceID, req.NumberID, req.Template)
	if !rep.OK() {
		writeLintError(w, rep)
		return
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, createdTemplateView{newTemplateView(t), nonNil(rep.Warnings)})
}

// lintTemplate answers the lint report without submitting anything.
func (s *server) lintTemplate(w http.ResponseWriter, r *http.Request, _ domain.Principal) {
	var req templateRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	rep := templates.Lint(req.Template)
	writeJSON(w, http.StatusOK, map[string]any{"ok": rep.OK(), "errors": nonNil(rep.Errors), "warnings": nonNil(rep.Warnings)})
}

func (s *server) syncTemplates(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	if s.Templating == nil {
		writeError(w, r, errNoTemplating)
		return
	}
	n, err := s.Templating.Sync(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]int{"synced": n})
}

func (s *server) listTemplates(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ts, err := s.DB.ListTemplates(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[templateView]{Data: make([]templateView, 0, len(ts))}
	for _, t := range ts {
		out.Data = append(out.Data, newTemplateView(t))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getTemplate(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err == nil {
		var t domain.Template
		if t, err = s.DB.TemplateByID(r.Context(), p.WorkspaceID, id); err == nil {
			writeJSON(w, http.StatusOK, newTemplateView(t))
			return
		}
	}
	writeError(w, r, err)
}

// templateTTLRequest is the body of POST /api/v1/templates/{id}/ttl; a
// pointer, so a missing field is told apart from 0.
type templateTTLRequest struct {
	TTLSeconds *int `json:"message_send_ttl_seconds"`
}

// setTemplateTTL changes a template's time-to-live at Meta and answers
// the stored template.
func (s *server) setTemplateTTL(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	if s.Templating == nil {
		writeError(w, r, errNoTemplating)
		return
	}
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req templateTTLRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	if req.TTLSeconds == nil {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Send {"message_send_ttl_seconds": N}.`,
			"message_send_ttl_seconds is required"))
		return
	}
	t, err := s.Templating.SetTTL(r.Context(), p.WorkspaceID, id, *req.TTLSeconds)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newTemplateView(t))
}

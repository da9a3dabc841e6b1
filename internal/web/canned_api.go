package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/view"
)

// Canned responses: replies agents insert by typing "/shortcut". Every
// member lists and renders them; owners and admins write them, so the
// team's wording stays reviewed.
//
//	GET    /api/v1/canned?q=tha                                 by shortcut; q keeps shortcuts starting with it
//	POST   /api/v1/canned                                       {"shortcut","title"?,"body"} → 201 (owners, admins)
//	PUT    /api/v1/canned/{id}                                  same body → the response (owners, admins)
//	DELETE /api/v1/canned/{id}                                  → 204 (owners, admins)
//	POST   /api/v1/conversations/{id}/canned/{shortcut}/render  → {"text"}
//
// A shortcut is [a-z0-9_-]{1,32}, unique in the workspace (a leading "/"
// is dropped and capitals are lowered). The body may hold
// {{name|fallback}} expressions: name, first_name, phone, wa_id and the
// contact's attributes (also as contact.x and attributes.x), and
// agent.name and agent.first_name of the member rendering it. Rendering
// sends nothing: the composer shows the text for the agent to send.

type cannedView struct {
	ID        int64   `json:"id"`
	Shortcut  string  `json:"shortcut"`
	Title     string  `json:"title"`
	Body      string  `json:"body"`
	CreatedBy int64   `json:"created_by,omitempty"`
	CreatedAt *string `json:"created_at"`
	UpdatedAt *string `json:"updated_at"`
}

func newCannedView(c domain.CannedResponse) cannedView {
	return cannedView{ID: c.ID, Shortcut: c.Shortcut, Title: c.Title, Body: c.Body, CreatedBy: c.CreatedBy,
		CreatedAt: view.Time(c.CreatedAt), UpdatedAt: view.Time(c.UpdatedAt)}
}

type cannedRequest struct {
	Shortcut string `json:"shortcut"`
	Title    string `json:"title"`
	Body     string `json:"body"`
}

func (s *server) listCanned(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	cs, err := s.DB.CannedResponses(r.Context(), p.WorkspaceID, r.URL.Query().Get("q"))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[cannedView]{Data: make([]cannedView, 0, len(cs))}
	for _, c := range cs {
		out.Data = append(out.Data, newCannedView(c))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) createCanned(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req cannedRequest
	if err := firstErr(requireManager(p), func() error { return decodeJSON(w, r, &req) }); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.DB.CreateCanned(r.Context(), domain.CannedResponse{WorkspaceID: p.WorkspaceID, Shortcut: req.Shortcut,
		Title: req.Title, Body: req.Body, CreatedBy: p.UserID})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newCannedView(c))
}

func (s *server) updateCanned(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	var req cannedRequest
	if err = firstErr(requireManager(p), err, func() error { return decodeJSON(w, r, &req) }); err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.DB.UpdateCanned(r.Context(), domain.CannedResponse{ID: id, WorkspaceID: p.WorkspaceID, Shortcut: req.Shortcut,
		Title: req.Title, Body: req.Body})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newCannedView(c))
}

func (s *server) deleteCanned(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err = firstErr(requireManager(p), err); err == nil {
		err = s.DB.DeleteCanned(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// renderCanned fills a canned response for a conversation's contact.
func (s *server) renderCanned(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ctx := r.Context()
	id, err := pathID(r)
	var conv domain.Conversation
	if err == nil {
		conv, err = s.inbox().Visible(ctx, p, id)
	}
	var c domain.CannedResponse
	if err == nil {
		c, err = s.DB.CannedByShortcut(ctx, p.WorkspaceID, r.PathValue("shortcut"))
	}
	var attrs map[string]string
	if err == nil {
		attrs, err = s.DB.ContactAttributes(ctx, p.WorkspaceID, conv.ContactID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	vars := templates.ContactVars(conv.Contact.Name, conv.Contact.Phone, conv.Contact.WaID, attrs)
	if p.UserID != 0 {
		u, err := s.DB.UserByID(ctx, p.WorkspaceID, p.UserID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		vars["agent"] = map[string]string{"name": u.Name, "first_name": templates.FirstName(u.Name)}
	}
	writeJSON(w, http.StatusOK, map[string]string{"text": templates.Fill(c.Body, vars)})
}

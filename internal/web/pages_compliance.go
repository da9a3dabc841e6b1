package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/web/ui"
)

// compliancePage is the shell of /compliance; compliance.js fills it from
// GET /api/v1/compliance.
func (s *server) compliancePage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	ws, err := s.DB.WorkspaceByID(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	data := ui.InboxPage{UserName: u.Name, UserEmail: u.Email, UserRole: string(u.Role), WorkspaceName: ws.Name, WorkspaceSlug: ws.Slug, Sandbox: s.Sandbox}
	if s.Sandbox && s.Sim != nil {
		data.SandboxPhoneURL = "/sim/_sim/phone"
	}
	s.render(w, r, http.StatusOK, "compliance.html", data)
}

package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/web/ui"
)

// teamPage is the shell of /team: the workspace's members with their role
// and presence, filled by team.js from /api/v1/members. Everyone sees
// it; the controls that add, change and deactivate members are put into
// the page for owners and admins only (the API refuses them to agents
// anyway).
func (s *server) teamPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	ws, err := s.DB.WorkspaceByID(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	data := ui.TeamPage{
		InboxPage: ui.InboxPage{UserName: u.Name, UserEmail: u.Email, UserRole: string(u.Role),
			WorkspaceName: ws.Name, WorkspaceSlug: ws.Slug, Sandbox: s.Sandbox},
		UserID:    u.ID,
		CanManage: p.Role.CanManage(),
		IsOwner:   p.Role == domain.RoleOwner,
	}
	s.render(w, r, http.StatusOK, "team.html", data)
}

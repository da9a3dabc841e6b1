package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/web/ui"
)

// broadcastsPage is the shell of /broadcasts: the list, the compose form
// with its plan and preview, a launched broadcast's live results and the
// contact import, run by broadcasts.js from /api/v1/broadcasts. The
// controls that change anything are left out of the page for agents
// rather than only hidden by the script: the API refuses them anyway, and
// a control that always fails is worse than none.
func (s *server) broadcastsPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	ws, err := s.DB.WorkspaceByID(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	data := ui.BroadcastsPage{
		InboxPage: ui.InboxPage{UserName: u.Name, UserEmail: u.Email, UserRole: string(u.Role),
			WorkspaceName: ws.Name, WorkspaceSlug: ws.Slug, Sandbox: s.Sandbox},
		CanManage: p.Role.CanManage(),
	}
	s.render(w, r, http.StatusOK, "broadcasts.html", data)
}

package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
)

// compliancePage is the shell of /compliance; compliance.js fills it from
// GET /api/v1/compliance.
func (s *server) compliancePage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	s.shellPage(w, r, p, u, "compliance.html")
}

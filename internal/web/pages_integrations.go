package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
)

// integrationsPage is the shell of /integrations: HubSpot and Zoho CRM,
// their field mapping, stage rules and sync log, filled by integrations.js
// from /api/v1/integrations. Agents see it read-only. The OAuth callback
// comes back here with ?connected= or ?error=, which the script shows.
func (s *server) integrationsPage(w http.ResponseWriter, r *http.Request, p domain.Principal, u domain.User) {
	s.shellPage(w, r, p, u, "integrations.html")
}

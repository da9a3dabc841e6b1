package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

type settingsView struct {
	BlockMarketingOnRed bool `json:"block_marketing_on_red"`
}

func (s *server) getSettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	st, err := s.DB.WorkspaceSettings(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, settingsView{BlockMarketingOnRed: st.BlockMarketingOnRed})
}

// putSettings replaces the workspace's settings (owners and admins).
func (s *server) putSettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	var v settingsView
	if err := decodeJSON(w, r, &v); err != nil {
		writeError(w, r, err)
		return
	}
	if err := s.DB.SaveWorkspaceSettings(r.Context(), p.WorkspaceID, store.Settings{BlockMarketingOnRed: v.BlockMarketingOnRed}); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

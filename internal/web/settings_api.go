package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

type settingsView struct {
	BlockMarketingOnRed bool   `json:"block_marketing_on_red"`
	AutoAssign          string `json:"auto_assign"` // off | round_robin
	AgentsSee           string `json:"agents_see"`  // all | own_and_unassigned
	// NonAssigneeReply: allow | warn (the inbox asks before an agent
	// replies in a colleague's conversation) | block.
	NonAssigneeReply string `json:"non_assignee_reply"`
}

func newSettingsView(st store.Settings) settingsView {
	return settingsView{BlockMarketingOnRed: st.BlockMarketingOnRed, AutoAssign: string(st.AutoAssign), AgentsSee: string(st.AgentsSee),
		NonAssigneeReply: string(st.NonAssigneeReply)}
}

func (s *server) getSettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	st, err := s.DB.WorkspaceSettings(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newSettingsView(st))
}

// putSettings changes the workspace's settings (owners and admins). A
// field left out keeps its value, so a client that predates a setting
// does not reset it.
func (s *server) putSettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	cur, err := s.DB.WorkspaceSettings(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	v := newSettingsView(cur)
	if err := decodeJSON(w, r, &v); err != nil {
		writeError(w, r, err)
		return
	}
	st := store.Settings{BlockMarketingOnRed: v.BlockMarketingOnRed, AutoAssign: domain.AutoAssign(v.AutoAssign), AgentsSee: domain.AgentsSee(v.AgentsSee),
		NonAssigneeReply: domain.NonAssigneeReply(v.NonAssigneeReply)}
	if !st.AutoAssign.Valid() {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Use "off" or "round_robin".`, "unknown auto_assign %q", v.AutoAssign))
		return
	}
	if !st.AgentsSee.Valid() {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Use "all" or "own_and_unassigned".`, "unknown agents_see %q", v.AgentsSee))
		return
	}
	if !st.NonAssigneeReply.Valid() {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Use "allow", "warn" or "block".`, "unknown non_assignee_reply %q", v.NonAssigneeReply))
		return
	}
	if err := s.DB.SaveWorkspaceSettings(r.Context(), p.WorkspaceID, st); err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, v)
}

package web

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gohavi/gohavi/internal/auth"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// memberView is a member in API form, in the list and in every answer
// that changes one.
type memberView struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Email         string  `json:"email"`
	Role          string  `json:"role"`
	Online        bool    `json:"online"`
	LastSeenAt    *string `json:"last_seen_at"`
	DeactivatedAt *string `json:"deactivated_at"`
}

func (s *server) memberView(m store.Member) memberView {
	return memberView{ID: m.ID, Name: m.Name, Email: m.Email, Role: string(m.Role), Online: m.Online(s.Clock.Now()),
		LastSeenAt: view.Time(m.LastSeenAt), DeactivatedAt: view.Time(m.DeactivatedAt)}
}

// listMembers lists the workspace's active members, whom conversations
// can be assigned to, with their presence; ?all=1 adds the deactivated.
func (s *server) listMembers(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	all := r.URL.Query().Get("all")
	ms, err := s.DB.ListMembers(r.Context(), p.WorkspaceID, all == "1" || all == "true")
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[memberView]{Data: make([]memberView, 0, len(ms))}
	for _, m := range ms {
		out.Data = append(out.Data, s.memberView(m))
	}
	writeJSON(w, http.StatusOK, out)
}

var errManageMembers = domain.Errorf(domain.CodeForbidden, "Ask a workspace owner or admin to manage members.", "only owners and admins can manage members")

// decodeFields reads a JSON object into v, refusing fields other than
// allowed: a field GoHavi would ignore (an email change, a typo) must not
// look as if it was applied.
func decodeFields(w http.ResponseWriter, r *http.Request, v any, allowed ...string) error {
	var raw json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return err
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(raw, &fields); err != nil || fields == nil {
		return domain.Errorf(domain.CodeInvalidArgument, "Send a JSON object with any of: "+strings.Join(allowed, ", ")+".", "request body is not a JSON object")
	}
	for k := range fields {
		if !slices.Contains(allowed, k) {
			return domain.Errorf(domain.CodeInvalidArgument, "Send only "+strings.Join(allowed, ", ")+".", "unknown field %q", k)
		}
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return domain.Errorf(domain.CodeInvalidArgument, "Send each field as in the API reference: strings, and active as true or false.", "request body does not fit: %v", err)
	}
	return nil
}

// createMember adds a member: owners and admins (and API keys) only; only
// an owner adds an owner.
func (s *server) createMember(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if !p.Role.CanManage() {
		writeError(w, r, errManageMembers)
		return
	}
	var in struct{ Email, Name, Role, Password string }
	err := decodeFields(w, r, &in, "email", "name", "role", "password")
	var email, name string
	var role domain.Role
	if err == nil {
		email, err = domain.NormalizeEmail(in.Email)
	}
	if err == nil {
		name, err = domain.CheckMemberName(in.Name)
	}
	if err == nil {
		role, err = domain.ParseRole(in.Role)
	}
	if err == nil {
		err = domain.CheckMemberPassword(in.Password)
	}
	if err == nil {
		err = domain.CheckMemberCreate(p, role)
	}
	var hash string
	if err == nil {
		hash, err = auth.HashPassword(in.Password)
	}
	var m store.Member
	if err == nil {
		m, err = s.DB.CreateMember(r.Context(), domain.User{WorkspaceID: p.WorkspaceID, Email: email, Name: name, Role: role, PasswordHash: hash})
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.memberView(m))
}

// updateMember renames a member, changes their role or password, or
// (de)activates them. A new password ends the member's other sessions.
func (s *server) updateMember(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if !p.Role.CanManage() {
		writeError(w, r, errManageMembers)
		return
	}
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Name, Role, Password *string
		Active               *bool
	}
	if err := decodeFields(w, r, &in, "name", "role", "password", "active"); err != nil {
		writeError(w, r, err)
		return
	}
	var ch store.MemberChange
	var edit domain.MemberEdit
	if in.Name == nil && in.Role == nil && in.Password == nil && in.Active == nil {
		err = domain.Errorf(domain.CodeInvalidArgument, "Send any of name, role, password and active.", "nothing to change")
	}
	if err == nil && in.Name != nil {
		var name string
		name, err = domain.CheckMemberName(*in.Name)
		ch.Name = &name
	}
	if err == nil && in.Role != nil {
		edit.Role, err = domain.ParseRole(*in.Role)
		ch.Role = &edit.Role
	}
	if err == nil && in.Password != nil {
		if err = domain.CheckMemberPassword(*in.Password); err == nil {
			var hash string
			hash, err = auth.HashPassword(*in.Password)
			ch.PasswordHash = &hash
		}
		if c, cerr := r.Cookie(sessionCookie); id == p.UserID && cerr == nil && c.Value != "" {
			ch.KeepSession = auth.HashToken(c.Value) // changing your own: this tab stays signed in
		}
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	ch.Active, edit.Deactivate = in.Active, in.Active != nil && !*in.Active
	s.changeMember(w, r, p, id, ch, edit, http.StatusOK)
}

// deactivateMember deactivates a member at once: their sessions end, their
// conversations go back to unassigned, and their notes, messages and
// activity keep their name.
func (s *server) deactivateMember(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if !p.Role.CanManage() {
		writeError(w, r, errManageMembers)
		return
	}
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	off := false
	s.changeMember(w, r, p, id, store.MemberChange{Active: &off}, domain.MemberEdit{Deactivate: true}, http.StatusNoContent)
}

// changeMember applies a change under domain.CheckMemberEdit, tells agents
// about the conversations it unassigned, and answers status.
func (s *server) changeMember(w http.ResponseWriter, r *http.Request, p domain.Principal, id int64, ch store.MemberChange, edit domain.MemberEdit, status int) {
	m, unassigned, err := s.DB.UpdateMember(r.Context(), p.WorkspaceID, id, ch, domain.ActorOf(p), func(target domain.User, owners int) error {
		return domain.CheckMemberEdit(p, target, edit, owners)
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.inbox().Changed(r.Context(), unassigned)
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	writeJSON(w, status, s.memberView(m))
}

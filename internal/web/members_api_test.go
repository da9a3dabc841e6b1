package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

type memberJSON struct {
	ID            int64   `json:"id"`
	Name          string  `json:"name"`
	Email         string  `json:"email"`
	Role          string  `json:"role"`
	Online        bool    `json:"online"`
	LastSeenAt    *string `json:"last_seen_at"`
	DeactivatedAt *string `json:"deactivated_at"`
}

func memberPath(id int64) string { return fmt.Sprintf("/api/v1/members/%d", id) }

// members lists the workspace's members (query "all=1" adds the
// deactivated), by name.
func (n *node) members(t testing.TB, o opt, query string) map[string]memberJSON {
	t.Helper()
	var l struct{ Data []memberJSON }
	n.call(t, http.MethodGet, "/api/v1/members?"+query, nil, o).want(t, http.StatusOK, &l)
	out := map[string]memberJSON{}
	for _, m := range l.Data {
		out[m.Name] = m
	}
	return out
}

func (n *node) addMember(t testing.TB, o opt, email, name, role string) memberJSON {
	t.Helper()
	var m memberJSON
	n.call(t, http.MethodPost, "/api/v1/members", map[string]string{"email": email, "name": name, "role": role, "password": "member password 1"}, o).
		want(t, http.StatusCreated, &m)
	return m
}

func (n *node) owner(t testing.TB) opt {
	t.Helper()
	return withCookie(n.login(t, ownerEmail, ownerPassword))
}

func (n *node) myID(t testing.TB, o opt) int64 {
	t.Helper()
	var me struct{ User struct{ ID int64 } }
	n.call(t, http.MethodGet, "/api/v1/me", nil, o).want(t, http.StatusOK, &me)
	return me.User.ID
}

// wantLoginFails posts the login form and checks it is refused with text.
func (n *node) wantLoginFails(t testing.TB, email, password, text string) {
	t.Helper()
	r := n.call(t, http.MethodPost, "/login", url.Values{"email": {email}, "password": {password}})
	if r.Status != http.StatusUnauthorized || !strings.Contains(string(r.Body), text) {
		t.Fatalf("login of %s: status %d, want 401 with %q; body %s", email, r.Status, text, r.Body)
	}
}

// TestMembersRoles: who may add and change whom — owners, admins, API
// keys (as admins) and agents — and tenancy.
func TestMembersRoles(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		key := bearer(n.apiKey(t, "default"))
		owner := n.owner(t)
		_, admin := n.inboxMember(t, "ada@example.com", "Ada", domain.RoleAdmin)
		ann, agent := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		ownerID := n.myID(t, owner)

		// Agents see the team but change nothing.
		if ms := n.members(t, agent, ""); len(ms) != 3 || ms["Ann"].Role != "agent" || !ms["Ann"].Online {
			t.Fatalf("agent's list: %+v", ms)
		}
		body := map[string]string{"email": "x@example.com", "name": "X", "role": "agent", "password": "member password 1"}
		for _, r := range []resp{
			n.call(t, http.MethodPost, "/api/v1/members", body, agent),
			n.call(t, http.MethodPut, memberPath(ann.ID), `{"name":"Annie"}`, agent),
			n.call(t, http.MethodDelete, memberPath(ownerID), nil, agent),
		} {
			if e := r.wantError(t, http.StatusForbidden, domain.CodeForbidden); !strings.Contains(e.Remedy, "owner or admin") {
				t.Fatalf("agent refused without a remedy: %+v", e)
			}
		}

		// Owners, admins and keys add agents and admins.
		for i, o := range []opt{owner, admin, key} {
			m := n.addMember(t, o, fmt.Sprintf(" New%d@Example.COM ", i), fmt.Sprintf("New %d", i), []string{"agent", "admin", "agent"}[i])
			if m.ID == 0 || m.Email != fmt.Sprintf("new%d@example.com", i) || m.Online || m.LastSeenAt != nil || m.DeactivatedAt != nil {
				t.Fatalf("created: %+v", m)
			}
		}
		// Only an owner makes an owner, at creation or later.
		for _, o := range []opt{admin, key} {
			body["role"] = "owner"
			n.call(t, http.MethodPost, "/api/v1/members", body, o).wantError(t, http.StatusForbidden, domain.CodeForbidden)
			n.call(t, http.MethodPut, memberPath(ann.ID), `{"role":"owner"}`, o).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		}
		boss := n.addMember(t, owner, "boss@example.com", "Boss", "owner")
		// Only an owner changes an owner, in any way.
		for _, o := range []opt{admin, key} {
			for _, b := range []string{`{"name":"B"}`, `{"role":"agent"}`, `{"password":"new password 1"}`, `{"active":false}`} {
				e := n.call(t, http.MethodPut, memberPath(boss.ID), b, o).wantError(t, http.StatusForbidden, domain.CodeForbidden)
				if e.Remedy == "" {
					t.Fatalf("no remedy: %+v", e)
				}
			}
			n.call(t, http.MethodDelete, memberPath(boss.ID), nil, o).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		}
		// Admins manage agents and admins.
		var m memberJSON
		n.call(t, http.MethodPut, memberPath(ann.ID), `{"role":"admin","name":" Ann A. "}`, admin).want(t, http.StatusOK, &m)
		if m.ID != ann.ID || m.Role != "admin" || m.Name != "Ann A." || m.Email != "ann@example.com" || !m.Online {
			t.Fatalf("changed by an admin: %+v", m)
		}
		// The change applies to her next request: now she manages members.
		n.call(t, http.MethodPut, memberPath(ann.ID), `{"role":"agent"}`, agent).want(t, http.StatusOK, nil)
		n.call(t, http.MethodPost, "/api/v1/members", body, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodPut, memberPath(boss.ID), `{"role":"admin"}`, owner).want(t, http.StatusOK, &m)
		if m.Role != "admin" {
			t.Fatalf("owner demoted an owner: %+v", m)
		}

		// Another workspace's member, or no member, is not found.
		stranger, err := n.CreateUser(ctx, "elsewhere", "stranger@example.com", "Stranger", domain.RoleAgent, "inbox-password-1")
		if err != nil {
			t.Fatal(err)
		}
		for _, path := range []string{memberPath(stranger.ID), memberPath(987654), "/api/v1/members/ann"} {
			n.call(t, http.MethodPut, path, `{"name":"X"}`, owner).wantError(t, http.StatusNotFound, domain.CodeNotFound)
			n.call(t, http.MethodDelete, path, nil, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		}
		if _, ok := n.members(t, key, "all=1")["Stranger"]; ok {
			t.Fatal("another workspace's member listed")
		}
	})
}

// TestMembersValidation: every field's rules, duplicates and bodies.
func TestMembersValidation(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		valid := func() map[string]any {
			return map[string]any{"email": "val@example.com", "name": "Val", "role": "agent", "password": "0123456789"}
		}
		for name, change := range map[string]func(map[string]any){
			"no email":         func(b map[string]any) { delete(b, "email") },
			"not an email":     func(b map[string]any) { b["email"] = "val.example.com" },
			"a display name":   func(b map[string]any) { b["email"] = "Val <val@example.com>" },
			"no domain":        func(b map[string]any) { b["email"] = "val@localhost" },
			"email too long":   func(b map[string]any) { b["email"] = strings.Repeat("v", 250) + "@example.com" },
			"no name":          func(b map[string]any) { b["name"] = "   " },
			"name too long":    func(b map[string]any) { b["name"] = strings.Repeat("é", 101) },
			"name on 2 lines":  func(b map[string]any) { b["name"] = "Val\nX" },
			"unknown role":     func(b map[string]any) { b["role"] = "boss" },
			"no role":          func(b map[string]any) { delete(b, "role") },
			"short password":   func(b map[string]any) { b["password"] = "012345678" },
			"long password":    func(b map[string]any) { b["password"] = strings.Repeat("p", 201) },
			"unknown field":    func(b map[string]any) { b["team"] = "x" },
			"a number as name": func(b map[string]any) { b["name"] = 7 },
		} {
			b := valid()
			change(b)
			e := n.call(t, http.MethodPost, "/api/v1/members", b, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if e.Remedy == "" {
				t.Errorf("%s: no remedy: %+v", name, e)
			}
		}
		for _, raw := range []string{`not json`, `[]`, `null`, `"x"`} {
			n.call(t, http.MethodPost, "/api/v1/members", raw, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		}
		big := `{"name":"` + strings.Repeat("x", 2<<20) + `"}`
		n.call(t, http.MethodPost, "/api/v1/members", big, key).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)

		// The limits themselves are fine.
		b := valid()
		b["name"], b["password"] = strings.Repeat("é", 100), strings.Repeat("p", 200)
		var m memberJSON
		n.call(t, http.MethodPost, "/api/v1/members", b, key).want(t, http.StatusCreated, &m)
		// The same email, in any case, is a conflict.
		b = valid()
		b["email"] = "VAL@example.com"
		if e := n.call(t, http.MethodPost, "/api/v1/members", b, key).wantError(t, http.StatusConflict, domain.CodeConflict); !strings.Contains(e.Message, "val@example.com") || e.Remedy == "" {
			t.Fatalf("duplicate: %+v", e)
		}

		for _, raw := range []string{`{}`, `{"name":null}`, `{"email":"new@example.com"}`, `{"active":"no"}`, `{"role":"boss"}`,
			`{"name":""}`, `{"password":"short"}`, `not json`} {
			n.call(t, http.MethodPut, memberPath(m.ID), raw, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		}
		n.call(t, http.MethodPut, memberPath(m.ID), big, key).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)
		// Nothing of that was applied.
		if got := n.members(t, key, "")[m.Name]; got.ID != m.ID || got.Role != "agent" {
			t.Fatalf("after refused changes: %+v", got)
		}
	})
}

// TestMembersLastOwner: the workspace always keeps an active owner, and
// nobody deactivates themselves.
func TestMembersLastOwner(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		owner := n.owner(t)
		ownerID := n.myID(t, owner)
		for _, r := range []resp{
			n.call(t, http.MethodPut, memberPath(ownerID), `{"role":"admin"}`, owner),
			n.call(t, http.MethodPut, memberPath(ownerID), `{"active":false}`, owner),
			n.call(t, http.MethodDelete, memberPath(ownerID), nil, owner),
		} {
			if e := r.wantError(t, http.StatusConflict, domain.CodeConflict); e.Remedy != "Make another member owner first." {
				t.Fatalf("last owner: %+v", e)
			}
		}
		// Renaming the last owner, or keeping the role, is fine.
		n.call(t, http.MethodPut, memberPath(ownerID), `{"role":"owner","name":"Olivia"}`, owner).want(t, http.StatusOK, nil)

		second := n.addMember(t, owner, "omar@example.com", "Omar", "owner")
		n.call(t, http.MethodDelete, memberPath(ownerID), nil, owner).wantError(t, http.StatusForbidden, domain.CodeForbidden) // themselves
		n.call(t, http.MethodPut, memberPath(ownerID), `{"role":"admin"}`, owner).want(t, http.StatusOK, nil)
		// Now an admin: Omar is the last owner, and beyond her reach.
		n.call(t, http.MethodDelete, memberPath(second.ID), nil, owner).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		omar := withCookie(n.login(t, "omar@example.com", "member password 1"))
		n.call(t, http.MethodPut, memberPath(second.ID), `{"role":"agent"}`, omar).wantError(t, http.StatusConflict, domain.CodeConflict)
		// A deactivated owner does not count: with Omar the only active
		// owner, a second owner who was deactivated leaves him the last.
		third := n.addMember(t, omar, "olga@example.com", "Olga", "owner")
		n.call(t, http.MethodDelete, memberPath(third.ID), nil, omar).want(t, http.StatusNoContent, nil)
		n.call(t, http.MethodPut, memberPath(second.ID), `{"role":"admin"}`, omar).wantError(t, http.StatusConflict, domain.CodeConflict)
		n.call(t, http.MethodPut, memberPath(third.ID), `{"active":true}`, omar).want(t, http.StatusOK, nil)
		n.call(t, http.MethodPut, memberPath(second.ID), `{"role":"admin"}`, omar).want(t, http.StatusOK, nil)
	})
}

// TestMemberPasswordReset: a new password ends the member's other
// sessions at once; the one that changed its own password stays.
func TestMemberPasswordReset(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		owner := n.owner(t)
		ann, s1 := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		s2 := withCookie(n.login(t, "ann@example.com", "inbox-password-1"))
		n.call(t, http.MethodPut, memberPath(ann.ID), `{"password":"a new password"}`, owner).want(t, http.StatusOK, nil)
		for _, s := range []opt{s1, s2} {
			n.call(t, http.MethodGet, "/api/v1/me", nil, s).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		}
		n.wantLoginFails(t, "ann@example.com", "inbox-password-1", "Wrong email or password")
		n.login(t, "ann@example.com", "a new password")

		owner2 := withCookie(n.login(t, ownerEmail, ownerPassword))
		ownerID := n.myID(t, owner)
		n.call(t, http.MethodPut, memberPath(ownerID), `{"password":"owner password 2"}`, owner).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, "/api/v1/me", nil, owner).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, "/api/v1/me", nil, owner2).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		n.login(t, ownerEmail, "owner password 2")
		// An API key has no session to keep.
		annNow := withCookie(n.login(t, "ann@example.com", "a new password"))
		n.call(t, http.MethodPut, memberPath(ann.ID), `{"password":"a third password"}`, key).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, "/api/v1/me", nil, annNow).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
	})
}

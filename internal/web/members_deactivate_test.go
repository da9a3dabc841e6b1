package web_test

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// TestMemberDeactivation: a deactivated member's session stops working at
// once (an open event stream by its next heartbeat) and they cannot log in; their conversations become unassigned,
// live; their notes keep their name; they are not listed, assigned or
// given round-robin turns; reactivated, they log in again.
func TestMemberDeactivation(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		owner := n.owner(t)
		ownerID := n.myID(t, owner)
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		n.call(t, http.MethodGet, "/api/v1/me", nil, annOpt).want(t, http.StatusOK, nil) // both online
		n.call(t, http.MethodGet, "/api/v1/me", nil, bobOpt).want(t, http.StatusOK, nil)

		var convs []int64
		for i, wa := range []string{"447700900901", "447700900902"} {
			n.customerWrites(t, wa, fmt.Sprintf("Customer %d", i), "hello")
			c := n.conversationWith(t, key, wa)
			n.assign(t, key, c.ID, map[string]any{"user_id": ann.ID}).want(t, http.StatusOK, nil)
			convs = append(convs, c.ID)
		}
		var note noteJSON
		n.call(t, http.MethodPost, convPath(convs[0], "/notes"), map[string]string{"body": "Promised a refund, @Bob"}, annOpt).want(t, http.StatusCreated, &note)
		stream := n.openEvents(t, bobOpt)
		annStream := n.openEvents(t, annOpt)

		n.call(t, http.MethodDelete, memberPath(ann.ID), nil, owner).want(t, http.StatusNoContent, nil)

		// Her session is over at once, everywhere; she cannot log back in.
		n.call(t, http.MethodGet, "/api/v1/me", nil, annOpt).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		n.call(t, http.MethodGet, "/api/v1/conversations", nil, annOpt).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/team", nil, annOpt))
		n.wantLoginFails(t, "ann@example.com", "inbox-password-1", "deactivated")
		n.wantLoginFails(t, "ann@example.com", "a wrong password", "Wrong email or password") // no hint without the password

		// Her conversations are unassigned, live and in the log.
		for _, id := range convs {
			stream.waitFor(t, "unassigned live", func(ev sseEvent) bool {
				return ev.Type == domain.EventConversationUpdated && strings.Contains(ev.Data, fmt.Sprintf(`"id":%d,`, id)) && strings.Contains(ev.Data, `"assignee":null`)
			})
			var c view.Conversation
			n.call(t, http.MethodGet, convPath(id, ""), nil, key).want(t, http.StatusOK, &c)
			if c.Assignee != nil {
				t.Fatalf("still assigned: %+v", c)
			}
			var acts activityList
			n.call(t, http.MethodGet, convPath(id, "/activity"), nil, key).want(t, http.StatusOK, &acts)
			last := acts.Data[len(acts.Data)-1]
			if last.Kind != "unassigned" || last.Actor.ID != ownerID || last.Assignee == nil || last.Assignee.Name != "Ann" {
				t.Fatalf("activity: %+v", last)
			}
		}
		if mine := n.inboxList(t, bobOpt, "view=unassigned").Data; len(mine) != 2 {
			t.Fatalf("unassigned list: %+v", mine)
		}
		// Her note keeps her name.
		var notes struct{ Data []noteJSON }
		n.call(t, http.MethodGet, convPath(convs[0], "/notes"), nil, key).want(t, http.StatusOK, &notes)
		if len(notes.Data) != 1 || notes.Data[0].Author != (personJSON{ann.ID, "Ann"}) {
			t.Fatalf("notes: %+v", notes.Data)
		}

		// Not listed (unless asked), not online, not assignable.
		if ms := n.members(t, key, ""); len(ms) != 2 || ms["Ann"].ID != 0 {
			t.Fatalf("list: %+v", ms)
		}
		all := n.members(t, key, "all=1")
		if a := all["Ann"]; a.ID != ann.ID || a.DeactivatedAt == nil || a.Online || all["Bob"].DeactivatedAt != nil {
			t.Fatalf("all: %+v", all)
		}
		if e := n.assign(t, key, convs[0], map[string]any{"user_id": ann.ID}).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument); !strings.Contains(e.Message, "deactivated") {
			t.Fatalf("assign: %+v", e)
		}

		// Round-robin passes her by: the owner (first by id), then Bob.
		n.call(t, http.MethodPut, "/api/v1/settings", `{"auto_assign":"round_robin"}`, key).want(t, http.StatusOK, nil)
		var got []int64
		for i := range 3 {
			wa := fmt.Sprintf("44770090091%d", i)
			n.customerWrites(t, wa, "Round", "hi")
			eventually(t, 10*time.Second, "auto-assignment of "+wa, func() bool {
				c := n.conversationWith(t, key, wa)
				if c.Assignee != nil {
					got = append(got, c.Assignee.ID)
				}
				return c.Assignee != nil
			})
		}
		if want := []int64{ownerID, bob.ID, ownerID}; !slices.Equal(got, want) {
			t.Fatalf("turns %v, want %v (ann %d)", got, want, ann.ID)
		}

		// Her open event stream ends by its next heartbeat.
		eventually(t, 30*time.Second, "ann's event stream to end", annStream.ended.Load)

		// Reactivated, she logs in again, and is listed.
		var m memberJSON
		n.call(t, http.MethodPut, memberPath(ann.ID), `{"active":true}`, owner).want(t, http.StatusOK, &m)
		if m.DeactivatedAt != nil || m.Role != "agent" {
			t.Fatalf("reactivated: %+v", m)
		}
		again := withCookie(n.login(t, "ann@example.com", "inbox-password-1"))
		n.call(t, http.MethodGet, "/api/v1/me", nil, again).want(t, http.StatusOK, nil)
		if _, ok := n.members(t, key, "")["Ann"]; !ok {
			t.Fatal("reactivated member not listed")
		}
		// Adding her again instead says to reactivate.
		n.call(t, http.MethodDelete, memberPath(ann.ID), nil, key).want(t, http.StatusNoContent, nil)
		e := n.call(t, http.MethodPost, "/api/v1/members", map[string]string{"email": "ann@example.com", "name": "Ann", "role": "agent", "password": "0123456789"}, key).
			wantError(t, http.StatusConflict, domain.CodeConflict)
		if !strings.Contains(e.Remedy, "Reactivate") {
			t.Fatalf("re-adding: %+v", e)
		}
	})
}

// TestTeamPage: everyone gets the page; only owners and admins get the
// controls, and only owners the owner role; without a live session it is
// the login page.
func TestTeamPage(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		owner := n.owner(t)
		_, admin := n.inboxMember(t, "ada@example.com", "Ada", domain.RoleAdmin)
		ann, agent := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		page := func(o opt) string {
			t.Helper()
			r := n.call(t, http.MethodGet, "/team", nil, o)
			if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/html") {
				t.Fatalf("GET /team: %d %s", r.Status, r.Header.Get("Content-Type"))
			}
			return string(r.Body)
		}
		html := page(owner)
		for _, want := range []string{`id="member-add-form"`, `<option value="owner">`, `data-can-manage="true"`, `data-owner="true"`, `href="/team" aria-current="page"`} {
			if !strings.Contains(html, want) {
				t.Errorf("owner's page lacks %s", want)
			}
		}
		html = page(admin)
		if !strings.Contains(html, `id="member-add-form"`) || strings.Contains(html, `<option value="owner">`) {
			t.Error("admin's page: want the form without the owner role")
		}
		html = page(agent)
		if !strings.Contains(html, `id="team-members"`) || strings.Contains(html, "member-add") || strings.Contains(html, "data-can-manage") {
			t.Error("agent's page: want the list without controls")
		}
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/team", nil))
		n.call(t, http.MethodDelete, memberPath(ann.ID), nil, owner).want(t, http.StatusNoContent, nil)
		wantLoginRedirect(t, n.call(t, http.MethodGet, "/team", nil, agent))
	})
}

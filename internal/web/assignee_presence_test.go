package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/view"
)

func (n *node) putSetting(t testing.TB, o opt, key, value string) resp {
	t.Helper()
	return n.call(t, http.MethodPut, "/api/v1/settings", map[string]string{key: value}, o)
}

func textTo(cust, body string) map[string]any {
	return map[string]any{"to": "+" + cust, "type": "text", "text": map[string]string{"body": body}}
}

// TestNonAssigneeReplyRule: warn (the default) and allow let an agent
// answer in a colleague's conversation; block refuses them with who has
// it and what to do, inside the send, for every way of sending; the
// assignee, owners, admins and API keys are never refused.
func TestNonAssigneeReplyRule(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		_, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		_, admOpt := n.inboxMember(t, "adm@example.com", "Ada Admin", domain.RoleAdmin)
		const cust = "447700900831"
		convID := n.customerConversation(t, key, cust, "Gil", "anyone there?")
		n.assign(t, key, convID, map[string]any{"user_id": ann.ID}).want(t, http.StatusOK, nil)
		in := n.threadMessage(t, key, convID, "the customer's message", func(m view.Message) bool { return m.Direction == "inbound" })

		var st map[string]any
		n.call(t, http.MethodGet, "/api/v1/settings", nil, bobOpt).want(t, http.StatusOK, &st)
		if st["non_assignee_reply"] != "warn" {
			t.Fatalf("default setting: %v", st)
		}
		n.call(t, http.MethodPost, "/api/v1/messages", textTo(cust, "warned, still sent"), bobOpt).want(t, http.StatusAccepted, nil)
		n.putSetting(t, bobOpt, "non_assignee_reply", "block").wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.putSetting(t, key, "non_assignee_reply", "sometimes").wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.putSetting(t, key, "non_assignee_reply", "block").want(t, http.StatusOK, &st)
		if st["non_assignee_reply"] != "block" || st["agents_see"] != "all" {
			t.Fatalf("saved settings: %v", st)
		}

		before := len(n.messages(t, key, convID))
		e := n.call(t, http.MethodPost, "/api/v1/messages", textTo(cust, "blocked"), bobOpt).wantError(t, http.StatusConflict, domain.CodeNotAssignee)
		if e.Message != "Assigned to Ann" || e.Remedy != "Assign it to yourself first, or ask Ann to hand it over." {
			t.Fatalf("refusal: %+v", e)
		}
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", in.ID), map[string]string{"emoji": "👍"}, bobOpt).
			wantError(t, http.StatusConflict, domain.CodeNotAssignee)
		n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"type": "text", "text": map[string]string{"body": "by id"}, "reply_to_id": in.ID}, bobOpt).
			wantError(t, http.StatusConflict, domain.CodeNotAssignee)
		if after := len(n.messages(t, key, convID)); after != before {
			t.Fatalf("a refused send was stored: %d → %d", before, after)
		}
		for who, o := range map[string]opt{"assignee": annOpt, "admin": admOpt, "API key": key} {
			if r := n.call(t, http.MethodPost, "/api/v1/messages", textTo(cust, "from "+who), o); r.Status != http.StatusAccepted {
				t.Errorf("%s refused: %d %s", who, r.Status, r.Body)
			}
		}
		// Unassigned, anyone may answer.
		n.assign(t, key, convID, map[string]any{"user_id": nil}).want(t, http.StatusOK, nil)
		n.call(t, http.MethodPost, "/api/v1/messages", textTo(cust, "unassigned"), bobOpt).want(t, http.StatusAccepted, nil)
		n.assign(t, key, convID, map[string]any{"user_id": ann.ID}).want(t, http.StatusOK, nil)
		n.putSetting(t, key, "non_assignee_reply", "allow").want(t, http.StatusOK, nil)
		n.call(t, http.MethodPost, "/api/v1/messages", textTo(cust, "allowed"), bobOpt).want(t, http.StatusAccepted, nil)
	})
}

func presenceOf(t testing.TB, ev sseEvent) view.Presence {
	t.Helper()
	var p view.Presence
	if err := json.Unmarshal([]byte(ev.Data), &p); err != nil {
		t.Fatalf("presence event %s: %v", ev.Data, err)
	}
	return p
}

// TestPresence: viewing and typing are published with an expiry (now +
// TTL) and idle ends them at once; repeats within the rate limit are
// dropped; typing shows Meta's typing indicator; API keys have no
// presence; agents_see hides the new routes' conversations and messages.
func TestPresence(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		_, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		const cust = "447700900832"
		convID := n.customerConversation(t, key, cust, "Hal", "hello?")
		stream := n.openEvents(t, bobOpt)
		post := func(o opt, state string) resp {
			return n.call(t, http.MethodPost, convPath(convID, "/presence"), map[string]string{"state": state}, o)
		}

		start := time.Now()
		for _, state := range []string{"viewing", "viewing", "typing", "typing", "idle"} {
			post(annOpt, state).want(t, http.StatusNoContent, nil)
		}
		end := time.Now()
		stream.waitFor(t, "idle", func(ev sseEvent) bool {
			return ev.Type == domain.EventPresenceUpdated && presenceOf(t, ev).State == "idle"
		})
		var got []view.Presence
		for _, ev := range stream.snapshot() {
			if ev.Type == domain.EventPresenceUpdated {
				got = append(got, presenceOf(t, ev))
			}
		}
		if len(got) != 3 {
			t.Fatalf("presence events (repeats within 2 s are dropped): %+v", got)
		}
		for i, c := range []struct {
			state string
			ttl   time.Duration
		}{{"viewing", 45 * time.Second}, {"typing", 8 * time.Second}, {"idle", 0}} {
			p := got[i]
			if p.ConversationID != convID || p.User.ID != ann.ID || p.User.Name != "Ann" || p.State != c.state || p.Until == nil {
				t.Fatalf("event %d: %+v", i, p)
			}
			until, err := time.Parse(time.RFC3339, *p.Until)
			if err != nil || until.Before(start.Add(c.ttl).Add(-time.Second)) || until.After(end.Add(c.ttl).Add(time.Second)) {
				t.Fatalf("%s until %s, want now + %v", c.state, *p.Until, c.ttl)
			}
		}
		// Typing showed the customer Meta's typing indicator, which marks
		// their message read.
		eventually(t, 10*time.Second, "typing indicator at the simulator", func() bool {
			chat, err := n.Sim.Chat(sandboxPhone, cust)
			return err == nil && len(chat) == 1 && chat[0].Status == "read"
		})

		post(annOpt, "dancing").wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		post(key, "viewing").wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodPost, convPath(987654, "/presence"), map[string]string{"state": "viewing"}, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// Agents who see only their own and unassigned conversations do not
		// reach a colleague's through the new routes either.
		n.Sim.SetFaults(meta.Faults{FailSends: &meta.FailSends{Count: 1, Code: 131026}})
		failed := n.waitStatus(t, annOpt, n.sendText(t, annOpt, "+"+cust, "will fail").ID, "failed")
		in := n.threadMessage(t, key, convID, "the customer's message", func(m view.Message) bool { return m.Direction == "inbound" })
		n.putSetting(t, key, "agents_see", "own_and_unassigned").want(t, http.StatusOK, nil)
		n.assign(t, key, convID, map[string]any{"user_id": ann.ID}).want(t, http.StatusOK, nil)
		for name, r := range map[string]resp{
			"presence": post(bobOpt, "viewing"),
			"message":  n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/messages/%d", in.ID), nil, bobOpt),
			"reaction": n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", in.ID), map[string]string{"emoji": "👍"}, bobOpt),
			"retry":    n.call(t, http.MethodPost, retryPath(failed.ID), nil, bobOpt),
			"reply":    n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"type": "text", "text": map[string]string{"body": "x"}, "reply_to_id": in.ID}, bobOpt),
		} {
			if r.Status != http.StatusNotFound {
				t.Errorf("%s: %d %s, want 404", name, r.Status, r.Body)
			}
		}
		post(annOpt, "viewing").want(t, http.StatusNoContent, nil)
		n.call(t, http.MethodPost, retryPath(failed.ID), nil, annOpt).want(t, http.StatusAccepted, nil)
	})
}

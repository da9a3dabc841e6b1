package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

type personJSON struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

type noteJSON struct {
	ID             int64        `json:"id"`
	ConversationID int64        `json:"conversation_id"`
	Body           string       `json:"body"`
	Author         personJSON   `json:"author"`
	Mentions       []personJSON `json:"mentions"`
	CreatedAt      *string      `json:"created_at"`
}

type timelineJSON struct {
	Data []struct {
		Kind      string `json:"kind"`
		Cursor    string `json:"cursor"`
		ID        int64  `json:"id"`
		Body      string `json:"body"`      // notes
		Direction string `json:"direction"` // messages
		Text      string `json:"text"`
	} `json:"data"`
	NextBefore *string `json:"next_before"`
}

// member adds a member to workspace "default" and logs them in.
func (n *node) member(t testing.TB, email, name string, role domain.Role) (domain.User, opt) {
	t.Helper()
	u, err := n.CreateUser(context.Background(), "default", email, name, role, "member-password-1")
	if err != nil {
		t.Fatal(err)
	}
	return u, withCookie(n.login(t, email, "member-password-1"))
}

// customerConversation has a customer write to the sandbox number and
// returns the conversation.
func (n *node) customerConversation(t testing.TB, o opt, waID, name, text string) int64 {
	t.Helper()
	if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: waID, Name: name, Text: text}); err != nil {
		t.Fatal(err)
	}
	return n.conversationWith(t, o, waID).ID
}

func sentTotal(n *node) int {
	total := 0
	for _, c := range n.Sim.SentCounts(sandboxPhone) {
		total += c
	}
	return total
}

// TestNotesAPI: a note is stored, shown in the timeline between messages,
// announced with its mentions, and never sent to the customer.
func TestNotesAPI(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		owner, beta := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "beta"))
		alex, agent := n.member(t, "alex@example.com", "Alex Agent", domain.RoleAgent)
		bea, beaOpt := n.member(t, "bea@example.com", "Bea", domain.RoleAgent)
		conv := n.customerConversation(t, owner, "447700900301", "Casey Customer", "where is my order?")
		notesPath := fmt.Sprintf("/api/v1/conversations/%d/notes", conv)
		stream := n.openEvents(t, beaOpt)
		sentBefore := sentTotal(n)

		body := "@bea can you call back? <b>not HTML</b> cc @ALEX@example.com"
		r := n.call(t, http.MethodPost, notesPath, map[string]string{"body": body}, agent)
		var note noteJSON
		r.want(t, http.StatusCreated, &note)
		var shape map[string]any
		r.decode(t, &shape)
		for _, k := range []string{"id", "conversation_id", "body", "author", "mentions", "created_at"} {
			if _, ok := shape[k]; !ok {
				t.Errorf("note has no %q: %s", k, r.Body)
			}
		}
		if note.ID == 0 || note.ConversationID != conv || note.Body != body || note.Author != (personJSON{alex.ID, "Alex Agent"}) ||
			fmt.Sprint(note.Mentions) != fmt.Sprint([]personJSON{{bea.ID, "Bea"}, {alex.ID, "Alex Agent"}}) || note.CreatedAt == nil {
			t.Fatalf("note = %+v", note)
		}

		// Mentioned agents hear of it live.
		ev := stream.waitFor(t, "note.created", func(ev sseEvent) bool { return ev.Type == domain.EventNoteCreated })
		var evNote noteJSON
		if err := json.Unmarshal([]byte(ev.Data), &evNote); err != nil || evNote.ID != note.ID || len(evNote.Mentions) != 2 || evNote.Mentions[0].ID != bea.ID {
			t.Fatalf("event %s: %v", ev.Data, err)
		}

		// A real reply goes out, so the sender is demonstrably working; the
		// note never did: one message reached Meta, and it is the reply.
		out := n.sendText(t, owner, "+447700900301", "on its way")
		n.waitStatus(t, owner, out.ID, "sent", "delivered")
		if got := sentTotal(n); got != sentBefore+1 {
			t.Fatalf("Meta got %d messages after a note and one reply, want %d", got-sentBefore, 1)
		}
		for _, m := range n.Sim.Sent(sandboxPhone) {
			if strings.Contains(string(m.Request), "call back") {
				t.Fatalf("the note reached Meta: %s", m.Request)
			}
		}
		for _, m := range n.messages(t, owner, conv) {
			if strings.Contains(m.Text, "call back") {
				t.Fatalf("the note became a message: %+v", m)
			}
		}

		// The timeline interleaves: inbound, note, reply.
		var tl timelineJSON
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/timeline", conv), nil, agent).want(t, http.StatusOK, &tl)
		var kinds []string
		for _, it := range tl.Data {
			kinds = append(kinds, it.Kind+":"+it.Direction)
		}
		if fmt.Sprint(kinds) != "[message:inbound note: message:outbound]" || tl.Data[1].ID != note.ID || tl.Data[1].Body != body || tl.NextBefore != nil {
			t.Fatalf("timeline = %+v", tl)
		}
		var page timelineJSON
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/timeline?limit=2", conv), nil, agent).want(t, http.StatusOK, &page)
		if len(page.Data) != 2 || page.Data[0].Kind != "note" || page.NextBefore == nil || *page.NextBefore != page.Data[0].Cursor {
			t.Fatalf("first page = %+v", page)
		}
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/timeline?limit=2&before=%s", conv, *page.NextBefore), nil, agent).want(t, http.StatusOK, &page)
		if len(page.Data) != 1 || page.Data[0].Direction != "inbound" || page.NextBefore != nil {
			t.Fatalf("second page = %+v", page)
		}
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/timeline?before=bogus", conv), nil, agent).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		// Validation.
		for _, bad := range []any{map[string]string{"body": ""}, map[string]string{"body": "  \n "}, map[string]string{},
			map[string]string{"body": strings.Repeat("x", domain.MaxNoteRunes+1)}, "not json"} {
			e := n.call(t, http.MethodPost, notesPath, bad, agent).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if e.Remedy == "" {
				t.Errorf("no remedy for %v", bad)
			}
		}

		// Edit and delete: the author and admins, not other agents.
		notePath := fmt.Sprintf("/api/v1/notes/%d", note.ID)
		n.call(t, http.MethodPut, notePath, map[string]string{"body": "hijack"}, beaOpt).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodDelete, notePath, nil, beaOpt).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		var edited noteJSON
		n.call(t, http.MethodPut, notePath, map[string]string{"body": "done, no mentions"}, agent).want(t, http.StatusOK, &edited)
		if edited.Body != "done, no mentions" || len(edited.Mentions) != 0 || edited.Author.ID != alex.ID {
			t.Fatalf("edited = %+v", edited)
		}
		stream.waitFor(t, "note.updated", func(ev sseEvent) bool { return ev.Type == domain.EventNoteUpdated })
		var byKey noteJSON
		n.call(t, http.MethodPost, notesPath, map[string]string{"body": "from the API"}, owner).want(t, http.StatusCreated, &byKey)
		if byKey.Author.ID != 0 || !strings.HasPrefix(byKey.Author.Name, "API key") {
			t.Fatalf("API key author = %+v", byKey.Author)
		}
		var list struct{ Data []noteJSON }
		n.call(t, http.MethodGet, notesPath, nil, beaOpt).want(t, http.StatusOK, &list)
		if len(list.Data) != 2 || list.Data[0].ID != note.ID || list.Data[1].ID != byKey.ID {
			t.Fatalf("notes = %+v", list)
		}

		// Another workspace: every path is simply not found.
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{http.MethodPost, notesPath, map[string]string{"body": "hi"}},
			{http.MethodGet, notesPath, nil},
			{http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/timeline", conv), nil},
			{http.MethodPut, notePath, map[string]string{"body": "hi"}},
			{http.MethodDelete, notePath, nil},
		} {
			r := n.call(t, c.method, c.path, c.body, beta)
			r.wantError(t, http.StatusNotFound, domain.CodeNotFound)
			if strings.Contains(string(r.Body), "done, no mentions") {
				t.Errorf("%s %s leaks the note: %s", c.method, c.path, r.Body)
			}
		}

		n.call(t, http.MethodDelete, notePath, nil, owner).want(t, http.StatusNoContent, nil)
		stream.waitFor(t, "note.deleted", func(ev sseEvent) bool {
			return ev.Type == domain.EventNoteDeleted && strings.Contains(ev.Data, fmt.Sprintf(`"id":%d`, note.ID))
		})
		n.call(t, http.MethodPut, notePath, map[string]string{"body": "x"}, agent).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if got := sentTotal(n); got != sentBefore+1 {
			t.Fatalf("Meta got %d messages in all, want 1", got-sentBefore)
		}
	})
}

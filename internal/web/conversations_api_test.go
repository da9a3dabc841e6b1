package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// inboxMember adds a member to workspace "default" and logs them in.
func (n *node) inboxMember(t testing.TB, email, name string, role domain.Role) (domain.User, opt) {
	t.Helper()
	u, err := n.CreateUser(context.Background(), "default", email, name, role, "inbox-password-1")
	if err != nil {
		t.Fatal(err)
	}
	return u, withCookie(n.login(t, email, "inbox-password-1"))
}

var wamidSeq atomic.Int64

// customerWrites delivers a customer's text through the signed webhook and
// waits until it is applied.
func (n *node) customerWrites(t testing.TB, waID, name, text string) {
	t.Helper()
	wamid := fmt.Sprintf("wamid.inbox.%d", wamidSeq.Add(1))
	n.postWebhook(t, appSecret, payload([]map[string]any{change(sandboxPhone, []inMsg{{waID, name, wamid, text}}, nil)})).want(t, http.StatusOK, nil)
	n.settle(t)
}

type convPage struct {
	Data []view.Conversation `json:"data"`
	Next *string             `json:"next"`
}

func (n *node) inboxList(t testing.TB, o opt, query string) convPage {
	t.Helper()
	var p convPage
	n.call(t, http.MethodGet, "/api/v1/conversations?"+query, nil, o).want(t, http.StatusOK, &p)
	return p
}

func ids(cs []view.Conversation) []int64 {
	out := []int64{}
	for _, c := range cs {
		out = append(out, c.ID)
	}
	slices.Sort(out)
	return out
}

func convPath(id int64, rest string) string {
	return fmt.Sprintf("/api/v1/conversations/%d%s", id, rest)
}

func (n *node) assign(t testing.TB, o opt, id int64, body any) resp {
	t.Helper()
	return n.call(t, http.MethodPost, convPath(id, "/assign"), body, o)
}

func (n *node) setStatus(t testing.TB, o opt, id int64, body any) resp {
	t.Helper()
	return n.call(t, http.MethodPost, convPath(id, "/status"), body, o)
}

type activityList struct {
	Data []view.Activity `json:"data"`
}

type countsJSON struct {
	All, Mine, Unassigned, Open, Pending, Snoozed, Resolved int
	Unread                                                  int  `json:"unread"`
	UnreadMine                                              int  `json:"unread_mine"`
	ResolvedCapped                                          bool `json:"resolved_capped"`
}

// TestConversationAssignAndStatus: assigning and handing over, who may,
// statuses with snooze, the customer reopening, the live event and the
// activity log.
func TestConversationAssignAndStatus(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		key := bearer(n.apiKey(t, "default"))
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		stranger, err := n.CreateUser(ctx, "elsewhere", "stranger@example.com", "Stranger", domain.RoleAdmin, "inbox-password-1")
		if err != nil {
			t.Fatal(err)
		}
		n.customerWrites(t, "447700900501", "Dora", "hello")
		conv := n.conversationWith(t, key, "447700900501")
		if conv.Status != "open" || conv.Assignee != nil || conv.SnoozeUntil != nil {
			t.Fatalf("new conversation: %+v", conv)
		}
		if r := n.call(t, http.MethodGet, convPath(conv.ID, ""), nil, annOpt); !strings.Contains(string(r.Body), `"status":"open","snooze_until":null,"assignee":null`) {
			t.Fatalf("conversation JSON: %s", r.Body)
		}
		stream := n.openEvents(t, bobOpt)

		// Ann takes it; everyone sees it live.
		var got view.Conversation
		n.assign(t, annOpt, conv.ID, map[string]any{"user_id": ann.ID}).want(t, http.StatusOK, &got)
		if got.Assignee == nil || got.Assignee.ID != ann.ID || got.Assignee.Name != "Ann" {
			t.Fatalf("assigned: %+v", got)
		}
		stream.waitFor(t, "conversation.updated with Ann", func(ev sseEvent) bool {
			return ev.Type == domain.EventConversationUpdated && strings.Contains(ev.Data, fmt.Sprintf(`"assignee":{"id":%d,"name":"Ann"}`, ann.ID))
		})
		// Bob may neither take Ann's conversation nor drop it.
		n.assign(t, bobOpt, conv.ID, map[string]any{"user_id": bob.ID}).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		if e := n.assign(t, bobOpt, conv.ID, map[string]any{}).wantError(t, http.StatusForbidden, domain.CodeForbidden); e.Remedy == "" {
			t.Fatal("no remedy")
		}
		// Ann hands it over.
		n.assign(t, annOpt, conv.ID, map[string]any{"user_id": bob.ID}).want(t, http.StatusOK, &got)
		if got.Assignee == nil || got.Assignee.ID != bob.ID {
			t.Fatalf("handed over: %+v", got)
		}
		// Members only; the id must be a number.
		for _, u := range []int64{stranger.ID, 987654} {
			e := n.assign(t, key, conv.ID, map[string]any{"user_id": u}).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if !strings.Contains(e.Message, "not a member") || e.Remedy == "" {
				t.Fatalf("non-member: %+v", e)
			}
		}
		n.assign(t, key, conv.ID, `{"user_id":"ann"}`).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.assign(t, key, conv.ID, `not json`).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.assign(t, key, 987654, map[string]any{"user_id": ann.ID}).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		// An admin (here an API key) unassigns with null.
		n.assign(t, key, conv.ID, `{"user_id":null}`).want(t, http.StatusOK, &got)
		if got.Assignee != nil {
			t.Fatalf("unassigned: %+v", got)
		}

		// Statuses.
		for name, body := range map[string]string{
			"unknown":          `{"status":"closed"}`,
			"missing":          `{}`,
			"snooze, no time":  `{"status":"snoozed"}`,
			"snooze, past":     `{"status":"snoozed","snooze_until":"2020-01-01T00:00:00Z"}`,
			"snooze, not 3339": `{"status":"snoozed","snooze_until":"tomorrow"}`,
			"until with open":  fmt.Sprintf(`{"status":"open","snooze_until":%q}`, time.Now().Add(time.Hour).Format(time.RFC3339)),
		} {
			if e := n.setStatus(t, annOpt, conv.ID, body).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument); e.Remedy == "" {
				t.Errorf("%s: no remedy: %+v", name, e)
			}
		}
		n.setStatus(t, annOpt, conv.ID, `{"status":"pending"}`).want(t, http.StatusOK, &got)
		if got.Status != "pending" {
			t.Fatalf("pending: %+v", got)
		}
		until := time.Now().Add(2 * time.Hour).UTC().Truncate(time.Second)
		n.setStatus(t, annOpt, conv.ID, map[string]any{"status": "snoozed", "snooze_until": until.Format(time.RFC3339)}).want(t, http.StatusOK, &got)
		if got.Status != "snoozed" || got.SnoozeUntil == nil || *got.SnoozeUntil != *view.Time(until) {
			t.Fatalf("snoozed: %+v", got)
		}
		stream.waitFor(t, "conversation.updated snoozed", func(ev sseEvent) bool {
			return ev.Type == domain.EventConversationUpdated && strings.Contains(ev.Data, `"status":"snoozed"`)
		})
		if l := n.inboxList(t, key, ""); slices.Contains(ids(l.Data), conv.ID) {
			t.Fatal("the default list shows a snoozed conversation")
		}
		for _, q := range []string{"status=snoozed", "status=all", "status=open,snoozed"} {
			if l := n.inboxList(t, key, q); !slices.Contains(ids(l.Data), conv.ID) {
				t.Fatalf("%s: missing", q)
			}
		}
		var counts countsJSON
		n.call(t, http.MethodGet, "/api/v1/conversations/counts", nil, key).want(t, http.StatusOK, &counts)
		// Unread counts only what is in play: a snoozed conversation does not nag.
		if counts.Snoozed != 1 || counts.Open != 0 || counts.All != 0 || counts.Unread != 0 {
			t.Fatalf("counts: %+v", counts)
		}

		// The customer writes: the conversation is open again.
		n.customerWrites(t, "447700900501", "Dora", "are you there?")
		c := n.conversationWith(t, key, "447700900501")
		if c.Status != "open" || c.SnoozeUntil != nil {
			t.Fatalf("after the customer wrote: %+v", c)
		}

		var log activityList
		n.call(t, http.MethodGet, convPath(conv.ID, "/activity"), nil, bobOpt).want(t, http.StatusOK, &log)
		var lines []string
		for _, a := range log.Data {
			line := a.Kind + " by " + a.Actor.Kind + ":" + a.Actor.Name
			if a.Assignee != nil {
				line += " → " + a.Assignee.Name
			}
			if a.Status != "" {
				line += " " + a.FromStatus + "→" + a.Status
			}
			if a.At == nil {
				t.Errorf("activity without a time: %+v", a)
			}
			lines = append(lines, line)
		}
		want := []string{
			"assigned by user:Ann → Ann",
			"assigned by user:Ann → Bob",
			"unassigned by api_key:test default → Bob",
			"status_changed by user:Ann open→pending",
			"status_changed by user:Ann pending→snoozed",
			"status_changed by customer:Dora snoozed→open",
		}
		if !slices.Equal(lines, want) {
			t.Fatalf("activity:\n%s\nwant:\n%s", strings.Join(lines, "\n"), strings.Join(want, "\n"))
		}
		if log.Data[4].SnoozeUntil == nil {
			t.Fatalf("snooze entry without its time: %+v", log.Data[4])
		}
	})
}

// TestAgentsSeeOwnAndUnassigned: with the setting on, an agent's list,
// conversation, messages, activity, sends and counts cover only their own
// and unassigned conversations; others are not found.
func TestAgentsSeeOwnAndUnassigned(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, _ := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		_, bossOpt := n.inboxMember(t, "boss@example.com", "Boss", domain.RoleAdmin)
		conv := map[string]int64{}
		for i, who := range []string{"ann", "bob", "none"} {
			wa := fmt.Sprintf("44770090060%d", i)
			n.customerWrites(t, wa, "Customer "+who, "hi")
			conv[who] = n.conversationWith(t, key, wa).ID
		}
		n.assign(t, key, conv["ann"], map[string]any{"user_id": ann.ID}).want(t, http.StatusOK, nil)
		n.assign(t, key, conv["bob"], map[string]any{"user_id": bob.ID}).want(t, http.StatusOK, nil)

		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"own_and_unassigned"}`, annOpt).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"some"}`, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPut, "/api/v1/settings", `{"auto_assign":"random"}`, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if r := n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"own_and_unassigned"}`, key); r.Status != http.StatusOK ||
			!strings.Contains(string(r.Body), `"block_marketing_on_red":false,"auto_assign":"off","agents_see":"own_and_unassigned"`) {
			t.Fatalf("settings: %d %s", r.Status, r.Body)
		}

		if got := ids(n.inboxList(t, annOpt, "status=all").Data); !slices.Equal(got, []int64{conv["ann"], conv["none"]}) {
			t.Fatalf("ann's list: %v", got)
		}
		for _, o := range []opt{key, bossOpt} {
			if got := ids(n.inboxList(t, o, "").Data); len(got) != 3 {
				t.Fatalf("admins see everything: %v", got)
			}
		}
		if got := n.inboxList(t, annOpt, fmt.Sprintf("assignee_id=%d", bob.ID)).Data; len(got) != 0 {
			t.Fatalf("ann filtering for bob's: %v", ids(got))
		}
		if got := ids(n.inboxList(t, annOpt, "view=mine").Data); !slices.Equal(got, []int64{conv["ann"]}) {
			t.Fatalf("ann's own: %v", got)
		}
		hidden := conv["bob"]
		for _, c := range []struct{ method, path, body string }{
			{"GET", convPath(hidden, ""), ""},
			{"GET", convPath(hidden, "/messages"), ""},
			{"GET", convPath(hidden, "/activity"), ""},
			{"POST", convPath(hidden, "/read"), ""},
			{"POST", convPath(hidden, "/status"), `{"status":"resolved"}`},
			{"POST", convPath(hidden, "/assign"), fmt.Sprintf(`{"user_id":%d}`, ann.ID)},
			{"POST", "/api/v1/messages", `{"to":"+447700900601","type":"text","text":{"body":"I'll take this"}}`},
			{"GET", convPath(hidden, "/notes"), ""},
			{"POST", convPath(hidden, "/notes"), `{"body":"peek"}`},
			{"GET", convPath(hidden, "/timeline"), ""},
			{"GET", convPath(hidden, "/labels"), ""},
			{"PUT", convPath(hidden, "/labels"), `{"labels":[]}`},
		} {
			var body any
			if c.body != "" {
				body = c.body
			}
			n.call(t, c.method, c.path, body, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		}
		for _, m := range n.messages(t, key, hidden) {
			if m.Direction == "outbound" {
				t.Fatalf("a refused send was stored: %+v", m)
			}
		}
		// Search finds only what Ann may see; admins find all three.
		searchFor := func(o opt) []int64 {
			var res struct {
				Data []struct {
					ConversationID int64 `json:"conversation_id"`
				} `json:"data"`
			}
			n.call(t, http.MethodGet, "/api/v1/search?q=customer", nil, o).want(t, http.StatusOK, &res)
			var got []int64
			for _, h := range res.Data {
				got = append(got, h.ConversationID)
			}
			slices.Sort(got)
			return slices.Compact(got)
		}
		if got, want := searchFor(annOpt), []int64{min(conv["ann"], conv["none"]), max(conv["ann"], conv["none"])}; !slices.Equal(got, want) {
			t.Fatalf("ann's search: %v, want %v", got, want)
		}
		if got := searchFor(key); len(got) != 3 {
			t.Fatalf("admin's search: %v", got)
		}
		// Unassigned and own conversations work as before.
		n.sendText(t, annOpt, "+447700900602", "hello from Ann")
		n.setStatus(t, annOpt, conv["none"], `{"status":"pending"}`).want(t, http.StatusOK, nil)
		var counts countsJSON
		n.call(t, http.MethodGet, "/api/v1/conversations/counts", nil, annOpt).want(t, http.StatusOK, &counts)
		if counts.All != 2 || counts.Mine != 1 || counts.Unassigned != 1 || counts.Open != 1 || counts.Pending != 1 || counts.Unread != 2 || counts.UnreadMine != 1 {
			t.Fatalf("ann's counts: %+v", counts)
		}
		n.call(t, http.MethodGet, "/api/v1/conversations/counts", nil, key).want(t, http.StatusOK, &counts)
		if counts.All != 3 || counts.Mine != 0 || counts.Unread != 3 {
			t.Fatalf("admin counts: %+v", counts)
		}
		// Back to everyone seeing everything.
		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"all"}`, key).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, convPath(hidden, ""), nil, annOpt).want(t, http.StatusOK, nil)
	})
}

// TestRoundRobin: with auto-assignment on, each new conversation goes to
// the next member who is online, in turn; members seen by the API are
// online.
func TestRoundRobin(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		stream := n.openEvents(t, annOpt) // Ann has the inbox open
		n.call(t, http.MethodGet, "/api/v1/me", nil, bobOpt).want(t, http.StatusOK, nil)
		var members struct {
			Data []struct {
				ID     int64  `json:"id"`
				Name   string `json:"name"`
				Role   string `json:"role"`
				Online bool   `json:"online"`
			} `json:"data"`
		}
		n.call(t, http.MethodGet, "/api/v1/members", nil, key).want(t, http.StatusOK, &members)
		var online []string
		for _, m := range members.Data {
			if m.Online {
				online = append(online, m.Name)
			}
		}
		if !slices.Equal(online, []string{"Ann", "Bob"}) || len(members.Data) != 3 {
			t.Fatalf("members: %+v", members.Data)
		}

		assignee := func(wa string) int64 {
			t.Helper()
			var id int64
			eventually(t, 10*time.Second, "auto-assignment of "+wa, func() bool {
				c := n.conversationWith(t, key, wa)
				if c.Assignee != nil {
					id = c.Assignee.ID
				}
				return c.Assignee != nil
			})
			return id
		}
		n.customerWrites(t, "447700900700", "Off", "hi")
		n.call(t, http.MethodPut, "/api/v1/settings", `{"auto_assign":"round_robin"}`, key).want(t, http.StatusOK, nil)
		var got []int64
		for i := 1; i <= 3; i++ {
			wa := fmt.Sprintf("44770090070%d", i)
			n.customerWrites(t, wa, "Customer", "hi")
			got = append(got, assignee(wa))
		}
		if want := []int64{ann.ID, bob.ID, ann.ID}; !slices.Equal(got, want) {
			t.Fatalf("rotation %v, want %v", got, want)
		}
		stream.waitFor(t, "auto-assignment event", func(ev sseEvent) bool {
			return ev.Type == domain.EventConversationUpdated && strings.Contains(ev.Data, fmt.Sprintf(`"assignee":{"id":%d,"name":"Bob"}`, bob.ID))
		})
		if c := n.conversationWith(t, key, "447700900700"); c.Assignee != nil {
			t.Fatalf("a conversation from before was assigned: %+v", c)
		}
		if mine := ids(n.inboxList(t, annOpt, "view=mine").Data); len(mine) != 2 {
			t.Fatalf("ann's: %v", mine)
		}
	})
}

// TestConversationListPaging: cursor pages and the list's validation.
func TestConversationListPaging(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		for i := range 5 {
			n.customerWrites(t, fmt.Sprintf("44770090080%d", i), "Customer", "hi")
		}
		var seen []int64
		q := "limit=2"
		for pages := 1; ; pages++ {
			p := n.inboxList(t, key, q)
			seen = append(seen, ids(p.Data)...)
			if p.Next == nil {
				if pages != 3 || len(p.Data) != 1 {
					t.Fatalf("last page %d has %d", pages, len(p.Data))
				}
				break
			}
			q = "limit=2&before=" + url.QueryEscape(*p.Next)
		}
		slices.Sort(seen)
		if len(slices.Compact(seen)) != 5 {
			t.Fatalf("paged through %v", seen)
		}
		nums := n.numbers(t, key)
		if got := n.inboxList(t, key, fmt.Sprintf("number_id=%d", nums[0].ID)).Data; len(got) != 5 {
			t.Fatalf("by number: %d", len(got))
		}
		if got := n.inboxList(t, key, "view=unassigned&label=nothing-has-this").Data; len(got) != 0 {
			t.Fatalf("by label: %d", len(got))
		}
		for _, bad := range []string{"status=closed", "view=theirs", "view=mine", "before=yesterday", "assignee_id=x", "number_id=-1"} {
			if e := n.call(t, http.MethodGet, "/api/v1/conversations?"+bad, nil, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument); e.Remedy == "" {
				t.Errorf("%s: no remedy", bad)
			}
		}
	})
}

package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

type keywordJSON struct {
	Language string `json:"language"`
	Action   string `json:"action"`
	Word     string `json:"word"`
	Builtin  bool   `json:"builtin"`
	Enabled  bool   `json:"enabled"`
}

type keywordReplyJSON struct {
	Language string `json:"language"`
	Action   string `json:"action"`
	Text     string `json:"text"`
	Default  bool   `json:"default"`
}

type keywordsJSON struct {
	Data    []keywordJSON      `json:"data"`
	Replies []keywordReplyJSON `json:"replies"`
}

func (n *node) keywords(t testing.TB, o opt) keywordsJSON {
	t.Helper()
	var v keywordsJSON
	n.call(t, http.MethodGet, "/api/v1/settings/keywords", nil, o).want(t, http.StatusOK, &v)
	return v
}

// find returns the keyword word, or ok false.
func (v keywordsJSON) find(word string) (keywordJSON, bool) {
	for _, k := range v.Data {
		if k.Word == word {
			return k, true
		}
	}
	return keywordJSON{}, false
}

func (v keywordsJSON) reply(lang, action string) (keywordReplyJSON, bool) {
	for _, r := range v.Replies {
		if r.Language == lang && r.Action == action {
			return r, true
		}
	}
	return keywordReplyJSON{}, false
}

func removeWord(word string) string { return "/api/v1/settings/keywords?word=" + url.QueryEscape(word) }

// TestKeywordsAPI: owners and admins edit the keyword lists and replies;
// agents read them; bad input is refused with a stable code.
func TestKeywordsAPI(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		if _, err := n.CreateUser(context.Background(), "default", "agent3@example.com", "Agent", domain.RoleAgent, "agent-password-3"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent3@example.com", "agent-password-3"))

		v := n.keywords(t, agent)
		if k, ok := v.find("stop"); !ok || k != (keywordJSON{Language: "en", Action: "opt_out", Word: "stop", Builtin: true, Enabled: true}) {
			t.Fatalf("built-in stop: %+v", v.Data)
		}
		if k, ok := v.find("стоп"); !ok || k.Language != "ru" {
			t.Fatalf("built-in стоп: %+v", k)
		}
		if r, ok := v.reply("en", "opt_out"); !ok || !r.Default || !strings.Contains(r.Text, "unsubscribed") {
			t.Fatalf("default reply: %+v", v.Replies)
		}

		// Agents read; they change nothing.
		for _, c := range []struct {
			method, path string
			body         any
		}{
			{"POST", "/api/v1/settings/keywords", `{"language":"hi","action":"opt_out","word":"bas"}`},
			{"DELETE", removeWord("end"), nil},
			{"PUT", "/api/v1/settings/keywords/builtin", `{"word":"end","enabled":false}`},
			{"PUT", "/api/v1/settings/keywords/replies", `{"language":"en","action":"opt_out","text":"bye"}`},
		} {
			n.call(t, c.method, c.path, c.body, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		}

		var added keywordJSON
		n.call(t, "POST", "/api/v1/settings/keywords", `{"language":"HI","action":"opt_out","word":"  BAS "}`, key).want(t, http.StatusCreated, &added)
		if added != (keywordJSON{Language: "hi", Action: "opt_out", Word: "bas", Enabled: true}) {
			t.Fatalf("added %+v", added)
		}
		if k, ok := n.keywords(t, agent).find("bas"); !ok || k.Builtin || !k.Enabled {
			t.Fatalf("agent does not see bas: %+v", k)
		}
		for _, c := range []struct {
			body   string
			status int
			code   domain.Code
			says   string
		}{
			{`{"language":"hi","action":"opt_in","word":"bas"}`, http.StatusConflict, domain.CodeConflict, "cannot both opt out and opt in"},
			{`{"language":"en","action":"opt_out","word":"yes"}`, http.StatusConflict, domain.CodeConflict, "cannot both opt out and opt in"},
			{`{"language":"en","action":"opt_out","word":"STOP"}`, http.StatusConflict, domain.CodeConflict, "built-in"},
			{`{"language":"hindi language","action":"opt_out","word":"ruko"}`, http.StatusBadRequest, domain.CodeInvalidArgument, "language"},
			{`{"language":"hi","action":"stop","word":"ruko"}`, http.StatusBadRequest, domain.CodeInvalidArgument, "action"},
			{`{"language":"hi","action":"opt_out","word":""}`, http.StatusBadRequest, domain.CodeInvalidArgument, "empty"},
			{fmt.Sprintf(`{"language":"hi","action":"opt_out","word":%q}`, strings.Repeat("x", 65)), http.StatusBadRequest, domain.CodeInvalidArgument, "64"},
			{`{"language":`, http.StatusBadRequest, domain.CodeInvalidArgument, "JSON"},
		} {
			e := n.call(t, "POST", "/api/v1/settings/keywords", c.body, key).wantError(t, c.status, c.code)
			if !strings.Contains(e.Message, c.says) || e.Remedy == "" {
				t.Errorf("%s: %+v does not say %q with a remedy", c.body, e, c.says)
			}
		}
		big := `{"language":"hi","action":"opt_out","word":"` + strings.Repeat("x", 2<<20) + `"}`
		n.call(t, "POST", "/api/v1/settings/keywords", big, key).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)

		// Built-in words are switched off, not removed.
		n.call(t, "DELETE", removeWord("END"), nil, key).wantError(t, http.StatusConflict, domain.CodeConflict)
		var off keywordJSON
		n.call(t, "PUT", "/api/v1/settings/keywords/builtin", `{"word":"END","enabled":false}`, key).want(t, http.StatusOK, &off)
		if off != (keywordJSON{Language: "en", Action: "opt_out", Word: "end", Builtin: true}) {
			t.Fatalf("off %+v", off)
		}
		if k, _ := n.keywords(t, agent).find("end"); k.Enabled || !k.Builtin {
			t.Fatalf("end still enabled: %+v", k)
		}
		n.call(t, "PUT", "/api/v1/settings/keywords/builtin", `{"word":"end"}`, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, "PUT", "/api/v1/settings/keywords/builtin", `{"word":"bas","enabled":false}`, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// Own words are removed.
		if r := n.call(t, "DELETE", removeWord("Bas"), nil, key); r.Status != http.StatusNoContent {
			t.Fatalf("remove: %d %s", r.Status, r.Body)
		}
		if _, ok := n.keywords(t, key).find("bas"); ok {
			t.Fatal("bas still listed")
		}
		n.call(t, "DELETE", removeWord("bas"), nil, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, "DELETE", "/api/v1/settings/keywords", nil, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		// Replies per language; an empty text goes back to the fallback.
		var rep keywordReplyJSON
		n.call(t, "PUT", "/api/v1/settings/keywords/replies", `{"language":"es","action":"opt_out","text":"Ya no recibirás mensajes."}`, key).want(t, http.StatusOK, &rep)
		if rep != (keywordReplyJSON{Language: "es", Action: "opt_out", Text: "Ya no recibirás mensajes."}) {
			t.Fatalf("reply %+v", rep)
		}
		if r, ok := n.keywords(t, agent).reply("es", "opt_out"); !ok || r.Default {
			t.Fatalf("es reply not listed: %+v", r)
		}
		n.call(t, "PUT", "/api/v1/settings/keywords/replies", `{"language":"es","action":"opt_out","text":""}`, key).want(t, http.StatusOK, &rep)
		if !rep.Default || !strings.Contains(rep.Text, "unsubscribed") {
			t.Fatalf("cleared reply %+v", rep)
		}
		n.call(t, "PUT", "/api/v1/settings/keywords/replies", `{"language":"es","action":"opt_out_marketing","text":"x"}`, key).
			wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
	})
}

// TestKeywordsTenancy: one workspace's lists and replies are invisible to,
// and untouchable by, another.
func TestKeywordsTenancy(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		keyA, keyB := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "beta"))
		n.call(t, "POST", "/api/v1/settings/keywords", `{"language":"hi","action":"opt_out","word":"bas"}`, keyA).want(t, http.StatusCreated, nil)
		n.call(t, "PUT", "/api/v1/settings/keywords/builtin", `{"word":"end","enabled":false}`, keyA).want(t, http.StatusOK, nil)
		n.call(t, "PUT", "/api/v1/settings/keywords/replies", `{"language":"hi","action":"opt_out","text":"A-only reply"}`, keyA).want(t, http.StatusOK, nil)

		b := n.keywords(t, keyB)
		if _, ok := b.find("bas"); ok {
			t.Fatal("B sees A's word")
		}
		if k, _ := b.find("end"); !k.Enabled {
			t.Fatal("A's switch-off reached B")
		}
		if _, ok := b.reply("hi", "opt_out"); ok {
			t.Fatal("B sees A's reply")
		}
		n.call(t, "DELETE", removeWord("bas"), nil, keyB).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, "PUT", "/api/v1/settings/keywords/builtin", `{"word":"end","enabled":true}`, keyB).want(t, http.StatusOK, nil)
		// B may use the same word for its own purpose.
		n.call(t, "POST", "/api/v1/settings/keywords", `{"language":"en","action":"opt_in","word":"bas"}`, keyB).want(t, http.StatusCreated, nil)

		a := n.keywords(t, keyA)
		if k, ok := a.find("bas"); !ok || k.Action != "opt_out" {
			t.Fatalf("A's bas changed: %+v", k)
		}
		if k, _ := a.find("end"); k.Enabled {
			t.Fatal("B switched A's END back on")
		}
		if r, _ := a.reply("hi", "opt_out"); r.Text != "A-only reply" {
			t.Fatalf("A's reply: %+v", r)
		}
	})
}

// TestWorkspaceKeywordOnArrival: a word the workspace added through the
// API opts out at once on this node and is confirmed in its language; a
// built-in word it switched off is just a message.
func TestWorkspaceKeywordOnArrival(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		key := bearer(n.apiKey(t, "default"))
		const who = "447700900889"
		if _, err := n.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: sandboxPhone, From: who, Name: "Ravi", Text: "namaste"}); err != nil {
			t.Fatal(err)
		}
		conv := n.conversationWith(t, key, who)

		n.call(t, "POST", "/api/v1/settings/keywords", `{"language":"hi","action":"opt_out","word":"रुको"}`, key).want(t, http.StatusCreated, nil)
		n.call(t, "PUT", "/api/v1/settings/keywords/builtin", `{"word":"end","enabled":false}`, key).want(t, http.StatusOK, nil)
		const hindi = "आपको अब हमसे कोई संदेश नहीं मिलेगा।"
		n.call(t, "PUT", "/api/v1/settings/keywords/replies", map[string]string{"language": "hi", "action": "opt_out", "text": hindi}, key).want(t, http.StatusOK, nil)

		for _, text := range []string{"End", " रुको "} {
			if _, err := n.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: sandboxPhone, From: who, Name: "Ravi", Text: text}); err != nil {
				t.Fatal(err)
			}
		}
		var replies []string
		eventually(t, 10*time.Second, "the Hindi confirmation", func() bool {
			replies = replies[:0]
			for _, m := range n.Sim.Sent(sandboxPhone) {
				var req struct {
					Text struct {
						Body string `json:"body"`
					} `json:"text"`
				}
				if m.WaID == who && json.Unmarshal(m.Request, &req) == nil {
					replies = append(replies, req.Text.Body)
				}
			}
			return len(replies) > 0 && replies[len(replies)-1] == hindi
		})
		eventually(t, 10*time.Second, "both messages applied", func() bool {
			in := 0
			for _, m := range n.messages(t, key, conv.ID) {
				if m.Direction == "inbound" {
					in++
				}
			}
			return in == 3
		})
		if len(replies) != 1 {
			t.Fatalf("END was confirmed too: %q", replies)
		}
		var ledger struct {
			Data []struct{ Action, Source, Wording string } `json:"data"`
		}
		n.call(t, "GET", fmt.Sprintf("/api/v1/contacts/%d/consent", conv.Contact.ID), nil, key).want(t, http.StatusOK, &ledger)
		var got []string
		for _, e := range ledger.Data {
			got = append(got, e.Action+"/"+e.Source+"/"+e.Wording)
		}
		if s := strings.Join(got, ","); s != "opt_in/customer_started/,opt_out/keyword/ रुको " {
			t.Fatalf("ledger: %s", s)
		}
	})
}

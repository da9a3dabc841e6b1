package web_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/view"
)

func retryPath(id int64) string { return fmt.Sprintf("/api/v1/messages/%d/retry", id) }

// TestRetryFailedSend: a failed send is retried as a new attempt that
// reaches Meta, linked both ways; a message that has not failed, or was
// retried already, answers 409 with the way forward; a retry policy
// refuses is answered with the refusal and stores nothing.
func TestRetryFailedSend(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		_, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		const cust = "447700900821"
		convID := n.customerConversation(t, key, cust, "Eve", "is my order late?")
		n.Sim.SetFaults(meta.Faults{FailSends: &meta.FailSends{Count: 2, Code: 131026}})
		a := n.waitStatus(t, key, n.sendText(t, annOpt, "+"+cust, "Checking now").ID, "failed")
		b := n.waitStatus(t, key, n.sendText(t, annOpt, "+"+cust, "Second try").ID, "failed")
		if a.Error == nil || a.Error.Code != 131026 || a.WAMID != "" {
			t.Fatalf("failed send: %+v", a)
		}
		ok := n.sentMessage(t, key, n.sendText(t, key, "+"+cust, "this one goes").ID)
		if e := n.call(t, http.MethodPost, retryPath(ok.ID), nil, annOpt).wantError(t, http.StatusConflict, domain.CodeConflict); !strings.Contains(e.Remedy, "Only failed messages") {
			t.Fatalf("retrying a sent message: %+v", e)
		}

		var retry view.Message
		n.call(t, http.MethodPost, retryPath(a.ID), nil, annOpt).want(t, http.StatusAccepted, &retry)
		if retry.ID == a.ID || retry.RetryOf != a.ID || retry.Text != "Checking now" || retry.Type != "text" || retry.ConversationID != convID {
			t.Fatalf("retry: %+v", retry)
		}
		retry = n.sentMessage(t, key, retry.ID)
		n.simSent(t, "the retry", func(s meta.SentMessage) bool {
			return s.ID == retry.WAMID && s.BizOpaqueCallbackData == "gohavi:"+itoa(retry.ID) && strings.Contains(string(s.Request), "Checking now")
		})
		if orig := n.message(t, key, a.ID); orig.RetriedBy != retry.ID || orig.Status != "failed" {
			t.Fatalf("original after retry: %+v", orig)
		}
		e := n.call(t, http.MethodPost, retryPath(a.ID), nil, annOpt).wantError(t, http.StatusConflict, domain.CodeConflict)
		if !strings.Contains(e.Message, fmt.Sprintf("retried as message %d", retry.ID)) || !strings.Contains(e.Remedy, fmt.Sprintf("/api/v1/messages/%d", retry.ID)) {
			t.Fatalf("double retry: %+v", e)
		}
		inbound := n.threadMessage(t, key, convID, "the customer's message", func(m view.Message) bool { return m.Direction == "inbound" })
		n.call(t, http.MethodPost, retryPath(inbound.ID), nil, annOpt).wantError(t, http.StatusConflict, domain.CodeConflict)
		n.call(t, http.MethodPost, retryPath(987654), nil, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// Policy decides afresh: with the number disconnected the retry is
		// refused, and nothing is stored.
		before := len(n.messages(t, key, convID))
		num := n.numbers(t, key)[0]
		n.call(t, http.MethodDelete, fmt.Sprintf("/api/v1/whatsapp/numbers/%d", num.ID), nil, key).want(t, http.StatusOK, nil)
		e = n.call(t, http.MethodPost, retryPath(b.ID), nil, annOpt).wantError(t, http.StatusUnprocessableEntity, domain.CodeNumberOff)
		if e.Remedy == "" {
			t.Fatalf("refusal without a remedy: %+v", e)
		}
		if after := len(n.messages(t, key, convID)); after != before || n.message(t, key, b.ID).RetriedBy != 0 {
			t.Fatalf("a refused retry stored something: %d → %d messages", before, after)
		}
	})
}

// TestInteractiveSends: reply buttons, lists and URL buttons reach Meta;
// one WhatsApp would refuse is refused with the field and a remedy before
// any network call, and nothing is stored.
func TestInteractiveSends(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		const cust = "447700900822"
		convID := n.customerConversation(t, key, cust, "Finn", "when can you come?")
		send := func(interactive string) resp {
			return n.call(t, http.MethodPost, "/api/v1/messages", `{"to":"+`+cust+`","type":"interactive","interactive":`+interactive+`}`, key)
		}
		buttons := `{"type":"button","header":{"type":"text","text":"Visit"},"body":{"text":"Which slot suits you?"},"footer":{"text":"Lucky Shrub"},
			"action":{"buttons":[{"type":"reply","reply":{"id":"am","title":"Morning"}},{"type":"reply","reply":{"id":"pm","title":"Afternoon"}}]}}`
		list := `{"type":"list","body":{"text":"Pick a delivery option"},"action":{"button":"Options","sections":[
			{"title":"Fast","rows":[{"id":"express","title":"Express","description":"Next day"}]},{"title":"Cheap","rows":[{"id":"std","title":"Standard"}]}]}}`
		cta := `{"type":"cta_url","body":{"text":"See the dates"},"action":{"name":"cta_url","parameters":{"display_text":"Open","url":"https://example.com/dates"}}}`
		var ids []int64
		for _, body := range []string{buttons, list, cta} {
			var m view.Message
			send(body).want(t, http.StatusAccepted, &m)
			ids = append(ids, n.sentMessage(t, key, m.ID).ID)
		}
		if got := n.message(t, key, ids[0]).Text; got != "Which slot suits you?" {
			t.Fatalf("summary of our buttons: %q", got)
		}
		for i, want := range []string{`"buttons"`, `"sections"`, `"cta_url"`} {
			n.simSent(t, want, func(s meta.SentMessage) bool {
				return s.BizOpaqueCallbackData == "gohavi:"+itoa(ids[i]) && s.Type == "interactive" && strings.Contains(string(s.Request), want)
			})
		}

		// The customer taps a button: the thread reads what they chose and
		// quotes the message that offered it.
		tap := n.inject(t, meta.Inbound{From: cust, Type: "interactive", Context: n.message(t, key, ids[0]).WAMID,
			Content: json.RawMessage(`{"type":"button_reply","button_reply":{"id":"pm","title":"Afternoon"}}`)})
		if m := n.threadMessage(t, key, convID, "the button tap", byWAMID(tap)); m.Text != "Afternoon" || m.Context == nil || m.Context.ID != ids[0] || m.Context.Text != "Which slot suits you?" {
			t.Fatalf("button tap: %+v %+v", m, m.Context)
		}
		pick := n.inject(t, meta.Inbound{From: cust, Type: "interactive", Context: n.message(t, key, ids[1]).WAMID,
			Content: json.RawMessage(`{"type":"list_reply","list_reply":{"id":"express","title":"Express","description":"Next day"}}`)})
		quick := n.inject(t, meta.Inbound{From: cust, Type: "button", Content: json.RawMessage(`{"payload":"CONFIRM","text":"Yes, confirm"}`)})
		for wamid, want := range map[string]string{pick: "Express", quick: "Yes, confirm"} {
			if m := n.threadMessage(t, key, convID, want, byWAMID(wamid)); m.Text != want {
				t.Errorf("reply reads %q, want %q", m.Text, want)
			}
		}

		before, stored := sentTotal(n), len(n.messages(t, key, convID))
		four := strings.Replace(buttons, `{"type":"reply","reply":{"id":"pm","title":"Afternoon"}}`,
			`{"type":"reply","reply":{"id":"pm","title":"Afternoon"}},{"type":"reply","reply":{"id":"eve","title":"Evening"}},{"type":"reply","reply":{"id":"night","title":"Night"}}`, 1)
		var rows []string
		for i := range 11 {
			rows = append(rows, fmt.Sprintf(`{"id":"r%d","title":"Row %d"}`, i, i))
		}
		for name, c := range map[string]struct{ body, field string }{
			"four buttons":     {four, "interactive.action.buttons"},
			"long title":       {strings.Replace(buttons, `"Afternoon"`, `"Afternoon, after lunch"`, 1), "interactive.action.buttons[1].reply.title"},
			"same title":       {strings.Replace(buttons, `"Afternoon"`, `"Morning"`, 1), "interactive.action.buttons[1]"},
			"no body":          {strings.Replace(cta, `"body":{"text":"See the dates"},`, ``, 1), "interactive.body.text"},
			"eleven rows":      {`{"type":"list","body":{"text":"b"},"action":{"button":"Go","sections":[{"rows":[` + strings.Join(rows, ",") + `]}]}}`, "interactive.action.sections"},
			"image list title": {strings.Replace(list, `"type":"list",`, `"type":"list","header":{"type":"image","image":{"id":"1"}},`, 1), "interactive.header.type"},
			"not a URL":        {strings.Replace(cta, "https://example.com/dates", "ftp://example.com", 1), "interactive.action.parameters.url"},
			"unknown kind":     {`{"type":"carousel_of_doom","body":{"text":"x"}}`, "interactive.type"},
		} {
			e := send(c.body).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if !strings.HasPrefix(e.Message, c.field+":") || e.Remedy == "" {
				t.Errorf("%s: %+v", name, e)
			}
		}
		if sentTotal(n) != before || len(n.messages(t, key, convID)) != stored {
			t.Fatal("an invalid interactive message was stored or sent")
		}
	})
}

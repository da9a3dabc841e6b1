package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/view"
)

const sandboxDigits = "15550100001" // the sandbox number, as WhatsApp names it

// inject delivers a customer message through the simulator.
func (n *node) inject(t testing.TB, in meta.Inbound) string {
	t.Helper()
	in.PhoneNumberID = sandboxPhone
	wamid, err := n.Sim.Inject(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return wamid
}

// threadMessage waits until the conversation has a message for which
// match holds.
func (n *node) threadMessage(t testing.TB, o opt, convID int64, what string, match func(view.Message) bool) view.Message {
	t.Helper()
	var got view.Message
	eventually(t, 10*time.Second, what, func() bool {
		for _, m := range n.messages(t, o, convID) {
			if match(m) {
				got = m
				return true
			}
		}
		return false
	})
	return got
}

func byWAMID(wamid string) func(view.Message) bool {
	return func(m view.Message) bool { return m.WAMID == wamid }
}

// sentMessage waits until our message id was sent and returns it.
func (n *node) sentMessage(t testing.TB, o opt, id int64) view.Message {
	t.Helper()
	m := n.waitStatus(t, o, id, "sent", "delivered", "read")
	if m.WAMID == "" {
		t.Fatalf("sent without a wamid: %+v", m)
	}
	return m
}

// simSent waits until the simulator accepted a send matching match.
func (n *node) simSent(t testing.TB, what string, match func(meta.SentMessage) bool) meta.SentMessage {
	t.Helper()
	var got meta.SentMessage
	eventually(t, 10*time.Second, "simulator got "+what, func() bool {
		for _, s := range n.Sim.Sent(sandboxPhone) {
			if match(s) {
				got = s
				return true
			}
		}
		return false
	})
	return got
}

func reactionsOf(m view.Message) string {
	var parts []string
	for _, r := range m.Reactions {
		p := r.Emoji + " " + r.From + " " + r.Direction
		if r.By != nil {
			p += " by " + r.By.Name
		}
		if r.At == nil {
			p += " (no time)"
		}
		parts = append(parts, p)
	}
	return strings.Join(parts, "; ")
}

// TestReactionsInboundAndOutbound: a customer's reaction shows on the
// message it reacts to, in the thread and live, and is replaced and
// removed; ours goes to Meta with the target's wamid and shows once Meta
// took it; a reaction to a message we do not hold is kept as a message.
func TestReactionsInboundAndOutbound(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		ann, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		const cust = "447700900811"
		hello := n.inject(t, meta.Inbound{From: cust, Name: "Cleo", Text: "hello"})
		conv := n.conversationWith(t, key, cust)
		ours := n.sentMessage(t, key, n.sendText(t, annOpt, "+"+cust, "Hi Cleo, how can we help?").ID)
		stream := n.openEvents(t, key)

		liveReactions := func(what string, want string) {
			t.Helper()
			stream.waitFor(t, what, func(ev sseEvent) bool {
				var m view.Message
				if ev.Type != domain.EventMessageUpdated || json.Unmarshal([]byte(ev.Data), &m) != nil || m.ID != ours.ID {
					return false
				}
				return reactionsOf(m) == want && strings.Contains(ev.Data, `"reactions":[`)
			})
		}
		threadReactions := func(id int64) string {
			return reactionsOf(n.message(t, key, id))
		}

		n.inject(t, meta.Inbound{From: cust, Type: "reaction", Content: json.RawMessage(`{"message_id":"` + ours.WAMID + `","emoji":"👍"}`)})
		liveReactions("the customer's 👍", "👍 "+cust+" inbound")
		n.threadMessage(t, key, conv.ID, "👍 in the thread", func(m view.Message) bool {
			return m.ID == ours.ID && reactionsOf(m) == "👍 "+cust+" inbound"
		})
		// A new reaction replaces the customer's earlier one.
		n.inject(t, meta.Inbound{From: cust, Type: "reaction", Content: json.RawMessage(`{"message_id":"` + ours.WAMID + `","emoji":"❤️"}`)})
		liveReactions("the customer's ❤️", "❤️ "+cust+" inbound")
		if got := threadReactions(ours.ID); got != "❤️ "+cust+" inbound" {
			t.Fatalf("after the change: %q", got)
		}
		// Removed: the event says so with an empty list.
		n.inject(t, meta.Inbound{From: cust, Type: "reaction", Content: json.RawMessage(`{"message_id":"` + ours.WAMID + `","emoji":""}`)})
		liveReactions("the reaction removed", "")
		if got := threadReactions(ours.ID); got != "" {
			t.Fatalf("after the removal: %q", got)
		}

		// Ours, through the convenience route, as the agent.
		in := n.threadMessage(t, key, conv.ID, "hello", byWAMID(hello))
		var react view.Message
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", in.ID), map[string]string{"emoji": "🙏"}, annOpt).want(t, http.StatusAccepted, &react)
		if react.Type != "reaction" || react.Direction != "outbound" || react.ConversationID != conv.ID {
			t.Fatalf("reaction message: %+v", react)
		}
		sent := n.simSent(t, "our reaction", func(s meta.SentMessage) bool { return s.Type == "reaction" })
		var body struct {
			Reaction struct{ MessageID, Emoji string }
		}
		if err := json.Unmarshal(sent.Request, &body); err != nil || body.Reaction.Emoji != "🙏" || sent.WaID != cust {
			t.Fatalf("at the simulator: %s %v", sent.Request, err)
		}
		if !strings.Contains(string(sent.Request), `"message_id":"`+hello+`"`) {
			t.Fatalf("reaction does not point at the customer's wamid: %s", sent.Request)
		}
		n.threadMessage(t, key, conv.ID, "our 🙏 on hello", func(m view.Message) bool {
			return m.ID == in.ID && reactionsOf(m) == "🙏 "+sandboxDigits+" outbound by Ann"
		})
		if r := n.message(t, key, in.ID).Reactions; len(r) != 1 || r[0].By == nil || r[0].By.ID != ann.ID {
			t.Fatalf("by: %+v", r)
		}
		// Through POST /messages as well, by an API key (no "by"), and removed.
		n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"to": "+" + cust, "type": "reaction",
			"reaction": map[string]string{"message_id": hello, "emoji": "👌"}}, key).want(t, http.StatusAccepted, nil)
		n.threadMessage(t, key, conv.ID, "our 👌 replaced 🙏", func(m view.Message) bool {
			return m.ID == in.ID && reactionsOf(m) == "👌 "+sandboxDigits+" outbound"
		})
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", in.ID), map[string]string{"emoji": ""}, annOpt).want(t, http.StatusAccepted, nil)
		n.threadMessage(t, key, conv.ID, "our reaction removed", func(m view.Message) bool { return m.ID == in.ID && len(m.Reactions) == 0 })

		// Refused before anything is sent.
		before := sentTotal(n)
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", in.ID), `{}`, annOpt).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", in.ID), map[string]string{"emoji": "not an emoji at all"}, annOpt).
			wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/messages/%d/reactions", react.ID), map[string]string{"emoji": "👍"}, annOpt).
			wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, "/api/v1/messages/987654/reactions", map[string]string{"emoji": "👍"}, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if sentTotal(n) != before {
			t.Fatal("a refused reaction reached the simulator")
		}

		// A reaction to a message we do not hold stays a message.
		stray := n.inject(t, meta.Inbound{From: cust, Type: "reaction", Content: json.RawMessage(`{"message_id":"wamid.not-ours","emoji":"😂"}`)})
		if m := n.threadMessage(t, key, conv.ID, "the stray reaction", byWAMID(stray)); m.Type != "reaction" || m.Text != "Reacted 😂" {
			t.Fatalf("stray reaction: %+v", m)
		}
	})
}

// TestReplies: a customer's quote resolves to our message (thread and
// live event); a quote of something we do not hold keeps the wamid;
// forwarded shows; our replies carry the context to Meta, by wamid or by
// our message id.
func TestReplies(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		const cust = "447700900812"
		first := n.inject(t, meta.Inbound{From: cust, Name: "Dev", Text: "do you ship to Leeds?"})
		conv := n.conversationWith(t, key, cust)
		ours := n.sentMessage(t, key, n.sendText(t, key, "+"+cust, "We do, next day.").ID)
		stream := n.openEvents(t, key)

		quote := n.inject(t, meta.Inbound{From: cust, Text: "great, how much?", Context: ours.WAMID})
		m := n.threadMessage(t, key, conv.ID, "the quoting reply", byWAMID(quote))
		if c := m.Context; c == nil || c.MessageID != ours.WAMID || c.ID != ours.ID || c.Text != "We do, next day." || c.Forwarded {
			t.Fatalf("context: %+v", c)
		}
		stream.waitFor(t, "message.created with its quote", func(ev sseEvent) bool {
			var v view.Message
			return ev.Type == domain.EventMessageCreated && json.Unmarshal([]byte(ev.Data), &v) == nil && v.WAMID == quote &&
				v.Context != nil && v.Context.ID == ours.ID && v.Context.Text == "We do, next day."
		})
		gone := n.inject(t, meta.Inbound{From: cust, Text: "and this?", Context: "wamid.long-gone"})
		if c := n.threadMessage(t, key, conv.ID, "a quote we do not hold", byWAMID(gone)).Context; c == nil || c.MessageID != "wamid.long-gone" || c.ID != 0 || c.Text != "" {
			t.Fatalf("unknown quote: %+v", c)
		}
		// Forwarded: Meta says so in the message's context.
		fwd := "wamid.fwd.812"
		msg := map[string]any{"from": cust, "id": fwd, "timestamp": unix(), "type": "text", "text": map[string]string{"body": "look at this"},
			"context": map[string]any{"forwarded": true}}
		value := map[string]any{"messaging_product": "whatsapp", "metadata": map[string]string{"display_phone_number": sandboxDigits, "phone_number_id": sandboxPhone},
			"contacts": []any{map[string]any{"profile": map[string]string{"name": "Dev"}, "wa_id": cust}}, "messages": []any{msg}}
		n.postWebhook(t, appSecret, payload([]map[string]any{{"field": "messages", "value": value}})).want(t, http.StatusOK, nil)
		if c := n.threadMessage(t, key, conv.ID, "the forwarded message", byWAMID(fwd)).Context; c == nil || !c.Forwarded || c.MessageID != "" {
			t.Fatalf("forwarded: %+v", c)
		}

		// Our reply quoting their first message, by wamid.
		var reply view.Message
		n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"to": "+" + cust, "type": "text", "text": map[string]string{"body": "Yes, Leeds too"},
			"context": map[string]string{"message_id": first}}, key).want(t, http.StatusAccepted, &reply)
		in := n.threadMessage(t, key, conv.ID, "their first message", byWAMID(first))
		if c := reply.Context; c == nil || c.MessageID != first || c.ID != in.ID || c.Text != "do you ship to Leeds?" {
			t.Fatalf("our reply's context: %+v", c)
		}
		n.simSent(t, "our reply with its context", func(s meta.SentMessage) bool {
			return s.BizOpaqueCallbackData == "gohavi:"+itoa(reply.ID) && s.Context == first
		})
		// By our id: "to" and the number come from the quoted message.
		n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"type": "text", "text": map[string]string{"body": "Quoted by id"},
			"reply_to_id": m.ID}, key).want(t, http.StatusAccepted, &reply)
		if reply.ConversationID != conv.ID || reply.ReplyTo != quote || reply.Context == nil || reply.Context.ID != m.ID {
			t.Fatalf("reply_to_id: %+v", reply)
		}
		n.simSent(t, "the reply by id", func(s meta.SentMessage) bool {
			return s.BizOpaqueCallbackData == "gohavi:"+itoa(reply.ID) && s.Context == quote && s.WaID == cust
		})
		for name, c := range map[string]struct {
			body   map[string]any
			status int
			code   domain.Code
		}{
			"another customer": {map[string]any{"to": "+447700900999", "type": "text", "text": map[string]string{"body": "x"}, "reply_to_id": m.ID}, 400, domain.CodeInvalidArgument},
			"both ways":        {map[string]any{"type": "text", "text": map[string]string{"body": "x"}, "reply_to_id": m.ID, "context": map[string]string{"message_id": first}}, 400, domain.CodeInvalidArgument},
			"unknown id":       {map[string]any{"type": "text", "text": map[string]string{"body": "x"}, "reply_to_id": 987654}, 404, domain.CodeNotFound},
		} {
			if e := n.call(t, http.MethodPost, "/api/v1/messages", c.body, key).wantError(t, c.status, c.code); e.Remedy == "" {
				t.Errorf("%s: no remedy: %+v", name, e)
			}
		}
	})
}

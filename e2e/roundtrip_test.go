package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"testing"
)

// roundTrip is the core conversation: a customer writes, an agent sees it
// live, replies inside the window, and the ticks go sent → delivered →
// read. The fields say where each part is observed, so the same steps run
// on one node or across two.
type roundTrip struct {
	sim      simCtl
	phoneID  string  // the business number at the simulator
	inbox    api     // lists the conversation
	inboxSSE *stream // must see the inbound live
	reply    api     // posts the reply
	replySSE *stream // must see the reply's statuses
}

func (rt roundTrip) run(t *testing.T, waID, name string) {
	t.Helper()
	body := "Hello, this is " + name
	wamid := rt.sim.text(t, rt.phoneID, waID, name, body)
	in := rt.inboxSSE.message(t, "the inbound message", "message.created", func(m message) bool { return m.WAMID == wamid })
	if in.Direction != "inbound" || in.Type != "text" || in.Text != body || in.Status != "received" {
		t.Errorf("inbound over SSE = %+v, want received inbound text %q", in, body)
	}
	conv := rt.inbox.conversationWith(t, waID)
	if !conv.WindowOpen || conv.WindowExpiresAt == nil || conv.Contact.Name != name || conv.ID != in.ConversationID {
		t.Errorf("conversation = %+v, want contact %q with the window open holding message %d", conv, name, in.ID)
	}
	if conv.UnreadCount < 1 || conv.LastMessageText != body {
		t.Errorf("conversation unread %d, preview %q; want ≥1 and %q", conv.UnreadCount, conv.LastMessageText, body)
	}

	replyText := fmt.Sprintf("Hi %s, how can we help?", name)
	out := rt.reply.sendText(t, "+"+waID, replyText)
	rt.replySSE.message(t, "the reply delivered", "message.updated", func(m message) bool { return m.ID == out.ID && m.Status == "delivered" })
	st := rt.replySSE.statuses(out.ID)
	if i, j := slices.Index(st, "sent"), slices.Index(st, "delivered"); i < 0 || i > j {
		t.Errorf("reply statuses over SSE = %v, want sent before delivered", st)
	}
	sent := rt.sim.sent(t, rt.phoneID, waID)
	if len(sent) != 1 {
		t.Fatalf("simulator got %d messages for %s, want exactly 1: %+v", len(sent), waID, sent)
	}
	var req struct {
		Text struct{ Body string } `json:"text"`
	}
	_ = json.Unmarshal(sent[0].Request, &req)
	if sent[0].Type != "text" || req.Text.Body != replyText {
		t.Errorf("simulator got %s %q, want text %q", sent[0].Type, req.Text.Body, replyText)
	}

	rt.sim.read(t, rt.phoneID, waID)
	rt.replySSE.message(t, "the reply read", "message.updated", func(m message) bool { return m.ID == out.ID && m.Status == "read" })
	var got message
	rt.reply.do(t, "GET", fmt.Sprintf("/api/v1/messages/%d", out.ID), nil, http.StatusOK, &got)
	if got.Status != "read" || got.WAMID != sent[0].ID || got.Text != replyText || got.ConversationID != conv.ID {
		t.Errorf("GET message = %+v, want read, wamid %s, in conversation %d", got, sent[0].ID, conv.ID)
	}
}

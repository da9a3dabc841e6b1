package web_test

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/view"
)

type convList struct {
	Data []view.Conversation `json:"data"`
}

type msgList struct {
	Data []view.Message `json:"data"`
}

type numberJSON struct {
	ID            int64  `json:"id"`
	PhoneNumberID string `json:"phone_number_id"`
}

type numberList struct {
	Data []numberJSON `json:"data"`
}

func (n *node) conversations(t testing.TB, o opt) []view.Conversation {
	t.Helper()
	var l convList
	n.call(t, http.MethodGet, "/api/v1/conversations", nil, o).want(t, http.StatusOK, &l)
	return l.Data
}

func (n *node) messages(t testing.TB, o opt, convID int64) []view.Message {
	t.Helper()
	var l msgList
	n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/messages", convID), nil, o).want(t, http.StatusOK, &l)
	return l.Data
}

func (n *node) message(t testing.TB, o opt, id int64) view.Message {
	t.Helper()
	var m view.Message
	n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/messages/%d", id), nil, o).want(t, http.StatusOK, &m)
	return m
}

func (n *node) numbers(t testing.TB, o opt) []numberJSON {
	t.Helper()
	var l numberList
	n.call(t, http.MethodGet, "/api/v1/whatsapp/numbers", nil, o).want(t, http.StatusOK, &l)
	return l.Data
}

// conversationWith waits for the conversation with waID to show up.
func (n *node) conversationWith(t testing.TB, o opt, waID string) view.Conversation {
	t.Helper()
	var found view.Conversation
	eventually(t, 10*time.Second, "conversation with "+waID, func() bool {
		for _, c := range n.conversations(t, o) {
			if c.Contact.WaID == waID && c.LastMessageAt != nil {
				found = c
				return true
			}
		}
		return false
	})
	return found
}

// sendText posts a text message and returns the queued message.
func (n *node) sendText(t testing.TB, o opt, to, text string) view.Message {
	t.Helper()
	var m view.Message
	n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"to": to, "type": "text", "text": map[string]string{"body": text}}, o).
		want(t, http.StatusAccepted, &m)
	if m.ID == 0 || m.Status != "queued" || m.Direction != "outbound" {
		t.Fatalf("queued message = %+v", m)
	}
	return m
}

// waitStatus waits until message id has one of the statuses.
func (n *node) waitStatus(t testing.TB, o opt, id int64, statuses ...string) view.Message {
	t.Helper()
	var m view.Message
	eventually(t, 15*time.Second, fmt.Sprintf("message %d in %v", id, statuses), func() bool {
		m = n.message(t, o, id)
		for _, s := range statuses {
			if m.Status == s {
				return true
			}
		}
		return false
	})
	return m
}

type sseEvent struct{ ID, Type, Data string }

// sseStream records the events of one GET /api/v1/events.
type sseStream struct {
	mu     sync.Mutex
	events []sseEvent
	ended  atomic.Bool
}

// openEvents subscribes and returns once the server says it is connected.
func (n *node) openEvents(t testing.TB, o opt) *sseStream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/api/v1/events", nil)
	o(req)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("Content-Type") != "text/event-stream" {
		cancel()
		res.Body.Close()
		t.Fatalf("events: status %d, type %q", res.StatusCode, res.Header.Get("Content-Type"))
	}
	sc := bufio.NewScanner(res.Body)
	sc.Buffer(make([]byte, 64<<10), 4<<20)
	for sc.Scan() && sc.Text() != ": connected" {
	}
	s := &sseStream{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer s.ended.Store(true)
		var ev sseEvent
		for sc.Scan() {
			line := sc.Text()
			switch {
			case line == "":
				if ev.Type != "" {
					s.mu.Lock()
					s.events = append(s.events, ev)
					s.mu.Unlock()
				}
				ev = sseEvent{}
			case strings.HasPrefix(line, "id: "):
				ev.ID = line[4:]
			case strings.HasPrefix(line, "event: "):
				ev.Type = line[7:]
			case strings.HasPrefix(line, "data: "):
				ev.Data = line[6:]
			}
		}
	}()
	t.Cleanup(func() { cancel(); res.Body.Close(); <-done })
	return s
}

func (s *sseStream) snapshot() []sseEvent {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]sseEvent(nil), s.events...)
}

// waitFor waits for an event for which match holds.
func (s *sseStream) waitFor(t testing.TB, what string, match func(sseEvent) bool) sseEvent {
	t.Helper()
	var got sseEvent
	eventually(t, 10*time.Second, "event: "+what, func() bool {
		for _, ev := range s.snapshot() {
			if match(ev) {
				got = ev
				return true
			}
		}
		if s.ended.Load() {
			t.Fatalf("event stream ended while waiting for %s", what)
		}
		return false
	})
	return got
}

// Webhook payloads in Meta's shape.

func itoa(id int64) string { return strconv.FormatInt(id, 10) }

func unix() string { return strconv.FormatInt(time.Now().Unix(), 10) }

type inMsg struct{ From, Name, WAMID, Text string }

type statusUpdate struct{ WAMID, Status, To string }

// change is one "messages" change for phoneID.
func change(phoneID string, msgs []inMsg, statuses []statusUpdate) map[string]any {
	value := map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          map[string]string{"display_phone_number": "15550100001", "phone_number_id": phoneID},
	}
	var contacts, messages, sts []any
	for _, m := range msgs {
		contacts = append(contacts, map[string]any{"profile": map[string]string{"name": m.Name}, "wa_id": m.From})
		messages = append(messages, map[string]any{"from": m.From, "id": m.WAMID, "timestamp": unix(), "type": "text",
			"text": map[string]string{"body": m.Text}})
	}
	for _, s := range statuses {
		sts = append(sts, map[string]any{"id": s.WAMID, "status": s.Status, "timestamp": unix(), "recipient_id": s.To})
	}
	if msgs != nil {
		value["contacts"], value["messages"] = contacts, messages
	}
	if statuses != nil {
		value["statuses"] = sts
	}
	return map[string]any{"field": "messages", "value": value}
}

// payload wraps entries, each a list of changes, into a webhook body.
func payload(entries ...[]map[string]any) []byte {
	var es []any
	for i, chs := range entries {
		es = append(es, map[string]any{"id": fmt.Sprint(100000000000001 + i), "changes": chs})
	}
	b, _ := json.Marshal(map[string]any{"object": "whatsapp_business_account", "entry": es})
	return b
}

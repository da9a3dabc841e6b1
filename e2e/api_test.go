package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

var httpClient = &http.Client{Timeout: 30 * time.Second}

// call sends a JSON request and returns the status and body.
func call(t testing.TB, method, url, bearer string, body any) (int, []byte) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(t.Context(), method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, url, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, url, err)
	}
	return resp.StatusCode, b
}

// api is a client of one node's REST API with an API key.
type api struct {
	base, key string
}

// do checks the status and decodes the answer into out (when non-nil).
func (a api) do(t testing.TB, method, path string, body any, want int, out any) {
	t.Helper()
	code, b := call(t, method, a.base+path, a.key, body)
	if code != want {
		t.Fatalf("%s %s: status %d, want %d: %s", method, path, code, want, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: %v in %s", method, path, err, b)
		}
	}
}

// apiError is the product's error shape.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Remedy  string `json:"remedy"`
	} `json:"error"`
}

type number struct {
	ID            int64  `json:"id"`
	WABAID        string `json:"waba_id"`
	PhoneNumberID string `json:"phone_number_id"`
	Sandbox       bool   `json:"sandbox"`
}

type conversation struct {
	ID       int64 `json:"id"`
	NumberID int64 `json:"number_id"`
	Contact  struct {
		WaID  string `json:"wa_id"`
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"contact"`
	WindowOpen      bool    `json:"window_open"`
	WindowExpiresAt *string `json:"window_expires_at"`
	LastMessageText string  `json:"last_message_text"`
	UnreadCount     int     `json:"unread_count"`
}

type message struct {
	ID             int64  `json:"id"`
	ConversationID int64  `json:"conversation_id"`
	Direction      string `json:"direction"`
	Type           string `json:"type"`
	Text           string `json:"text"`
	Status         string `json:"status"`
	WAMID          string `json:"wamid"`
	Error          *struct {
		Code   int    `json:"code"`
		Title  string `json:"title"`
		Remedy string `json:"remedy"`
	} `json:"error"`
}

func (a api) numbers(t testing.TB) []number {
	t.Helper()
	var out struct{ Data []number }
	a.do(t, "GET", "/api/v1/whatsapp/numbers", nil, http.StatusOK, &out)
	return out.Data
}

func (a api) conversations(t testing.TB) []conversation {
	t.Helper()
	var out struct{ Data []conversation }
	a.do(t, "GET", "/api/v1/conversations?limit=200", nil, http.StatusOK, &out)
	return out.Data
}

// conversationWith returns the conversation with waID, failing if absent.
func (a api) conversationWith(t testing.TB, waID string) conversation {
	t.Helper()
	for _, c := range a.conversations(t) {
		if c.Contact.WaID == waID {
			return c
		}
	}
	t.Fatalf("no conversation with %s", waID)
	return conversation{}
}

func (a api) messages(t testing.TB, conversationID int64) []message {
	t.Helper()
	var out struct{ Data []message }
	a.do(t, "GET", fmt.Sprintf("/api/v1/conversations/%d/messages?limit=500", conversationID), nil, http.StatusOK, &out)
	return out.Data
}

// sendText posts a text reply and expects it queued.
func (a api) sendText(t testing.TB, to, body string) message {
	t.Helper()
	var m message
	a.do(t, "POST", "/api/v1/messages", map[string]any{"to": to, "type": "text", "text": map[string]string{"body": body}}, http.StatusAccepted, &m)
	if m.ID == 0 || m.Status != "queued" || m.Direction != "outbound" {
		t.Fatalf("send to %s: got %+v, want a queued outbound message", to, m)
	}
	return m
}

// simCtl drives a simulator's control API (standalone, or under /sim in
// sandbox mode).
type simCtl struct {
	base string
}

func (s simCtl) post(t testing.TB, path string, body, out any) {
	t.Helper()
	code, b := call(t, "POST", s.base+path, "", body)
	if code != http.StatusOK {
		t.Fatalf("sim POST %s: status %d: %s", path, code, b)
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("sim POST %s: %v", path, err)
		}
	}
}

func (s simCtl) get(t testing.TB, path string, out any) {
	t.Helper()
	code, b := call(t, "GET", s.base+path, "", nil)
	if code != http.StatusOK {
		t.Fatalf("sim GET %s: status %d: %s", path, code, b)
	}
	if err := json.Unmarshal(b, out); err != nil {
		t.Fatalf("sim GET %s: %v", path, err)
	}
}

// inbound makes the customer waID send a message of type typ with content
// under the type key; it returns the wamid.
func (s simCtl) inbound(t testing.TB, phoneID, waID, name, typ string, content any) string {
	t.Helper()
	var out struct{ ID string }
	s.post(t, "/_sim/inbound", map[string]any{"phone_number_id": phoneID, "from": waID, "name": name, "type": typ, typ: content}, &out)
	if !strings.HasPrefix(out.ID, "wamid.") {
		t.Fatalf("sim inbound: id %q", out.ID)
	}
	return out.ID
}

func (s simCtl) text(t testing.TB, phoneID, waID, name, body string) string {
	t.Helper()
	return s.inbound(t, phoneID, waID, name, "text", map[string]string{"body": body})
}

// read makes the customer read the whole chat.
func (s simCtl) read(t testing.TB, phoneID, waID string) {
	t.Helper()
	s.post(t, "/_sim/read", map[string]string{"phone_number_id": phoneID, "wa_id": waID}, nil)
}

type sentMessage struct {
	ID      string          `json:"id"`
	WaID    string          `json:"wa_id"`
	Type    string          `json:"type"`
	Request json.RawMessage `json:"request"`
	Status  string          `json:"status"`
}

// sent lists what the business sent to waID, oldest first.
func (s simCtl) sent(t testing.TB, phoneID, waID string) []sentMessage {
	t.Helper()
	code, b := call(t, "GET", s.base+"/_sim/sent?phone_number_id="+phoneID+"&to="+waID, "", nil)
	if code != http.StatusOK {
		t.Fatalf("sim sent: status %d: %s", code, b)
	}
	var out []sentMessage
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// decodes reports whether b is JSON that fits into v.
func decodes(b []byte, v any) bool { return json.Unmarshal(b, v) == nil }

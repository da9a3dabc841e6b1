package e2e

import (
	"net/http"
	"strings"
	"testing"
)

// sandboxPhoneID is the number a sandbox server connects to itself.
const sandboxPhoneID = "100000000000002"

// sandboxNumber waits until the sandbox number is connected and returns it.
func sandboxNumber(t testing.TB, a api) number {
	t.Helper()
	var n number
	ok := eventually(waitTimeout, func() bool {
		for _, x := range a.numbers(t) {
			if x.PhoneNumberID == sandboxPhoneID {
				n = x
				return true
			}
		}
		return false
	})
	if !ok || !n.Sandbox {
		t.Fatalf("sandbox number %s not connected: %+v", sandboxPhoneID, a.numbers(t))
	}
	return n
}

// TestSandboxRoundTrip runs a first-start sandbox server on SQLite with
// nothing configured and plays a whole conversation through the in-process
// simulator, with an API key made by the CLI beside the running server.
func TestSandboxRoundTrip(t *testing.T) {
	t.Parallel()
	env := sqliteEnv(t)
	srv := startServer(t, "serve", env...)
	if srv.Email == "" || srv.Password == "" {
		t.Errorf("a first sandbox start prints no login")
	}
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	sandboxNumber(t, a)
	sim := simCtl{base: srv.URL + "/sim"}
	sse := a.events(t, "sse")

	// Outside the window: refused with a remedy, nothing reaches Meta.
	const stranger = "447700900999"
	code, body := call(t, "POST", srv.URL+"/api/v1/messages", a.key, map[string]any{"to": "+" + stranger, "type": "text", "text": map[string]string{"body": "Unsolicited"}})
	var e apiError
	if code != http.StatusUnprocessableEntity || !decodes(body, &e) || e.Error.Code != "window_closed" || e.Error.Message == "" || e.Error.Remedy == "" {
		t.Errorf("send to a number that never wrote: %d %s, want 422 window_closed with message and remedy", code, body)
	}

	roundTrip{sim: sim, phoneID: sandboxPhoneID, inbox: a, inboxSSE: sse, reply: a, replySSE: sse}.run(t, "447700900123", "Ada Lovelace")

	// The reply's send job has run by now, so a queued send to the
	// stranger would have too.
	if got := sim.sent(t, sandboxPhoneID, stranger); len(got) != 0 {
		t.Errorf("the simulator got %d messages for a number outside the window: %+v", len(got), got)
	}
	for _, c := range a.conversations(t) {
		if c.Contact.WaID == stranger {
			t.Errorf("a refused send left a conversation behind: %+v", c)
		}
	}

	for _, path := range []string{"/healthz", "/readyz"} {
		if code, b := call(t, "GET", srv.URL+path, "", nil); code != http.StatusOK || strings.TrimSpace(string(b)) != "ok" {
			t.Errorf("%s: %d %q", path, code, b)
		}
	}
	if got := metric(t, srv.URL, "gohavi_sse_connections"); got != "1" {
		t.Errorf("gohavi_sse_connections = %q with one stream open", got)
	}

	t.Run("inbound types", func(t *testing.T) { inboundTypes(t, a, sse, sim) })
}

// inboundTypes sends one message of each non-text kind and checks each is
// stored with its type and a text an agent can read.
func inboundTypes(t *testing.T, a api, sse *stream, sim simCtl) {
	const waID = "447700900456"
	first := sim.text(t, sandboxPhoneID, waID, "Grace Hopper", "Here come the attachments")
	sse.message(t, "the first message", "message.created", func(m message) bool { return m.WAMID == first })
	cases := []struct {
		typ     string
		content any
		want    string // a part of the readable text
	}{
		{"image", map[string]any{"caption": "The broken part"}, "The broken part"},
		{"location", map[string]any{"latitude": 51.5014, "longitude": -0.1419, "name": "Buckingham Palace"}, "Buckingham Palace"},
		{"contacts", []any{map[string]any{"name": map[string]any{"formatted_name": "Alan Turing", "first_name": "Alan"}, "phones": []any{map[string]any{"phone": "+447700900777", "type": "CELL"}}}}, "Alan Turing"},
		{"interactive", map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "yes", "title": "Yes please"}}, "Yes please"},
		{"button", map[string]any{"text": "Stop promotions", "payload": "STOP"}, "Stop promotions"},
		{"reaction", map[string]any{"message_id": first, "emoji": "👍"}, "👍"},
		{"unsupported", map[string]any{}, "nsupported"},
	}
	wamids := map[string]string{}
	for _, c := range cases {
		wamids[c.typ] = sim.inbound(t, sandboxPhoneID, waID, "Grace Hopper", c.typ, c.content)
	}
	for _, c := range cases {
		m := sse.message(t, c.typ, "message.created", func(m message) bool { return m.WAMID == wamids[c.typ] })
		t.Logf("%s → %q", c.typ, m.Text)
		if m.Type != c.typ || m.Direction != "inbound" || !strings.Contains(m.Text, c.want) || strings.TrimSpace(m.Text) == "" {
			t.Errorf("%s over SSE: type %q text %q, want type %s and a text containing %q", c.typ, m.Type, m.Text, c.typ, c.want)
		}
	}
	// And they are stored: the API lists every one of them.
	conv := a.conversationWith(t, waID)
	stored := map[string]message{}
	for _, m := range a.messages(t, conv.ID) {
		stored[m.WAMID] = m
	}
	for _, c := range cases {
		m, ok := stored[wamids[c.typ]]
		if !ok || m.Type != c.typ || !strings.Contains(m.Text, c.want) {
			t.Errorf("%s stored as %+v (present %v), want its readable text", c.typ, m, ok)
		}
	}
}

// sandboxApp is a `gohavi serve` on SQLite in sandbox mode, with an API
// key, its sandbox number and the simulator's control API.
type sandboxApp struct {
	env []string
	srv *server
	a   api
	num number
	sim simCtl
}

// startSandbox starts a sandboxApp; extraEnv adds settings.
func startSandbox(t testing.TB, extraEnv ...string) sandboxApp {
	t.Helper()
	env := append(sqliteEnv(t), extraEnv...)
	srv := startServer(t, "serve", env...)
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	return sandboxApp{env: env, srv: srv, a: a, num: sandboxNumber(t, a), sim: simCtl{base: srv.URL + "/sim"}}
}

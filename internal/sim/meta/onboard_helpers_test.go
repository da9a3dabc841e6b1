package meta

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// newVerifyingReceiver is a webhook receiver that also answers Meta's
// verification handshake (§2.2) when hub.verify_token is token, and
// counts the handshakes it saw.
func newVerifyingReceiver(t *testing.T, token string) (*receiver, *handshakes) {
	rc := &receiver{t: t, entered: make(chan struct{})}
	hs := &handshakes{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet {
			rc.serve(w, r)
			return
		}
		q := r.URL.Query()
		hs.add(q)
		if q.Get("hub.mode") != "subscribe" || q.Get("hub.verify_token") != token {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		_, _ = io.WriteString(w, q.Get("hub.challenge"))
	}))
	t.Cleanup(rc.srv.Close)
	return rc, hs
}

type handshakes struct {
	mu   sync.Mutex
	seen []url.Values
}

func (h *handshakes) add(q url.Values) { h.mu.Lock(); h.seen = append(h.seen, q); h.mu.Unlock() }

func (h *handshakes) list() []url.Values {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]url.Values(nil), h.seen...)
}

// mgmt is one management change as received: its entry id, field, value.
type mgmt struct {
	entryID string
	time    float64
	field   string
	value   map[string]any
}

// changes lists the management changes of field received so far.
func (rc *receiver) changes(field string) []mgmt {
	var out []mgmt
	for _, p := range rc.acked() {
		for _, e := range p.body["entry"].([]any) {
			em := e.(map[string]any)
			tm, _ := em["time"].(float64)
			for _, c := range em["changes"].([]any) {
				cm := c.(map[string]any)
				if cm["field"] == field {
					out = append(out, mgmt{entryID: em["id"].(string), time: tm, field: field, value: cm["value"].(map[string]any)})
				}
			}
		}
	}
	return out
}

// control posts JSON to a control endpoint and fails the test on an error.
func (e *env) control(t *testing.T, path, body string) map[string]any {
	t.Helper()
	code, out := call(t, "POST", e.api.URL+path, "", body)
	if code != 200 {
		t.Fatalf("POST %s %s: %d %v", path, body, code, out)
	}
	return out
}

// signup plays a finished Embedded Signup popup.
func (e *env) signup(t *testing.T, body string) SignupResult {
	t.Helper()
	out := e.control(t, "/_sim/signup", body)
	b, _ := json.Marshal(out)
	var res SignupResult
	if err := json.Unmarshal(b, &res); err != nil {
		t.Fatal(err)
	}
	return res
}

// exchange trades a code for a business token, failing on an error.
func (e *env) exchange(t *testing.T, code string) string {
	t.Helper()
	q := url.Values{"client_id": {DefaultAppID}, "client_secret": {testSecret}, "code": {code}}
	status, out := call(t, "GET", e.api.URL+"/v24.0/oauth/access_token?"+q.Encode(), "", "")
	if status != 200 || out["token_type"] != "bearer" {
		t.Fatalf("exchange: %d %v", status, out)
	}
	return out["access_token"].(string)
}

// graph calls the Graph API on e with token.
func (e *env) graph(t *testing.T, method, path, token, body string) (int, map[string]any) {
	t.Helper()
	return call(t, method, e.api.URL+"/v24.0/"+strings.TrimPrefix(path, "/"), token, body)
}

// wantGraphError checks an error envelope's HTTP status and code.
func wantGraphError(t *testing.T, what string, status int, out map[string]any, wantHTTP, wantCode int) map[string]any {
	t.Helper()
	if status != wantHTTP || errCode(out) != wantCode {
		t.Fatalf("%s: got HTTP %d code %d, want %d/%d: %v", what, status, errCode(out), wantHTTP, wantCode, out)
	}
	inner := out["error"].(map[string]any)
	if inner["fbtrace_id"] == "" || inner["type"] == nil || inner["message"] == "" {
		t.Errorf("%s: incomplete envelope %v", what, inner)
	}
	return inner
}

// postForm posts a form-encoded body, the other way Graph takes parameters.
func postForm(t *testing.T, target string, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.Post(target, "application/x-www-form-urlencoded", strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

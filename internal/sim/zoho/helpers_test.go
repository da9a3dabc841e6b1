package zoho

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

const (
	testClientID     = "1000.CLIENTID"
	testClientSecret = "client-secret"
	testRedirect     = "https://app.example.com/integrations/zoho/callback"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is a simulator behind a real HTTP server with a fake clock.
type env struct {
	t     *testing.T
	sim   *Server
	srv   *httptest.Server
	clock *fakeClock
}

func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, clock: newFakeClock()}
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	if cfg.ClientID == "" {
		cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
	}
	e.sim = New(cfg)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(func() { e.srv.Close(); e.sim.Close() })
	return e
}

// form POSTs a form to the accounts server.
func (e *env) form(path string, v url.Values) (int, map[string]any) {
	e.t.Helper()
	resp, err := http.PostForm(e.srv.URL+path, v)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

// tokens exchanges a fresh grant for an access and a refresh token.
func (e *env) tokens() (access, refresh string) {
	e.t.Helper()
	code := e.sim.IssueGrant(testRedirect)
	st, out := e.form("/oauth/v2/token", url.Values{"grant_type": {"authorization_code"}, "client_id": {testClientID},
		"client_secret": {testClientSecret}, "redirect_uri": {testRedirect}, "code": {code}})
	if st != 200 || out["access_token"] == nil {
		e.t.Fatalf("exchange: %d %v", st, out)
	}
	return out["access_token"].(string), out["refresh_token"].(string)
}

func (e *env) token() string { a, _ := e.tokens(); return a }

type answer struct {
	status int
	raw    []byte
	body   map[string]any
}

// item is data[i] (or watch[i]) of a per-item answer.
func (a answer) item(i int) map[string]any {
	for _, k := range []string{"data", "watch"} {
		if list, ok := a.body[k].([]any); ok && i < len(list) {
			return list[i].(map[string]any)
		}
	}
	return nil
}

func (a answer) details(i int) map[string]any {
	d, _ := a.item(i)["details"].(map[string]any)
	return d
}

// call makes a CRM API call; body is JSON-encoded unless it is a string.
func (e *env) call(tok, method, path string, body any) answer {
	e.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		j, _ := json.Marshal(b)
		rd = bytes.NewReader(j)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if tok != "" {
		req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode}
	a.raw, _ = io.ReadAll(resp.Body)
	_ = json.Unmarshal(a.raw, &a.body)
	return a
}

func data(items ...map[string]any) map[string]any {
	list := make([]any, len(items))
	for i, it := range items {
		list[i] = it
	}
	return map[string]any{"data": list}
}

// receiver is a notify_url that records callbacks.
type receiver struct {
	srv    *httptest.Server
	mu     sync.Mutex
	bodies []map[string]any
	status func(n int) int // answer for the n-th POST; nil → 200
	got    chan struct{}
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{got: make(chan struct{}, 100)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var b map[string]any
		_ = json.NewDecoder(r.Body).Decode(&b)
		rc.mu.Lock()
		n := len(rc.bodies)
		rc.bodies = append(rc.bodies, b)
		st := 200
		if rc.status != nil {
			st = rc.status(n)
		}
		rc.mu.Unlock()
		w.WriteHeader(st)
		rc.got <- struct{}{}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

// wait blocks until n POSTs have arrived.
func (rc *receiver) wait(t *testing.T, n int) []map[string]any {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		rc.mu.Lock()
		if len(rc.bodies) >= n {
			out := append([]map[string]any(nil), rc.bodies...)
			rc.mu.Unlock()
			return out
		}
		rc.mu.Unlock()
		select {
		case <-rc.got:
		case <-deadline:
			t.Fatalf("waited for %d callbacks, got %d", n, len(rc.bodies))
		}
	}
}

func (rc *receiver) count() int { rc.mu.Lock(); defer rc.mu.Unlock(); return len(rc.bodies) }

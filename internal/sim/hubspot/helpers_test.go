package hubspot

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

const testToken = "pat-na1-11111111-2222-3333-4444-555555555555"

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Date(2026, 3, 2, 15, 0, 0, 0, time.UTC)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     *testing.T
	sim   *Server
	srv   *httptest.Server
	clock *fakeClock
}

// newEnv starts a simulator on a fake clock with a private-app token.
// cfg.Now is set unless the test brought its own.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, clock: newFakeClock()}
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	e.sim = New(cfg)
	e.sim.AddPrivateAppToken(testToken)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(func() { e.srv.Close(); e.sim.Close() })
	return e
}

type resp struct {
	status int
	header http.Header
	raw    []byte
	body   map[string]any
}

func (r resp) str(key string) string {
	s, _ := r.body[key].(string)
	return s
}

// call makes an API call with token ("" for none) and a JSON body.
func (e *env) call(method, path, token string, body any) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.srv.URL+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	return e.do(req)
}

func (e *env) do(req *http.Request) resp {
	e.t.Helper()
	res, err := noRedirect.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	r := resp{status: res.StatusCode, header: res.Header, raw: raw}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// form posts a form body (the OAuth token endpoint).
func (e *env) form(path string, v url.Values) resp {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return e.do(req)
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

func (e *env) want(r resp, status int) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
}

// search runs a contacts search for one EQ filter.
func (e *env) search(prop, value string) resp {
	e.t.Helper()
	return e.call("POST", "/crm/v3/objects/contacts/search", testToken, map[string]any{
		"filterGroups": []any{map[string]any{"filters": []any{map[string]any{"propertyName": prop, "operator": "EQ", "value": value}}}},
		"properties":   []string{"phone", "email"},
	})
}

func total(r resp) int {
	n, _ := r.body["total"].(float64)
	return int(n)
}

func results(r resp) []map[string]any {
	list, _ := r.body["results"].([]any)
	var out []map[string]any
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, m)
	}
	return out
}

func props(o map[string]any) map[string]any {
	p, _ := o["properties"].(map[string]any)
	return p
}

// waitFor polls cond for up to 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

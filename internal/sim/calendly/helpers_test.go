package simcalendly

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

type env struct {
	t     *testing.T
	sim   *Server
	srv   *httptest.Server
	clock *fakeClock
	user  User // the default user
}

// newEnv starts a simulator whose BaseURL is its own address, on a fake
// clock unless cfg brings its own, with fast retries unless set.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	e := &env{t: t, clock: &fakeClock{t: time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)}}
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RetryDelays == nil {
		cfg.RetryDelays = []time.Duration{time.Millisecond, 2 * time.Millisecond, 4 * time.Millisecond}
	}
	var h http.Handler
	e.srv = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { h.ServeHTTP(w, r) }))
	cfg.BaseURL = "http://" + e.srv.Listener.Addr().String()
	e.sim = New(cfg)
	h = e.sim
	e.srv.Start()
	e.user = e.sim.DefaultUser()
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

// res is the {"resource":…} of an answer.
func (r resp) res() map[string]any {
	m, _ := r.body["resource"].(map[string]any)
	return m
}

// coll is the {"collection":[…]} of an answer.
func (r resp) coll() []map[string]any {
	list, _ := r.body["collection"].([]any)
	out := []map[string]any{}
	for _, x := range list {
		m, _ := x.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (r resp) pagination() map[string]any {
	m, _ := r.body["pagination"].(map[string]any)
	return m
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call makes a request with a bearer token ("" for none) and a JSON body.
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
	if !strings.HasPrefix(path, "http") {
		path = e.srv.URL + path
	}
	req, err := http.NewRequest(method, path, rd)
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

// form posts a form body, with HTTP Basic client auth when user is set.
func (e *env) form(path string, v url.Values, user, pass string) resp {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+path, strings.NewReader(v.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if user != "" {
		req.SetBasicAuth(user, pass)
	}
	return e.do(req)
}

func (e *env) want(r resp, status int) {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d: %s", r.status, status, r.raw)
	}
}

// subscribe creates a user-scope subscription for the default user.
func (e *env) subscribe(token, hookURL string, extra map[string]any) map[string]any {
	e.t.Helper()
	body := map[string]any{
		"url": hookURL, "events": []string{"invitee.created", "invitee.canceled", "invitee_no_show.created"},
		"organization": e.user.OrganizationURI, "user": e.user.URI, "scope": "user",
	}
	for k, v := range extra {
		body[k] = v
	}
	r := e.call("POST", "/webhook_subscriptions", token, body)
	e.want(r, http.StatusCreated)
	return r.res()
}

func (e *env) book(b Booking) Invitee {
	e.t.Helper()
	if b.Name == "" {
		b.Name, b.Email = "Ana Silva", "ana@example.com"
	}
	if b.StartTime.IsZero() {
		b.StartTime = time.Date(2026, 1, 8, 14, 0, 0, 0, time.UTC)
	}
	inv, err := e.sim.Book(context.Background(), b)
	if err != nil {
		e.t.Fatal(err)
	}
	return inv
}

func (e *env) flush() {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.sim.Flush(ctx); err != nil {
		e.t.Fatal("flush:", err)
	}
}

// hook is one POST a receiver got.
type hook struct {
	path string
	sig  string
	ct   string
	raw  []byte
	body map[string]any
}

func (h hook) event() string { s, _ := h.body["event"].(string); return s }

func (h hook) payload() map[string]any { m, _ := h.body["payload"].(map[string]any); return m }

// receiver is a webhook endpoint that answers fail first, then 200.
type receiver struct {
	mu   sync.Mutex
	got  []hook
	fail int // POSTs left to answer 500; <0 = always
	srv  *httptest.Server
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		h := hook{path: r.URL.Path, sig: r.Header.Get("Calendly-Webhook-Signature"), ct: r.Header.Get("Content-Type"), raw: raw}
		_ = json.Unmarshal(raw, &h.body)
		rc.mu.Lock()
		rc.got = append(rc.got, h)
		failing := rc.fail != 0
		if rc.fail > 0 {
			rc.fail--
		}
		rc.mu.Unlock()
		if failing {
			http.Error(w, "down", http.StatusInternalServerError)
		}
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) setFail(n int) { rc.mu.Lock(); rc.fail = n; rc.mu.Unlock() }

func (rc *receiver) hooks() []hook {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	return append([]hook(nil), rc.got...)
}

func str(m map[string]any, key string) string { s, _ := m[key].(string); return s }

func obj(m map[string]any, key string) map[string]any { o, _ := m[key].(map[string]any); return o }

func contextWithTimeout(d time.Duration) (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), d)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }

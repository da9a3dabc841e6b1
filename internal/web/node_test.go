package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/app"
	"github.com/gohavi/gohavi/internal/config"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Fixed credentials of every test node.
const (
	appSecret     = "test-app-secret"
	verifyToken   = "test-verify-token"
	ownerEmail    = "owner@example.com"
	ownerPassword = "owner-password-1"
	sandboxPhone  = "100000000000002" // app's sandbox number, connected to "default"
)

// node is a real GoHavi server running in-process on one engine, in sandbox
// mode with a known app secret so tests can sign webhooks themselves.
type node struct {
	*app.Server
	client *http.Client // does not follow redirects
	logs   *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startNode opens a fresh database of engine, starts a server on it and
// waits until the sandbox number is connected to workspace "default".
func startNode(t *testing.T, engine store.Dialect) *node {
	t.Helper()
	env := map[string]string{
		"GOHAVI_ADDR":              "127.0.0.1:0",
		"GOHAVI_DATA_DIR":          filepath.Join(t.TempDir(), "data"),
		"GOHAVI_SECRET_KEY":        secret.GenerateKey(),
		"GOHAVI_ADMIN_EMAIL":       ownerEmail,
		"GOHAVI_ADMIN_PASSWORD":    ownerPassword,
		"GOHAVI_META_APP_SECRET":   appSecret,
		"GOHAVI_META_VERIFY_TOKEN": verifyToken,
		"GOHAVI_SANDBOX":           "true",
	}
	if engine == store.Postgres {
		env["GOHAVI_DATABASE_URL"] = storetest.NewSchema(t)
	}
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	logs := &syncBuffer{}
	logger := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithCancel(context.Background())
	b, err := app.Open(ctx, cfg, logger)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	s, err := app.NewServer(ctx, b)
	if err != nil {
		cancel()
		b.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	n := &node{Server: s, logs: logs, client: &http.Client{
		Timeout:       20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30s")
		}
		b.Close()
		if t.Failed() {
			t.Logf("server log (warn and above):\n%s", logs.String())
		}
	})
	eventually(t, 10*time.Second, "sandbox number connected", func() bool {
		_, err := b.DB.NumberByPhoneNumberID(ctx, sandboxPhone)
		return err == nil
	})
	return n
}

// parallelEngines runs fn on SQLite and PostgreSQL, in parallel.
func parallelEngines(t *testing.T, fn func(t *testing.T, n *node)) {
	t.Parallel()
	storetest.Engines(t, func(t *testing.T, e store.Dialect) {
		t.Parallel()
		fn(t, startNode(t, e))
	})
}

// eventually polls cond until it holds or the deadline passes.
func eventually(t testing.TB, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	tick := time.NewTicker(15 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for: %s", within, what)
		}
		<-tick.C
	}
}

// apiKey creates an API key for workspace slug (created if missing).
func (n *node) apiKey(t testing.TB, slug string) string {
	t.Helper()
	ctx := context.Background()
	if _, err := n.EnsureWorkspace(ctx, slug); err != nil {
		t.Fatal(err)
	}
	key, _, err := n.CreateAPIKey(ctx, slug, "test "+slug)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

type opt func(*http.Request)

func bearer(key string) opt {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+key) }
}

func withCookie(c *http.Cookie) opt { return func(r *http.Request) { r.AddCookie(c) } }

func withHeader(k, v string) opt { return func(r *http.Request) { r.Header.Set(k, v) } }

type resp struct {
	Status int
	Header http.Header
	Body   []byte
	Cookie []*http.Cookie
}

// call sends a request; body may be nil, a string or []byte (sent as is),
// url.Values (a form) or anything else (sent as JSON).
func (n *node) call(t testing.TB, method, path string, body any, opts ...opt) resp {
	t.Helper()
	var rd io.Reader
	ctype := ""
	switch b := body.(type) {
	case nil:
	case string:
		rd, ctype = strings.NewReader(b), "application/json"
	case []byte:
		rd, ctype = bytes.NewReader(b), "application/json"
	case url.Values:
		rd, ctype = strings.NewReader(b.Encode()), "application/x-www-form-urlencoded"
	default:
		data, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd, ctype = bytes.NewReader(data), "application/json"
	}
	req, err := http.NewRequest(method, n.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	for _, o := range opts {
		o(req)
	}
	res, err := n.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	data, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatalf("%s %s: reading body: %v", method, path, err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: data, Cookie: res.Cookies()}
}

// decode unmarshals a JSON response into v.
func (r resp) decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("response is not JSON (%v): %s", err, r.Body)
	}
}

type apiError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

// wantError checks the status and the stable error shape and returns it.
func (r resp) wantError(t testing.TB, status int, code domain.Code) apiError {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want JSON; body %s", ct, r.Body)
	}
	var body struct {
		Error *apiError `json:"error"`
	}
	r.decode(t, &body)
	if body.Error == nil || body.Error.Code != string(code) || body.Error.Message == "" {
		t.Fatalf("error body %s, want code %q with a message", r.Body, code)
	}
	return *body.Error
}

// want checks the status and decodes the body into v (if not nil).
func (r resp) want(t testing.TB, status int, v any) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body %s", r.Status, status, r.Body)
	}
	if v != nil {
		r.decode(t, v)
	}
}

// postWebhook delivers body to the webhook endpoint signed with secret ("" sends no signature).
func (n *node) postWebhook(t testing.TB, secret string, body []byte) resp {
	t.Helper()
	var opts []opt
	if secret != "" {
		opts = append(opts, withHeader(whatsapp.SignatureHeader, whatsapp.Sign(secret, body)))
	}
	return n.call(t, http.MethodPost, "/webhooks/whatsapp", body, opts...)
}

// webhookCounts returns stored and unapplied webhook events.
func (n *node) webhookCounts(t testing.TB) (total, unapplied int64) {
	t.Helper()
	total, unapplied, err := n.DB.CountWebhookEvents(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return total, unapplied
}

// settle waits until every stored webhook event has been applied.
func (n *node) settle(t testing.TB) {
	t.Helper()
	eventually(t, 10*time.Second, "stored webhooks applied", func() bool {
		_, unapplied := n.webhookCounts(t)
		return unapplied == 0
	})
}

package zoho

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	zohosim "github.com/gohavi/gohavi/internal/sim/zoho"
)

const (
	testClientID     = "1000.TESTCLIENT"
	testClientSecret = "test-secret"
	testRedirect     = "https://gohavi.example.com/integrations/zoho/callback"
)

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// env is the simulator behind a real HTTP server, and the OAuth client
// pointed at it.
type env struct {
	t     *testing.T
	sim   *zohosim.Server
	srv   *httptest.Server
	clock *fakeClock
	oauth OAuth
}

func newEnv(t *testing.T, cfg zohosim.Config) *env {
	t.Helper()
	e := &env{t: t, clock: &fakeClock{t: time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)}}
	cfg.ClientID, cfg.ClientSecret = testClientID, testClientSecret
	if cfg.Now == nil {
		cfg.Now = e.clock.Now
	}
	e.sim = zohosim.New(cfg)
	e.srv = httptest.NewServer(e.sim)
	t.Cleanup(func() { e.srv.Close(); e.sim.Close() })
	e.oauth = OAuth{AccountsURL: e.srv.URL, ClientID: testClientID, ClientSecret: testClientSecret}
	return e
}

// tokenSource is a minimal crm.TokenSource over OAuth.Refresh, counting
// invalidations so tests see the client's single retry.
type tokenSource struct {
	mu          sync.Mutex
	oauth       OAuth
	cur         crm.Tokens
	invalidated int
}

func (s *tokenSource) Token(ctx context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cur.AccessToken, nil
}

func (s *tokenSource) Invalidate(ctx context.Context, rejected string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated++
	if rejected != s.cur.AccessToken {
		return nil // someone refreshed already
	}
	nt, err := s.oauth.Refresh(ctx, s.cur)
	if err != nil {
		return err
	}
	s.cur = nt
	return nil
}

func (e *env) tokens() crm.Tokens {
	e.t.Helper()
	t, err := e.oauth.Exchange(context.Background(), "", e.sim.IssueGrant(testRedirect), testRedirect)
	if err != nil {
		e.t.Fatal(err)
	}
	return t
}

func (e *env) client(cfg Config) (*Client, *tokenSource) {
	e.t.Helper()
	ts := &tokenSource{oauth: e.oauth, cur: e.tokens()}
	return New(cfg, ts, ts.cur.APIDomain), ts
}

func kindOf(t *testing.T, err error, want crm.Kind) *crm.Error {
	t.Helper()
	if crm.KindOf(err) != want || err == nil {
		t.Fatalf("want a %s error, got %v", want, err)
	}
	e, _ := err.(*crm.Error)
	return e
}

// receiver is a notify_url recording callback bodies.
type receiver struct {
	srv    *httptest.Server
	bodies chan []byte
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{bodies: make(chan []byte, 10)}
	rc.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var raw json.RawMessage
		_ = json.NewDecoder(r.Body).Decode(&raw)
		rc.bodies <- raw
	}))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) next(t *testing.T) []byte {
	t.Helper()
	select {
	case b := <-rc.bodies:
		return b
	case <-time.After(5 * time.Second):
		t.Fatal("no callback")
	}
	return nil
}

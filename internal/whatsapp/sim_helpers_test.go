package whatsapp

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	meta "github.com/gohavi/gohavi/internal/sim/meta"
)

const (
	simSecret = "sim-app-secret"
	simToken  = "EAAG-sim-token"
	simWABA   = "102290129340398"
	simPhone  = "106540352242922"
)

// hookSink is a webhook receiver that checks signatures and parses every
// POST with Parse, the way the product does.
type hookSink struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	changes []Change
	entries []Entry
	notify  chan struct{}
}

func newHookSink(t *testing.T) *hookSink {
	h := &hookSink{t: t, notify: make(chan struct{}, 1)}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			return
		}
		if !VerifySignature(simSecret, body, r.Header.Get(SignatureHeader)) {
			t.Errorf("webhook with bad signature: %s", body)
			w.WriteHeader(http.StatusForbidden)
			return
		}
		p, err := Parse(body)
		if err != nil {
			t.Errorf("Parse: %v", err)
		}
		h.mu.Lock()
		for _, e := range p.Entry {
			for _, c := range e.Changes {
				h.changes = append(h.changes, c)
				h.entries = append(h.entries, e)
			}
		}
		h.mu.Unlock()
		select {
		case h.notify <- struct{}{}:
		default:
		}
	}))
	t.Cleanup(h.srv.Close)
	return h
}

// wait returns the first change (and its entry) with kind field for which
// match holds, failing the test after 5 s.
func (h *hookSink) wait(field string, match func(Change) bool) (Change, Entry) {
	h.t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		h.mu.Lock()
		for i, c := range h.changes {
			if c.Kind() == field && (match == nil || match(c)) {
				e := h.entries[i]
				h.mu.Unlock()
				return c, e
			}
		}
		h.mu.Unlock()
		select {
		case <-h.notify:
		case <-time.After(50 * time.Millisecond):
		case <-deadline:
			h.t.Fatalf("no %s webhook arrived", field)
			return Change{}, Entry{}
		}
	}
}

// simEnv is the real simulator behind an httptest server, with one number.
type simEnv struct {
	sim    *meta.Server
	srv    *httptest.Server
	client *Client
	hooks  *hookSink
}

func newSimEnv(t *testing.T, cfg meta.Config) *simEnv {
	t.Helper()
	env := &simEnv{hooks: newHookSink(t)}
	cfg.AppSecret = simSecret
	cfg.WebhookURL = env.hooks.srv.URL
	if cfg.TemplateReviewAfter == 0 {
		cfg.TemplateReviewAfter = -1
	}
	env.sim = meta.New(cfg)
	t.Cleanup(env.sim.Close)
	env.srv = httptest.NewServer(env.sim.Handler())
	t.Cleanup(env.srv.Close)
	env.sim.AddNumber(meta.NumberSpec{WABAID: simWABA, PhoneNumberID: simPhone,
		DisplayPhoneNumber: "15550783881", VerifiedName: "Lucky Shrub", AccessToken: simToken})
	env.client = NewClient(env.srv.URL, "v24.0", env.srv.Client())
	return env
}

// control posts a simulator control call and fails on a non-200 answer.
func (env *simEnv) control(t *testing.T, path, body string) {
	t.Helper()
	resp, err := env.srv.Client().Post(env.srv.URL+path, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("%s: HTTP %d %s", path, resp.StatusCode, b)
	}
}

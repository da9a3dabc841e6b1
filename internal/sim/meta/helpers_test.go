package meta

import (
	"bytes"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
)

const testSecret = "app-secret-for-tests"

type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Unix(1_750_000_000, 0)} }

func (c *fakeClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

// received is one webhook POST as the test receiver saw it.
type received struct {
	raw    []byte
	header http.Header
	body   map[string]any
}

// receiver is a webhook endpoint that checks signatures with its own HMAC,
// the way the product must.
type receiver struct {
	t   *testing.T
	srv *httptest.Server

	mu      sync.Mutex
	posts   []received
	status  func(n int) int // response status for the n-th POST (0-based); nil → 200
	gate    chan struct{}   // when set, the first POST waits for it to close
	entered chan struct{}   // closed when the first POST arrives
	once    sync.Once
}

func newReceiver(t *testing.T) *receiver {
	rc := &receiver{t: t, entered: make(chan struct{})}
	rc.srv = httptest.NewServer(http.HandlerFunc(rc.serve))
	t.Cleanup(rc.srv.Close)
	return rc
}

func (rc *receiver) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return // the simulator closed mid-request
	}
	mac := hmac.New(sha256.New, []byte(testSecret))
	mac.Write(raw)
	if got, want := r.Header.Get("X-Hub-Signature-256"), "sha256="+hex.EncodeToString(mac.Sum(nil)); got != want {
		rc.t.Errorf("bad signature: got %q want %q", got, want)
		w.WriteHeader(http.StatusForbidden)
		return
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		rc.t.Errorf("webhook body is not JSON: %v", err)
	}
	rc.mu.Lock()
	n := len(rc.posts)
	gate, status := rc.gate, rc.status
	rc.mu.Unlock()
	if n == 0 {
		rc.once.Do(func() { close(rc.entered) })
		if gate != nil {
			<-gate
		}
	}
	code := http.StatusOK
	if status != nil {
		code = status(n)
	}
	rc.mu.Lock()
	if code == http.StatusOK {
		rc.posts = append(rc.posts, received{raw: raw, header: r.Header.Clone(), body: body})
	} else {
		rc.posts = append(rc.posts, received{}) // counts the attempt; body checked only on success
	}
	rc.mu.Unlock()
	w.WriteHeader(code)
}

func (rc *receiver) acked() []received {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	var out []received
	for _, p := range rc.posts {
		if p.raw != nil {
			out = append(out, p)
		}
	}
	return out
}

// values flattens entry[].changes[].value of every acknowledged POST.
func (rc *receiver) values() []map[string]any {
	var out []map[string]any
	for _, p := range rc.acked() {
		for _, e := range p.body["entry"].([]any) {
			for _, c := range e.(map[string]any)["changes"].([]any) {
				out = append(out, c.(map[string]any)["value"].(map[string]any))
			}
		}
	}
	return out
}

func (rc *receiver) list(key string) []map[string]any {
	var out []map[string]any
	for _, v := range rc.values() {
		items, _ := v[key].([]any)
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
	}
	return out
}

func (rc *receiver) statusesOf(wamid string) []map[string]any {
	var out []map[string]any
	for _, s := range rc.list("statuses") {
		if s["id"] == wamid {
			out = append(out, s)
		}
	}
	return out
}

func statusNames(st []map[string]any) string {
	var names []string
	for _, s := range st {
		names = append(names, s["status"].(string))
	}
	return strings.Join(names, ",")
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	// Generous: under the race detector on a loaded 2-core machine a
	// webhook can take seconds; a passing wait returns at once anyway.
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

type env struct {
	sim *Server
	api *httptest.Server
	rc  *receiver
	num Number
}

func quiet() *slog.Logger { return slog.New(slog.DiscardHandler) }

// newEnv starts a simulator with fast timers, a receiver and one number.
func newEnv(t *testing.T, cfg Config) *env {
	t.Helper()
	rc := newReceiver(t)
	cfg.AppSecret = testSecret
	if cfg.WebhookURL == "" {
		cfg.WebhookURL = rc.srv.URL
	}
	if cfg.DeliveredAfter == 0 {
		cfg.DeliveredAfter = 5 * time.Millisecond
	}
	if cfg.ReadAfter == 0 {
		cfg.ReadAfter = 5 * time.Millisecond
	}
	if cfg.RetryInitial == 0 {
		cfg.RetryInitial = 5 * time.Millisecond
	}
	cfg.Logger = quiet()
	sim := New(cfg)
	api := httptest.NewServer(sim.Handler())
	t.Cleanup(func() { api.Close(); sim.Close() })
	num := sim.AddNumber(NumberSpec{PhoneNumberID: "106540352242922", DisplayPhoneNumber: "15550783881", VerifiedName: "Lucky Shrub"})
	return &env{sim: sim, api: api, rc: rc, num: num}
}

// call makes an HTTP request and decodes the JSON answer.
func call(t *testing.T, method, url, token, body string) (int, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, url, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(bytes.TrimSpace(raw)) > 0 && raw[0] == '{' {
		if err := json.Unmarshal(raw, &out); err != nil {
			t.Fatalf("answer is not JSON: %v: %s", err, raw)
		}
	}
	return resp.StatusCode, out
}

func (e *env) send(t *testing.T, body string) (int, map[string]any) {
	t.Helper()
	return call(t, "POST", e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"/messages", e.num.AccessToken, body)
}

// sendOK sends and returns the wamid, failing the test on anything but 200.
func (e *env) sendOK(t *testing.T, body string) string {
	t.Helper()
	code, out := e.send(t, body)
	if code != 200 {
		t.Fatalf("send: %d %v", code, out)
	}
	return out["messages"].([]any)[0].(map[string]any)["id"].(string)
}

func (e *env) inject(t *testing.T, in Inbound) string {
	t.Helper()
	if in.PhoneNumberID == "" {
		in.PhoneNumberID = e.num.PhoneNumberID
	}
	id, err := e.sim.Inject(t.Context(), in)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func textTo(to, body string) string {
	b, _ := json.Marshal(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "text", "text": map[string]string{"body": body}})
	return string(b)
}

func errCode(out map[string]any) int {
	e, _ := out["error"].(map[string]any)
	c, _ := e["code"].(float64)
	return int(c)
}

func errDetails(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	d, _ := e["error_data"].(map[string]any)
	s, _ := d["details"].(string)
	return s
}

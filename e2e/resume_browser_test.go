package e2e

import (
	"context"
	"fmt"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// TestSSEResumeInBrowser: the inbox, behind a proxy, loses its realtime
// stream three ways while a customer keeps writing, and catches up each
// time without a page reload:
//   - the stream drops (a proxy timeout, a flaky network): EventSource
//     reconnects by itself with Last-Event-ID and is replayed the message,
//     without reloading the conversation list;
//   - the proxy turns the reconnect away, so EventSource gives up: the page
//     opens a new one with ?last_event_id= and is replayed the message;
//   - the node restarts (a deploy): the new process no longer has the
//     events, says resync, and the page reloads its list.
func TestSSEResumeInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	env := sqliteEnv(t)
	srv := startServer(t, "serve", env...)
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	sandboxNumber(t, a)
	proxy := newCutProxy(t, srv.URL)

	owner := newTab(t, browser, "owner")
	owner.login(proxy.URL, srv.Email, srv.Password)
	const ada, adaWaID = "Ada Lovelace", "447700900101"
	sim := simCtl{base: srv.URL + "/sim"}
	write := func(text string) {
		t.Helper()
		sim.text(t, sandboxPhoneID, adaWaID, ada, text)
		stored := func() bool {
			for _, c := range a.conversations(t) {
				if c.Contact.WaID == adaWaID && c.LastMessageText == text {
					return true
				}
			}
			return false
		}
		if !eventually(waitTimeout, stored) {
			t.Fatalf("the node did not store %q", text)
		}
	}
	shows := func(what, text string) {
		t.Helper()
		owner.until(what, fmt.Sprintf(`(li => !!li && li.querySelector(".conv-preview").textContent === %s)(%s) &&
			document.querySelector("#live-status").dataset.state === "live" && window.e2eNoReload === true`, js(text), convItem(ada)))
	}
	write("first")
	shows("the first message, live", "first")

	// 1. The stream drops; the browser's own reconnect is held until the
	// customer has written again.
	held := proxy.hold()
	proxy.cut()
	again := proxy.nextStream(t, held)
	if _, err := strconv.ParseInt(again.Header.Get("Last-Event-ID"), 10, 64); err != nil {
		t.Fatalf("EventSource reconnected without a numeric Last-Event-ID: %q", again.Header.Get("Last-Event-ID"))
	}
	write("second")
	lists := proxy.listLoads()
	proxy.release()
	shows("the second message, replayed", "second")
	if n := proxy.listLoads(); n != lists {
		t.Errorf("the inbox reloaded its list %d times to catch up; the replay should have been enough", n-lists)
	}

	// 2. The reconnect is turned away: EventSource gives up, and the page
	// opens a new one that names the last id in its URL.
	held = proxy.hold()
	proxy.refuseNext()
	proxy.cut()
	var fresh *http.Request
	for fresh == nil || fresh.URL.Query().Get("last_event_id") == "" {
		fresh = proxy.nextStream(t, held)
		held++
	}
	if _, err := strconv.ParseInt(fresh.URL.Query().Get("last_event_id"), 10, 64); err != nil {
		t.Fatalf("the page reconnected with last_event_id %q", fresh.URL.Query().Get("last_event_id"))
	}
	write("third")
	proxy.release()
	shows("the third message, replayed", "third")

	// 3. The node restarts while the browser is away; the new process has
	// none of the old events, so the page is told to reload.
	held = proxy.hold()
	srv.stop()
	proxy.cut()
	srv = startServer(t, "serve again", env...)
	a.base, sim.base = srv.URL, srv.URL+"/sim"
	proxy.setUpstream(srv.URL)
	write("fourth")
	lists = proxy.listLoads()
	proxy.release()
	shows("the fourth message, after a resync", "fourth")
	if proxy.listLoads() == lists {
		t.Error("after a restart the inbox caught up without reloading its list: it cannot have had those events")
	}
	owner.noExceptions()
}

// cutProxy is a reverse proxy in front of a node that can drop the realtime
// streams passing through it, turn the next one away, or hold new ones.
type cutProxy struct {
	*httptest.Server
	t *testing.T

	mu       sync.Mutex
	upstream *httputil.ReverseProxy
	streams  map[*http.Request]context.CancelFunc
	seen     []*http.Request // every stream request, in arrival order
	arrived  chan struct{}   // closed and replaced on each arrival
	gate     chan struct{}   // while non-nil, stream requests wait for it to close
	refuse   bool
	lists    int // GET /api/v1/conversations: the inbox reloading its list
}

func newCutProxy(t *testing.T, upstream string) *cutProxy {
	p := &cutProxy{t: t, streams: map[*http.Request]context.CancelFunc{}, arrived: make(chan struct{})}
	p.setUpstream(upstream)
	p.Server = httptest.NewServer(http.HandlerFunc(p.serve))
	t.Cleanup(func() {
		p.release()
		p.cut()
		p.Close()
	})
	return p
}

func (p *cutProxy) setUpstream(raw string) {
	u, err := url.Parse(raw)
	if err != nil {
		p.t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	rp.ErrorLog = log.New(io.Discard, "", 0) // cut streams are expected
	p.mu.Lock()
	p.upstream = rp
	p.mu.Unlock()
}

func (p *cutProxy) serve(w http.ResponseWriter, r *http.Request) {
	p.mu.Lock()
	upstream := p.upstream
	if r.Method == http.MethodGet && r.URL.Path == "/api/v1/conversations" {
		p.lists++
	}
	if r.URL.Path != "/api/v1/events" {
		p.mu.Unlock()
		upstream.ServeHTTP(w, r)
		return
	}
	p.seen = append(p.seen, r)
	close(p.arrived)
	p.arrived = make(chan struct{})
	gate, refuse := p.gate, p.refuse
	p.refuse = false
	p.mu.Unlock()
	if refuse {
		http.Error(w, "upstream unavailable", http.StatusBadGateway)
		return
	}
	if gate != nil {
		select {
		case <-gate:
		case <-r.Context().Done():
			return
		}
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	p.mu.Lock()
	p.streams[r] = cancel
	upstream = p.upstream
	p.mu.Unlock()
	defer func() {
		p.mu.Lock()
		delete(p.streams, r)
		p.mu.Unlock()
	}()
	upstream.ServeHTTP(w, r.WithContext(ctx))
}

// hold makes new stream requests wait until release; it returns how many
// stream requests arrived so far, for nextStream.
func (p *cutProxy) hold() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.gate = make(chan struct{})
	return len(p.seen)
}

func (p *cutProxy) release() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.gate != nil {
		close(p.gate)
		p.gate = nil
	}
}

// cut ends every stream in flight, as an idle timeout or a dropped
// connection would.
func (p *cutProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, cancel := range p.streams {
		cancel()
	}
}

func (p *cutProxy) refuseNext() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.refuse = true
}

// nextStream waits for stream request number n (0-based) and returns it.
func (p *cutProxy) nextStream(t *testing.T, n int) *http.Request {
	t.Helper()
	deadline := time.After(waitTimeout)
	for {
		p.mu.Lock()
		seen, arrived := p.seen, p.arrived
		p.mu.Unlock()
		if len(seen) > n {
			return seen[n]
		}
		select {
		case <-arrived:
		case <-deadline:
			t.Fatalf("no stream request #%d reached the proxy", n+1)
		}
	}
}

func (p *cutProxy) listLoads() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lists
}

package web_test

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// esClient reads GET /api/v1/events the way a browser's EventSource does:
// it keeps the last event id buffer (set by every id: line, also on blocks
// without data, which are not dispatched) and records dispatched events
// with the id they carried.
type esClient struct {
	mu      sync.Mutex
	events  []sseEvent
	cursor  string
	ended   bool
	changed chan struct{}
	cancel  context.CancelFunc
	done    chan struct{}
}

// resumeOpt says how a client presents the id it resumes from.
type resumeOpt func(*http.Request, string)

func viaHeader(r *http.Request, id string) { r.Header.Set("Last-Event-ID", id) }
func viaQuery(r *http.Request, id string)  { r.URL.RawQuery = "last_event_id=" + id }

// stream opens the events stream, resuming after id unless it is empty,
// and returns once the server has subscribed it.
func (n *node) stream(t *testing.T, o opt, id string, how resumeOpt) *esClient {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, n.URL+"/api/v1/events", nil)
	o(req)
	if id != "" {
		how(req, id)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK || res.Header.Get("X-Accel-Buffering") != "no" {
		cancel()
		res.Body.Close()
		t.Fatalf("events: status %d, X-Accel-Buffering %q", res.StatusCode, res.Header.Get("X-Accel-Buffering"))
	}
	c := &esClient{changed: make(chan struct{}), cancel: cancel, done: make(chan struct{})}
	connected := make(chan struct{})
	go func() {
		defer close(c.done)
		defer res.Body.Close()
		sc := bufio.NewScanner(res.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		var typ string
		var data []string
		for sc.Scan() {
			line := sc.Text()
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			c.mu.Lock()
			switch {
			case line == ": connected":
				close(connected)
			case line == "":
				if data != nil {
					c.events = append(c.events, sseEvent{ID: c.cursor, Type: typ, Data: strings.Join(data, "\n")})
				}
				typ, data = "", nil
			case field == "id":
				c.cursor = value
			case field == "event":
				typ = value
			case field == "data":
				data = append(data, value)
			}
			close(c.changed)
			c.changed = make(chan struct{})
			c.mu.Unlock()
		}
		c.mu.Lock()
		c.ended = true
		close(c.changed)
		c.mu.Unlock()
	}()
	t.Cleanup(c.close)
	select {
	case <-connected:
	case <-c.done:
		t.Fatal("stream ended before ': connected'")
	case <-time.After(10 * time.Second):
		t.Fatal("no ': connected'")
	}
	return c
}

// close disconnects, as a lost network or a closed laptop would.
func (c *esClient) close() {
	c.cancel()
	<-c.done
}

// await waits until cond holds for what was received so far.
func (c *esClient) await(t *testing.T, what string, cond func(evs []sseEvent, cursor string, ended bool) bool) []sseEvent {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		c.mu.Lock()
		evs, cursor, ended, changed := slices.Clone(c.events), c.cursor, c.ended, c.changed
		c.mu.Unlock()
		if cond(evs, cursor, ended) {
			return evs
		}
		select {
		case <-changed:
		case <-deadline:
			t.Fatalf("timed out waiting for %s; cursor %q, ended %v, events:\n%s", what, cursor, ended, dumpEvents(evs))
		}
	}
}

// want waits for exactly the events want (ids, types and data, in order)
// and for the stream's cursor to reach at least the id atLeast. The cursor
// may pass it: the hub's ids are shared by every workspace.
func (c *esClient) want(t *testing.T, what string, want []domain.Event, atLeast string) {
	t.Helper()
	floor := mustInt(t, atLeast)
	got := c.await(t, what, func(evs []sseEvent, cur string, _ bool) bool {
		n, _ := strconv.ParseInt(cur, 10, 64)
		return len(evs) >= len(want) && n >= floor
	})
	if len(got) != len(want) {
		t.Fatalf("%s: %d events, want %d:\n%s", what, len(got), len(want), dumpEvents(got))
	}
	for i, ev := range want {
		if g := got[i]; g.ID != ev.ID || g.Type != ev.Type || g.Data != string(ev.Data) {
			t.Fatalf("%s: event %d is %s %s %s, want %s %s %s", what, i, g.ID, g.Type, g.Data, ev.ID, ev.Type, ev.Data)
		}
	}
}

func (c *esClient) snapshot() ([]sseEvent, string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return slices.Clone(c.events), c.cursor
}

func dumpEvents(evs []sseEvent) string {
	var b strings.Builder
	for _, ev := range evs {
		fmt.Fprintf(&b, "  %s %s %.80s\n", ev.ID, ev.Type, ev.Data)
	}
	return b.String()
}

// publisher publishes numbered test events into one workspace.
type publisher struct {
	n  *node
	ws int64
	i  int
}

func (p *publisher) publish(t *testing.T, count int) []domain.Event {
	t.Helper()
	var out []domain.Event
	for range count {
		p.i++
		ev, err := p.n.Hub.Publish(context.Background(), domain.Event{WorkspaceID: p.ws, Type: "test.event",
			Data: fmt.Appendf(nil, `{"n":%d}`, p.i)})
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, ev)
	}
	return out
}

// resumeWorkspace gives the test a workspace of its own, so nothing else
// the node does (the sandbox's own events) lands in the streams.
func resumeWorkspace(t *testing.T, n *node) (opt, *publisher) {
	t.Helper()
	key := bearer(n.apiKey(t, "resume"))
	w, err := n.EnsureWorkspace(context.Background(), "resume")
	if err != nil {
		t.Fatal(err)
	}
	return key, &publisher{n: n, ws: w.ID}
}

func lastID(evs []domain.Event) string { return evs[len(evs)-1].ID }

// TestEventsResume: a client that was away is replayed exactly what it
// missed, once and in order, then continues live; by header or by query,
// and also when it had received nothing before it left.
func TestEventsResume(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key, p := resumeWorkspace(t, n)
		other := &publisher{n: n, ws: p.ws + 1000}

		first := n.stream(t, key, "", nil)
		seen := p.publish(t, 3)
		first.want(t, "live before leaving", seen, lastID(seen))
		first.close()

		missed := p.publish(t, 4)
		other.publish(t, 2) // another workspace's events are not replayed
		for _, how := range []struct {
			name string
			how  resumeOpt
		}{{"Last-Event-ID", viaHeader}, {"last_event_id", viaQuery}} {
			c := n.stream(t, key, lastID(seen), how.how)
			c.want(t, how.name+": the missed events", missed, lastID(missed))
			c.close()
		}

		back := n.stream(t, key, lastID(seen), viaHeader)
		live := p.publish(t, 2)
		back.want(t, "missed, then live", append(slices.Clone(missed), live...), lastID(live))
		back.close()

		// Nothing received before leaving: the cursor sent on connect is
		// enough to resume.
		quiet := n.stream(t, key, "", nil)
		quiet.want(t, "the cursor", nil, lastID(live))
		_, cursor := quiet.snapshot()
		quiet.close()
		later := p.publish(t, 1)
		n.stream(t, key, cursor, viaHeader).want(t, "after a quiet connection", later, lastID(later))
	})
}

// TestEventsResync: an id the history no longer covers, or never held,
// gets one resync event carrying the current cursor, and live events
// follow it.
func TestEventsResync(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key, p := resumeWorkspace(t, n)
		// Expiry removes rows an hour old, long after every node delivered
		// them: wait for this node to deliver them before expiring them.
		watch := n.stream(t, key, "", nil)
		gone := p.publish(t, 3)
		watch.want(t, "delivered before they expire", gone, lastID(gone))
		watch.close()
		expired := "1" // the memory hub's ids start at its creation time
		if n.DB.Dialect == store.Postgres {
			// Expiry deletes the oldest rows; do what it would after an hour.
			if _, err := n.DB.W.Exec("DELETE FROM realtime_events WHERE id <= $1", mustInt(t, gone[1].ID)); err != nil {
				t.Fatal(err)
			}
			expired = gone[0].ID
		}
		for _, id := range []string{expired, "9000000000000000", "not-an-id"} {
			c := n.stream(t, key, id, viaHeader)
			got := c.await(t, "resync for "+id, func(evs []sseEvent, _ string, _ bool) bool { return len(evs) > 0 })
			wantResync(t, got[0], lastID(gone))
			live := p.publish(t, 1)
			c.await(t, "live after resync", func(evs []sseEvent, _ string, _ bool) bool { return len(evs) >= 2 })
			if evs, _ := c.snapshot(); len(evs) != 2 || evs[1].ID != live[0].ID {
				t.Fatalf("after resync:\n%s", dumpEvents(evs))
			}
			gone = append(gone, live...)
			c.close()
		}
		// gone[2] is still there: resuming from it is not a resync.
		n.stream(t, key, gone[2].ID, viaHeader).want(t, "from a kept id", gone[3:], lastID(gone))
	})
}

// wantResync checks ev is a resync whose id, the cursor the client goes on
// from, is at least atLeast.
func wantResync(t *testing.T, ev sseEvent, atLeast string) {
	t.Helper()
	if ev.Type != "resync" || mustInt(t, ev.ID) < mustInt(t, atLeast) || ev.Data != `{"last_event_id":"`+ev.ID+`"}` {
		t.Fatalf("got %+v, want a resync at or after %s", ev, atLeast)
	}
}

// TestEventsLaggedClientResumes: a client too slow to keep up is dropped
// by the hub; when it reconnects from its last id it gets the rest, once.
func TestEventsLaggedClientResumes(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key, p := resumeWorkspace(t, n)
		slow := n.stream(t, key, "", nil)
		slow.mu.Lock() // stop reading: the socket buffers fill, then the hub's buffer
		big := strings.Repeat("x", 64<<10)
		var all []domain.Event
		for i := range 400 {
			ev, err := n.Hub.Publish(context.Background(), domain.Event{WorkspaceID: p.ws, Type: "test.big",
				Data: fmt.Appendf(nil, `{"n":%d,"pad":%q}`, i, big)})
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, ev)
		}
		slow.mu.Unlock()
		got := slow.await(t, "the stream to end", func(_ []sseEvent, _ string, ended bool) bool { return ended })
		if len(got) == 0 || len(got) >= len(all) {
			t.Fatalf("the slow client got %d of %d events before its stream ended; want it dropped midway", len(got), len(all))
		}
		_, cursor := slow.snapshot()
		if cursor != got[len(got)-1].ID {
			t.Fatalf("cursor %s after %s", cursor, got[len(got)-1].ID)
		}
		n.stream(t, key, cursor, viaHeader).want(t, "the rest", all[len(got):], lastID(all))
	})
}

// TestEventsReplayLimit: past the replay limit the browser is better off
// reloading; it is told so after the replay, whose events are valid.
func TestEventsReplayLimit(t *testing.T) {
	t.Parallel()
	n := startNode(t, store.SQLite)
	key, p := resumeWorkspace(t, n)
	c := n.stream(t, key, "", nil)
	c.await(t, "the cursor", func(_ []sseEvent, cur string, _ bool) bool { return cur != "" })
	_, from := c.snapshot()
	c.close()
	evs := p.publish(t, 5001)
	r := n.stream(t, key, from, viaHeader)
	got := r.await(t, "resync", func(evs []sseEvent, _ string, _ bool) bool {
		return len(evs) > 0 && evs[len(evs)-1].Type == "resync"
	})
	if len(got) != 5001 {
		t.Fatalf("got %d events, want the first 5000 then a resync", len(got))
	}
	for i, ev := range got[:5000] {
		if ev.ID != evs[i].ID {
			t.Fatalf("event %d: %s, want %s", i, ev.ID, evs[i].ID)
		}
	}
	wantResync(t, got[5000], lastID(evs))
}

func mustInt(t *testing.T, s string) int64 {
	t.Helper()
	v, err := strconv.ParseInt(s, 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

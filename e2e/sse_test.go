package e2e

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"sync"
	"testing"
)

// event is one Server-Sent Event, or a comment line (Type "comment").
type event struct {
	ID, Type string
	Data     string
}

// stream is a client of GET /api/v1/events that records every event.
type stream struct {
	*feed[event]
	name string

	mu     sync.Mutex
	cursor string // the last id: line, as EventSource keeps it for its reconnect
	close  func() // disconnects
}

// events opens the node's realtime stream and returns once the server has
// subscribed it (its ": connected" comment), so nothing published after
// this call can be missed.
func (a api) events(t testing.TB, name string) *stream { return a.resume(t, name, "") }

// resume opens the stream as an EventSource that reconnects does: with
// the last id it received as Last-Event-ID (none if lastID is empty).
func (a api) resume(t testing.TB, name, lastID string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	req, err := http.NewRequestWithContext(ctx, "GET", a.base+"/api/v1/events", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+a.key)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := http.DefaultClient.Do(req) // no timeout: the stream is long-lived
	if err != nil {
		cancel()
		t.Fatalf("%s: open events: %v", name, err)
	}
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/event-stream") {
		resp.Body.Close()
		cancel()
		t.Fatalf("%s: events: status %d, content type %q", name, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	s := &stream{feed: newFeed[event](), name: name}
	done := make(chan struct{})
	s.close = sync.OnceFunc(func() {
		cancel()
		<-done
	})
	go func() {
		defer close(done)
		defer resp.Body.Close()
		var ev event
		var data []string
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 64<<10), 4<<20)
		for sc.Scan() {
			line := sc.Text()
			field, value, _ := strings.Cut(line, ":")
			value = strings.TrimPrefix(value, " ")
			switch {
			case line == "":
				if ev.Type != "" || len(data) > 0 {
					ev.Data = strings.Join(data, "\n")
					s.add(ev)
				}
				ev, data = event{}, nil
			case field == "":
				s.add(event{Type: "comment", Data: value})
			case field == "id":
				ev.ID = value
				s.mu.Lock()
				s.cursor = value
				s.mu.Unlock()
			case field == "event":
				ev.Type = value
			case field == "data":
				data = append(data, value)
			}
		}
		s.end(sc.Err())
	}()
	t.Cleanup(s.close)
	if _, err := s.wait(waitTimeout, func(e event) bool { return e.Type == "comment" && e.Data == "connected" }); err != nil {
		t.Fatalf("%s: no ': connected' on the event stream: %v", name, err)
	}
	return s
}

// lastID is the id the stream would resume from.
func (s *stream) lastID() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cursor
}

// message waits for an event of type typ carrying a message that
// satisfies pred.
func (s *stream) message(t testing.TB, what, typ string, pred func(message) bool) message {
	t.Helper()
	var m message
	_, err := s.wait(waitTimeout, func(e event) bool {
		if e.Type != typ {
			return false
		}
		var got message
		if json.Unmarshal([]byte(e.Data), &got) != nil {
			return false
		}
		if pred(got) {
			m = got
			return true
		}
		return false
	})
	if err != nil {
		t.Fatalf("%s: waiting for %s (%s): %v\nevents so far:\n%s", s.name, what, typ, err, s.dump())
	}
	return m
}

// statuses lists the statuses message id went through, in stream order.
func (s *stream) statuses(id int64) []string {
	var out []string
	for _, e := range s.snapshot() {
		if !strings.HasPrefix(e.Type, "message.") {
			continue
		}
		var m message
		if json.Unmarshal([]byte(e.Data), &m) == nil && m.ID == id {
			out = append(out, m.Status)
		}
	}
	return out
}

func (s *stream) dump() string {
	var b strings.Builder
	for _, e := range s.snapshot() {
		if e.Type != "comment" {
			b.WriteString(e.Type + " " + e.ID + " " + e.Data + "\n")
		}
	}
	return b.String()
}

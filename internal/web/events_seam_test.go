package web

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/realtime"
)

// racyHub publishes during the first Since, between the handler's Subscribe
// and its replay: that event reaches the subscription and the replay both.
type racyHub struct {
	*realtime.Memory
	once    sync.Once
	between domain.Event
}

func (h *racyHub) Since(ctx context.Context, ws, after int64, limit int) ([]domain.Event, bool, error) {
	h.once.Do(func() {
		h.between, _ = h.Publish(ctx, domain.Event{WorkspaceID: ws, Type: "between", Data: []byte(`{}`)})
	})
	return h.Memory.Since(ctx, ws, after, limit)
}

// syncRecorder is a flushable ResponseWriter the test can read while the
// handler is still writing.
type syncRecorder struct {
	*httptest.ResponseRecorder
	mu  sync.Mutex
	buf bytes.Buffer
}

func (r *syncRecorder) Write(p []byte) (int, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.Write(p)
}

// WriteString hides the recorder's own, which would bypass buf.
func (r *syncRecorder) WriteString(s string) (int, error) { return r.Write([]byte(s)) }

func (r *syncRecorder) Flush() {}

func (r *syncRecorder) String() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.buf.String()
}

func TestEventsSeamSendsEachEventOnce(t *testing.T) {
	hub := &racyHub{Memory: realtime.NewMemory()}
	defer hub.Close()
	ctx := context.Background()
	publish := func(typ string) domain.Event {
		ev, err := hub.Publish(ctx, domain.Event{WorkspaceID: 1, Type: typ, Data: []byte(`{}`)})
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	seen := publish("seen")
	missed := publish("missed")

	s := &server{Deps: Deps{Hub: hub}}
	rctx, cancel := context.WithCancel(ctx)
	req := httptest.NewRequest(http.MethodGet, "/api/v1/events", nil).WithContext(rctx)
	req.Header.Set("Last-Event-ID", seen.ID)
	rec := &syncRecorder{ResponseRecorder: httptest.NewRecorder()}
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.events(rec, req, domain.Principal{WorkspaceID: 1})
	}()
	waitFor := func(what string) {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); !strings.Contains(rec.String(), what); {
			if time.Now().After(deadline) {
				t.Fatalf("no %q in:\n%s", what, rec.String())
			}
			time.Sleep(time.Millisecond)
		}
	}
	waitFor("event: between")                   // written after Since set hub.between
	waitFor("\nid: " + hub.between.ID + "\n\n") // the cursor, after the replay
	live := publish("live")
	waitFor("event: live")
	cancel()
	<-done

	want := "retry: 2000\n: connected\n\n" +
		block(missed) + block(hub.between) +
		"id: " + hub.between.ID + "\n\n" +
		block(live)
	if got := rec.String(); got != want {
		t.Fatalf("stream:\n%s\nwant:\n%s", got, want)
	}
}

func block(ev domain.Event) string {
	return fmt.Sprintf("id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, ev.Data)
}

// A very late Postgres commit arrives below ids already sent: sending it
// would move the client's cursor back, so the client re-syncs instead.
func TestEventsOutOfOrderBecomesResync(t *testing.T) {
	var out bytes.Buffer
	st := &sseWriter{w: &out, cur: 10, liveMax: 10}
	ev := func(id int) domain.Event {
		return domain.Event{ID: fmt.Sprint(id), Type: "t", Data: []byte(`{}`)}
	}
	for _, id := range []int{11, 12, 9, 13} {
		st.live(ev(id))
	}
	want := block(ev(11)) + block(ev(12)) +
		"id: 12\nevent: resync\ndata: {\"last_event_id\":\"12\"}\n\n" +
		block(ev(13))
	if out.String() != want || st.cur != 13 {
		t.Fatalf("cursor %d, stream:\n%s\nwant:\n%s", st.cur, out.String(), want)
	}

	// At the seam, ids up to the cursor were replayed: skipped, not resynced.
	out.Reset()
	st = &sseWriter{w: &out, cur: 20, liveMax: 15}
	for _, id := range []int{16, 20, 21} {
		st.live(ev(id))
	}
	if out.String() != block(ev(21)) {
		t.Fatalf("seam:\n%s", out.String())
	}
}

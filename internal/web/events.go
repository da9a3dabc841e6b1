package web

import (
	"context"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/realtime"
)

// heartbeat keeps proxies from closing an idle stream and lets the server
// notice a gone client.
const heartbeat = 20 * time.Second

// A resuming client is replayed at most replayLimit events, fetched
// replayPage at a time so one request never holds them all. Past the limit
// reloading the inbox through the API is cheaper for the browser than
// applying thousands of events one by one.
const (
	replayPage  = 500
	replayLimit = 5000
)

// events streams the workspace's realtime events as Server-Sent Events.
//
// Every event carries its hub id as `id:`, and the stream's cursor (the id
// up to which the client has everything) is also sent on its own right
// after connecting, so even a client that received nothing can resume. A
// client that reconnects with Last-Event-ID (or ?last_event_id=, for a page
// that opens a new EventSource) is first replayed what it missed, from the
// hub's history, then continues live. When the history no longer reaches
// back that far, it gets one `event: resync` instead, and reloads its state
// through the API.
//
// Subscribing before replaying leaves no gap: the subscription receives
// every event after its Start, and the replay covers everything up to at
// least Start. Live events the replay already sent are skipped by id, so
// none arrives twice. When the hub drops a lagging subscriber the stream
// ends, and the browser reconnects and resumes the same way.
func (s *server) events(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	after, resume, valid := resumeFrom(r)
	sub := s.Hub.Subscribe(p.WorkspaceID)
	defer sub.Close()
	if s.Metrics != nil {
		s.Metrics.SSEConnections.Inc()
		defer s.Metrics.SSEConnections.Dec()
	}
	w.WriteHeader(http.StatusOK)
	st := &sseWriter{w: w, cur: sub.Start(), liveMax: sub.Start()}
	st.raw("retry: 2000\n: connected\n\n")
	switch {
	case !valid:
		st.resync()
	case resume:
		s.replay(r.Context(), st, p.WorkspaceID, after)
	}
	// Without a data line the browser dispatches nothing but keeps the id
	// for its next reconnect.
	st.raw("id: " + strconv.FormatInt(st.cur, 10) + "\n\n")
	if !st.flush(rc) {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			// A member deactivated, logged out or reset out of their
			// sessions stops receiving within a heartbeat.
			if p.UserID != 0 {
				if _, _, err := s.authenticate(r); domain.ErrorCode(err) == domain.CodeUnauthenticated {
					st.flush(rc)
					return
				}
			}
			st.raw(": ping\n\n")
			// An open inbox with nothing to click is still someone at
			// their desk: the heartbeat keeps the member online.
			s.touch(r.Context(), p)
		case ev, ok := <-sub.C:
			if !ok {
				st.flush(rc)
				return
			}
			st.live(ev)
			// Send whatever else is already queued before flushing: one
			// write for a burst.
			for more := true; more; {
				select {
				case ev, ok := <-sub.C:
					if !ok {
						st.flush(rc)
						return
					}
					st.live(ev)
				default:
					more = false
				}
			}
		}
		if !st.flush(rc) {
			return
		}
	}
}

// resumeFrom reads the id a reconnecting client last received. EventSource
// sends it as Last-Event-ID by itself; a page that opens a new EventSource
// cannot set headers, so it puts it in the URL. valid is false for an id
// that is not one of ours: the client needs a re-sync.
func resumeFrom(r *http.Request) (after int64, resume, valid bool) {
	v := r.Header.Get("Last-Event-ID")
	if v == "" {
		v = r.URL.Query().Get("last_event_id")
	}
	if v == "" {
		return 0, false, true
	}
	after, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	if err != nil || after < 0 {
		return 0, true, false
	}
	return after, true, true
}

// replay sends the events after the client's id, or a re-sync when they
// are no longer all there (or too many).
func (s *server) replay(ctx context.Context, st *sseWriter, ws, after int64) {
	sent := 0
	for {
		evs, complete, err := s.Hub.Since(ctx, ws, after, replayPage)
		if err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("realtime: replay failed; the client re-syncs", "workspace_id", ws, "err", err)
		}
		if err != nil || !complete || sent+len(evs) > replayLimit {
			st.resync()
			return
		}
		for _, ev := range evs {
			seq, err := realtime.ParseID(ev.ID)
			if err != nil {
				continue
			}
			after = seq
			st.event(ev, seq)
		}
		sent += len(evs)
		if len(evs) < replayPage {
			// The replay reached at least Start: the client now has
			// everything up to there.
			st.cur = max(st.cur, after)
			return
		}
	}
}

// sseWriter writes one client's stream and tracks its cursor.
type sseWriter struct {
	w io.Writer
	// cur is the client's cursor: it has every event of the workspace with
	// an id up to cur. Events at or below it are not sent again.
	cur int64
	// liveMax is the greatest id received from the subscription (at first
	// its Start); ids arrive above it, except a very late Postgres commit.
	liveMax int64
	err     error
}

func (st *sseWriter) live(ev domain.Event) {
	seq, err := realtime.ParseID(ev.ID)
	if err != nil {
		return
	}
	if seq <= st.liveMax {
		// Out of order: the client cannot take it without its cursor going
		// back, which would replay newer events twice after a reconnect.
		// Reloading covers it instead.
		st.resync()
		return
	}
	st.liveMax = seq
	if seq > st.cur {
		st.event(ev, seq)
	}
}

func (st *sseWriter) event(ev domain.Event, seq int64) {
	st.raw("id: " + ev.ID + "\nevent: " + ev.Type + "\ndata: ")
	if st.err == nil {
		_, st.err = st.w.Write(ev.Data)
	}
	st.raw("\n\n")
	st.cur = max(st.cur, seq)
}

// resync tells the client to reload its state through the API. Its id keeps
// the cursor where it is: what follows continues from there.
func (st *sseWriter) resync() {
	id := strconv.FormatInt(st.cur, 10)
	st.raw("id: " + id + "\nevent: resync\ndata: {\"last_event_id\":\"" + id + "\"}\n\n")
}

func (st *sseWriter) raw(s string) {
	if st.err == nil {
		_, st.err = io.WriteString(st.w, s)
	}
}

func (st *sseWriter) flush(rc *http.ResponseController) bool {
	if st.err == nil {
		st.err = rc.Flush()
	}
	return st.err == nil
}

package web

import (
	"fmt"
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// heartbeat keeps proxies from closing an idle stream and lets the server
// notice a gone client.
const heartbeat = 20 * time.Second

// events streams the workspace's realtime events as Server-Sent Events.
// When the hub drops a lagging subscriber the stream ends, and the
// browser's EventSource reconnects and re-syncs from the API.
func (s *server) events(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	rc := http.NewResponseController(w)
	_ = rc.SetWriteDeadline(time.Time{})
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache, no-transform")
	h.Set("Connection", "keep-alive")
	h.Set("X-Accel-Buffering", "no") // nginx: do not buffer the stream
	sub := s.Hub.Subscribe(p.WorkspaceID)
	defer sub.Close()
	if s.Metrics != nil {
		s.Metrics.SSEConnections.Inc()
		defer s.Metrics.SSEConnections.Dec()
	}
	w.WriteHeader(http.StatusOK)
	if _, err := fmt.Fprint(w, "retry: 2000\n: connected\n\n"); err != nil {
		return
	}
	if rc.Flush() != nil {
		return
	}
	tick := time.NewTicker(heartbeat)
	defer tick.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-tick.C:
			if _, err := fmt.Fprint(w, ": ping\n\n"); err != nil || rc.Flush() != nil {
				return
			}
		case ev, ok := <-sub.C:
			if !ok {
				return
			}
			if _, err := fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, ev.Data); err != nil {
				return
			}
			// Send whatever else is already queued before flushing: one
			// write for a burst.
			for more := true; more; {
				select {
				case ev, ok := <-sub.C:
					if !ok {
						_ = rc.Flush()
						return
					}
					fmt.Fprintf(w, "id: %s\nevent: %s\ndata: %s\n\n", ev.ID, ev.Type, ev.Data)
				default:
					more = false
				}
			}
			if rc.Flush() != nil {
				return
			}
		}
	}
}

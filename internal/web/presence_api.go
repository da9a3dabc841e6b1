package web

import (
	"net/http"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// How long a presence lasts without a refresh. Clients re-send viewing
// about every 20 s and typing about every 3 s, so each outlives a missed
// refresh or two; a closed tab simply lets it lapse.
const (
	viewingTTL = 45 * time.Second
	typingTTL  = 8 * time.Second
	// presenceRepeat drops a repeat of the same state: a client stuck in
	// a loop costs the hub one event per member and conversation per
	// interval, however fast it posts.
	presenceRepeat = 2 * time.Second
	// typingIndicatorEvery spaces Meta's typing indicator, which lasts
	// 25 s, per conversation.
	typingIndicatorEvery = 20 * time.Second
)

var presenceTTL = map[string]time.Duration{"viewing": viewingTTL, "typing": typingTTL, "idle": 0}

type liveKey struct{ user, conv int64 }

type liveSent struct {
	state string
	at    time.Time
}

// livePresence is this node's memory of the presence it published; a
// member's posts land on the node their session talks to, so a per-node
// limit is a per-member limit. The zero value is ready.
type livePresence struct {
	mu     sync.Mutex
	sent   map[liveKey]liveSent
	typing map[int64]time.Time // conversation → Meta typing indicator queued
	calls  int
}

// admit reports whether user's state in conv is published now.
func (l *livePresence) admit(user, conv int64, state string, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	l.prune(now)
	k := liveKey{user, conv}
	if last, ok := l.sent[k]; ok && last.state == state && now.Sub(last.at) < presenceRepeat {
		return false
	}
	l.sent[k] = liveSent{state, now}
	return true
}

// indicatorDue reports whether Meta's typing indicator should be sent
// for conv now, and if so counts it as sent.
func (l *livePresence) indicatorDue(conv int64, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.init()
	if last, ok := l.typing[conv]; ok && now.Sub(last) < typingIndicatorEvery {
		return false
	}
	l.typing[conv] = now
	return true
}

func (l *livePresence) init() {
	if l.sent == nil {
		l.sent, l.typing = map[liveKey]liveSent{}, map[int64]time.Time{}
	}
}

// prune forgets, every so often, what has long expired, so the maps hold
// only the presences of the last minute.
func (l *livePresence) prune(now time.Time) {
	if l.calls++; l.calls%1024 != 0 {
		return
	}
	for k, v := range l.sent {
		if now.Sub(v.at) > viewingTTL {
			delete(l.sent, k)
		}
	}
	for k, at := range l.typing {
		if now.Sub(at) > typingIndicatorEvery {
			delete(l.typing, k)
		}
	}
}

type presenceRequest struct {
	State string `json:"state"`
}

// postPresence is POST /conversations/{id}/presence {"state"}: a member
// is viewing or typing in a conversation (or stopped: "idle"). Everyone
// in the workspace gets presence.updated with an expiry; nothing is
// stored. Typing also shows Meta's typing indicator to the customer.
func (s *server) postPresence(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if p.UserID == 0 {
		writeError(w, r, domain.Errorf(domain.CodeForbidden, "Presence belongs to members; sign in as one.", "an API key is not shown as viewing or typing"))
		return
	}
	id, err := s.visibleID(r, p)
	var req presenceRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	ttl, known := presenceTTL[req.State]
	if err == nil && !known {
		err = badQuery(`Send {"state":"viewing"}, {"state":"typing"} or {"state":"idle"}.`, "unknown presence state %q", req.State)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	now := s.Clock.Now()
	if s.live.admit(p.UserID, id, req.State, now) {
		u, err := s.DB.UserByID(r.Context(), p.WorkspaceID, p.UserID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		name := u.Name
		if name == "" {
			name = u.Email
		}
		s.publishLive(r, p.WorkspaceID, domain.EventPresenceUpdated, view.NewPresence(id, u.ID, name, req.State, now.Add(ttl)))
	}
	if req.State == "typing" && s.Outbound != nil && s.live.indicatorDue(id, now) {
		if err := s.Outbound.Typing(r.Context(), p.WorkspaceID, id); err != nil {
			s.Log.Warn("queueing the typing indicator failed", "conversation", id, "err", err)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}

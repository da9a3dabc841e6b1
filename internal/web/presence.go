package web

import (
	"context"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// presence remembers when this node last wrote each member's last_seen_at,
// so a busy tab costs one write per interval, not one per request. The
// database keeps the shared truth; store.TouchUser also skips rows another
// node touched recently.
type presence struct{ last sync.Map } // user id → time.Time

// touch marks p's member as seen now.
func (s *server) touch(ctx context.Context, p domain.Principal) {
	if p.UserID == 0 {
		return // an API key is not someone who can take a conversation
	}
	now := s.Clock.Now()
	if v, ok := s.seen.last.Load(p.UserID); ok && now.Sub(v.(time.Time)) < domain.PresenceTouchEvery {
		return
	}
	s.seen.last.Store(p.UserID, now)
	if _, err := s.DB.TouchUser(ctx, p.UserID); err != nil && ctx.Err() == nil {
		s.Log.Warn("recording presence failed", "user", p.UserID, "err", err)
	}
}

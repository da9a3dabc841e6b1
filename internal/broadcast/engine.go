package broadcast

import (
	"context"
	"encoding/json"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/policy"
)

// Run sends until ctx ends: its own loop, apart from the job queue that
// carries agents' replies and reminders, so a 100,000-recipient broadcast
// never waits in front of them.
func (s *Service) Run(ctx context.Context) {
	s.init()
	interval := s.Interval
	if interval <= 0 {
		interval = time.Second
	}
	for ctx.Err() == nil {
		next := s.Pass(ctx)
		wait := interval
		if !next.IsZero() {
			wait = min(wait, max(next.Sub(s.Clock.Now()), 2*time.Millisecond))
		}
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
		case <-t.C:
		case <-s.waker.C():
		}
		t.Stop()
	}
}

// Pass does the work due now: it settles sends whose outcome was unknown,
// starts scheduled broadcasts, and sends what the limits allow. It
// returns when more work is due (zero: nothing known).
func (s *Service) Pass(ctx context.Context) time.Time {
	s.init()
	s.reconcile(ctx)
	now := s.Clock.Now()
	ids, err := s.DB.DueBroadcasts(ctx, now)
	if err != nil {
		s.Log.Error("broadcast: list due", "err", err)
		return now.Add(time.Second)
	}
	var next time.Time
	for _, id := range ids {
		next = earliest(next, s.work(ctx, id))
	}
	if at, err := s.DB.NextBroadcastWake(ctx); err == nil {
		next = earliest(next, at)
	}
	return next
}

func earliest(a, b time.Time) time.Time {
	if a.IsZero() || (!b.IsZero() && b.Before(a)) {
		return b
	}
	return a
}

// work sends one broadcast's recipients until the limits say wait, and
// returns when to look again.
func (s *Service) work(ctx context.Context, id int64) time.Time {
	b, err := s.DB.BroadcastByIDAny(ctx, id)
	if err != nil {
		s.Log.Error("broadcast: read", "id", id, "err", err)
		return s.Clock.Now().Add(time.Second)
	}
	p, err := s.prepare(ctx, b)
	if err != nil {
		s.Log.Error("broadcast: prepare", "id", id, "err", err)
		return s.Clock.Now().Add(time.Second)
	}
	if b.Status == domain.BroadcastScheduled {
		if prob := p.blocker(s.Clock.Now()); prob != nil {
			s.halt(ctx, b, prob)
			return time.Time{}
		}
		if err := s.start(ctx, p, domain.BroadcastScheduled); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
			s.Log.Error("broadcast: start", "id", id, "err", err)
		}
		p.b.Status = domain.BroadcastRunning
	}
	token, err := numbers.OpenToken(s.Box, p.num)
	if err != nil {
		s.halt(ctx, b, &problem{Code: domain.CodeNumberOff, Message: "GoHavi cannot decrypt the sending number's access token.",
			Remedy: "GOHAVI_SECRET_KEY differs from the key the token was stored with; reconnect the number, then resume."})
		return time.Time{}
	}
	for ctx.Err() == nil {
		if prob := s.checkHalt(ctx, p); prob != nil {
			s.halt(ctx, b, prob)
			return time.Time{}
		}
		c, err := s.claim(ctx, p)
		if err != nil {
			s.Log.Error("broadcast: claim", "id", id, "err", err)
			return s.Clock.Now().Add(time.Second)
		}
		if len(c.sends) > 0 {
			s.send(ctx, p, token, c)
		}
		if c.halt != nil || c.done {
			st := domain.BroadcastCompleted
			if c.halt != nil {
				st = domain.BroadcastPaused
				s.Log.Warn("broadcast paused itself", "id", b.ID, "code", c.halt.Code, "reason", c.halt.Message)
			}
			s.publish(ctx, b.WorkspaceID, b.ID, st)
			return time.Time{}
		}
		if len(c.sends) == 0 {
			return c.wait
		}
		s.publish(ctx, b.WorkspaceID, b.ID, domain.BroadcastRunning)
	}
	return time.Time{}
}

// haltCache keeps the failure counts between recomputations.
type haltCache struct {
	at              time.Time
	settled, failed int
}

func (s *Service) forgetHalt(id int64) {
	s.mu.Lock()
	delete(s.halts, id)
	s.mu.Unlock()
}

// checkHalt applies the campaign rules (template, quality, failure rate)
// with the failure counts at most HaltCheckEvery old.
func (s *Service) checkHalt(ctx context.Context, p *prepared) *problem {
	now := s.Clock.Now()
	s.mu.Lock()
	hc, ok := s.halts[p.b.ID]
	s.mu.Unlock()
	if !ok || s.HaltCheckEvery < 0 || now.Sub(hc.at) >= s.HaltCheckEvery {
		settled, failed, err := s.DB.BroadcastFailures(ctx, p.b.ID)
		if err != nil {
			s.Log.Warn("broadcast: counts", "id", p.b.ID, "err", err)
		} else {
			hc = haltCache{at: now, settled: settled, failed: failed}
			s.mu.Lock()
			s.halts[p.b.ID] = hc
			s.mu.Unlock()
		}
	}
	if d := policy.Halt(policy.CampaignFacts{Template: p.pt, Quality: p.num.QualityRating, Settled: hc.settled, Failed: hc.failed, FailureMax: p.b.FailureThreshold}); d != nil {
		return problemOf(*d)
	}
	return nil
}

// halt pauses a broadcast with the reason, for a person to resume.
func (s *Service) halt(ctx context.Context, b domain.Broadcast, prob *problem) {
	from := []domain.BroadcastStatus{domain.BroadcastRunning, domain.BroadcastScheduled}
	if err := s.move(ctx, b, from, domain.BroadcastPaused, Reason(prob)); err != nil && domain.ErrorCode(err) != domain.CodeConflict {
		s.Log.Error("broadcast: pause", "id", b.ID, "err", err)
		return
	}
	s.Log.Warn("broadcast paused itself", "id", b.ID, "code", prob.Code, "reason", prob.Message)
}

// Reason encodes a pause or cancel reason for the status_reason column.
func Reason(p *problem) string {
	b, _ := json.Marshal(p)
	return string(b)
}

// ReasonOf decodes a status reason; a plain-text one becomes its message.
func ReasonOf(s string) (code, message, remedy string) {
	var p problem
	if json.Unmarshal([]byte(s), &p) == nil && p.Message != "" {
		return string(p.Code), p.Message, p.Remedy
	}
	return "", s, ""
}

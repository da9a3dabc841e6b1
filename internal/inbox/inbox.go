// Package inbox is how a team works its conversations: assigning them,
// moving them between open, pending, snoozed and resolved, and waking
// snoozed ones when their time comes. Every change is logged on the
// conversation and published, so every agent's screen follows.
package inbox

import (
	"context"
	"log/slog"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/loop"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// Publisher is the slice of the realtime hub the inbox needs.
type Publisher interface {
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
}

// Service changes conversations on behalf of members. It holds no state:
// build one wherever it is needed.
type Service struct {
	DB    *store.DB
	Hub   Publisher
	Clock domain.Clock
	Log   *slog.Logger
}

// Visible returns conversation id if p may see it under the workspace's
// agents_see setting; one p may not see is not found, as if it did not
// exist.
func (s *Service) Visible(ctx context.Context, p domain.Principal, id int64) (domain.Conversation, error) {
	c, err := s.DB.ConversationByID(ctx, p.WorkspaceID, id)
	if err != nil {
		return c, err
	}
	see, err := s.DB.AgentsSee(ctx, p.WorkspaceID)
	if err != nil {
		return c, err
	}
	if !see.Sees(p, c.AssigneeID) {
		return domain.Conversation{}, domain.ErrNotFound
	}
	return c, nil
}

// Assign gives conversation id to userID (0: nobody) for p, under
// domain.CheckAssign.
func (s *Service) Assign(ctx context.Context, p domain.Principal, id, userID int64) (domain.Conversation, error) {
	see, err := s.DB.AgentsSee(ctx, p.WorkspaceID)
	if err != nil {
		return domain.Conversation{}, err
	}
	conv, changed, err := s.DB.AssignConversation(ctx, p.WorkspaceID, id, userID, domain.ActorOf(p), func(c domain.Conversation) error {
		if !see.Sees(p, c.AssigneeID) {
			return domain.ErrNotFound
		}
		return domain.CheckAssign(p, c.AssigneeID, userID)
	})
	if err == nil && changed {
		s.publish(ctx, conv)
	}
	return conv, err
}

// SetStatus moves conversation id to status for p; until ends a snooze.
// Anyone who sees a conversation may change its status: resolving and
// snoozing are routine, and the activity log says who did it.
func (s *Service) SetStatus(ctx context.Context, p domain.Principal, id int64, status domain.ConvStatus, until time.Time) (domain.Conversation, error) {
	until = until.UTC().Truncate(time.Millisecond) // as stored, so a repeat is recognised
	if err := domain.CheckStatusChange(status, until, s.Clock.Now()); err != nil {
		return domain.Conversation{}, err
	}
	see, err := s.DB.AgentsSee(ctx, p.WorkspaceID)
	if err != nil {
		return domain.Conversation{}, err
	}
	conv, changed, err := s.DB.SetConversationStatus(ctx, p.WorkspaceID, id, status, until, domain.ActorOf(p), func(c domain.Conversation) error {
		if !see.Sees(p, c.AssigneeID) {
			return domain.ErrNotFound
		}
		return nil
	})
	if err == nil && changed {
		s.publish(ctx, conv)
	}
	return conv, err
}

// wakeBatch bounds one wake-up transaction.
const wakeBatch = 500

// WakeSnoozed reopens every conversation whose snooze has ended, in
// batches, and tells their agents. It returns how many woke.
func (s *Service) WakeSnoozed(ctx context.Context) (int, error) {
	total := 0
	for {
		convs, err := s.DB.WakeSnoozed(ctx, wakeBatch)
		if err != nil {
			return total, err
		}
		for _, c := range convs {
			s.publish(ctx, c)
		}
		total += len(convs)
		if len(convs) < wakeBatch {
			return total, nil
		}
	}
}

// WakeInterval is how often Run looks for ended snoozes: a snooze ends
// within this of its time, which nobody waiting on a reminder notices.
const WakeInterval = 5 * time.Second

// Run wakes snoozed conversations until ctx ends. Every node runs it; the
// store makes sure each conversation wakes once.
func (s *Service) Run(ctx context.Context) {
	loop.Run(ctx, WakeInterval, &loop.Waker{}, func(ctx context.Context) {
		if _, err := s.WakeSnoozed(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("waking snoozed conversations failed", "err", err)
		}
	})
}

// Changed tells agents about conversations changed outside this service:
// a member's deactivation gives theirs back to nobody.
func (s *Service) Changed(ctx context.Context, cs []domain.Conversation) {
	for _, c := range cs {
		s.publish(ctx, c)
	}
}

func (s *Service) publish(ctx context.Context, c domain.Conversation) {
	if s.Hub == nil {
		return
	}
	ev := view.Event(c.WorkspaceID, domain.EventConversationUpdated, view.NewConversation(c, s.Clock.Now()))
	if _, err := s.Hub.Publish(ctx, ev); err != nil && s.Log != nil {
		s.Log.Warn("realtime publish failed", "type", ev.Type, "err", err)
	}
}

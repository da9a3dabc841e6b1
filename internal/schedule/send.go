package schedule

import (
	"context"
	"errors"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/inbox"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
)

const (
	// claimFor is how long a node holds a message it is sending. Handing
	// one to the pipeline is one transaction (Meta is called later by the
	// send job), so a claim outliving this means the node died.
	claimFor = 2 * time.Minute
	// MaxLate is how late a message may still go. Later than this (GoHavi
	// was stopped, or the database down) it fails as missed: a "good
	// morning" that arrives in the evening does more harm than good.
	MaxLate = time.Hour
	// maxAttempts bounds the passes that may fail for reasons other than
	// the rules (the database, the send pipeline) before the message fails.
	maxAttempts = 5
	batch       = 100
)

// SendDue sends every message whose time has come, each under its own
// claim, and returns how many it settled (sent or failed).
func (s *Service) SendDue(ctx context.Context) (int, error) {
	done := 0
	for range 20 { // bounded so one pass cannot run forever
		now := s.Clock.Now()
		due, err := s.DB.DueScheduled(ctx, domain.Millis(now), batch)
		if err != nil {
			return done, err
		}
		for _, m := range due {
			if ctx.Err() != nil {
				return done, ctx.Err()
			}
			ok, err := s.DB.ClaimScheduled(ctx, m.ID, s.Node, domain.Millis(now), domain.Millis(now.Add(claimFor)))
			if err != nil {
				return done, err
			}
			if !ok {
				continue // another node has it, or it was canceled
			}
			m.Attempts++
			if s.sendOne(ctx, m) {
				done++
			}
		}
		if len(due) < batch {
			return done, nil
		}
	}
	return done, nil
}

// sendOne settles one claimed message and reports whether it did (rather
// than leaving it for a later pass).
func (s *Service) sendOne(ctx context.Context, m domain.ScheduledMessage) bool {
	now := s.Clock.Now()
	if late := now.Sub(m.SendAt); late > MaxLate {
		return s.fail(ctx, m, domain.Errorf(domain.CodeScheduleMissed, "Schedule it again, or send it now if it still makes sense.",
			"not sent: its time passed %s ago, while GoHavi could not send", late.Round(time.Minute)))
	}
	req := outbound.Request{WorkspaceID: m.WorkspaceID, NumberID: m.NumberID, To: m.WaID, Type: m.Type, Text: m.Text, Body: m.Body,
		ReplyTo: m.ReplyTo, SentBy: m.CreatedBy}
	if m.Type == "text" {
		req.Body = nil
	} else {
		req.Text = ""
	}
	guard, err := s.guard(ctx, m)
	if err == nil {
		req.InTx = func(ctx context.Context, tx *store.Tx, msg domain.Message) error {
			if guard != nil {
				if err := guard(ctx, tx, msg); err != nil {
					return err
				}
			}
			return tx.MarkScheduledSent(ctx, m.ID, s.Node, msg.ID)
		}
		_, err = s.Send.Submit(ctx, req)
	}
	var de *domain.Error
	switch {
	case err == nil:
		s.republish(ctx, m)
		return true
	case errors.Is(err, store.ErrScheduledLost):
		return false // canceled, or another node took over; it settles the row
	case errors.As(err, &de) && de.Code != domain.CodeInternal && de.Code != domain.CodeUnavailable:
		return s.fail(ctx, m, de) // the rules said no: window, consent, template, visibility…
	case m.Attempts >= maxAttempts:
		return s.fail(ctx, m, domain.Errorf(domain.CodeInternal, "Check the server log, then schedule it again.",
			"not sent after %d attempts: %v", m.Attempts, err))
	}
	if s.Log != nil {
		s.Log.Warn("scheduled message not sent; trying again", "id", m.ID, "attempt", m.Attempts, "err", err)
	}
	if err := s.DB.ReleaseScheduled(ctx, m.ID, s.Node); err != nil && s.Log != nil {
		s.Log.Warn("releasing a scheduled message failed", "id", m.ID, "err", err)
	}
	return false
}

func (s *Service) fail(ctx context.Context, m domain.ScheduledMessage, e *domain.Error) bool {
	ok, err := s.DB.FailScheduled(ctx, m.ID, s.Node, e)
	if err != nil && s.Log != nil {
		s.Log.Warn("settling a scheduled message failed", "id", m.ID, "err", err)
	}
	if ok {
		s.republish(ctx, m)
	}
	return ok
}

// republish tells agents how a message settled, as stored.
func (s *Service) republish(ctx context.Context, m domain.ScheduledMessage) {
	got, err := s.DB.ScheduledByID(ctx, m.WorkspaceID, m.ID)
	if err != nil {
		if s.Log != nil {
			s.Log.Warn("reading a settled scheduled message failed", "id", m.ID, "err", err)
		}
		return
	}
	s.publish(ctx, domain.EventScheduledUpdated, got)
}

// guard is the check the author's own send would get now
// (inbox.ReplyGuard), from a member still in the workspace.
func (s *Service) guard(ctx context.Context, m domain.ScheduledMessage) (inbox.Guard, error) {
	if m.CreatedBy == 0 {
		return nil, nil // an API key: it sees the whole workspace
	}
	u, err := s.DB.UserByID(ctx, m.WorkspaceID, m.CreatedBy)
	if domain.IsNotFound(err) {
		return nil, domain.Errorf(domain.CodeForbidden, "Schedule it again as a current member.", "the member who scheduled it is no longer in the workspace")
	}
	if err == nil && !u.Active() {
		return nil, domain.Errorf(domain.CodeForbidden, "Schedule it again as a current member.", "%s, who scheduled it, was deactivated", u.Name)
	}
	if err != nil {
		return nil, err
	}
	p := domain.Principal{WorkspaceID: m.WorkspaceID, UserID: u.ID, Role: u.Role}
	return inbox.ReplyGuard(ctx, s.DB, p, func(assignee string) error {
		return domain.Errorf(domain.CodeForbidden, "Ask "+assignee+", or an owner or admin, to send it.",
			"%s no longer sees this conversation: it was assigned to %s", u.Name, assignee)
	})
}

package broadcast

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

func conflict(format string, args ...any) error {
	return domain.Errorf(domain.CodeConflict, "Read the broadcast's status with GET /api/v1/broadcasts/{id}.", format, args...)
}

// Launch starts a draft: at once, or at its schedule. Launching checks the
// template and the number first, so a broadcast that cannot send does not
// start; the snapshot of recipients is taken when sending begins.
func (s *Service) Launch(ctx context.Context, workspaceID, id int64) (domain.Broadcast, error) {
	s.init()
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	if b.Status != domain.BroadcastDraft {
		return b, conflict("broadcast %d is %s; only a draft can be launched", id, b.Status)
	}
	p, err := s.prepare(ctx, b)
	if err != nil {
		return b, err
	}
	if prob := p.blocker(s.Clock.Now()); prob != nil {
		return b, prob.err()
	}
	if !b.ScheduleAt.IsZero() && b.ScheduleAt.After(s.Clock.Now()) {
		if err := s.move(ctx, b, []domain.BroadcastStatus{domain.BroadcastDraft}, domain.BroadcastScheduled, ""); err != nil {
			return b, err
		}
		s.Wake()
		return s.Get(ctx, workspaceID, id)
	}
	if err := s.start(ctx, p, domain.BroadcastDraft); err != nil {
		return b, err
	}
	s.Wake()
	return s.Get(ctx, workspaceID, id)
}

// start snapshots the audience into recipient rows and moves the broadcast
// to running in the same commit: on PostgreSQL a second node starting the
// same scheduled broadcast finds it moved and adds nothing.
func (s *Service) start(ctx context.Context, p *prepared, from domain.BroadcastStatus) error {
	rows, err := s.snapshot(ctx, p)
	if err != nil {
		return err
	}
	moved := false
	err = s.DB.WithTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.MoveBroadcast(ctx, p.b.ID, []domain.BroadcastStatus{from}, domain.BroadcastRunning, "")
		if err != nil || !ok {
			return err
		}
		moved = true
		return tx.AddRecipients(ctx, p.b.ID, rows)
	})
	if err != nil {
		return err
	}
	if !moved {
		return conflict("broadcast %d is no longer %s", p.b.ID, from)
	}
	s.publish(ctx, p.b.WorkspaceID, p.b.ID, domain.BroadcastRunning)
	return nil
}

// snapshot judges the audience now: eligible contacts become pending rows,
// the others skipped rows with their reason.
func (s *Service) snapshot(ctx context.Context, p *prepared) ([]store.NewRecipient, error) {
	var rows []store.NewRecipient
	err := s.each(ctx, p, func(j judged) error {
		r := store.NewRecipient{ContactID: j.c.ID, WaID: j.c.WaID, Name: j.c.Name, State: domain.RecipientPending}
		if j.skip != "" {
			r.State, r.Reason, r.Detail = domain.RecipientSkipped, j.skip, j.detail
		}
		rows = append(rows, r)
		return nil
	})
	return rows, err
}

// Pause stops sending; sends already with Meta finish.
func (s *Service) Pause(ctx context.Context, workspaceID, id int64, by string) (domain.Broadcast, error) {
	return s.transition(ctx, workspaceID, id, []domain.BroadcastStatus{domain.BroadcastRunning, domain.BroadcastScheduled}, domain.BroadcastPaused,
		Reason(&problem{Code: "paused", Message: "Paused by " + by + ".", Remedy: "Resume it to send to the remaining recipients."}))
}

// Resume sends on from where it paused. A broadcast paused before it
// started goes back to its schedule (or starts now if that passed).
func (s *Service) Resume(ctx context.Context, workspaceID, id int64) (domain.Broadcast, error) {
	s.init()
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	if b.Status != domain.BroadcastPaused {
		return b, conflict("broadcast %d is %s; only a paused broadcast can be resumed", id, b.Status)
	}
	p, err := s.prepare(ctx, b)
	if err != nil {
		return b, err
	}
	if prob := p.blocker(s.Clock.Now()); prob != nil {
		return b, prob.err()
	}
	to := domain.BroadcastRunning
	n, err := s.DB.RecipientCount(ctx, id)
	if err != nil {
		return b, err
	}
	if n == 0 {
		to = domain.BroadcastScheduled // paused before its snapshot: the engine starts it when its time comes
	}
	s.forgetHalt(id)
	return s.transition(ctx, workspaceID, id, []domain.BroadcastStatus{domain.BroadcastPaused}, to, "")
}

// Cancel ends a broadcast for good: waiting recipients are skipped with
// the reason "canceled"; sends already with Meta keep their outcome.
func (s *Service) Cancel(ctx context.Context, workspaceID, id int64, by string) (domain.Broadcast, error) {
	s.init()
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	from := []domain.BroadcastStatus{domain.BroadcastDraft, domain.BroadcastScheduled, domain.BroadcastRunning, domain.BroadcastPaused}
	moved := false
	err = s.DB.WithTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.MoveBroadcast(ctx, id, from, domain.BroadcastCanceled, Reason(&problem{Code: "canceled", Message: "Canceled by " + by + "."}))
		if err != nil || !ok {
			return err
		}
		moved = true
		return tx.CancelPending(ctx, id, "The broadcast was canceled before this recipient's turn.")
	})
	if err != nil {
		return b, err
	}
	if !moved {
		return b, conflict("broadcast %d is %s and cannot be canceled", id, b.Status)
	}
	s.publish(ctx, workspaceID, id, domain.BroadcastCanceled)
	return s.Get(ctx, workspaceID, id)
}

func (s *Service) transition(ctx context.Context, workspaceID, id int64, from []domain.BroadcastStatus, to domain.BroadcastStatus, reason string) (domain.Broadcast, error) {
	s.init()
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return b, err
	}
	if err := s.move(ctx, b, from, to, reason); err != nil {
		return b, err
	}
	s.Wake()
	return s.Get(ctx, workspaceID, id)
}

func (s *Service) move(ctx context.Context, b domain.Broadcast, from []domain.BroadcastStatus, to domain.BroadcastStatus, reason string) error {
	moved := false
	err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		moved, err = tx.MoveBroadcast(ctx, b.ID, from, to, reason)
		return err
	})
	if err != nil {
		return err
	}
	if !moved {
		return conflict("broadcast %d is %s; it cannot become %s", b.ID, b.Status, to)
	}
	s.publish(ctx, b.WorkspaceID, b.ID, to)
	return nil
}

package outbound

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// MarkReadArgs tells Meta the business read a customer's message (blue
// ticks on the customer's phone; earlier messages are implied).
type MarkReadArgs struct {
	WorkspaceID int64  `json:"workspace_id"`
	NumberID    int64  `json:"number_id"`
	WAMID       string `json:"wamid"`
}

// Kind names the job.
func (MarkReadArgs) Kind() string { return "mark_read" }

// InsertOpts: transactional queue, one job per message.
func (MarkReadArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTransactional, MaxAttempts: 5, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// MarkReadWorker runs MarkReadArgs jobs.
type MarkReadWorker struct {
	river.WorkerDefaults[MarkReadArgs]
	S *Service
}

// Work calls the Graph API.
func (w *MarkReadWorker) Work(ctx context.Context, job *river.Job[MarkReadArgs]) error {
	a := job.Args
	num, err := w.S.DB.NumberByID(ctx, a.WorkspaceID, a.NumberID)
	if err != nil {
		return err
	}
	token, err := numbers.OpenToken(w.S.Box, num)
	if err != nil {
		return river.JobCancel(err)
	}
	err = w.S.Graph.MarkRead(ctx, token, num.PhoneNumberID, a.WAMID)
	if err != nil && !whatsapp.IsRetryable(err) && !whatsapp.IsAmbiguous(err) {
		return river.JobCancel(err) // e.g. a message too old to mark
	}
	return err
}

// NextRetry applies Backoff.
func (w *MarkReadWorker) NextRetry(job *river.Job[MarkReadArgs]) time.Time {
	return w.S.Clock.Now().Add(Backoff(job.Attempt))
}

// Workers registers the pipeline's workers.
func (s *Service) Workers(ws *river.Workers) {
	river.AddWorker(ws, &SendWorker{S: s})
	river.AddWorker(ws, &MarkReadWorker{S: s})
	river.AddWorker(ws, &TypingWorker{S: s})
}

// MarkConversationRead clears the conversation's unread count and tells
// Meta the customer's messages were read by the business.
func (s *Service) MarkConversationRead(ctx context.Context, workspaceID, conversationID int64) error {
	conv, lastInbound, err := s.DB.MarkConversationRead(ctx, workspaceID, conversationID)
	if err != nil {
		return err
	}
	s.publish(ctx, view.Event(workspaceID, domain.EventConversationUpdated, view.NewConversation(conv, s.Clock.Now())))
	if lastInbound == "" {
		return nil
	}
	_, err = s.Jobs.Insert(ctx, MarkReadArgs{WorkspaceID: workspaceID, NumberID: conv.NumberID, WAMID: lastInbound}, nil)
	return err
}

package outbound

import (
	"context"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/numbers"
)

// typer is the Graph call behind the typing indicator; a Graph without it
// (a test double) shows none.
type typer interface {
	Typing(ctx context.Context, token, phoneNumberID, wamid string) error
}

// TypingArgs shows the customer of a conversation that an agent is
// typing. The wamid is looked up when the job runs, so it points at the
// customer's latest message.
type TypingArgs struct {
	WorkspaceID    int64 `json:"workspace_id"`
	ConversationID int64 `json:"conversation_id"`
}

// Kind names the job.
func (TypingArgs) Kind() string { return "typing_indicator" }

// InsertOpts: one attempt. The indicator lasts 25 seconds; a late one
// would show typing after the agent stopped.
func (TypingArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTransactional, MaxAttempts: 1}
}

// TypingWorker runs TypingArgs jobs.
type TypingWorker struct {
	river.WorkerDefaults[TypingArgs]
	S *Service
}

// Timeout keeps a slow Graph from showing typing long after the fact.
func (w *TypingWorker) Timeout(*river.Job[TypingArgs]) time.Duration { return 10 * time.Second }

// Work sends the indicator while the customer's window is open: outside
// it the agent cannot answer with free text, so "typing…" would mislead.
func (w *TypingWorker) Work(ctx context.Context, job *river.Job[TypingArgs]) error {
	s, a := w.S, job.Args
	g, ok := s.Graph.(typer)
	if !ok {
		return nil
	}
	conv, err := s.DB.ConversationByID(ctx, a.WorkspaceID, a.ConversationID)
	if err != nil || !conv.WindowOpen(s.Clock.Now()) {
		return err
	}
	wamid, err := s.DB.LastInboundWAMID(ctx, conv.ID)
	if err != nil || wamid == "" {
		return err
	}
	num, err := s.DB.NumberByID(ctx, a.WorkspaceID, conv.NumberID)
	if err != nil || !num.Connected() {
		return err
	}
	token, err := numbers.OpenToken(s.Box, num)
	if err != nil {
		return river.JobCancel(err)
	}
	if err := g.Typing(ctx, token, num.PhoneNumberID, wamid); err != nil {
		return river.JobCancel(err) // never retried: it would show late
	}
	return nil
}

// Typing queues the typing indicator for a conversation; callers limit
// how often (Meta shows it for 25 seconds).
func (s *Service) Typing(ctx context.Context, workspaceID, conversationID int64) error {
	_, err := s.Jobs.Insert(ctx, TypingArgs{WorkspaceID: workspaceID, ConversationID: conversationID}, nil)
	return err
}

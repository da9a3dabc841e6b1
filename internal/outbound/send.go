package outbound

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// SendArgs is the job that sends one stored message.
type SendArgs struct {
	MessageID int64 `json:"message_id"`
}

// Kind names the job.
func (SendArgs) Kind() string { return "send_message" }

// InsertOpts puts sends on the transactional queue. Unique by message id:
// a message has at most one live send job.
func (SendArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTransactional, MaxAttempts: 10, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Backoff is the wait before retry number attempt (1-based): 4^(n-1)
// seconds as Meta recommends for pair-rate and throughput errors, capped
// at 15 minutes. It multiplies step by step so a large attempt cannot
// overflow a Duration into a negative (immediate) retry.
func Backoff(attempt int) time.Duration {
	const ceiling = 15 * time.Minute
	d := time.Second
	for n := 1; n < attempt && d < ceiling; n++ {
		d *= 4
	}
	return min(d, ceiling)
}

// SendWorker runs SendArgs jobs.
type SendWorker struct {
	river.WorkerDefaults[SendArgs]
	S *Service
}

// Work sends the message.
func (w *SendWorker) Work(ctx context.Context, job *river.Job[SendArgs]) error {
	return w.S.Deliver(ctx, job.Args.MessageID, job.Attempt >= job.MaxAttempts)
}

// NextRetry applies Backoff.
func (w *SendWorker) NextRetry(job *river.Job[SendArgs]) time.Time {
	return w.S.Clock.Now().Add(Backoff(job.Attempt))
}

// Timeout bounds one attempt.
func (w *SendWorker) Timeout(*river.Job[SendArgs]) time.Duration { return 45 * time.Second }

// applierLag is how old the oldest unapplied webhook may be before the
// applier counts as behind; an unconfirmed send is not resent meanwhile.
const (
	applierLag       = 2 * time.Second
	applierLagSnooze = 15 * time.Second
)

func (s *Service) grace() time.Duration {
	if s.ReconcileGrace > 0 {
		return s.ReconcileGrace
	}
	return 2 * time.Minute
}

// claim moves a queued message to "sending". It reports false when there is
// nothing to do (already sent or failed), or a snooze when an earlier
// attempt's outcome is still unknown and a status webhook may yet settle it.
func (s *Service) claim(ctx context.Context, id int64) (domain.Message, bool, error) {
	var m domain.Message
	proceed, expired := false, false
	err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.MessageByID(ctx, id); err != nil {
			return err
		}
		if m.Status == domain.StatusQueued && !m.ExpiresAt.IsZero() && !s.Clock.Now().Before(m.ExpiresAt) {
			expired = true // never tried at Meta, so safe to give up
			return nil
		}
		switch m.Status {
		case domain.StatusQueued:
		case domain.StatusSending:
			if wait := m.UpdatedAt.Add(s.grace()).Sub(s.Clock.Now()); wait > 0 {
				return river.JobSnooze(wait)
			}
			// The webhook that settles it may be stored but not applied
			// yet (the applier gives way during bursts): wait for it.
			at, lagging, err := s.DB.OldestUnappliedWebhook(ctx)
			if err != nil {
				return err
			}
			if lagging && s.Clock.Now().Sub(at) > applierLag {
				return river.JobSnooze(applierLagSnooze)
			}
			s.Log.Warn("no status webhook for an unconfirmed send; sending again", "message_id", id)
		default:
			return nil
		}
		if err := s.takePairToken(ctx, tx, m); err != nil {
			return err
		}
		// The number's throughput is shared with broadcasts, which wait
		// for tokens; a reply never waits, it only spends one.
		if err := tx.DebitNumberBucket(ctx, m.NumberID); err != nil {
			return err
		}
		proceed = true
		return tx.ResetMessageStatus(ctx, id, domain.StatusSending)
	})
	if err == nil && expired {
		return m, false, s.finish(ctx, id, store.StatusChange{Status: domain.StatusFailed, ErrorCode: ErrorExpired, ErrorTitle: "Expired before it could be sent",
			ErrorDetail: "It had to go out by " + m.ExpiresAt.Format(time.RFC3339) + " (a reminder: before its meeting started) and could not, so GoHavi did not send it."})
	}
	return m, proceed, err
}

// ErrorExpired is the error code GoHavi records on a message whose
// deadline (Request.NotAfter) passed before it could be sent; Meta's own
// codes are positive, so it cannot collide with one.
const ErrorExpired = -1

// takePairToken spends the customer's pair-rate token for this send, or
// snoozes the job until one is free: the sender waits its turn instead of
// discovering Meta's 131056.
func (s *Service) takePairToken(ctx context.Context, tx *store.Tx, m domain.Message) error {
	tokens, at, err := tx.PairBucket(ctx, m.NumberID, m.ContactID)
	if err != nil {
		return err
	}
	b, wait := policy.PairBucket{Tokens: tokens, At: at}.Take(s.Clock.Now())
	if wait > 0 {
		return river.JobSnooze(wait)
	}
	return tx.SavePairBucket(ctx, m.NumberID, m.ContactID, b.Tokens, b.At)
}

// Deliver sends one stored message to the Graph API and records the
// outcome. last says this is the final attempt: a transient failure then
// fails the message instead of leaving it queued forever.
func (s *Service) Deliver(ctx context.Context, id int64, last bool) error {
	m, proceed, err := s.claim(ctx, id)
	if err != nil || !proceed {
		return err
	}
	if len(m.Policy) == 0 {
		// Every message leaves through Submit, which records the policy
		// decision; one without it did not, and is not sent.
		return s.finish(ctx, m.ID, store.StatusChange{Status: domain.StatusFailed, ErrorTitle: "Not checked against WhatsApp's rules",
			ErrorDetail: "The message was stored without a policy decision, so GoHavi refused to send it."})
	}
	num, err := s.DB.NumberByID(ctx, m.WorkspaceID, m.NumberID)
	if err != nil {
		return err
	}
	contact, err := s.DB.ContactByID(ctx, m.WorkspaceID, m.ContactID)
	if err != nil {
		return err
	}
	token, err := numbers.OpenToken(s.Box, num)
	if err != nil {
		return s.finish(ctx, m.ID, store.StatusChange{Status: domain.StatusFailed, ErrorTitle: "Cannot decrypt the number's access token", ErrorDetail: "GOHAVI_SECRET_KEY differs from the key the token was stored with; reconnect the number."})
	}
	out, err := s.outgoing(ctx, token, num, m, contact)
	if err != nil {
		return s.mediaFailed(ctx, m.ID, err, last)
	}
	res, err := s.Graph.Send(ctx, token, num.PhoneNumberID, out)
	switch {
	case err == nil:
		st := domain.StatusSent
		if res.Held() {
			st = domain.StatusHeld // Meta releases (sent) or drops (132015) it later
		}
		return s.finish(ctx, m.ID, store.StatusChange{Status: st, WAMID: res.WAMID})
	case whatsapp.IsAmbiguous(err):
		// Meta may have the message. Wait for a status webhook carrying our
		// id; only if none comes is it sent again (see claim).
		s.Log.Warn("send outcome unknown; waiting for a status webhook", "message_id", id, "err", err)
		return river.JobSnooze(s.grace())
	case whatsapp.IsRetryable(err) && !last:
		if rerr := s.DB.WithTx(ctx, func(tx *store.Tx) error { return tx.ResetMessageStatus(ctx, id, domain.StatusQueued) }); rerr != nil {
			return rerr
		}
		return err // River retries after Backoff
	}
	return s.finish(ctx, m.ID, Failure(err))
}

// Failure is what a send error records on the message: Meta's code and
// meaning, or why Meta could not be reached.
func Failure(err error) store.StatusChange {
	ch := store.StatusChange{Status: domain.StatusFailed}
	var ge *whatsapp.GraphError
	if errors.As(err, &ge) {
		ch.ErrorCode, ch.ErrorDetail = ge.Code, ge.Details
		ch.ErrorTitle, _ = ge.Explain()
		if ch.ErrorDetail == "" {
			ch.ErrorDetail = ge.Message
		}
		return ch
	}
	ch.ErrorTitle, ch.ErrorDetail = "Could not reach the WhatsApp Cloud API", err.Error()
	return ch
}

func (s *Service) finish(ctx context.Context, id int64, ch store.StatusChange) error {
	var m domain.Message
	var changed bool
	var reacted *domain.Event
	err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, changed, err = tx.UpdateMessageStatus(ctx, id, ch); err != nil || !changed {
			return err
		}
		reacted, err = ingest.OwnReactionSettled(ctx, tx, m)
		return err
	})
	if err != nil {
		return fmt.Errorf("record send outcome: %w", err)
	}
	if changed {
		s.publish(ctx, view.Event(m.WorkspaceID, domain.EventMessageUpdated, view.NewMessage(m, whatsapp.Describe)))
	}
	if reacted != nil {
		s.publish(ctx, *reacted)
	}
	return nil
}

// Outgoing is the wire form of a stored message, carrying our id in
// biz_opaque_callback_data so status webhooks can always find it.
func Outgoing(m domain.Message, c domain.Contact) whatsapp.OutgoingMessage {
	out := whatsapp.OutgoingMessage{To: c.Phone, Type: m.Type, BizOpaqueCallbackData: ingest.CallbackData(m.ID)}
	if m.Type == "text" {
		out.Text = &whatsapp.Text{Body: m.Text}
	} else {
		out.Body = m.Payload
	}
	if m.ReplyTo != "" && m.Type != "reaction" {
		out.Context = &whatsapp.Context{MessageID: m.ReplyTo}
	}
	return out
}

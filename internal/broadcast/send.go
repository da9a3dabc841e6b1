package broadcast

import (
	"cmp"
	"context"
	"errors"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// maxAttempts bounds retries of transient failures per recipient.
const maxAttempts = 8

type sent struct {
	res whatsapp.SendResult
	err error
}

// send hands a claim's messages to the Graph API, Workers at a time, and
// records the answers in one transaction.
func (s *Service) send(ctx context.Context, p *prepared, token string, c claimed) {
	out := make([]sent, len(c.sends))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(s.Workers, len(c.sends)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= len(c.sends) {
					return
				}
				st := c.sends[i]
				m := domain.Message{ID: st.messageID, Type: "template", Payload: st.body}
				out[i].res, out[i].err = s.Graph.Send(ctx, token, p.num.PhoneNumberID, outbound.Outgoing(m, domain.Contact{Phone: st.phone}))
			}
		}()
	}
	wg.Wait()
	var halt *problem
	var busy []int64
	accepted := make(map[int64]store.Accepted, len(c.sends))
	err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
		halt, busy = nil, nil
		clear(accepted)
		throttled := false
		var acc []store.Accepted
		var done []int64
		for i, st := range c.sends {
			if out[i].err == nil {
				a := store.Accepted{MessageID: st.messageID, WAMID: out[i].res.WAMID, Held: out[i].res.Held()}
				acc, done, accepted[a.MessageID] = append(acc, a), append(done, st.recipientID), a
				continue
			}
			h, thr, err := s.settle(ctx, tx, st, out[i])
			if err != nil {
				return err
			}
			halt, throttled = cmp.Or(halt, h), throttled || thr
		}
		var err error
		if busy, err = tx.AcceptMessages(ctx, acc); err != nil {
			return err
		}
		if err := tx.FinishRecipients(ctx, done); err != nil {
			return err
		}
		if throttled {
			// Meta counted more than we did (another tool on the number?):
			// empty our bucket so the next claim waits.
			if err := tx.SaveNumberBucket(ctx, p.num.ID, 0, s.Clock.Now()); err != nil {
				return err
			}
		}
		if halt != nil {
			_, err := tx.MoveBroadcast(ctx, p.b.ID, []domain.BroadcastStatus{domain.BroadcastRunning}, domain.BroadcastPaused, Reason(halt))
			return err
		}
		return nil
	})
	if err != nil {
		// The rows stay "sending": status webhooks or the reconciler settle them.
		s.Log.Error("broadcast: record send outcomes", "id", p.b.ID, "err", err)
		return
	}
	for _, id := range busy {
		// Held by a status webhook being applied: wait for it, holding
		// nothing else.
		a := accepted[id]
		st := domain.StatusSent
		if a.Held {
			st = domain.StatusHeld
		}
		if err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
			_, _, err := tx.UpdateMessageStatus(ctx, id, store.StatusChange{Status: st, WAMID: a.WAMID})
			return err
		}); err != nil {
			s.Log.Error("broadcast: record send outcome", "id", p.b.ID, "message", id, "err", err)
		}
	}
	if halt != nil {
		s.Log.Warn("broadcast paused itself", "id", p.b.ID, "code", halt.Code, "reason", halt.Message)
	}
}

// haltCodes are Graph errors that say the template or the account cannot
// send at all: going on would fail every remaining recipient.
var haltCodes = map[int]bool{132001: true, 132015: true, 132016: true, 131031: true, 190: true, 10: true, 200: true, 131042: true}

// settle records one failed answer. An ambiguous failure (Meta may have the
// message) records nothing: a status webhook or the reconciler decides.
func (s *Service) settle(ctx context.Context, tx *store.Tx, st staged, r sent) (halt *problem, throttled bool, err error) {
	switch {
	case whatsapp.IsAmbiguous(r.err):
		return nil, false, nil
	case whatsapp.IsRetryable(r.err) && st.attempts+1 < maxAttempts:
		ok, err := tx.RequeueMessage(ctx, st.messageID)
		if err != nil || !ok {
			return nil, false, err
		}
		var ge *whatsapp.GraphError
		throttled = errors.As(r.err, &ge) && ge.Code == 130429
		at := s.Clock.Now().Add(outbound.Backoff(st.attempts + 1))
		return nil, throttled, tx.DeferRecipient(ctx, st.recipientID, at, "Retrying after: "+r.err.Error(), true)
	}
	ch := outbound.Failure(r.err)
	if _, _, err := tx.UpdateMessageStatus(ctx, st.messageID, ch); err != nil {
		return nil, false, err
	}
	var ge *whatsapp.GraphError
	if errors.As(r.err, &ge) && haltCodes[ge.Code] {
		title, remedy := ge.Explain()
		halt = &problem{Code: domain.CodeMetaRejected, Message: "Meta refused the broadcast's messages: " + title + ".", Remedy: remedy}
	}
	return halt, false, tx.FinishRecipient(ctx, st.recipientID, domain.RecipientFailed, strconv.Itoa(ch.ErrorCode), ch.ErrorTitle)
}

// reconcile settles recipients whose send outcome was unknown for longer
// than the grace period: from their message's status if a status webhook
// (matched by our id in biz_opaque_callback_data) moved it, otherwise by
// sending again, since Meta never acknowledged it. Nothing is decided
// while the webhook applier is behind, or before the grace has passed
// since this process started (webhooks for sends made before a restart
// may still be on their way).
func (s *Service) reconcile(ctx context.Context) {
	now := s.Clock.Now()
	if now.Sub(s.started) < s.ReconcileGrace {
		return
	}
	before := now.Add(-s.ReconcileGrace)
	ids, err := s.DB.InFlightBroadcasts(ctx, before)
	if err != nil || len(ids) == 0 {
		return
	}
	if at, lagging, err := s.DB.OldestUnappliedWebhook(ctx); err != nil || (lagging && now.Sub(at) > 2*time.Second) {
		return
	}
	for _, id := range ids {
		rows, err := s.DB.SendingRecipients(ctx, id, before, 1000)
		if err != nil {
			s.Log.Error("broadcast: reconcile", "id", id, "err", err)
			continue
		}
		resent := 0
		err = s.DB.WithTx(ctx, func(tx *store.Tx) error {
			resent = 0
			for _, f := range rows {
				r := f.Recipient
				var err error
				switch f.Message {
				case domain.StatusHeld, domain.StatusSent, domain.StatusDelivered, domain.StatusRead:
					err = tx.FinishRecipient(ctx, r.ID, domain.RecipientSent, "", "")
				case domain.StatusFailed:
					err = tx.FinishRecipient(ctx, r.ID, domain.RecipientFailed, strconv.Itoa(f.ErrorCode), f.ErrorText)
				case domain.StatusQueued:
					err = tx.DeferRecipient(ctx, r.ID, now, "Sent again: the earlier attempt never reached Meta.", false)
				default:
					var ok bool
					if ok, err = tx.RequeueMessage(ctx, r.MessageID); err == nil && ok {
						resent++
						err = tx.DeferRecipient(ctx, r.ID, now, "No status from Meta within the grace period: sent again.", true)
					}
				}
				if err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			s.Log.Error("broadcast: reconcile", "id", id, "err", err)
			continue
		}
		if resent > 0 {
			s.Log.Warn("broadcast: sends Meta never acknowledged are sent again", "id", id, "count", resent)
		}
	}
}

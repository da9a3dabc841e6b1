package broadcast

import (
	"context"
	"fmt"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/store"
)

// staged is one recipient whose message is stored and about to go.
type staged struct {
	recipientID int64
	messageID   int64
	attempts    int
	phone       string
	body        []byte
}

// claimed is what one claim produced.
type claimed struct {
	sends []staged
	wait  time.Time // when to look again, if nothing was claimed
	halt  *problem  // the broadcast paused itself
	done  bool      // nothing left: completed, or no longer running
}

// minWait keeps a throttled sender from spinning on fractions of a token.
const minWait = 5 * time.Millisecond

// claim takes the next recipients the limits allow and stages their
// messages, all in one transaction (see the package comment).
func (s *Service) claim(ctx context.Context, p *prepared) (claimed, error) {
	var c claimed
	err := s.DB.WithTx(ctx, func(tx *store.Tx) error {
		c = claimed{}
		return s.claimTx(ctx, tx, p, &c)
	})
	return c, err
}

func (s *Service) claimTx(ctx context.Context, tx *store.Tx, p *prepared, c *claimed) error {
	now := s.Clock.Now()
	cur, err := tx.Broadcast(ctx, p.b.ID)
	if err != nil {
		return err
	}
	if cur.Status != domain.BroadcastRunning {
		c.done = true
		return nil
	}
	mps := s.mps(p.num)
	tokens, at, err := tx.NumberBucket(ctx, p.num.ID, mps)
	if err != nil {
		return err
	}
	bucket := policy.RateBucket{Tokens: tokens, At: at}.Refill(now, mps, mps)
	n := min(s.Batch, int(bucket.Tokens))
	if n < 1 {
		c.wait = now.Add(max(bucket.Wait(1, mps), minWait))
		return nil
	}
	recips, err := tx.ClaimableRecipients(ctx, p.b.ID, now, n)
	if err != nil {
		return err
	}
	if len(recips) == 0 {
		return s.nothingToClaim(ctx, tx, p, now, c)
	}
	ids := make([]int64, len(recips))
	for i, r := range recips {
		ids[i] = r.ContactID
	}
	facts, err := tx.BatchFacts(ctx, p.b.WorkspaceID, p.num.ID, p.num.Portfolio(), ids, now)
	if err != nil {
		return err
	}
	tier := p.tier
	if tier.Known && !tier.Unlimited {
		if err := tx.LockTier(ctx, p.num.Portfolio()); err != nil {
			return err
		}
		if tier.Used, _, tier.NextSlotAt, err = tx.TierUsage(ctx, p.num.Portfolio(), "", now); err != nil {
			return err
		}
	}
	tierFull := false
	var batch []store.NewSend
	var phones []string
	var attempts []int
	for _, r := range recips {
		f := facts[r.ContactID]
		if f == nil {
			if err := tx.SkipRecipient(ctx, r.ID, "contact_deleted", "The contact was deleted after the broadcast started."); err != nil {
				return err
			}
			continue
		}
		t := tier
		t.Counted = f.TierCounted
		v := p.judge(f.AudienceContact, t, now)
		if !v.d.Allowed {
			switch {
			case perRecipient(v.d.Code):
				err = tx.SkipRecipient(ctx, r.ID, string(v.d.Code), v.d.Message)
			case v.d.Code == domain.CodeTierExhausted:
				tierFull = true // stays pending until a slot frees
			default:
				c.halt = problemOf(v.d)
			}
			if err != nil {
				return err
			}
			if c.halt != nil {
				break
			}
			continue
		}
		pair, wait := policy.PairBucket{Tokens: f.PairTokens, At: f.PairAt}.Take(now)
		if wait > 0 {
			if err := tx.DeferRecipient(ctx, r.ID, now.Add(wait), "Waiting for the customer's pair rate (Meta allows about one message every 6 seconds).", false); err != nil {
				return err
			}
			continue
		}
		if r.MessageID != 0 {
			// A retry takes up its earlier attempt's message, unless that
			// moved on meanwhile (a late status webhook): the reconciler
			// settles it from there.
			ok, err := tx.ResendMessage(ctx, r.MessageID)
			if err != nil {
				return err
			}
			if !ok {
				if err := tx.MarkRecipientSending(ctx, r.ID, r.MessageID); err != nil {
					return err
				}
				continue
			}
		}
		if v.d.TakesTierSlot && !f.TierCounted {
			tier.Used++
		}
		bucket.Tokens--
		batch = append(batch, store.NewSend{RecipientID: r.ID, MessageID: r.MessageID, ContactID: f.ID, ConversationID: f.ConversationID, WaID: f.WaID,
			Text: v.text, Payload: v.body, Policy: outbound.DecisionJSON(v.d), TakesTierSlot: v.d.TakesTierSlot, PairTokens: pair.Tokens, PairAt: pair.At})
		phones = append(phones, f.Phone)
		attempts = append(attempts, r.Attempts)
	}
	if err := tx.StageSends(ctx, p.b.WorkspaceID, p.num.ID, p.num.Portfolio(), batch); err != nil {
		return err
	}
	for i, b := range batch {
		c.sends = append(c.sends, staged{recipientID: b.RecipientID, messageID: b.MessageID, attempts: attempts[i], phone: phones[i], body: b.Payload})
	}
	if err := tx.SaveNumberBucket(ctx, p.num.ID, bucket.Tokens, bucket.At); err != nil {
		return err
	}
	if c.halt != nil {
		_, err := tx.MoveBroadcast(ctx, p.b.ID, []domain.BroadcastStatus{domain.BroadcastRunning}, domain.BroadcastPaused, Reason(c.halt))
		return err
	}
	if tierFull && len(c.sends) == 0 {
		next := tier.NextSlotAt
		if next.IsZero() || !next.After(now) {
			next = now.Add(time.Minute)
		}
		c.wait = next
		return tx.SetBroadcastWait(ctx, p.b.ID, next, fmt.Sprintf("The messaging limit of %d customers per 24 hours is used up; the rest go as slots free, from %s.",
			tier.Limit, next.UTC().Format(time.RFC3339)))
	}
	return nil
}

// nothingToClaim decides what an empty claim means: the broadcast is done,
// or its recipients wait (for a retry, a pair-rate token, or sends whose
// outcome is not known yet).
func (s *Service) nothingToClaim(ctx context.Context, tx *store.Tx, p *prepared, now time.Time, c *claimed) error {
	pending, sending, err := tx.RecipientsLeft(ctx, p.b.ID)
	if err != nil {
		return err
	}
	switch {
	case pending == 0 && sending == 0:
		c.done = true
		_, err := tx.MoveBroadcast(ctx, p.b.ID, []domain.BroadcastStatus{domain.BroadcastRunning}, domain.BroadcastCompleted, "")
		return err
	case pending > 0:
		at, err := tx.NextRecipientAt(ctx, p.b.ID)
		if err != nil {
			return err
		}
		if !at.After(now) {
			at = now.Add(50 * time.Millisecond) // held by another node's claim
		}
		c.wait = at
	default:
		c.wait = now.Add(time.Second) // in flight: status webhooks or the reconciler settle them
	}
	return nil
}

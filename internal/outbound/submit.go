package outbound

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

func (s *Service) number(ctx context.Context, workspaceID, id int64) (domain.Number, error) {
	if id != 0 {
		n, err := s.DB.NumberByID(ctx, workspaceID, id)
		if domain.IsNotFound(err) {
			return n, domain.Errorf(domain.CodeNotFound, "List your numbers with GET /api/v1/whatsapp/numbers.", "number %d not found", id)
		}
		return n, err
	}
	ns, err := s.DB.ConnectedNumbers(ctx, workspaceID)
	if err != nil {
		return domain.Number{}, err
	}
	if len(ns) > 0 {
		return ns[0], nil
	}
	return domain.Number{}, domain.Errorf(domain.CodeInvalidArgument, "Connect a WhatsApp number first (POST /api/v1/whatsapp/numbers).", "this workspace has no connected WhatsApp number")
}

// facts loads what policy needs to decide, in one place: the window, the
// consent ledger (a customer who started the chat counts as opted in), the
// portfolio's messaging limit and its use, and the number's quality.
func (s *Service) facts(ctx context.Context, num domain.Number, waID string) (policy.Facts, error) {
	now := s.Clock.Now()
	f := policy.Facts{Now: now, RecipientE164: "+" + waID, Quality: num.QualityRating,
		Number: policy.NumberState{Disconnected: !num.Connected(), CanSend: num.Health.CanSend, Issues: num.Health.Issues}}
	settings, err := s.DB.WorkspaceSettings(ctx, num.WorkspaceID)
	if err != nil {
		return f, err
	}
	f.BlockRedMarket = settings.BlockMarketingOnRed
	if err := s.tierFacts(ctx, num, waID, &f); err != nil {
		return f, err
	}
	c, err := s.DB.ContactByWaID(ctx, num.WorkspaceID, waID)
	if domain.IsNotFound(err) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	cs, err := s.DB.ContactConsent(ctx, num.WorkspaceID, c.ID)
	if err != nil {
		return f, err
	}
	f.Consent = policy.ConsentOf(cs, time.Time{})
	conv, err := s.DB.ConversationFor(ctx, num.WorkspaceID, num.ID, c.ID)
	if domain.IsNotFound(err) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.WindowExpiresAt = conv.WindowExpiresAt
	f.Consent = policy.ConsentOf(cs, conv.LastInboundAt)
	return f, nil
}

// DecisionJSON is what is kept of an approval with the message.
func DecisionJSON(d policy.Decision) []byte {
	b, _ := json.Marshal(map[string]any{"allowed": true, "business_initiated": d.BusinessInitiated, "tier_slot": d.TakesTierSlot,
		"reasons": append([]string{}, d.Reasons...), "warnings": append([]string{}, d.Warnings...)})
	return b
}

// recordDenial keeps a refusal for the compliance view; losing one is not
// worth failing the request over, so errors are only logged.
func (s *Service) recordDenial(ctx context.Context, req Request, tgt target, d policy.Decision) {
	src := "api"
	switch {
	case req.Source != "":
		src = req.Source
	case req.SentBy != 0:
		src = "agent"
	}
	var tpl string
	if req.Type == "template" {
		var t struct {
			Name string `json:"name"`
		}
		_ = json.Unmarshal(req.Body, &t)
		tpl = t.Name
	}
	err := s.DB.RecordDenial(ctx, store.Denial{WorkspaceID: req.WorkspaceID, NumberID: tgt.num.ID, WaID: tgt.waID, Type: req.Type, Template: tpl,
		Code: d.Code, Message: d.Message, Source: src})
	if err != nil {
		s.Log.Warn("recording a policy denial failed", "err", err)
	}
}

func (s *Service) tierFacts(ctx context.Context, num domain.Number, waID string, f *policy.Facts) error {
	tier, err := s.DB.PortfolioTier(ctx, num.Portfolio())
	if err != nil || tier == "" {
		return err // unknown: not enforced until Meta tells us the limit
	}
	f.Tier.Limit, f.Tier.Unlimited = whatsapp.TierLimit(tier)
	if !f.Tier.Unlimited && f.Tier.Limit <= 0 {
		return nil // a tier we cannot read (TIER_NOT_SET): not enforced
	}
	f.Tier.Known = true
	if f.Tier.Unlimited {
		return nil
	}
	f.Tier.Used, f.Tier.Counted, f.Tier.NextSlotAt, err = s.DB.TierUsage(ctx, num.Portfolio(), waID, f.Now)
	return err
}

// target is where a checked request goes.
type target struct {
	num   domain.Number
	waID  string
	limit int // the messaging limit, when the send takes a slot
}

// decide validates req and asks policy, loading the facts in one place.
// Submit and Check share it, so a check answers exactly what a send would.
func (s *Service) decide(ctx context.Context, req *Request) (policy.Decision, target, error) {
	if err := s.resolveReplyTo(ctx, req); err != nil {
		return policy.Decision{}, target{}, err
	}
	if err := validate(req); err != nil {
		return policy.Decision{}, target{}, err
	}
	if err := s.checkMedia(ctx, req); err != nil {
		return policy.Decision{}, target{}, err
	}
	waID, err := NormalizeRecipient(req.To)
	if err != nil {
		return policy.Decision{}, target{}, err
	}
	num, err := s.number(ctx, req.WorkspaceID, req.NumberID)
	if err != nil {
		return policy.Decision{}, target{}, err
	}
	facts, err := s.facts(ctx, num, waID)
	if err != nil {
		return policy.Decision{}, target{}, err
	}
	preq := policy.Request{Type: req.Type}
	if req.Type == "template" {
		var send json.RawMessage
		if preq.Template, send, err = s.templateFacts(ctx, num, req.Body, req.Built); err != nil {
			return policy.Decision{}, target{}, err
		}
		if send != nil {
			req.Body = send // Meta's template object, built from the checked values
		}
	}
	return policy.Decide(preq, facts), target{num: num, waID: waID, limit: facts.Tier.Limit}, nil
}

// Check answers whether req would be sent, without sending or storing
// anything. A malformed request is an error; a refusal is a Decision.
func (s *Service) Check(ctx context.Context, req Request) (policy.Decision, error) {
	d, _, err := s.decide(ctx, &req)
	return d, err
}

// Submit validates req, asks policy, and on approval stores the message as
// queued with its send job in one transaction. A refusal is returned as a
// domain error with code, message and remedy, and nothing is stored or sent.
func (s *Service) Submit(ctx context.Context, req Request) (domain.Message, error) {
	d, tgt, err := s.decide(ctx, &req)
	if err != nil {
		return domain.Message{}, err
	}
	if err := d.Err(); err != nil {
		s.recordDenial(ctx, req, tgt, d)
		return domain.Message{}, err
	}
	num, waID := tgt.num, tgt.waID
	var msg domain.Message
	var conv domain.Conversation
	err = s.DB.WithTx(ctx, func(tx *store.Tx) error {
		contact, err := tx.UpsertContact(ctx, req.WorkspaceID, waID, "+"+waID, "")
		if err != nil {
			return err
		}
		convID, err := tx.EnsureConversation(ctx, req.WorkspaceID, num.ID, contact.ID)
		if err != nil {
			return err
		}
		m := domain.Message{
			WorkspaceID: req.WorkspaceID, ConversationID: convID, NumberID: num.ID, ContactID: contact.ID,
			Direction: domain.Outbound, Type: req.Type, Text: summary(req), Payload: req.Body,
			Status: domain.StatusQueued, ReplyTo: req.ReplyTo, SentBy: req.SentBy, Policy: DecisionJSON(d), ExpiresAt: req.NotAfter,
			RetryOf: req.RetryOf,
		}
		if req.Type == "text" {
			m.Payload = nil
		}
		if d.TakesTierSlot {
			// Counted in the same commit as the message, under the
			// portfolio's lock: concurrent sends never overshoot the tier.
			ok, err := tx.TakeTierSlot(ctx, num.Portfolio(), waID, s.Clock.Now(), tgt.limit)
			if err != nil {
				return err
			}
			if !ok {
				return domain.Errorf(domain.CodeTierExhausted, "The next slot frees as earlier customers leave the 24-hour window.", "the messaging limit of %d customers per 24 hours was just used up", tgt.limit)
			}
		}
		if msg, _, err = tx.InsertMessage(ctx, m); err != nil {
			return err
		}
		if err := linkMedia(ctx, tx, msg); err != nil {
			return err
		}
		if conv, err = tx.NoteOutbound(ctx, convID, tx.Now(), msg.Text, contact); err != nil {
			return err
		}
		end, err := tx.StartFreeEntryPoint(ctx, convID, tx.Now(), tx.Now()+domain.FEPWindow.Milliseconds())
		if err != nil {
			return err
		}
		conv.FreeEntryPointExpiresAt = domain.FromMillis(end)
		if _, err = s.Jobs.InsertTx(ctx, tx.SQL(), SendArgs{MessageID: msg.ID}, nil); err != nil {
			return err
		}
		if req.InTx != nil {
			return req.InTx(ctx, tx, msg)
		}
		return nil
	})
	var de *domain.Error
	if errors.As(err, &de) && de.Code == domain.CodeTierExhausted {
		// Lost the race for the last slot: a refusal like any other.
		s.recordDenial(ctx, req, tgt, policy.Decision{Code: de.Code, Message: de.Message})
	}
	if err != nil {
		return domain.Message{}, err
	}
	s.publish(ctx,
		view.Event(req.WorkspaceID, domain.EventMessageCreated, view.NewMessage(msg, whatsapp.Describe)),
		view.Event(req.WorkspaceID, domain.EventConversationUpdated, view.NewConversation(conv, s.Clock.Now())))
	return msg, nil
}

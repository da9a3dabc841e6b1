package outbound

import (
	"context"

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
	ns, err := s.DB.ListNumbers(ctx, workspaceID)
	if err != nil {
		return domain.Number{}, err
	}
	if len(ns) == 0 {
		return domain.Number{}, domain.Errorf(domain.CodeInvalidArgument, "Connect a WhatsApp number first (POST /api/v1/whatsapp/numbers).", "this workspace has no WhatsApp number")
	}
	return ns[0], nil
}

// facts loads what policy needs to decide on req, in one place.
// Templates, the consent ledger and tier counts are not stored yet: a
// template is therefore unknown (refused: GoHavi cannot vouch for its
// approval), consent is the customer having started the chat, and the tier
// is unknown (not enforced).
func (s *Service) facts(ctx context.Context, num domain.Number, waID string) (policy.Facts, error) {
	f := policy.Facts{Now: s.Clock.Now(), RecipientE164: "+" + waID, Quality: num.QualityRating}
	c, err := s.DB.ContactByWaID(ctx, num.WorkspaceID, waID)
	if domain.IsNotFound(err) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	conv, err := s.DB.ConversationFor(ctx, num.WorkspaceID, num.ID, c.ID)
	if domain.IsNotFound(err) {
		return f, nil
	}
	if err != nil {
		return f, err
	}
	f.WindowExpiresAt = conv.WindowExpiresAt
	f.Consent.OptedIn = !conv.LastInboundAt.IsZero() // the customer started the chat
	return f, nil
}

// target is where a checked request goes.
type target struct {
	num  domain.Number
	waID string
}

// decide validates req and asks policy, loading the facts in one place.
// Submit and Check share it, so a check answers exactly what a send would.
func (s *Service) decide(ctx context.Context, req *Request) (policy.Decision, target, error) {
	if err := validate(req); err != nil {
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
	return policy.Decide(policy.Request{Type: req.Type}, facts), target{num: num, waID: waID}, nil
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
			Status: domain.StatusQueued, ReplyTo: req.ReplyTo, SentBy: req.SentBy,
		}
		if req.Type == "text" {
			m.Payload = nil
		}
		if msg, _, err = tx.InsertMessage(ctx, m); err != nil {
			return err
		}
		if conv, err = tx.NoteOutbound(ctx, convID, tx.Now(), msg.Text, contact); err != nil {
			return err
		}
		_, err = s.Jobs.InsertTx(ctx, tx.SQL(), SendArgs{MessageID: msg.ID}, nil)
		return err
	})
	if err != nil {
		return domain.Message{}, err
	}
	s.publish(ctx,
		view.Event(req.WorkspaceID, domain.EventMessageCreated, view.NewMessage(msg, whatsapp.Describe)),
		view.Event(req.WorkspaceID, domain.EventConversationUpdated, view.NewConversation(conv, s.Clock.Now())))
	return msg, nil
}

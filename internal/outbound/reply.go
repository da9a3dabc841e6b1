package outbound

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
)

// resolveReplyTo turns req.ReplyToID (our id of the message to quote)
// into the wamid Meta needs. The quoted message also names the customer
// and the number, so a reply needs neither "to" nor "number_id"; given,
// they must match it, as a quote only makes sense in its own chat.
func (s *Service) resolveReplyTo(ctx context.Context, req *Request) error {
	if req.ReplyToID == 0 {
		return nil
	}
	if req.ReplyTo != "" {
		return invalid(`give "context" or "reply_to_id", not both`)
	}
	q, err := s.DB.MessageByID(ctx, req.WorkspaceID, req.ReplyToID)
	if domain.IsNotFound(err) {
		return domain.Errorf(domain.CodeNotFound, "Pass the id of a message in this workspace.", "reply_to_id: message %d not found", req.ReplyToID)
	}
	if err != nil {
		return err
	}
	switch {
	case q.WAMID == "":
		return domain.Errorf(domain.CodeConflict, "Wait until it has been sent, then quote it.", "reply_to_id: message %d has no WhatsApp id yet", q.ID)
	case q.Type == "reaction":
		return invalid("reply_to_id: message %d is a reaction, which cannot be quoted", q.ID)
	case req.NumberID != 0 && req.NumberID != q.NumberID:
		return invalid("reply_to_id: message %d was exchanged on another number", q.ID)
	}
	c, err := s.DB.ContactByID(ctx, req.WorkspaceID, q.ContactID)
	if err != nil {
		return err
	}
	if req.To == "" {
		req.To = c.WaID
	} else if waID, err := NormalizeRecipient(req.To); err != nil {
		return err
	} else if waID != c.WaID {
		return invalid("reply_to_id: message %d is in a conversation with another customer than %q", q.ID, req.To)
	}
	req.NumberID, req.ReplyTo = q.NumberID, q.WAMID
	return nil
}

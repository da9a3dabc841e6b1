package web

import (
	"context"
	"encoding/json"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/inbox"
	"github.com/gohavi/gohavi/internal/outbound"
)

// visibleMessage reads message id for p: one in a conversation p may not
// see (agents_see) is not found.
func (s *server) visibleMessage(ctx context.Context, p domain.Principal, id int64) (domain.Message, error) {
	m, err := s.DB.MessageByID(ctx, p.WorkspaceID, id)
	if err == nil {
		_, err = s.inbox().Visible(ctx, p, m.ConversationID)
	}
	if err != nil {
		return domain.Message{}, err
	}
	return m, nil
}

// submitFor sends or and answers 202 with the message.
func (s *server) submitFor(w http.ResponseWriter, r *http.Request, or outbound.Request) {
	m, err := s.Outbound.Submit(r.Context(), or)
	if err == nil {
		out, rerr := s.renderMessage(r.Context(), m)
		if rerr == nil {
			writeJSON(w, http.StatusAccepted, out)
			return
		}
		err = rerr
	}
	writeError(w, r, err)
}

// answering is what a send about message m needs: the customer to send
// to, and the guard that holds p to the conversation's reply rules.
func (s *server) answering(ctx context.Context, p domain.Principal, m domain.Message) (string, inbox.Guard, error) {
	c, err := s.DB.ContactByID(ctx, p.WorkspaceID, m.ContactID)
	if err != nil {
		return "", nil, err
	}
	guard, err := s.sendGuard(ctx, p)
	return c.WaID, guard, err
}

type reactRequest struct {
	Emoji *string `json:"emoji"`
}

// reactToMessage is POST /messages/{id}/reactions {"emoji"}: the business
// reacts to one of the conversation's messages ("" removes the
// reaction). It is a reaction send like any other (policy, window,
// guard); the reaction shows on the message once Meta accepts it.
func (s *server) reactToMessage(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	var m domain.Message
	if err == nil {
		m, err = s.visibleMessage(r.Context(), p, id)
	}
	var req reactRequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	if err == nil && req.Emoji == nil {
		err = badQuery(`Send {"emoji":"👍"}, or {"emoji":""} to remove the reaction.`, "emoji is required")
	}
	if err == nil {
		err = reactable(m)
	}
	var waID string
	var guard inbox.Guard
	if err == nil {
		waID, guard, err = s.answering(r.Context(), p, m)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	body, _ := json.Marshal(map[string]string{"message_id": m.WAMID, "emoji": *req.Emoji})
	s.submitFor(w, r, outbound.Request{WorkspaceID: p.WorkspaceID, NumberID: m.NumberID, To: waID, Type: "reaction", Body: body,
		SentBy: p.UserID, InTx: guard})
}

// reactable says why m cannot take a reaction: Meta needs its wamid, and
// refuses reactions to reactions (131009).
func reactable(m domain.Message) error {
	switch {
	case m.Type == "reaction":
		return badQuery("React to the message itself.", "message %d is a reaction; WhatsApp does not allow reacting to one", m.ID)
	case m.WAMID == "":
		return domain.Errorf(domain.CodeConflict, "Wait until it has been sent, then react.", "message %d has no WhatsApp id yet", m.ID)
	}
	return nil
}

// retryMessage is POST /messages/{id}/retry: a failed message is sent
// again as a new message (retry_of points back; the original gets
// retried_by). Policy decides afresh, so a retry can be refused (and then
// nothing is stored); a message is retried once.
func (s *server) retryMessage(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	var m domain.Message
	if err == nil {
		m, err = s.visibleMessage(r.Context(), p, id)
	}
	if err == nil {
		err = domain.RetryRefusal(m)
	}
	var waID string
	var guard inbox.Guard
	if err == nil {
		waID, guard, err = s.answering(r.Context(), p, m)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	retry, err := s.Outbound.Submit(r.Context(), outbound.Retry(m, waID, p.UserID, guard))
	if err != nil {
		writeError(w, r, err)
		return
	}
	// The original now points at its retry; clients showing it learn so.
	if orig, err := s.DB.MessageByID(r.Context(), p.WorkspaceID, m.ID); err == nil {
		if v, err := s.renderMessage(r.Context(), orig); err == nil {
			s.publishLive(r, p.WorkspaceID, domain.EventMessageUpdated, v)
		}
	}
	out, err := s.renderMessage(r.Context(), retry)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, out)
}

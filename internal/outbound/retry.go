package outbound

import (
	"context"
	"encoding/json"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/store"
)

// Retry is the request that tries failed message m again: a new message
// (its own attempt and wamid) with the same type and body, to the same
// customer from the same number, decided by policy afresh. It claims m in
// the commit that stores the new message, so a message is retried once;
// guard, when set, runs first in that transaction.
func Retry(m domain.Message, to string, sentBy int64, guard func(context.Context, *store.Tx, domain.Message) error) Request {
	req := Request{WorkspaceID: m.WorkspaceID, NumberID: m.NumberID, To: to, Type: m.Type, ReplyTo: m.ReplyTo, SentBy: sentBy,
		RetryOf: m.ID, Built: m.Type == "template"}
	if m.Type == "text" {
		req.Text = m.Text // a text message stores its body as its text
	} else {
		req.Body = json.RawMessage(m.Payload)
	}
	req.InTx = func(ctx context.Context, tx *store.Tx, msg domain.Message) error {
		if guard != nil {
			if err := guard(ctx, tx, msg); err != nil {
				return err
			}
		}
		return tx.ClaimRetry(ctx, m.ID, msg.ID)
	}
	return req
}

// builtTemplateFacts is templateFacts for Meta's template object as GoHavi
// built it before: the template's state and category are looked up
// again, and the object is sent as it is.
func (s *Service) builtTemplateFacts(ctx context.Context, num domain.Number, r templateRequest) (*policy.Template, json.RawMessage, error) {
	stored, err := s.DB.TemplateByName(ctx, num.WorkspaceID, num.WABAID, r.Name, r.language())
	if domain.IsNotFound(err) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	return &policy.Template{Name: stored.Name, Language: stored.Language, Category: stored.Category, Status: stored.Status, PausedUntil: stored.PausedUntil}, nil, nil
}

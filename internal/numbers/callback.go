package numbers

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// SetCallback sends one number's webhooks to its own URL (for example a
// staging GoHavi, or another tool during a migration); an empty uri goes
// back to the app's webhook. Meta verifies the URL with verifyToken before
// accepting it, so a wrong URL is refused here, not discovered later.
func (s *Service) SetCallback(ctx context.Context, num domain.Number, uri, verifyToken, actor string) (domain.Number, error) {
	if uri != "" {
		if err := checkURL("override_callback_uri", uri, 200); err != nil {
			return num, err
		}
		if verifyToken == "" {
			return num, domain.Errorf(domain.CodeInvalidArgument, "Give the verify token the receiving server answers Meta's handshake with.", "verify_token is required with override_callback_uri")
		}
	}
	token, err := s.token(num)
	if err != nil {
		return num, err
	}
	if err := s.Graph.SetCallbackOverride(ctx, token, num.PhoneNumberID, uri, verifyToken); err != nil {
		return num, whatsapp.Refusal("set the number's webhook URL", err)
	}
	updated, events, err := s.DB.UpdateNumber(ctx, num.ID, actor, func(n *domain.Number) { n.CallbackOverride = uri })
	if err != nil {
		return num, err
	}
	s.announce(ctx, updated, events)
	return updated, nil
}

// Package numbers connects WhatsApp business numbers: it proves the access
// token works against the Graph API before anything is stored, and stores
// the token sealed.
package numbers

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Graph reads a phone number's details.
type Graph interface {
	GetPhoneNumber(ctx context.Context, token, phoneNumberID string) (whatsapp.PhoneNumber, error)
}

// Service connects numbers.
type Service struct {
	DB    *store.DB
	Graph Graph
	Box   *secret.Box
}

// ConnectRequest is what a person or API client supplies.
type ConnectRequest struct {
	WorkspaceID   int64
	WABAID        string
	PhoneNumberID string
	AccessToken   string
	Sandbox       bool
}

// CodeMetaRejected means Meta refused the credentials; the message carries
// Meta's own error.
const CodeMetaRejected domain.Code = "meta_rejected"

func digits(s string) bool {
	if s == "" {
		return false
	}
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return true
}

// Connect validates the credentials with GET /{phone_number_id}, then
// stores the number. Nothing is stored when Meta says no.
func (s *Service) Connect(ctx context.Context, req ConnectRequest) (domain.Number, error) {
	req.WABAID, req.PhoneNumberID, req.AccessToken = strings.TrimSpace(req.WABAID), strings.TrimSpace(req.PhoneNumberID), strings.TrimSpace(req.AccessToken)
	remedy := "Copy the ids from WhatsApp Manager (or the App Dashboard's API Setup) and try again."
	switch {
	case !digits(req.WABAID):
		return domain.Number{}, domain.Errorf(domain.CodeInvalidArgument, remedy, "waba_id must be the numeric WhatsApp Business Account id")
	case !digits(req.PhoneNumberID):
		return domain.Number{}, domain.Errorf(domain.CodeInvalidArgument, remedy, "phone_number_id must be the numeric phone number id (not the phone number itself)")
	case req.AccessToken == "":
		return domain.Number{}, domain.Errorf(domain.CodeInvalidArgument, "Create a system user token with whatsapp_business_messaging and whatsapp_business_management.", "access_token is required")
	}
	pn, err := s.Graph.GetPhoneNumber(ctx, req.AccessToken, req.PhoneNumberID)
	if err != nil {
		var ge *whatsapp.GraphError
		if errors.As(err, &ge) && ge.FromMeta() {
			_, rem := ge.Explain()
			msg := "Meta refused: " + ge.Message
			if ge.Details != "" && ge.Details != ge.Message {
				msg += " — " + ge.Details
			}
			return domain.Number{}, &domain.Error{Code: CodeMetaRejected, Message: msg, Remedy: rem, Err: err}
		}
		return domain.Number{}, &domain.Error{Code: domain.CodeUnavailable, Message: "Could not reach the WhatsApp Cloud API to check the number.", Remedy: "Check GOHAVI_GRAPH_BASE_URL and the network, then try again.", Err: err}
	}
	sealed, err := s.Box.Seal([]byte(req.AccessToken), []byte(req.PhoneNumberID))
	if err != nil {
		return domain.Number{}, err
	}
	num, err := s.DB.CreateNumber(ctx, domain.Number{
		WorkspaceID: req.WorkspaceID, WABAID: req.WABAID, PhoneNumberID: req.PhoneNumberID,
		DisplayPhoneNumber: pn.DisplayPhoneNumber, VerifiedName: pn.VerifiedName, QualityRating: pn.QualityRating,
		AccessTokenEnc: sealed, Sandbox: req.Sandbox,
	})
	if err != nil {
		return num, err
	}
	return num, s.recordTier(ctx, num, pn)
}

// recordTier keeps the portfolio's messaging limit as Meta reports it on
// the number; until it is known, policy does not enforce a limit.
func (s *Service) recordTier(ctx context.Context, num domain.Number, pn whatsapp.PhoneNumber) error {
	tier := whatsapp.NormalizeTier(cmp.Or(pn.MessagingLimit, pn.MessagingLimitTier))
	if tier == "" || tier == whatsapp.TierNotSet {
		return nil
	}
	return s.DB.SetPortfolioTier(ctx, num.WABAID, tier)
}

// Refresh reads a number's details from Meta again: quality, names and the
// portfolio's messaging limit, which webhooks report only when they change.
func (s *Service) Refresh(ctx context.Context, num domain.Number) error {
	token, err := s.Box.Open(num.AccessTokenEnc, []byte(num.PhoneNumberID))
	if err != nil {
		return err
	}
	pn, err := s.Graph.GetPhoneNumber(ctx, string(token), num.PhoneNumberID)
	if err != nil {
		return err
	}
	if err := s.DB.UpdateNumberHealth(ctx, num.ID, cmp.Or(pn.DisplayPhoneNumber, num.DisplayPhoneNumber), cmp.Or(pn.VerifiedName, num.VerifiedName), cmp.Or(pn.QualityRating, num.QualityRating)); err != nil {
		return err
	}
	return s.recordTier(ctx, num, pn)
}

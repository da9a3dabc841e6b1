// Package numbers connects WhatsApp business numbers: it proves the access
// token works against the Graph API before anything is stored, and stores
// the token sealed.
package numbers

import (
	"cmp"
	"context"
	"log/slog"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Graph is the part of Meta's Graph API that numbers use.
type Graph interface {
	GetPhoneNumber(ctx context.Context, token, phoneNumberID string) (whatsapp.PhoneNumber, error)
	GetWABA(ctx context.Context, token, wabaID string) (whatsapp.WABA, error)
	ExchangeCode(ctx context.Context, appID, appSecret, code string) (string, error)
	SubscribeApp(ctx context.Context, token, wabaID, override, verifyToken string) error
	Register(ctx context.Context, token, phoneNumberID, pin string) error
	Deregister(ctx context.Context, token, phoneNumberID string) error
	GetBusinessProfile(ctx context.Context, token, phoneNumberID string) (whatsapp.BusinessProfile, error)
	UpdateBusinessProfile(ctx context.Context, token, phoneNumberID string, bp whatsapp.BusinessProfile, pictureHandle string) error
	UploadFile(ctx context.Context, token, appID, mimeType string, data []byte) (string, error)
	RequestOBA(ctx context.Context, token, phoneNumberID string, r whatsapp.OBARequest) error
	SetCallbackOverride(ctx context.Context, token, phoneNumberID, uri, verifyToken string) error
}

// Service connects numbers and keeps their standing current.
type Service struct {
	DB    *store.DB
	Graph Graph
	Box   *secret.Box
	// AppID and AppSecret are the Meta app's, for Embedded Signup's code
	// exchange and uploads.
	AppID, AppSecret string
	Hub              realtime.Hub // optional: announces changes to open pages
	Clock            domain.Clock // nil: the wall clock
	Log              *slog.Logger
}

// ConnectRequest is what a person or API client supplies.
type ConnectRequest struct {
	WorkspaceID   int64
	WABAID        string
	PhoneNumberID string
	AccessToken   string
	Sandbox       bool
}

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
		return domain.Number{}, whatsapp.Refusal("check the number", err)
	}
	return s.store(ctx, domain.Number{WorkspaceID: req.WorkspaceID, WABAID: req.WABAID, PhoneNumberID: req.PhoneNumberID, Sandbox: req.Sandbox}, req.AccessToken, pn, "connect")
}

// store seals the token to its number and saves the number with what Meta
// said about it, then its portfolio's messaging limit.
func (s *Service) store(ctx context.Context, n domain.Number, token string, pn whatsapp.PhoneNumber, source string) (domain.Number, error) {
	sealed, err := sealToken(s.Box, n.PhoneNumberID, token)
	if err != nil {
		return n, err
	}
	n.AccessTokenEnc = sealed
	applyPhoneNumber(&n, pn, nil, s.now())
	var num domain.Number
	err = s.DB.WithTx(ctx, func(tx *store.Tx) error {
		num, err = tx.CreateNumber(ctx, n, source)
		return err
	})
	if err != nil {
		return num, err
	}
	s.announce(ctx, num, nil)
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

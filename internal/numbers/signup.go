package numbers

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"math/big"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// SignupRequest is what the Connect page posts when Meta's Embedded
// Signup popup finishes.
type SignupRequest struct {
	WorkspaceID   int64
	Code          string // from FB.login; valid for 30 seconds
	WABAID        string
	PhoneNumberID string
	PIN           string // the number's existing two-step PIN; empty: GoHavi sets one
	Sandbox       bool
}

// SignupResult is the connected number and, when GoHavi chose the
// two-step PIN, that PIN (shown once; GoHavi does not keep it).
type SignupResult struct {
	Number       domain.Number
	GeneratedPIN string
}

// Codes of Embedded Signup failures a person can act on.
const (
	CodeSignupCode    domain.Code = "signup_code_rejected"
	CodeNotConfigured domain.Code = "signup_not_configured"
)

// Signup finishes Embedded Signup server-side, in Meta's order (§7.4):
// exchange the code for the business token, subscribe the app to the
// WABA, read the number, register it with a two-step PIN, and store it.
// Nothing is stored unless every step succeeded; a failed step says which
// one and what to do.
func (s *Service) Signup(ctx context.Context, req SignupRequest) (SignupResult, error) {
	req.Code, req.WABAID, req.PhoneNumberID, req.PIN = strings.TrimSpace(req.Code), strings.TrimSpace(req.WABAID), strings.TrimSpace(req.PhoneNumberID), strings.TrimSpace(req.PIN)
	restart := "Start the signup again from the Connect WhatsApp page."
	switch {
	case s.AppID == "" || s.AppSecret == "":
		return SignupResult{}, domain.Errorf(CodeNotConfigured, "Set GOHAVI_META_APP_ID and GOHAVI_META_APP_SECRET (and GOHAVI_META_CONFIG_ID for the popup), or connect the number manually.", "Embedded Signup is not configured on this server")
	case req.Code == "":
		return SignupResult{}, domain.Errorf(domain.CodeInvalidArgument, restart, "code is required: the popup did not hand one over")
	case !digits(req.WABAID) || !digits(req.PhoneNumberID):
		return SignupResult{}, domain.Errorf(domain.CodeInvalidArgument, restart, "waba_id and phone_number_id must be the numeric ids the popup reported")
	case req.PIN != "" && !isPIN(req.PIN):
		return SignupResult{}, domain.Errorf(domain.CodeInvalidArgument, "Enter the number's six-digit two-step verification PIN, or leave it empty to have GoHavi set one.", "pin must be six digits")
	}
	token, err := s.Graph.ExchangeCode(ctx, s.AppID, s.AppSecret, req.Code)
	if err != nil {
		var ge *whatsapp.GraphError
		if errors.As(err, &ge) && ge.FromMeta() {
			return SignupResult{}, &domain.Error{Code: CodeSignupCode, Err: err,
				Message: "Meta did not accept the signup code (" + ge.Message + "). Codes expire 30 seconds after the popup closes and work once.",
				Remedy:  restart + " If it keeps failing, check that GOHAVI_META_APP_SECRET belongs to the app GOHAVI_META_APP_ID names."}
		}
		return SignupResult{}, whatsapp.Refusal("exchange the signup code", err)
	}
	if err := s.Graph.SubscribeApp(ctx, token, req.WABAID, "", ""); err != nil {
		return SignupResult{}, whatsapp.Refusal("subscribe GoHavi to the WhatsApp Business Account's webhooks", err)
	}
	pin, generated := req.PIN, ""
	if pin == "" {
		if pin, err = newPIN(); err != nil {
			return SignupResult{}, err
		}
		generated = pin
	}
	if err := s.Graph.Register(ctx, token, req.PhoneNumberID, pin); err != nil {
		return SignupResult{}, registerError(err, req.PIN != "")
	}
	pn, err := s.Graph.GetPhoneNumber(ctx, token, req.PhoneNumberID)
	if err != nil {
		return SignupResult{}, whatsapp.Refusal("read the number's details", err)
	}
	if pn.Status == "" {
		pn.Status = "CONNECTED" // just registered; Meta may lag behind
	}
	num, err := s.store(ctx, domain.Number{WorkspaceID: req.WorkspaceID, WABAID: req.WABAID, PhoneNumberID: req.PhoneNumberID, Sandbox: req.Sandbox}, token, pn, "embedded_signup")
	if err != nil {
		return SignupResult{}, err
	}
	return SignupResult{Number: num, GeneratedPIN: generated}, nil
}

// registerError explains the two registration failures people meet.
func registerError(err error, gavePIN bool) error {
	var ge *whatsapp.GraphError
	if errors.As(err, &ge) && ge.FromMeta() {
		switch ge.Code {
		case 133005:
			remedy := "This number already has a two-step verification PIN: enter it on the Connect page and finish the signup again. Forgot it? Reset it in WhatsApp Manager."
			if gavePIN {
				remedy = "The PIN you entered is not the number's two-step PIN. Check it, or reset it in WhatsApp Manager, then finish the signup again."
			}
			return &domain.Error{Code: domain.CodeMetaRejected, Message: "Meta refused to register the number: wrong two-step verification PIN.", Remedy: remedy, Err: err}
		case 133016:
			return &domain.Error{Code: domain.CodeMetaRejected, Err: err,
				Message: "Meta refused to register the number: it was registered or deregistered 10 times in the last 72 hours.",
				Remedy:  "Wait until 72 hours have passed since the earliest of those attempts, then connect it again. Nothing was stored."}
		}
	}
	return whatsapp.Refusal("register the number", err)
}

func isPIN(s string) bool { return len(s) == 6 && digits(s) }

// newPIN draws a six-digit two-step PIN, avoiding the guessable ones.
func newPIN() (string, error) {
	for {
		n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
		if err != nil {
			return "", err
		}
		pin := fmt.Sprintf("%06d", n.Int64())
		if strings.Count(pin, pin[:1]) < 6 && pin != "123456" && pin != "654321" {
			return pin, nil
		}
	}
}

// SignupAbandoned explains a popup that ended without a number: a CANCEL
// at some step, or an error Meta showed. The explanation is per step, as
// Meta names them (§7.3).
func SignupAbandoned(event, step, errMessage, errID string) *domain.Error {
	if strings.EqualFold(event, "ERROR") || errMessage != "" {
		msg := "Meta's signup reported an error"
		if errMessage != "" {
			msg += ": " + errMessage
		}
		if errID != "" {
			msg += " (error id " + errID + ")"
		}
		return &domain.Error{Code: "signup_error", Message: msg + ".", Remedy: "Try again; if it repeats, give Meta support the error id, or connect the number manually."}
	}
	steps := map[string][2]string{
		"BUSINESS_ACCOUNT_SELECTION":      {"while choosing the business portfolio", "Start again and pick (or create) the business portfolio the number belongs to."},
		"WABA_PHONE_PROFILE_PICKER":       {"while choosing the WhatsApp Business Account and number", "Start again and choose an existing account and number, or create new ones."},
		"WHATSAPP_BUSINESS_PROFILE_SETUP": {"while setting up the business profile", "Start again and fill in the display name, category and website; the display name must match your business."},
		"PHONE_NUMBER_SETUP":              {"while adding the phone number", "Start again with a number that can receive an SMS or call and is not in use on the WhatsApp app (delete that account first)."},
		"PHONE_NUMBER_VERIFICATION":       {"while verifying the phone number", "Start again and enter the code sent by SMS or voice call; codes expire after a few minutes."},
		"PERMISSIONS":                     {"at the permissions step", "Start again and allow every permission GoHavi asks for; it needs them to send and receive messages."},
	}
	st := steps[strings.ToUpper(step)]
	what, remedy := st[0], st[1]
	if what == "" {
		what, remedy = "before finishing", "Start the signup again when you are ready; nothing was connected."
	}
	return &domain.Error{Code: "signup_cancelled", Message: "The signup was closed " + what + ", so no number was connected.", Remedy: remedy}
}

// Disconnect stops using a number: unless keepRegistered, it is
// deregistered at Meta first (a refusal leaves it connected, so nothing is
// half done). Its conversations and history stay.
func (s *Service) Disconnect(ctx context.Context, num domain.Number, keepRegistered bool, actor string) (domain.Number, error) {
	if !num.Connected() {
		return num, nil
	}
	if !keepRegistered {
		token, err := s.token(num)
		if err != nil {
			return num, err
		}
		if err := s.Graph.Deregister(ctx, token, num.PhoneNumberID); err != nil {
			return num, whatsapp.Refusal("deregister the number", err)
		}
	}
	updated, events, err := s.DB.UpdateNumber(ctx, num.ID, actor, func(n *domain.Number) {
		n.DisconnectedAt = s.now()
		if !keepRegistered {
			n.Health.Registered = false
		}
	})
	if err != nil {
		return num, err
	}
	s.announce(ctx, updated, events)
	return updated, nil
}

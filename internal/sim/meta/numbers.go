package meta

import (
	"net/http"
	"slices"
	"strings"
)

// NumberSpec seeds a WABA, a business phone number and an access token.
// Empty fields get generated values. Numbers sharing an AccessToken are
// all reachable with it, like a system user with access to several assets.
type NumberSpec struct {
	WABAID             string `json:"waba_id,omitempty"`
	PhoneNumberID      string `json:"phone_number_id,omitempty"`
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
	VerifiedName       string `json:"verified_name,omitempty"`
	AccessToken        string `json:"access_token,omitempty"`
	WebhookURL         string `json:"webhook_url,omitempty"`  // per-number override of Config.WebhookURL
	PortfolioID        string `json:"portfolio_id,omitempty"` // business portfolio for the messaging limit (default: one per WABA)
}

// Number is a seeded business phone number as the simulator knows it.
type Number struct {
	WABAID             string `json:"waba_id"`
	PhoneNumberID      string `json:"phone_number_id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	AccessToken        string `json:"access_token"`
	QualityRating      string `json:"quality_rating"`
	WebhookURL         string `json:"webhook_url,omitempty"`
	PortfolioID        string `json:"portfolio_id,omitempty"` // "" = the WABA's own portfolio
}

type numberState struct {
	Number
	info    numberInfo            // onboarding, registration, reviews (accounts.go)
	msgs    []*message            // every message of this number, oldest first
	byID    map[string]*message   // by wamid
	threads map[string][]*message // by customer wa_id, oldest first
	loaded  bool                  // from the state file and not re-seeded by AddNumber yet
}

// AddNumber seeds a number and returns it with the generated fields
// filled in. Adding an existing PhoneNumberID is idempotent: it returns
// that number, only taking a non-empty WebhookURL as its new override.
// One exception: the first AddNumber of a number loaded from
// Config.StatePath re-seeds it, taking every non-empty field of spec
// (token, names, WABA, display number) while keeping its history.
func (s *Server) AddNumber(spec NumberSpec) Number {
	s.mu.Lock()
	if ns := s.numbers[spec.PhoneNumberID]; ns != nil && spec.PhoneNumberID != "" {
		urlChanged := spec.WebhookURL != "" && spec.WebhookURL != ns.WebhookURL
		if urlChanged {
			ns.WebhookURL = spec.WebhookURL
		}
		if s.reseed(ns, spec) || urlChanged {
			s.changed()
		}
		n := ns.Number
		s.mu.Unlock()
		if urlChanged {
			s.hooks.wakeAll() // a parked lane may now have somewhere to go
		}
		return n
	}
	defer s.mu.Unlock()
	if spec.AccessToken == "" {
		spec.AccessToken = newAccessToken()
	}
	return s.createNumber(spec, seededInfo(s.now())).Number
}

// createNumber adds a new number, generating the fields spec leaves empty
// except the token: without one, only grants reach it (Embedded Signup
// numbers). Callers hold s.mu.
func (s *Server) createNumber(spec NumberSpec, info numberInfo) *numberState {
	n := Number{
		WABAID:             spec.WABAID,
		PhoneNumberID:      spec.PhoneNumberID,
		DisplayPhoneNumber: spec.DisplayPhoneNumber,
		VerifiedName:       spec.VerifiedName,
		AccessToken:        spec.AccessToken,
		QualityRating:      "GREEN",
		WebhookURL:         spec.WebhookURL,
		PortfolioID:        spec.PortfolioID,
	}
	if n.WABAID == "" {
		n.WABAID = newNumericID()
	}
	for n.PhoneNumberID == "" || s.numbers[n.PhoneNumberID] != nil {
		n.PhoneNumberID = newNumericID()
	}
	if n.DisplayPhoneNumber == "" {
		n.DisplayPhoneNumber = newDisplayNumber()
	} else if d, _ := digitsOnly(n.DisplayPhoneNumber); d != "" {
		// Webhook metadata carries digits only (§2.5).
		n.DisplayPhoneNumber = d
	}
	if n.VerifiedName == "" {
		n.VerifiedName = "GoHavi Test Business"
	}
	ns := &numberState{Number: n, info: info, byID: map[string]*message{}, threads: map[string][]*message{}}
	s.numbers[n.PhoneNumberID] = ns
	s.order = append(s.order, n.PhoneNumberID)
	if n.AccessToken != "" {
		s.grant(n.AccessToken, n.PhoneNumberID)
	}
	s.changed()
	return ns
}

// reseed applies a startup seed to a number loaded from the state file,
// once; it reports whether anything changed. A new token replaces the
// loaded one for this number. Callers hold s.mu.
func (s *Server) reseed(ns *numberState, spec NumberSpec) bool {
	if !ns.loaded {
		return false
	}
	ns.loaded = false
	before := ns.Number
	if spec.WABAID != "" {
		ns.WABAID = spec.WABAID
	}
	if d, _ := digitsOnly(spec.DisplayPhoneNumber); d != "" {
		ns.DisplayPhoneNumber = d
	}
	if spec.VerifiedName != "" {
		ns.VerifiedName = spec.VerifiedName
	}
	if spec.PortfolioID != "" {
		ns.PortfolioID = spec.PortfolioID
	}
	if spec.AccessToken != "" && spec.AccessToken != ns.AccessToken {
		if grants := s.tokens[ns.AccessToken]; grants != nil {
			delete(grants, ns.PhoneNumberID)
			if len(grants) == 0 {
				delete(s.tokens, ns.AccessToken)
			}
		}
		ns.AccessToken = spec.AccessToken
		s.grant(ns.AccessToken, ns.PhoneNumberID)
	}
	return ns.Number != before
}

// Numbers lists the seeded numbers in creation order.
func (s *Server) Numbers() []Number {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Number, 0, len(s.order))
	for _, id := range s.order {
		out = append(out, s.numbers[id].Number)
	}
	return out
}

// phoneFields is the field set of GET /<PHONE_NUMBER_ID> (§8.1) rendered
// when no fields= is given, in that order; phoneExtraFields are only
// rendered when asked for.
var phoneFields = []string{
	"verified_name", "code_verification_status", "display_phone_number", "quality_rating",
	"platform_type", "throughput", "webhook_configuration", "name_status", "status",
	"messaging_limit_tier", "whatsapp_business_manager_messaging_limit",
	"is_official_business_account", "account_mode",
}

var phoneExtraFields = []string{
	"new_display_name", "new_name_status", "health_status", "official_business_account",
	"is_pin_enabled", "is_on_biz_app", "is_preverified_number", "last_onboarded_time",
}

// graphTime is Graph's datetime format, e.g. "2023-08-22T19:05:53+0000".
const graphTime = "2006-01-02T15:04:05-0700"

// phoneNumberFields renders the requested fields of a number; unknown
// fields are an error, as on the Graph API. Callers hold s.mu.
func (s *Server) phoneNumberFields(ns *numberState, fields string) (map[string]any, *graphError) {
	want := phoneFields
	if fields != "" {
		want = nil
		for f := range strings.SplitSeq(fields, ",") {
			if f = strings.TrimSpace(f); f != "" && f != "id" {
				want = append(want, f)
			}
		}
	}
	in := &ns.info
	out := map[string]any{"id": ns.PhoneNumberID}
	for _, f := range want {
		if !slices.Contains(phoneFields, f) && !slices.Contains(phoneExtraFields, f) {
			return nil, errUnknownField(f)
		}
		switch f {
		case "verified_name":
			out[f] = ns.VerifiedName
		case "code_verification_status":
			out[f] = in.CodeVerification
		case "display_phone_number":
			out[f] = ns.DisplayPhoneNumber
		case "quality_rating":
			out[f] = ns.QualityRating
		case "platform_type":
			out[f] = "CLOUD_API"
		case "throughput":
			out[f] = map[string]string{"level": in.Throughput}
		case "webhook_configuration":
			wc := s.webhookConfiguration(ns)
			if len(wc) == 0 && fields == "" {
				continue
			}
			out[f] = wc
		case "name_status":
			out[f] = in.NameStatus
		case "new_display_name":
			if in.NewDisplayName != "" {
				out[f] = in.NewDisplayName
			}
		case "new_name_status":
			out[f] = cmpOr(in.NewNameStatus, "NONE")
		case "status":
			out[f] = in.Status
		case "messaging_limit_tier", "whatsapp_business_manager_messaging_limit":
			out[f] = s.portfolioOf(ns).Tier
		case "is_official_business_account":
			out[f] = in.OBA.Status == obaApproved
		case "official_business_account":
			out[f] = in.OBA.json()
		case "account_mode":
			out[f] = in.AccountMode
		case "health_status":
			out[f] = s.numberHealth(ns)
		case "is_pin_enabled":
			out[f] = in.Pin != ""
		case "is_on_biz_app", "is_preverified_number":
			out[f] = false
		case "last_onboarded_time":
			out[f] = in.OnboardedAt.UTC().Format(graphTime)
		}
	}
	return out, nil
}

// webhookConfiguration is the webhook_configuration field (§2.1): the
// alternate callbacks that are set, and the app's URL. Callers hold s.mu.
func (s *Server) webhookConfiguration(ns *numberState) map[string]string {
	wc := map[string]string{}
	if app := cmpOr(ns.WebhookURL, s.webhookURL); app != "" {
		wc["application"] = app
	}
	if w := s.wabas[ns.WABAID]; w != nil && w.OverrideURL != "" {
		wc["whatsapp_business_account"] = w.OverrideURL
	}
	if ns.info.OverrideURL != "" {
		wc["phone_number"] = ns.info.OverrideURL
	}
	return wc
}

func (s *Server) getPhoneNumber(w http.ResponseWriter, r *http.Request, ns *numberState) {
	s.mu.Lock()
	body, gerr := s.phoneNumberFields(ns, r.URL.Query().Get("fields"))
	s.mu.Unlock()
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	writeGraphJSON(w, http.StatusOK, body)
}

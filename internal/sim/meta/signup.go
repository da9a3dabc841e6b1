package meta

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Embedded Signup back end (§7.4): a finished popup yields a code, the
// Tech Provider exchanges it server-to-server for a business token within
// 30 seconds, once. /_sim/signup plays the finished popup.

const (
	codeLifetime = 30 * time.Second
	codeMemory   = time.Hour // used and expired codes are told apart from unknown ones this long
)

// authCode is an Embedded Signup code and what it grants.
type authCode struct {
	WABAID, PhoneNumberID, BusinessID string
	RedirectURI                       string
	Created                           time.Time
	Used                              bool
}

// SignupSpec is what a finished Embedded Signup popup creates; empty
// fields are generated. OnlyWABA is the flow finished without a phone
// number (FINISH_ONLY_WABA).
type SignupSpec struct {
	WABAID             string `json:"waba_id,omitempty"`
	PhoneNumberID      string `json:"phone_number_id,omitempty"`
	DisplayPhoneNumber string `json:"display_phone_number,omitempty"`
	VerifiedName       string `json:"verified_name,omitempty"`
	BusinessID         string `json:"business_id,omitempty"`
	BusinessName       string `json:"business_name,omitempty"`
	WABAName           string `json:"waba_name,omitempty"`
	OnlyWABA           bool   `json:"only_waba,omitempty"`
	RedirectURI        string `json:"redirect_uri,omitempty"` // the code then only exchanges with this redirect_uri
}

// SignupResult is the popup's outcome: the code for FB.login's callback
// and the ids of the WA_EMBEDDED_SIGNUP message event.
type SignupResult struct {
	Code          string `json:"code"`
	WABAID        string `json:"waba_id"`
	PhoneNumberID string `json:"phone_number_id,omitempty"`
	BusinessID    string `json:"business_id"`
}

// Signup creates the customer's business portfolio (not verified), WABA
// (the app not subscribed yet) and number (PENDING: not registered,
// display name in review), issues a code and sends account_update
// PARTNER_APP_INSTALLED to the app, as Embedded Signup completion does.
// An existing business or WABA id is reused.
func (s *Server) Signup(spec SignupSpec) (SignupResult, error) {
	d, ok := digitsOnly(spec.DisplayPhoneNumber)
	if !spec.OnlyWABA && (!ok || (d != "" && (len(d) < 7 || len(d) > 15))) {
		return SignupResult{}, fmt.Errorf("%w: display_phone_number must be a phone number", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !spec.OnlyWABA && spec.PhoneNumberID != "" && s.numbers[spec.PhoneNumberID] != nil {
		return SignupResult{}, fmt.Errorf("%w: phone number %s already exists", ErrInvalidInbound, spec.PhoneNumberID)
	}
	now := s.now()
	if spec.BusinessID == "" && spec.WABAID != "" && s.wabaKnown(spec.WABAID) {
		spec.BusinessID = s.businessOfWABA(spec.WABAID) // signing up again with the same WABA
	}
	if spec.BusinessID == "" {
		spec.BusinessID = newNumericID()
	}
	if spec.WABAID == "" {
		spec.WABAID = newNumericID()
	}
	newBusiness := !s.businessKnown(spec.BusinessID)
	biz := s.businessOf(spec.BusinessID)
	if newBusiness {
		biz.VerificationStatus = "not_verified"
	}
	biz.Name = cmpOr(spec.BusinessName, cmpOr(biz.Name, cmpOr(spec.VerifiedName, "New Business")))
	if !s.wabaKnown(spec.WABAID) {
		// The app is subscribed to a new WABA only by POST subscribed_apps.
		s.wabas[spec.WABAID] = &wabaState{CreatedAt: now}
	}
	ws := s.wabaOf(spec.WABAID)
	ws.BusinessID = spec.BusinessID
	ws.Name = cmpOr(spec.WABAName, cmpOr(ws.Name, spec.VerifiedName))
	phoneID := ""
	if !spec.OnlyWABA {
		ns := s.createNumber(NumberSpec{WABAID: spec.WABAID, PhoneNumberID: spec.PhoneNumberID, PortfolioID: spec.BusinessID,
			DisplayPhoneNumber: spec.DisplayPhoneNumber, VerifiedName: spec.VerifiedName}, signupInfo(now))
		ns.QualityRating = "UNKNOWN"
		phoneID = ns.PhoneNumberID
	}
	code := "AQ" + randomString(200, alnum+"-_")
	s.codes[code] = &authCode{WABAID: spec.WABAID, PhoneNumberID: phoneID, BusinessID: spec.BusinessID,
		RedirectURI: spec.RedirectURI, Created: now}
	s.changed()
	s.emitApp("account_update", map[string]any{"event": "PARTNER_APP_INSTALLED", "waba_info": map[string]any{
		"waba_id": spec.WABAID, "owner_business_id": spec.BusinessID, "partner_app_id": s.appID(),
	}})
	return SignupResult{Code: code, WABAID: spec.WABAID, PhoneNumberID: phoneID, BusinessID: spec.BusinessID}, nil
}

func (s *Server) ctlSignup(w http.ResponseWriter, r *http.Request) {
	var spec SignupSpec
	if !simctl.Body(w, r, &spec) {
		return
	}
	res, err := s.Signup(spec)
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, res)
}

// errOAuth is an error of the OAuth endpoints: Graph's envelope without
// the "(#code)" prefix and without WhatsApp error_data.
func errOAuth(code, subcode int, msg string) *graphError {
	e := newGraphError(code, "")
	e.HTTP, e.Subcode, e.Message, e.Details = http.StatusBadRequest, subcode, msg, ""
	return e
}

// oauthAccessToken is GET|POST /oauth/access_token (§7.4): the code
// exchange, plus grant_type=client_credentials for the app token
// "<app_id>|<app_secret>" that debug_token takes.
func (s *Server) oauthAccessToken(w http.ResponseWriter, r *http.Request) {
	p, gerr := graphParams(w, r)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	id, _ := paramString(p, "client_id")
	secret, _ := paramString(p, "client_secret")
	code, _ := paramString(p, "code")
	redirect, _ := paramString(p, "redirect_uri")
	grantType, _ := paramString(p, "grant_type")
	switch {
	case id == "":
		writeGraphError(w, errOAuth(101, 0, "Missing client_id parameter."))
		return
	case id != s.appID():
		writeGraphError(w, errOAuth(101, 0, "Error validating application. Invalid application ID."))
		return
	case secret != s.cfg.AppSecret:
		writeGraphError(w, errOAuth(1, 0, "Error validating client secret."))
		return
	case grantType == "client_credentials":
		writeGraphJSON(w, http.StatusOK, map[string]string{"access_token": id + "|" + secret, "token_type": "bearer"})
		return
	case code == "":
		writeGraphError(w, errOAuth(1, 0, "Missing code parameter."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	for c, ac := range s.codes {
		if now.Sub(ac.Created) > codeMemory {
			delete(s.codes, c)
		}
	}
	ac := s.codes[code]
	switch {
	case ac == nil:
		writeGraphError(w, errOAuth(100, 0, "Invalid verification code format."))
		return
	case ac.Used:
		writeGraphError(w, errOAuth(100, 36009, "This authorization code has been used."))
		return
	case now.Sub(ac.Created) > codeLifetime:
		writeGraphError(w, errOAuth(100, 36007, "This authorization code has expired."))
		return
	case ac.RedirectURI != "" && redirect != ac.RedirectURI:
		writeGraphError(w, errOAuth(100, 36008, "Error validating verification code. Please make sure your redirect_uri is identical to the one you used in the OAuth dialog request"))
		return
	}
	ac.Used = true
	token := newAccessToken()
	for _, gid := range []string{ac.WABAID, ac.PhoneNumberID, ac.BusinessID} {
		if gid != "" {
			s.grant(token, gid)
		}
	}
	s.changed()
	writeGraphJSON(w, http.StatusOK, map[string]string{"access_token": token, "token_type": "bearer"})
}

// debugToken is GET /debug_token?input_token= (§7.4), answered for an app
// token or any valid token. granular_scopes lists the WABAs (and their
// businesses) the token reaches, which is how a Tech Provider finds the
// customer's WABA from a business token.
func (s *Server) debugToken(w http.ResponseWriter, r *http.Request) {
	caller, input := bearer(r), r.URL.Query().Get("input_token")
	s.mu.Lock()
	defer s.mu.Unlock()
	if caller != s.appID()+"|"+s.cfg.AppSecret {
		if _, gerr := s.tokenGrants(caller); gerr != nil {
			writeGraphError(w, gerr)
			return
		}
	}
	if input == "" {
		writeGraphError(w, errRequired("input_token"))
		return
	}
	g := s.tokens[input]
	data := map[string]any{"app_id": s.appID(), "type": "SYSTEM_USER", "application": s.appName(), "is_valid": g != nil}
	if g == nil || slices.Contains(s.faults.ExpiredTokens, input) {
		data["is_valid"] = false
		data["error"] = map[string]any{"code": 190, "message": "Invalid OAuth access token."}
		writeGraphJSON(w, http.StatusOK, map[string]any{"data": data})
		return
	}
	var wabas, bizs []string
	for id := range g {
		switch {
		case s.numbers[id] != nil:
			wabas = append(wabas, s.numbers[id].WABAID)
		case s.wabaKnown(id):
			wabas = append(wabas, id)
		case s.businessKnown(id):
			bizs = append(bizs, id)
		}
	}
	slices.Sort(wabas)
	wabas = slices.Compact(wabas)
	slices.Sort(bizs)
	scopes := []string{"whatsapp_business_management", "whatsapp_business_messaging"}
	var granular []map[string]any
	for _, sc := range scopes {
		granular = append(granular, map[string]any{"scope": sc, "target_ids": wabas})
	}
	if len(bizs) > 0 {
		scopes = append(scopes, "business_management")
		granular = append(granular, map[string]any{"scope": "business_management", "target_ids": bizs})
	}
	data["expires_at"], data["data_access_expires_at"] = 0, 0
	data["scopes"], data["granular_scopes"] = scopes, granular
	writeGraphJSON(w, http.StatusOK, map[string]any{"data": data})
}

// emitApp queues an app-level management webhook: entry[].id is the
// partner's own portfolio. Callers hold s.mu.
func (s *Server) emitApp(field string, value any) {
	raw, err := json.Marshal(value)
	if err != nil {
		s.log.Error("meta sim: encode webhook", "field", field, "err", err)
		return
	}
	if s.closed {
		return
	}
	s.hooks.enqueueApp(&update{field: field, value: raw, entryID: cmpOr(s.cfg.PartnerBusinessID, DefaultPartnerBusinessID)})
}

// ctlApp describes the simulated app, so a product can be configured
// with its id.
func (s *Server) ctlApp(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	simctl.JSON(w, http.StatusOK, map[string]string{"app_id": s.appID(), "app_name": s.appName(),
		"partner_business_id": cmpOr(s.cfg.PartnerBusinessID, DefaultPartnerBusinessID), "webhook_url": s.webhookURL})
}

// onboardingRoutes registers the control endpoints of this part.
func (s *Server) onboardingRoutes(m *http.ServeMux) {
	m.HandleFunc("GET /_sim/app", s.ctlApp)
	m.HandleFunc("POST /_sim/signup", s.ctlSignup)
	m.HandleFunc("POST /_sim/number", s.ctlNumber)
	m.HandleFunc("POST /_sim/display-name", s.ctlDisplayName)
	m.HandleFunc("POST /_sim/health", s.ctlHealth)
	m.HandleFunc("POST /_sim/account-update", s.ctlAccountUpdate)
	m.HandleFunc("POST /_sim/oba", s.ctlOBA)
	m.HandleFunc("POST /_sim/business", s.ctlBusiness)
	m.HandleFunc("GET /_sim/embedded-signup", s.serveSignupPage)
	m.HandleFunc("GET /_sim/embedded-signup.js", s.serveSignupJS)
	m.HandleFunc("GET /_sim/sdk.js", s.serveSDK)
	m.HandleFunc("GET /_sim/pps/{id}", s.servePicture)
}

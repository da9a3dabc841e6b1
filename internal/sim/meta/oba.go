package meta

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Official Business Account (§8.5): a request is only a submission
// ({"success":true}); Meta's decision arrives as account_alerts OBA_APPROVED
// or OBA_REJECTED, played by /_sim/oba. The eligibility rules Meta lists
// are enforced; Meta documents no error code for them, so they answer code
// 100 with the rule in error_data.details.

const (
	obaNotStarted = "NOT_STARTED"
	obaPending    = "PENDING"
	obaApproved   = "APPROVED"
	obaRejected   = "REJECTED"

	obaMinRegistered = 30 * 24 * time.Hour // registered on the platform for at least 30 days
	obaReapplyAfter  = 30 * 24 * time.Hour // a rejected number may ask again after 30 days
	maxSupportLinks  = 5
)

type obaState struct {
	Status        string         `json:"status,omitempty"` // "" = NOT_STARTED
	StatusMessage string         `json:"status_message,omitempty"`
	Request       map[string]any `json:"request,omitempty"`
	SubmittedAt   time.Time      `json:"submitted_at,omitzero"`
	DecidedAt     time.Time      `json:"decided_at,omitzero"`
}

func (o obaState) json() map[string]any {
	out := map[string]any{"oba_status": cmpOr(o.Status, obaNotStarted)}
	if o.StatusMessage != "" {
		out["status_message"] = o.StatusMessage
	}
	return out
}

// Business Verification states of a portfolio (Graph Business node).
var verificationStatuses = []string{"expired", "failed", "ineligible", "not_verified", "pending",
	"pending_need_more_info", "pending_submission", "rejected", "revoked", "verified"}

// verificationOf is a portfolio's Business Verification; seeded ones are
// verified. Callers hold s.mu.
func (s *Server) verificationOf(bizID string) string {
	if p := s.portfolios[bizID]; p != nil && p.VerificationStatus != "" {
		return p.VerificationStatus
	}
	return "verified"
}

func errOBA(details string) *graphError {
	e := newGraphError(100, details)
	e.Message = "(#100) Invalid parameter"
	return e
}

func (s *Server) serveOBA(w http.ResponseWriter, r *http.Request, phoneID string) {
	ns, gerr := s.authorize(r, phoneID, strings.ToLower(r.Method))
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	if r.Method == http.MethodGet {
		s.mu.Lock()
		body := ns.info.OBA.json()
		s.mu.Unlock()
		writeGraphJSON(w, http.StatusOK, body)
		return
	}
	p, gerr := graphParams(w, r)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	req, gerr := obaRequest(p)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if gerr := s.obaEligible(ns); gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	ns.info.OBA = obaState{Status: obaPending, Request: req, SubmittedAt: s.now()}
	s.changed()
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// obaRequest validates the request fields (§8.5).
func obaRequest(p map[string]any) (map[string]any, *graphError) {
	req := map[string]any{}
	for _, f := range []string{"business_website_url", "primary_country_of_operation", "primary_language"} {
		v, _ := paramString(p, f)
		if strings.TrimSpace(v) == "" {
			return nil, errRequired(f)
		}
		req[f] = v
	}
	if u := req["business_website_url"].(string); !isHTTPURL(u) {
		return nil, errParam("business_website_url", "must be an http:// or https:// URL")
	}
	for _, f := range []string{"parent_business_or_brand", "additional_supporting_information"} {
		if v, ok := paramString(p, f); ok && v != "" {
			req[f] = v
		}
	}
	if _, present := p["supporting_links"]; present {
		links, ok := paramList(p, "supporting_links")
		if !ok {
			return nil, errParam("supporting_links", "must be an array of URLs")
		}
		if len(links) > maxSupportLinks {
			return nil, errParam("supporting_links", fmt.Sprintf("must have at most %d elements", maxSupportLinks))
		}
		for i, l := range links {
			if !isHTTPURL(l) {
				return nil, errParam(fmt.Sprintf("supporting_links[%d]", i), "must be an http:// or https:// URL")
			}
		}
		req["supporting_links"] = links
	}
	return req, nil
}

// obaEligible applies Meta's criteria in the order a person would fix
// them. Callers hold s.mu.
func (s *Server) obaEligible(ns *numberState) *graphError {
	in, now := &ns.info, s.now()
	switch {
	case in.OBA.Status == obaPending:
		return errOBA("An Official Business Account request for this phone number is already under review.")
	case in.OBA.Status == obaApproved:
		return errOBA("This phone number is already an Official Business Account.")
	case in.OBA.Status == obaRejected && now.Sub(in.OBA.DecidedAt) < obaReapplyAfter:
		return errOBA("The last Official Business Account request for this phone number was rejected less than 30 days ago.")
	case !in.Registered:
		return errOBA("The phone number must be registered on the WhatsApp Business Platform.")
	case !in.RegisteredAt.IsZero() && now.Sub(in.RegisteredAt) < obaMinRegistered:
		return errOBA("The phone number must have been registered on the WhatsApp Business Platform for at least 30 days.")
	case s.verificationOf(portfolioID(ns)) != "verified":
		return errOBA("The business portfolio that owns the phone number must complete Business Verification.")
	case in.Pin == "":
		return errOBA("The phone number must have two-step verification enabled.")
	case in.NameStatus != "APPROVED":
		return errOBA("The phone number's display name must be approved.")
	}
	return nil
}

// DecideOBA records Meta's OBA decision (APPROVED or REJECTED) on a
// pending request and sends account_alerts with Meta's wording.
func (s *Server) DecideOBA(phoneID, decision, message string) error {
	decision = strings.ToUpper(decision)
	if decision != obaApproved && decision != obaRejected {
		return fmt.Errorf("%w: decision must be APPROVED or REJECTED", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneID]
	if ns == nil {
		return fmt.Errorf("%w: phone number %q", ErrNotFound, phoneID)
	}
	o := &ns.info.OBA
	if o.Status != obaPending {
		return fmt.Errorf("%w: no pending Official Business Account request (status %s)", ErrInvalidInbound, cmpOr(o.Status, obaNotStarted))
	}
	severity, alert := "INFORMATIONAL", "OBA_APPROVED"
	desc := "This phone number now has a green badge next to its name showing that it's an authentic and notable business account. Add more details to your business profile to increase customer trust."
	if decision == obaRejected {
		severity, alert = "CRITICAL", "OBA_REJECTED"
		desc = "We do not grant official business accounts to individuals. Your display name must be directly associated with your business. Edit the display name and submit a new request."
	}
	o.Status, o.StatusMessage, o.DecidedAt = decision, message, s.now()
	s.changed()
	s.emitField(ns, "account_alerts", map[string]any{"entity_type": "PHONE_NUMBER", "entity_id": ns.PhoneNumberID,
		"alert_info": map[string]string{"alert_severity": severity, "alert_status": "ACTIVE", "alert_type": alert,
			"alert_description": cmpOr(message, desc)}})
	return nil
}

func (s *Server) ctlOBA(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID string `json:"phone_number_id"`
		Decision      string `json:"decision"`
		StatusMessage string `json:"status_message"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.DecideOBA(in.PhoneNumberID, in.Decision, in.StatusMessage); err != nil {
		ctlErr(w, err)
		return
	}
	s.ctlNumberFields(w, in.PhoneNumberID)
}

// SetBusinessVerification sets a portfolio's Business Verification status
// (by business id, or the portfolio of wabaID).
func (s *Server) SetBusinessVerification(bizID, wabaID, status string) error {
	status = strings.ToLower(status)
	if !slices.Contains(verificationStatuses, status) {
		return fmt.Errorf("%w: verification_status must be one of %s", ErrInvalidInbound, strings.Join(verificationStatuses, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if bizID == "" && wabaID != "" && s.wabaKnown(wabaID) {
		bizID = s.businessOfWABA(wabaID)
	}
	if bizID == "" || !s.businessKnown(bizID) {
		return fmt.Errorf("%w: business %q / WABA %q", ErrNotFound, bizID, wabaID)
	}
	s.businessOf(bizID).VerificationStatus = status
	s.changed()
	return nil
}

func (s *Server) ctlBusiness(w http.ResponseWriter, r *http.Request) {
	var in struct {
		BusinessID         string `json:"business_id"`
		WABAID             string `json:"waba_id"`
		VerificationStatus string `json:"verification_status"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.SetBusinessVerification(in.BusinessID, in.WABAID, in.VerificationStatus); err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]any{"success": true, "verification_status": strings.ToLower(in.VerificationStatus)})
}

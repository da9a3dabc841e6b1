package meta

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Control endpoints for what Meta decides about a number or WABA, each
// sending the webhook Meta sends for it (§2.8).

var (
	phoneStatuses = []string{"PENDING", "DELETED", "MIGRATED", "BANNED", "RESTRICTED", "RATE_LIMITED",
		"FLAGGED", "CONNECTED", "DISCONNECTED", "UNKNOWN", "UNVERIFIED"}
	qualityRatings   = []string{"GREEN", "YELLOW", "RED", "UNKNOWN", "NA"}
	throughputLevels = []string{"STANDARD", "HIGH", "NOT_APPLICABLE"}
	nameDecisions    = []string{"APPROVED", "REJECTED", "DEFERRED", "PENDING"}
	rejectionReasons = []string{"NAME_EMPLOYEE_ISSUE", "NAME_ENDCLIENT_NOTRELATED", "NAME_FORMAT_UNACCEPTABLE",
		"NAME_INDIVIDUAL_ISSUE", "NAME_NOT_CONSISTENT", "UNKNOWN"}
)

// NumberChange is what /_sim/number may change; empty fields keep their
// value.
type NumberChange struct {
	PhoneNumberID      string `json:"phone_number_id"`
	Status             string `json:"status,omitempty"`         // §8.1 status, reported as is
	QualityRating      string `json:"quality_rating,omitempty"` // GREEN | YELLOW | RED | UNKNOWN | NA
	Throughput         string `json:"throughput,omitempty"`     // STANDARD | HIGH | NOT_APPLICABLE
	MaintenanceSeconds int    `json:"maintenance_seconds,omitempty"`
	AccountMode        string `json:"account_mode,omitempty"` // LIVE | SANDBOX
}

// ChangeNumber applies c. A quality drop to RED sends
// phone_number_quality_update FLAGGED and leaving RED UNFLAGGED (the legacy
// events integrators still handle; current docs list none for quality).
// Throughput HIGH needs an unlimited portfolio (§5.7) and sends
// THROUGHPUT_UPGRADE; with MaintenanceSeconds the number first answers
// sends with 131057 for that long (by the injected clock), as during
// Meta's upgrade minute.
func (s *Server) ChangeNumber(c NumberChange) error {
	for _, chk := range []struct {
		name, v string
		allowed []string
	}{{"status", c.Status, phoneStatuses}, {"quality_rating", c.QualityRating, qualityRatings},
		{"throughput", c.Throughput, throughputLevels}, {"account_mode", c.AccountMode, []string{"LIVE", "SANDBOX"}}} {
		if chk.v != "" && !slices.Contains(chk.allowed, strings.ToUpper(chk.v)) {
			return fmt.Errorf("%w: %s must be one of %s", ErrInvalidInbound, chk.name, strings.Join(chk.allowed, ", "))
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[c.PhoneNumberID]
	if ns == nil {
		return fmt.Errorf("%w: phone number %q", ErrNotFound, c.PhoneNumberID)
	}
	in := &ns.info
	tier := s.portfolioOf(ns).Tier
	if t := strings.ToUpper(c.Throughput); t == "HIGH" && in.Throughput != "HIGH" && tier != "TIER_UNLIMITED" {
		return fmt.Errorf("%w: throughput HIGH needs an unlimited portfolio messaging limit (now %s)", ErrInvalidInbound, tier)
	}
	quality := func(event string) {
		s.emitField(ns, "phone_number_quality_update", map[string]string{"display_phone_number": ns.DisplayPhoneNumber,
			"event": event, "current_limit": tier, "max_daily_conversations_per_business": tier})
	}
	if q := strings.ToUpper(c.QualityRating); q != "" && q != ns.QualityRating {
		switch {
		case q == "RED":
			quality("FLAGGED")
		case ns.QualityRating == "RED":
			quality("UNFLAGGED")
		}
		ns.QualityRating = q
	}
	if t := strings.ToUpper(c.Throughput); t != "" && t != in.Throughput {
		if t == "HIGH" {
			in.MaintenanceUntil = s.now().Add(time.Duration(c.MaintenanceSeconds) * time.Second)
			quality("THROUGHPUT_UPGRADE")
		}
		in.Throughput = t
	}
	if c.Status != "" {
		in.Status = strings.ToUpper(c.Status)
	}
	if c.AccountMode != "" {
		in.AccountMode = strings.ToUpper(c.AccountMode)
	}
	s.changed()
	return nil
}

func (s *Server) ctlNumber(w http.ResponseWriter, r *http.Request) {
	var c NumberChange
	if !simctl.Body(w, r, &c) {
		return
	}
	if err := s.ChangeNumber(c); err != nil {
		ctlErr(w, err)
		return
	}
	s.ctlNumberFields(w, c.PhoneNumberID)
}

// ctlNumberFields answers a number control with the number as Graph
// shows it, every field included.
func (s *Server) ctlNumberFields(w http.ResponseWriter, phoneID string) {
	s.mu.Lock()
	ns := s.numbers[phoneID]
	body, _ := s.phoneNumberFields(ns, strings.Join(append(slices.Clone(phoneFields), phoneExtraFields...), ","))
	s.mu.Unlock()
	simctl.JSON(w, http.StatusOK, body)
}

// DecideDisplayName records Meta's display-name review (§8.4) and sends
// phone_number_name_update. A pending new_display_name is the name under
// review when there is one: approval makes it verified_name. APPROVED sets
// the status APPROVED, REJECTED sets DECLINED, DEFERRED and PENDING leave
// it PENDING_REVIEW.
func (s *Server) DecideDisplayName(phoneID, decision, reason string) error {
	decision, reason = strings.ToUpper(decision), strings.ToUpper(reason)
	if !slices.Contains(nameDecisions, decision) {
		return fmt.Errorf("%w: decision must be one of %s", ErrInvalidInbound, strings.Join(nameDecisions, ", "))
	}
	if reason != "" && !slices.Contains(rejectionReasons, reason) {
		return fmt.Errorf("%w: rejection_reason must be one of %s", ErrInvalidInbound, strings.Join(rejectionReasons, ", "))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneID]
	if ns == nil {
		return fmt.Errorf("%w: phone number %q", ErrNotFound, phoneID)
	}
	in := &ns.info
	status := map[string]string{"APPROVED": "APPROVED", "REJECTED": "DECLINED"}[decision]
	if status == "" {
		status = "PENDING_REVIEW"
	}
	requested := ns.VerifiedName
	if in.NewDisplayName != "" && in.NewNameStatus == "PENDING_REVIEW" {
		requested = in.NewDisplayName
		in.NewNameStatus = status
		if decision == "APPROVED" {
			ns.VerifiedName, in.NameStatus, in.NewDisplayName, in.NewNameStatus = requested, "APPROVED", "", ""
		}
	} else {
		in.NameStatus = status
	}
	var rejection any // JSON null unless rejected (webhooks/reference/phone_number_name_update)
	if decision == "REJECTED" {
		rejection = cmpOr(reason, "UNKNOWN")
	}
	s.changed()
	s.emitField(ns, "phone_number_name_update", map[string]any{"display_phone_number": ns.DisplayPhoneNumber,
		"decision": decision, "requested_verified_name": requested, "rejection_reason": rejection})
	return nil
}

func (s *Server) ctlDisplayName(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID   string `json:"phone_number_id"`
		Decision        string `json:"decision"`
		RejectionReason string `json:"rejection_reason"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.DecideDisplayName(in.PhoneNumberID, in.Decision, in.RejectionReason); err != nil {
		ctlErr(w, err)
		return
	}
	s.ctlNumberFields(w, in.PhoneNumberID)
}

// AccountUpdate is an account_update event to send (§2.8); the shortcut
// fields fill the event's documented sub-object, Extra is merged into the
// value last.
type AccountUpdate struct {
	WABAID        string         `json:"waba_id"`
	Event         string         `json:"event"`
	ViolationType string         `json:"violation_type,omitempty"` // ACCOUNT_VIOLATION (default ADULT)
	BanState      string         `json:"waba_ban_state,omitempty"` // DISABLED_UPDATE: DISABLE | REINSTATE | SCHEDULE_FOR_DISABLE
	BanDate       string         `json:"waba_ban_date,omitempty"`  // default: today, "April 17, 2025"
	Country       string         `json:"country,omitempty"`        // BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE
	PhoneNumberID string         `json:"phone_number_id,omitempty"`
	Extra         map[string]any `json:"extra,omitempty"`
}

var bannedError = healthError{ErrorCode: 368, ErrorDescription: "The WhatsApp Business Account associated with the app has been restricted or disabled for violating a platform policy.",
	PossibleSolution: "See the Policy Enforcement document to learn about policy violations and how to resolve them."}

// SendAccountUpdate sends account_update and applies what the event means
// for sending: DISABLED_UPDATE DISABLE blocks the WABA (sends get 368),
// SCHEDULE_FOR_DISABLE limits it, REINSTATE clears that. PARTNER_* events
// go to the app with the partner's portfolio in entry[].id;
// PARTNER_APP_UNINSTALLED and PARTNER_REMOVED also unsubscribe the app.
// VERIFIED_ACCOUNT is the legacy OBA event ({"phone_number","event"}),
// sent only when asked for.
func (s *Server) SendAccountUpdate(a AccountUpdate) error {
	a.Event = strings.ToUpper(a.Event)
	if a.Event == "" {
		return fmt.Errorf("%w: event is required", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.wabaKnown(a.WABAID) {
		return fmt.Errorf("%w: WABA %q", ErrNotFound, a.WABAID)
	}
	v := map[string]any{"event": a.Event}
	switch a.Event {
	case "ACCOUNT_VIOLATION":
		v["violation_info"] = map[string]string{"violation_type": cmpOr(strings.ToUpper(a.ViolationType), "ADULT")}
	case "DISABLED_UPDATE":
		state := cmpOr(strings.ToUpper(a.BanState), "DISABLE")
		if !slices.Contains([]string{"DISABLE", "REINSTATE", "SCHEDULE_FOR_DISABLE"}, state) {
			return fmt.Errorf("%w: waba_ban_state must be DISABLE, REINSTATE or SCHEDULE_FOR_DISABLE", ErrInvalidInbound)
		}
		v["ban_info"] = map[string]string{"waba_ban_state": state, "waba_ban_date": cmpOr(a.BanDate, s.now().UTC().Format("January 2, 2006"))}
		ws := s.wabaOf(a.WABAID)
		switch state {
		case "DISABLE":
			ws.Health = &healthOverride{CanSendMessage: healthBlocked, Errors: []healthError{bannedError}}
		case "SCHEDULE_FOR_DISABLE":
			ws.Health = &healthOverride{CanSendMessage: healthLimited,
				AdditionalInfo: []string{"Your WhatsApp Business Account is scheduled to be disabled for violating a platform policy."}}
		default:
			ws.Health = nil
		}
	case "BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE":
		v["country"] = cmpOr(strings.ToUpper(a.Country), "US")
	case "VERIFIED_ACCOUNT":
		ns := s.numbers[a.PhoneNumberID]
		if ns == nil || ns.WABAID != a.WABAID {
			return fmt.Errorf("%w: VERIFIED_ACCOUNT needs a phone_number_id of WABA %s", ErrInvalidInbound, a.WABAID)
		}
		v["phone_number"] = ns.DisplayPhoneNumber
	}
	maps.Copy(v, a.Extra)
	s.changed()
	if strings.HasPrefix(a.Event, "PARTNER_") {
		if a.Event == "PARTNER_APP_UNINSTALLED" || a.Event == "PARTNER_REMOVED" {
			ws := s.wabaOf(a.WABAID)
			ws.Subscribed, ws.OverrideURL = false, ""
		}
		if _, ok := v["waba_info"]; !ok {
			info := map[string]any{"waba_id": a.WABAID, "owner_business_id": s.businessOfWABA(a.WABAID)}
			if strings.HasPrefix(a.Event, "PARTNER_APP_") {
				info["partner_app_id"] = s.appID()
			}
			v["waba_info"] = info
		}
		s.emitApp("account_update", v)
		return nil
	}
	s.emitWABA(a.WABAID, "account_update", v)
	return nil
}

func (s *Server) ctlAccountUpdate(w http.ResponseWriter, r *http.Request) {
	var a AccountUpdate
	if !simctl.Body(w, r, &a) {
		return
	}
	if err := s.SendAccountUpdate(a); err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]bool{"success": true})
}

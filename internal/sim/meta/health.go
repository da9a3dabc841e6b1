package meta

import (
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Messaging health (§5.2, support/health-status): every node involved in
// a send has a can_send_message of AVAILABLE, LIMITED (with
// additional_info) or BLOCKED (with errors); the overall value is the
// worst of them. The simulator derives the phone number's from its state
// and lets /_sim/health (or account_update DISABLED_UPDATE) set any node's.

const (
	healthAvailable = "AVAILABLE"
	healthLimited   = "LIMITED"
	healthBlocked   = "BLOCKED"
)

// healthOverride is a node's health as set through the control API.
type healthOverride struct {
	CanSendMessage string        `json:"can_send_message"`
	Errors         []healthError `json:"errors,omitempty"`
	AdditionalInfo []string      `json:"additional_info,omitempty"`
}

type healthError struct {
	ErrorCode        int    `json:"error_code"`
	ErrorDescription string `json:"error_description"`
	PossibleSolution string `json:"possible_solution"`
}

// healthEntity is one element of health_status.entities.
type healthEntity struct {
	EntityType     string        `json:"entity_type"`
	ID             string        `json:"id"`
	CanSendMessage string        `json:"can_send_message"`
	AdditionalInfo []string      `json:"additional_info,omitempty"`
	Errors         []healthError `json:"errors,omitempty"`
}

func (h *healthOverride) clone() *healthOverride {
	if h == nil {
		return nil
	}
	c := *h
	c.Errors = slices.Clone(h.Errors)
	c.AdditionalInfo = slices.Clone(h.AdditionalInfo)
	return &c
}

func entityOf(typ, id string, h *healthOverride) healthEntity {
	if h == nil {
		return healthEntity{EntityType: typ, ID: id, CanSendMessage: healthAvailable}
	}
	return healthEntity{EntityType: typ, ID: id, CanSendMessage: h.CanSendMessage,
		AdditionalInfo: h.AdditionalInfo, Errors: h.Errors}
}

// Meta's own wording for the derived states. The unregistered number's
// error reuses Cloud API code 133010: Meta documents no health error code
// for it.
var (
	nameNotApprovedInfo = "Your display name has not been approved yet. Your message limit will increase after the display name is approved."
	notRegisteredError  = healthError{ErrorCode: 133010, ErrorDescription: "Phone number not registered on the WhatsApp Business Platform.",
		PossibleSolution: "Register the phone number before trying again."}
	templateNotApproved = healthError{ErrorCode: 141002, ErrorDescription: "Message templates can only be sent out if they are approved.",
		PossibleSolution: "Edit or appeal the message template review decision."}
)

// phoneEntity derives the PHONE_NUMBER entity. Callers hold s.mu.
func (s *Server) phoneEntity(ns *numberState) healthEntity {
	in := &ns.info
	switch {
	case in.Health != nil:
		return entityOf("PHONE_NUMBER", ns.PhoneNumberID, in.Health)
	case !in.Registered:
		return healthEntity{EntityType: "PHONE_NUMBER", ID: ns.PhoneNumberID, CanSendMessage: healthBlocked,
			Errors: []healthError{notRegisteredError}}
	case in.NameStatus != "APPROVED" && in.NameStatus != "AVAILABLE_WITHOUT_REVIEW":
		return healthEntity{EntityType: "PHONE_NUMBER", ID: ns.PhoneNumberID, CanSendMessage: healthLimited,
			AdditionalInfo: []string{nameNotApprovedInfo}}
	}
	return entityOf("PHONE_NUMBER", ns.PhoneNumberID, nil)
}

// accountEntities are the WABA, BUSINESS and APP entities, always present.
// Callers hold s.mu.
func (s *Server) accountEntities(wabaID string) []healthEntity {
	biz := s.businessOfWABA(wabaID)
	var wh, bh *healthOverride
	if w := s.wabas[wabaID]; w != nil {
		wh = w.Health
	}
	if p := s.portfolios[biz]; p != nil {
		bh = p.Health
	}
	return []healthEntity{entityOf("WABA", wabaID, wh), entityOf("BUSINESS", biz, bh), entityOf("APP", s.appID(), s.appHealth)}
}

func healthStatus(entities []healthEntity) map[string]any {
	overall := healthAvailable
	for _, e := range entities {
		switch {
		case e.CanSendMessage == healthBlocked:
			overall = healthBlocked
		case e.CanSendMessage == healthLimited && overall == healthAvailable:
			overall = healthLimited
		}
	}
	return map[string]any{"can_send_message": overall, "entities": entities}
}

func (s *Server) numberHealth(ns *numberState) map[string]any {
	return healthStatus(append([]healthEntity{s.phoneEntity(ns)}, s.accountEntities(ns.WABAID)...))
}

func (s *Server) wabaHealth(wabaID string) map[string]any {
	return healthStatus(s.accountEntities(wabaID))
}

// templateHealth blocks templates that are not APPROVED, with the error
// Meta's health-status page shows for a pending one. Callers hold s.mu.
func (s *Server) templateHealth(t *Template) map[string]any {
	te := healthEntity{EntityType: "MESSAGE_TEMPLATE", ID: t.ID, CanSendMessage: healthAvailable}
	if t.Status != "APPROVED" {
		te.CanSendMessage, te.Errors = healthBlocked, []healthError{templateNotApproved}
	}
	return healthStatus(append([]healthEntity{te}, s.accountEntities(t.WABAID)...))
}

// sendBlocked is the synchronous error of a send from a number that cannot
// send: not registered (133010), in the throughput upgrade's maintenance
// minute (131057), or BLOCKED by a health override — answered with the
// first error's code when it is a Cloud API code, else 131031 ("Account
// has been locked", whose documentation points at the health status).
func (s *Server) sendBlocked(ns *numberState) *graphError {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &ns.info
	if !in.Registered {
		return newGraphError(133010, "")
	}
	if s.now().Before(in.MaintenanceUntil) {
		return newGraphError(131057, "")
	}
	for _, e := range append([]healthEntity{s.phoneEntity(ns)}, s.accountEntities(ns.WABAID)...) {
		if e.CanSendMessage != healthBlocked {
			continue
		}
		code, details := 131031, ""
		if len(e.Errors) > 0 {
			details = e.Errors[0].ErrorDescription
			if _, known := codeInfo[e.Errors[0].ErrorCode]; known {
				code = e.Errors[0].ErrorCode
			}
		}
		return newGraphError(code, details)
	}
	return nil
}

// SetHealth sets (or with AVAILABLE and nothing else, clears) the health
// of one node: entityType PHONE_NUMBER, WABA, BUSINESS or APP (id unused).
func (s *Server) SetHealth(entityType, id string, h healthOverride) error {
	h.CanSendMessage = strings.ToUpper(h.CanSendMessage)
	if !slices.Contains([]string{healthAvailable, healthLimited, healthBlocked}, h.CanSendMessage) {
		return fmt.Errorf("%w: can_send_message must be AVAILABLE, LIMITED or BLOCKED", ErrInvalidInbound)
	}
	if h.CanSendMessage == healthBlocked && len(h.Errors) == 0 {
		h.Errors = []healthError{{ErrorCode: 131031, ErrorDescription: "Account has been locked",
			PossibleSolution: "See the Policy Enforcement document to learn about policy violations and how to resolve them."}}
	}
	var hp *healthOverride
	if h.CanSendMessage != healthAvailable || len(h.Errors) > 0 || len(h.AdditionalInfo) > 0 {
		hp = &h
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	switch strings.ToUpper(entityType) {
	case "PHONE_NUMBER":
		ns := s.numbers[id]
		if ns == nil {
			return fmt.Errorf("%w: phone number %q", ErrNotFound, id)
		}
		ns.info.Health = hp
	case "WABA":
		if !s.wabaKnown(id) {
			return fmt.Errorf("%w: WABA %q", ErrNotFound, id)
		}
		s.wabaOf(id).Health = hp
	case "BUSINESS":
		if !s.businessKnown(id) {
			return fmt.Errorf("%w: business %q", ErrNotFound, id)
		}
		s.businessOf(id).Health = hp
	case "APP":
		s.appHealth = hp
	default:
		return fmt.Errorf("%w: entity_type must be PHONE_NUMBER, WABA, BUSINESS or APP", ErrInvalidInbound)
	}
	s.changed()
	return nil
}

// ctlHealth: {"entity_type","id","can_send_message","errors":[{error_code,
// error_description,possible_solution}],"additional_info":["…"]}. Meta has
// no health webhook; account changes it announces go through
// /_sim/account-update.
func (s *Server) ctlHealth(w http.ResponseWriter, r *http.Request) {
	var in struct {
		EntityType string `json:"entity_type"`
		ID         string `json:"id"`
		healthOverride
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.SetHealth(in.EntityType, in.ID, in.healthOverride); err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]bool{"success": true})
}

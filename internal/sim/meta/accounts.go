package meta

import (
	"crypto/sha256"
	"encoding/hex"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
)

// DefaultAppID is the simulated Meta app when Config.AppID is empty: the
// client_id of the Embedded Signup code exchange, the {app-id} of the
// Resumable Upload API and the APP entity of health_status. It is fixed so
// a product in sandbox mode can be configured with it.
const DefaultAppID = "100000000000010"

// DefaultPartnerBusinessID is the Tech Provider's own business portfolio:
// Meta puts it in entry[].id of account_update PARTNER_* webhooks.
const DefaultPartnerBusinessID = "100000000000011"

// numberInfo is what onboarding, registration and Meta's reviews change on
// a number (§7, §8). Number keeps what a seed sets. The zero time of
// RegisteredAt stands for "registered before the simulator knew it" (every
// seeded number), which is also how OBA's 30-day rule treats it.
type numberInfo struct {
	Registered       bool      `json:"registered"`
	Status           string    `json:"status"` // §8.1: CONNECTED, PENDING, DISCONNECTED, BANNED, …
	RegisteredAt     time.Time `json:"registered_at,omitzero"`
	OnboardedAt      time.Time `json:"onboarded_at,omitzero"` // last_onboarded_time
	Pin              string    `json:"pin,omitempty"`         // two-step verification PIN; "" = not enabled
	DataRegion       string    `json:"data_localization_region,omitempty"`
	Register         callLimit `json:"register,omitzero"`
	Deregister       callLimit `json:"deregister,omitzero"`
	NameStatus       string    `json:"name_status"`
	NewDisplayName   string    `json:"new_display_name,omitempty"`
	NewNameStatus    string    `json:"new_name_status,omitempty"`
	CodeVerification string    `json:"code_verification_status"`
	Throughput       string    `json:"throughput"`                 // STANDARD | HIGH | NOT_APPLICABLE
	MaintenanceUntil time.Time `json:"maintenance_until,omitzero"` // throughput upgrade: sends fail with 131057 until then
	AccountMode      string    `json:"account_mode"`               // LIVE | SANDBOX
	OverrideURL      string    `json:"override_callback_uri,omitempty"`

	Health  *healthOverride `json:"health,omitempty"`
	Profile businessProfile `json:"profile,omitzero"`
	OBA     obaState        `json:"oba,omitzero"`
}

// callLimit is a rolling-window counter of register or deregister calls.
type callLimit struct {
	Calls        []time.Time `json:"calls,omitempty"`
	BlockedUntil time.Time   `json:"blocked_until,omitzero"`
}

// seededInfo is a number created by AddNumber: the operator's own,
// already onboarded, registered and reviewed.
func seededInfo(now time.Time) numberInfo {
	return numberInfo{Registered: true, Status: "CONNECTED", OnboardedAt: now, NameStatus: "APPROVED",
		CodeVerification: "VERIFIED", Throughput: "STANDARD", AccountMode: "LIVE"}
}

// signupInfo is a number fresh out of Embedded Signup: ownership verified
// by the OTP step, not registered yet, display name waiting for review.
func signupInfo(now time.Time) numberInfo {
	return numberInfo{Status: "PENDING", OnboardedAt: now, NameStatus: "PENDING_REVIEW",
		CodeVerification: "VERIFIED", Throughput: "STANDARD", AccountMode: "LIVE"}
}

func (ni numberInfo) clone() *numberInfo {
	c := ni
	c.Register.Calls = slices.Clone(ni.Register.Calls)
	c.Deregister.Calls = slices.Clone(ni.Deregister.Calls)
	c.Health = ni.Health.clone()
	c.Profile.Websites = slices.Clone(ni.Profile.Websites)
	c.OBA.Request = maps.Clone(ni.OBA.Request)
	return &c
}

// wabaState is a WhatsApp Business Account beyond what its numbers say.
// WABAs of seeded numbers have none until something changes them, and
// count as subscribed (their app has been receiving their webhooks).
type wabaState struct {
	Name        string          `json:"name,omitempty"`
	BusinessID  string          `json:"business_id,omitempty"` // owner portfolio, for a WABA without numbers
	Subscribed  bool            `json:"subscribed"`
	OverrideURL string          `json:"override_callback_uri,omitempty"`
	Health      *healthOverride `json:"health,omitempty"`
	CreatedAt   time.Time       `json:"created_at,omitzero"`
}

// wabaOf returns (creating with the seeded defaults) a WABA's state.
// Callers hold s.mu.
func (s *Server) wabaOf(id string) *wabaState {
	w := s.wabas[id]
	if w == nil {
		w = &wabaState{Subscribed: true}
		s.wabas[id] = w
	}
	return w
}

// wabaSubscribed reports whether the app receives the WABA's webhooks.
// Callers hold s.mu.
func (s *Server) wabaSubscribed(id string) bool {
	w := s.wabas[id]
	return w == nil || w.Subscribed
}

// wabaNumbers lists a WABA's numbers in creation order. Callers hold s.mu.
func (s *Server) wabaNumbers(wabaID string) []*numberState {
	var out []*numberState
	for _, id := range s.order {
		if ns := s.numbers[id]; ns.WABAID == wabaID {
			out = append(out, ns)
		}
	}
	return out
}

func (s *Server) wabaKnown(id string) bool {
	return s.wabas[id] != nil || len(s.wabaNumbers(id)) > 0
}

// businessOfWABA is the portfolio owning a WABA. Callers hold s.mu.
func (s *Server) businessOfWABA(wabaID string) string {
	if w := s.wabas[wabaID]; w != nil && w.BusinessID != "" {
		return w.BusinessID
	}
	if nums := s.wabaNumbers(wabaID); len(nums) > 0 {
		return portfolioID(nums[0])
	}
	return wabaID
}

// wabaName defaults to the display name of the WABA's first number.
func (s *Server) wabaName(wabaID string) string {
	if w := s.wabas[wabaID]; w != nil && w.Name != "" {
		return w.Name
	}
	if nums := s.wabaNumbers(wabaID); len(nums) > 0 {
		return nums[0].VerifiedName
	}
	return "WhatsApp Business Account"
}

// businessKnown reports whether id is a portfolio of some number or WABA.
func (s *Server) businessKnown(id string) bool {
	if s.portfolios[id] != nil {
		return true
	}
	for _, ns := range s.numbers {
		if portfolioID(ns) == id {
			return true
		}
	}
	for wid, w := range s.wabas {
		if w.BusinessID == id || wid == id {
			return true
		}
	}
	return false
}

func (s *Server) appID() string { return cmpOr(s.cfg.AppID, DefaultAppID) }

func (s *Server) appName() string { return cmpOr(s.cfg.AppName, "GoHavi Simulator") }

// templateNamespace is stable per WABA, shaped like Meta's.
func templateNamespace(wabaID string) string {
	h := sha256.Sum256([]byte("namespace:" + wabaID))
	x := hex.EncodeToString(h[:16])
	return x[:8] + "_" + x[8:12] + "_" + x[12:16] + "_" + x[16:20] + "_" + x[20:]
}

// bearer reads the access token: "Authorization: Bearer <t>" or "OAuth <t>"
// (the form Meta's Resumable Upload API documents), else access_token=.
func bearer(r *http.Request) string {
	token := r.URL.Query().Get("access_token")
	h := r.Header.Get("Authorization")
	for _, scheme := range []string{"bearer ", "oauth "} {
		if len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
			token = strings.TrimSpace(h[len(scheme):])
		}
	}
	return token
}

// tokenGrants returns the ids a token may act on: phone numbers, WABAs (and
// with them all their numbers) and businesses. Callers hold s.mu.
func (s *Server) tokenGrants(token string) (map[string]bool, *graphError) {
	if token != "" && slices.Contains(s.faults.ExpiredTokens, token) {
		return nil, errToken(true)
	}
	g := s.tokens[token]
	if token == "" || g == nil {
		return nil, errToken(false)
	}
	return g, nil
}

func grantedNumber(g map[string]bool, ns *numberState) bool {
	return g[ns.PhoneNumberID] || g[ns.WABAID]
}

// grantedWABA accepts a WABA grant or a grant of any of its numbers, as a
// system user with one asset of a WABA sees the WABA. Callers hold s.mu.
func (s *Server) grantedWABA(g map[string]bool, wabaID string) bool {
	if g[wabaID] {
		return true
	}
	for _, ns := range s.wabaNumbers(wabaID) {
		if g[ns.PhoneNumberID] {
			return true
		}
	}
	return false
}

// grantedBusiness accepts a grant of the business or of anything it owns.
func (s *Server) grantedBusiness(g map[string]bool, bizID string) bool {
	if g[bizID] {
		return true
	}
	for _, ns := range s.numbers {
		if portfolioID(ns) == bizID && grantedNumber(g, ns) {
			return true
		}
	}
	for wid := range s.wabas {
		if g[wid] && s.businessOfWABA(wid) == bizID {
			return true
		}
	}
	return false
}

// grant gives token access to an id (number, WABA or business). Callers
// hold s.mu.
func (s *Server) grant(token, id string) {
	if s.tokens[token] == nil {
		s.tokens[token] = map[string]bool{}
	}
	s.tokens[token][id] = true
}

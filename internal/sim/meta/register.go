package meta

import (
	"net/http"
	"slices"
	"strings"
	"time"
)

// Registration (§7.5, §12.3 rule 10): a number must be registered with a
// 6-digit PIN before it can send; the PIN becomes its two-step
// verification PIN, and a number that already has one must be registered
// with it (133005). Each of register and deregister takes 10 calls per
// number in a moving 72 hours; the 11th gets 133016 and blocks that
// endpoint for the next 72 hours, as Meta's registration page says.
const (
	registerWindow = 72 * time.Hour
	registerLimit  = 10
)

// Data localization regions accepted by register (§7.5).
var dataRegions = []string{"AU", "ID", "IN", "JP", "SG", "KR", "DE", "CH", "GB", "BR", "BH", "ZA", "AE", "CA"}

// take counts a call, or reports that the window is used up. Callers hold
// s.mu.
func (c *callLimit) take(now time.Time) bool {
	if now.Before(c.BlockedUntil) {
		return false
	}
	c.Calls = slices.DeleteFunc(c.Calls, func(t time.Time) bool { return now.Sub(t) >= registerWindow })
	if len(c.Calls) >= registerLimit {
		c.BlockedUntil = now.Add(registerWindow)
		return false
	}
	c.Calls = append(c.Calls, now)
	return true
}

// postParams authorizes a POST on a phone number node and reads its
// parameters; on failure it has answered with Graph's error.
func (s *Server) postParams(w http.ResponseWriter, r *http.Request, phoneID string) (*numberState, map[string]any, bool) {
	ns, gerr := s.authorize(r, phoneID, "post")
	if gerr == nil {
		var p map[string]any
		if p, gerr = graphParams(w, r); gerr == nil {
			return ns, p, true
		}
	}
	writeGraphError(w, gerr)
	return nil, nil, false
}

// serveRegistration handles POST /{phone}/register and /deregister.
func (s *Server) serveRegistration(w http.ResponseWriter, r *http.Request, phoneID, edge string) {
	ns, p, ok := s.postParams(w, r, phoneID)
	if !ok {
		return
	}
	var gerr *graphError
	if edge == "register" {
		gerr = s.register(ns, p)
	} else {
		gerr = s.deregister(ns)
	}
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

func (s *Server) register(ns *numberState, p map[string]any) *graphError {
	if mp, _ := paramString(p, "messaging_product"); mp != "whatsapp" {
		if _, ok := p["messaging_product"]; !ok {
			return errRequired("messaging_product")
		}
		return errParam("messaging_product", "must be one of {whatsapp}")
	}
	pin, ok := paramString(p, "pin")
	if !ok {
		return errRequired("pin")
	}
	if !isSixDigits(pin) {
		return errParam("pin", "must be a 6-digit number")
	}
	region, _ := paramString(p, "data_localization_region")
	if region != "" && !slices.Contains(dataRegions, strings.ToUpper(region)) {
		return errParam("data_localization_region", "must be one of {"+strings.Join(dataRegions, ", ")+"}")
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	now := s.now()
	in := &ns.info
	if !in.Register.take(now) {
		s.changed()
		return newGraphError(133016, "")
	}
	s.changed()
	if in.Pin != "" && in.Pin != pin {
		return newGraphError(133005, "")
	}
	first := in.Status == "PENDING"
	in.Pin, in.Registered, in.Status, in.RegisteredAt = pin, true, "CONNECTED", now
	in.DataRegion = strings.ToUpper(region)
	if first {
		// A new number inherits its portfolio's messaging limit (§5.1).
		tier := s.portfolioOf(ns).Tier
		s.emitField(ns, "phone_number_quality_update", map[string]string{
			"display_phone_number": ns.DisplayPhoneNumber, "event": "ONBOARDING",
			"current_limit": tier, "max_daily_conversations_per_business": tier,
		})
	}
	return nil
}

func (s *Server) deregister(ns *numberState) *graphError {
	s.mu.Lock()
	defer s.mu.Unlock()
	in := &ns.info
	if !in.Deregister.take(s.now()) {
		s.changed()
		return newGraphError(133016, "")
	}
	// Deregistering keeps the PIN and the history but drops local storage.
	in.Registered, in.Status, in.DataRegion = false, "DISCONNECTED", ""
	s.changed()
	return nil
}

// serveVerification handles request_code and verify_code (§7.5). The
// simulator sends no SMS, so any 6-digit code verifies.
func (s *Server) serveVerification(w http.ResponseWriter, r *http.Request, phoneID, edge string) {
	ns, p, ok := s.postParams(w, r, phoneID)
	if !ok {
		return
	}
	if edge == "request_code" {
		method, _ := paramString(p, "code_method")
		if m := strings.ToUpper(method); m != "SMS" && m != "VOICE" {
			if method == "" {
				writeGraphError(w, errRequired("code_method"))
			} else {
				writeGraphError(w, errParam("code_method", "must be one of {SMS, VOICE}"))
			}
			return
		}
		if lang, _ := paramString(p, "language"); lang == "" {
			writeGraphError(w, errRequired("language"))
			return
		}
		writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
		return
	}
	code, ok := paramString(p, "code")
	if !ok {
		writeGraphError(w, errRequired("code"))
		return
	}
	if !isSixDigits(code) {
		writeGraphError(w, errParam("code", "must be a 6-digit number"))
		return
	}
	s.mu.Lock()
	ns.info.CodeVerification = "VERIFIED"
	s.changed()
	s.mu.Unlock()
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// updateNode is POST /{phone_number_id}: set the two-step PIN (§7.5), an
// alternate callback (§2.1) or a new display name (§8.4). Other nodes do
// not take a POST here.
func (s *Server) updateNode(w http.ResponseWriter, r *http.Request, id string) {
	ns, p, ok := s.postParams(w, r, id)
	if !ok {
		return
	}
	pin, hasPin := paramString(p, "pin")
	newName, hasName := paramString(p, "new_display_name")
	wc, hasWC := paramObject(p, "webhook_configuration")
	if _, present := p["webhook_configuration"]; present && !hasWC {
		writeGraphError(w, errParam("webhook_configuration", "must be an object"))
		return
	}
	switch {
	case !hasPin && !hasName && !hasWC:
		writeGraphError(w, newGraphError(100, "Expected one of the parameters pin, webhook_configuration, new_display_name."))
		return
	case hasPin && !isSixDigits(pin):
		writeGraphError(w, errParam("pin", "must be a 6-digit number"))
		return
	case hasName && strings.TrimSpace(newName) == "":
		writeGraphError(w, errParam("new_display_name", "must be a non-empty string"))
		return
	}
	if hasWC {
		if gerr := s.setPhoneOverride(r, ns, wc); gerr != nil {
			writeGraphError(w, gerr)
			return
		}
	}
	s.mu.Lock()
	if hasPin {
		ns.info.Pin = pin
	}
	if hasName {
		ns.info.NewDisplayName, ns.info.NewNameStatus = strings.TrimSpace(newName), "PENDING_REVIEW"
	}
	s.changed()
	s.mu.Unlock()
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

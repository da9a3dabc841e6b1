package meta

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// SetMarketingPreference records a customer's marketing opt-out ("stop")
// or opt-in ("resume") for a business number and sends the user_preferences
// webhook (§2.8). While stopped, MARKETING template sends to the customer
// are accepted and then fail with 131050.
func (s *Server) SetMarketingPreference(phoneNumberID, waID, value string) error {
	value = strings.ToLower(value)
	if value != "stop" && value != "resume" {
		return fmt.Errorf(`%w: value must be "stop" or "resume"`, ErrInvalidInbound)
	}
	d, ok := digitsOnly(waID)
	if !ok || d == "" {
		return fmt.Errorf("%w: wa_id must be a phone number", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneNumberID]
	if ns == nil {
		return fmt.Errorf("%w: phone number %q", ErrNotFound, phoneNumberID)
	}
	now := s.now()
	key := pairKey{phoneNumberID, d}
	detail := "User requested to resume marketing messages"
	if value == "stop" {
		s.optedOut[key] = now
		detail = "User requested to stop marketing messages"
	} else {
		delete(s.optedOut, key)
	}
	s.changed()
	s.emitField(ns, "user_preferences", map[string]any{
		"messaging_product": "whatsapp",
		"metadata":          metadata{DisplayPhoneNumber: ns.DisplayPhoneNumber, PhoneNumberID: ns.PhoneNumberID},
		"contacts":          []map[string]string{{"wa_id": d}},
		"user_preferences": []map[string]any{{
			"wa_id": d, "detail": detail, "category": "marketing_messages", "value": value, "timestamp": now.Unix(),
		}},
	})
	return nil
}

func (s *Server) ctlPreferences(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PhoneNumberID string `json:"phone_number_id"`
		WaID          string `json:"wa_id"`
		Value         string `json:"value"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.SetMarketingPreference(in.PhoneNumberID, in.WaID, in.Value); err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]bool{"success": true})
}

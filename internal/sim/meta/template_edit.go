package meta

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Edit limits of an APPROVED template (§6.6); rejected and paused
// templates can be edited without limit.
const (
	maxEditsPerMonth = 10
	editWindowMonth  = 30 * 24 * time.Hour
	editWindowDay    = 24 * time.Hour
)

// ttl30Days is message_send_ttl_seconds -1 (§6.9).
const ttl30Days = 30 * 24 * time.Hour

// checkTemplateTTL applies §6.9's message_send_ttl_seconds ranges. The
// product has its own copy (templates.CheckTTL); this one plays Meta.
func checkTemplateTTL(category string, ttl int) *graphError {
	var lo, hi int
	switch category {
	case "AUTHENTICATION":
		lo, hi = 30, 900
	case "UTILITY":
		lo, hi = 30, 43_200
	default:
		lo, hi = 43_200, 2_592_000
	}
	if ttl == -1 && category != "MARKETING" {
		return nil
	}
	if ttl < lo || ttl > hi {
		msg := fmt.Sprintf("message_send_ttl_seconds must be between %d and %d for %s templates", lo, hi, category)
		if category != "MARKETING" {
			msg += ", or -1 for 30 days"
		}
		return errTemplateParam(msg + ".")
	}
	return nil
}

// templateTTL is how long Meta tries to deliver a send of t. Templates
// without message_send_ttl_seconds give 0, no limit: the category defaults
// (10 min for authentication) are not enforced, so flows and test clocks
// that never set a TTL behave as before.
func templateTTL(t *Template) time.Duration {
	switch {
	case t == nil || t.MessageSendTTLSeconds == 0:
		return 0
	case t.MessageSendTTLSeconds < 0:
		return ttl30Days
	}
	return time.Duration(t.MessageSendTTLSeconds) * time.Second
}

// ttlExpired reports whether m's time-to-live ran out before delivery
// (§3.1: no delivered before the TTL, Meta drops the message). Callers
// hold s.mu.
func (s *Server) ttlExpired(m *message) bool {
	return !m.expiresAt.IsZero() && !s.now().Before(m.expiresAt)
}

// failExpired fails m with 131026 when its TTL ran out, and reports
// whether it did. Callers hold s.mu.
func (s *Server) failExpired(ns *numberState, m *message) bool {
	if !s.ttlExpired(m) {
		return false
	}
	e := asyncError(131026, fmt.Sprintf("Message was not delivered within its time-to-live of %d seconds and was dropped.",
		int(m.expiresAt.Sub(m.at)/time.Second)))
	m.failWith = &e
	s.emit(ns, m, "failed", false)
	return true
}

// templateEdit is the body of POST /{template_id}; nil means "unchanged".
type templateEdit struct {
	Category   *string          `json:"category"`
	Components []map[string]any `json:"components"`
	TTL        *int             `json:"message_send_ttl_seconds"`
}

// editTemplate answers POST /{template_id} (§6.1, §6.6) with
// {"success":true}; ok is false when id is no template.
func (s *Server) editTemplate(w http.ResponseWriter, r *http.Request, id string) bool {
	s.mu.Lock()
	t := s.templates[id]
	s.mu.Unlock()
	if t == nil {
		return false
	}
	if gerr := s.authorizeWABA(r, t.WABAID, "post"); gerr != nil {
		writeGraphError(w, gerr)
		return true
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSendBody))
	if err != nil {
		writeGraphError(w, errBadRequest("Could not read the request body."))
		return true
	}
	var in templateEdit
	if err := json.NewDecoder(bytes.NewReader(body)).Decode(&in); err != nil {
		writeGraphError(w, errTemplateParam("The request body is not a valid template edit: "+err.Error()))
		return true
	}
	s.mu.Lock()
	s.sweepTemplates()
	var gerr *graphError
	if s.templates[id] != t {
		gerr = errUnsupported("post", id) // deleted meanwhile
	} else {
		gerr = s.applyTemplateEdit(t, in)
	}
	s.mu.Unlock()
	if gerr != nil {
		writeGraphError(w, gerr)
		return true
	}
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
	return true
}

// applyTemplateEdit checks an edit against §6.6 and applies it. A new
// category or new components go through review again; a TTL alone does
// not, as it changes nothing the review looks at. Callers hold s.mu.
func (s *Server) applyTemplateEdit(t *Template, in templateEdit) *graphError {
	if in.Category == nil && in.Components == nil && in.TTL == nil {
		return errTemplateParam("Give at least one of category, components or message_send_ttl_seconds to edit.")
	}
	switch t.Status {
	case "APPROVED", "REJECTED", "PAUSED":
	default:
		return errTemplateParam(fmt.Sprintf("Only APPROVED, REJECTED or PAUSED templates can be edited; this one is %s.", t.Status))
	}
	now := s.now()
	if t.Status == "APPROVED" {
		if gerr := s.checkEditLimits(t, now); gerr != nil {
			return gerr
		}
	}
	cand := Template{Category: t.Category, ParameterFormat: t.ParameterFormat, Components: t.Components}
	if in.Category != nil {
		cand.Category = strings.ToUpper(*in.Category)
		switch cand.Category {
		case "MARKETING", "UTILITY", "AUTHENTICATION":
		default:
			return errTemplateParam("The parameter category must be MARKETING, UTILITY or AUTHENTICATION.")
		}
		if t.Status == "APPROVED" && cand.Category != t.Category {
			return errTemplateParam("The category of an approved template cannot be edited.")
		}
	}
	recategorized := cand.Category != t.Category
	switch {
	case in.Components != nil:
		cand.Components = in.Components
	case recategorized:
		// Button rules depend on the category. Stored components are
		// shared with state snapshots, so the check runs on a copy.
		cand.Components = cloneComponents(t.Components)
	}
	if in.Components != nil || recategorized {
		if gerr := validateComponents(&cand); gerr != nil {
			return gerr
		}
	}
	ttl := t.MessageSendTTLSeconds
	if in.TTL != nil {
		ttl = *in.TTL
	}
	if ttl != 0 && (in.TTL != nil || recategorized) {
		if gerr := checkTemplateTTL(cand.Category, ttl); gerr != nil {
			return gerr
		}
	}
	if t.Status == "APPROVED" {
		t.Edits = append(t.Edits, now)
	}
	t.MessageSendTTLSeconds = ttl
	if in.Components != nil || recategorized {
		t.Category, t.Components = cand.Category, cand.Components
		s.startReview(t)
	}
	s.changed()
	return nil
}

// checkEditLimits applies §6.6 to an APPROVED template: one edit per
// 24 hours and ten per 30 days. It forgets edits older than 30 days.
// Callers hold s.mu.
func (s *Server) checkEditLimits(t *Template, now time.Time) *graphError {
	kept := t.Edits[:0:0]
	for _, at := range t.Edits {
		if now.Sub(at) < editWindowMonth {
			kept = append(kept, at)
		}
	}
	t.Edits = kept
	if n := len(kept); n > 0 && now.Sub(kept[n-1]) < editWindowDay {
		return errTemplate(0, "Template Edit Limit Reached",
			"An approved template can be edited once every 24 hours. Try again after "+kept[n-1].Add(editWindowDay).UTC().Format(time.RFC3339)+".")
	}
	if len(kept) >= maxEditsPerMonth {
		return errTemplate(0, "Template Edit Limit Reached",
			fmt.Sprintf("An approved template can be edited %d times in 30 days.", maxEditsPerMonth))
	}
	return nil
}

// cloneComponents deep-copies components through JSON, which is what they
// came from.
func cloneComponents(c []map[string]any) []map[string]any {
	b, err := json.Marshal(c)
	if err != nil {
		return nil
	}
	var out []map[string]any
	if json.Unmarshal(b, &out) != nil {
		return nil
	}
	return out
}

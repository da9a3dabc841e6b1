package meta

import (
	"encoding/json"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// defaultTemplateReviewAfter is how long a created template stays PENDING.
const defaultTemplateReviewAfter = 2 * time.Second

// Pause durations when a template's quality turns RED (§5.3).
const (
	firstPause  = 3 * time.Hour
	secondPause = 6 * time.Hour
)

// Template is a message template of a WABA (§6), as the simulator keeps
// it. Components use Meta's create-payload shape (§6.2).
type Template struct {
	ID              string           `json:"id"`
	WABAID          string           `json:"waba_id"`
	Name            string           `json:"name"`
	Language        string           `json:"language"`
	Category        string           `json:"category"`         // MARKETING | UTILITY | AUTHENTICATION
	Status          string           `json:"status"`           // PENDING | APPROVED | REJECTED | PAUSED | DISABLED | IN_APPEAL
	ParameterFormat string           `json:"parameter_format"` // POSITIONAL | NAMED
	Components      []map[string]any `json:"components"`
	Reason          string           `json:"reason,omitempty"` // rejection reason (§6.5)
	QualityScore    string           `json:"quality_score"`    // UNKNOWN | GREEN | YELLOW | RED
	PauseCount      int              `json:"pause_count,omitempty"`
	PausedUntil     time.Time        `json:"paused_until,omitzero"`
	ReviewAt        time.Time        `json:"review_at,omitzero"` // PENDING: when the review decides
	Pacing          *Pacing          `json:"pacing,omitempty"`   // set while Meta paces the template
	CreatedAt       time.Time        `json:"created_at"`

	// MessageSendTTLSeconds is the template's time-to-live (§6.9); 0 is
	// unset (Meta's default for the category), -1 is 30 days.
	MessageSendTTLSeconds int `json:"message_send_ttl_seconds,omitempty"`
	// Edits are the edits made while APPROVED in the last 30 days, for
	// the edit limits (§6.6).
	Edits []time.Time `json:"edits,omitempty"`
}

// TemplateSpec seeds a template from Go (AddTemplate). Empty Status means
// APPROVED; empty Category MARKETING; empty Language "en_US"; empty
// ParameterFormat POSITIONAL. Body is a shorthand for a single BODY
// component when Components is empty.
type TemplateSpec struct {
	ID              string           `json:"id,omitempty"`
	Name            string           `json:"name"`
	Language        string           `json:"language,omitempty"`
	Category        string           `json:"category,omitempty"`
	Status          string           `json:"status,omitempty"`
	ParameterFormat string           `json:"parameter_format,omitempty"`
	Components      []map[string]any `json:"components,omitempty"`
	Body            string           `json:"body,omitempty"`

	MessageSendTTLSeconds int `json:"message_send_ttl_seconds,omitempty"` // stored as given, not validated
}

// AddTemplate seeds a template of wabaID without review (APPROVED unless
// spec says otherwise) and without webhooks. A template with the same
// name and language is replaced.
func (s *Server) AddTemplate(wabaID string, spec TemplateSpec) Template {
	t := &Template{
		ID: spec.ID, WABAID: wabaID, Name: spec.Name, Language: spec.Language,
		Category: strings.ToUpper(spec.Category), Status: strings.ToUpper(spec.Status),
		ParameterFormat: strings.ToUpper(spec.ParameterFormat), Components: spec.Components,
		QualityScore: "UNKNOWN", CreatedAt: s.now(), MessageSendTTLSeconds: spec.MessageSendTTLSeconds,
	}
	if t.ID == "" {
		t.ID = newNumericID()
	}
	if t.Language == "" {
		t.Language = "en_US"
	}
	if t.Category == "" {
		t.Category = "MARKETING"
	}
	if t.Status == "" {
		t.Status = "APPROVED"
	}
	if t.ParameterFormat == "" {
		t.ParameterFormat = "POSITIONAL"
	}
	if len(t.Components) == 0 && spec.Body != "" {
		t.Components = []map[string]any{{"type": "BODY", "text": spec.Body}}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old := s.findTemplate(wabaID, t.Name, t.Language); old != nil {
		s.removeTemplate(old.ID)
	}
	s.putTemplate(t)
	return *t
}

// Templates lists a WABA's templates in creation order ("" = all).
func (s *Server) Templates(wabaID string) []Template {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepTemplates()
	var out []Template
	for _, id := range s.tplOrder {
		if t := s.templates[id]; wabaID == "" || t.WABAID == wabaID {
			out = append(out, *t)
		}
	}
	return out
}

// putTemplate stores t. Callers hold s.mu.
func (s *Server) putTemplate(t *Template) {
	s.templates[t.ID] = t
	s.tplOrder = append(s.tplOrder, t.ID)
	s.changed()
}

// removeTemplate forgets a template. Callers hold s.mu.
func (s *Server) removeTemplate(id string) {
	delete(s.templates, id)
	s.tplOrder = slices.DeleteFunc(s.tplOrder, func(x string) bool { return x == id })
	s.changed()
}

// findTemplate looks a template up by WABA, name and language. Callers
// hold s.mu.
func (s *Server) findTemplate(wabaID, name, lang string) *Template {
	for _, id := range s.tplOrder {
		if t := s.templates[id]; t.WABAID == wabaID && t.Name == name && t.Language == lang {
			return t
		}
	}
	return nil
}

// wabaHasTemplates tells whether the WABA has any template; a WABA without
// any keeps the old "every template name is accepted" behaviour.
func (s *Server) wabaHasTemplates(wabaID string) bool {
	for _, t := range s.templates {
		if t.WABAID == wabaID {
			return true
		}
	}
	return false
}

// sweepTemplates applies what the clock decided: pending reviews and
// pauses that have run out. Callers hold s.mu. It runs on every template
// access and send, and from a timer, so an injected clock drives it.
func (s *Server) sweepTemplates() {
	now := s.now()
	for _, id := range s.tplOrder {
		t := s.templates[id]
		switch {
		case t.Status == "PENDING" && !t.ReviewAt.IsZero() && !now.Before(t.ReviewAt):
			t.ReviewAt = time.Time{}
			if reason := reviewTemplate(t); reason != "" {
				s.setTemplateStatus(t, "REJECTED", reason, nil)
			} else {
				s.setTemplateStatus(t, "APPROVED", "NONE", nil)
			}
		case t.Status == "PAUSED" && !t.PausedUntil.IsZero() && !now.Before(t.PausedUntil):
			t.PausedUntil = time.Time{}
			t.QualityScore = "UNKNOWN"
			s.setTemplateStatus(t, "APPROVED", "NONE", &otherInfo{Title: "UNPAUSE", Description: "Your template has been unpaused."})
		}
	}
}

var promotionalRe = regexp.MustCompile(`(?i)\b(sale|discount|offer|promo|promotion|coupon|deal|buy now|limited time|% off|free shipping)\b`)

// reviewTemplate is the simulated review: "" approves, otherwise the
// rejection reason. Names containing "reject" are always rejected
// (INVALID_FORMAT); promotional wording in a UTILITY template is
// INCORRECT_CATEGORY.
func reviewTemplate(t *Template) string {
	if strings.Contains(t.Name, "reject") {
		return "INVALID_FORMAT"
	}
	if t.Category == "UTILITY" {
		for _, c := range t.Components {
			if txt, _ := c["text"].(string); promotionalRe.MatchString(txt) {
				return "INCORRECT_CATEGORY"
			}
		}
	}
	return ""
}

type otherInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

type rejectionInfo struct {
	Reason         string `json:"reason"`
	Recommendation string `json:"recommendation"`
}

type disableInfo struct {
	DisableDate int64 `json:"disable_date"`
}

// templateStatusValue is the message_template_status_update value (§2.8).
type templateStatusValue struct {
	Event         string         `json:"event"`
	ID            int64          `json:"message_template_id"`
	Name          string         `json:"message_template_name"`
	Language      string         `json:"message_template_language"`
	Reason        *string        `json:"reason"`
	Category      string         `json:"message_template_category"`
	RejectionInfo *rejectionInfo `json:"rejection_info,omitempty"`
	DisableInfo   *disableInfo   `json:"disable_info,omitempty"`
	OtherInfo     *otherInfo     `json:"other_info,omitempty"`
}

// setTemplateStatus moves t to status (the event name; REINSTATED ends
// APPROVED) and sends message_template_status_update. Callers hold s.mu.
func (s *Server) setTemplateStatus(t *Template, event, reason string, other *otherInfo) {
	switch event {
	case "REINSTATED":
		t.Status = "APPROVED"
	default:
		t.Status = event
	}
	if event == "REJECTED" {
		t.Reason = reason
	} else {
		t.Reason = ""
	}
	if reason == "" {
		reason = "NONE"
	}
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	v := templateStatusValue{Event: event, ID: id, Name: t.Name, Language: t.Language, Reason: &reason,
		Category: t.Category, OtherInfo: other}
	if event == "REJECTED" && reason == "INVALID_FORMAT" {
		v.RejectionInfo = &rejectionInfo{
			Reason:         "Your template does not follow the formatting rules (simulated review).",
			Recommendation: "Check the template's parameters and wording, then submit it again.",
		}
	}
	if event == "DISABLED" {
		v.DisableInfo = &disableInfo{DisableDate: s.now().Unix()}
	}
	s.changed()
	s.emitWABA(t.WABAID, "message_template_status_update", v)
}

// templateQualityValue is the message_template_quality_update value.
type templateQualityValue struct {
	Previous string `json:"previous_quality_score"`
	New      string `json:"new_quality_score"`
	ID       int64  `json:"message_template_id"`
	Name     string `json:"message_template_name"`
	Language string `json:"message_template_language"`
}

// setTemplateQuality records a new quality score, sends
// message_template_quality_update and applies §5.3: an APPROVED template
// turning RED is paused 3 h, the second time 6 h, the third time
// disabled. Callers hold s.mu.
func (s *Server) setTemplateQuality(t *Template, score string) {
	prev := t.QualityScore
	t.QualityScore = score
	id, _ := strconv.ParseInt(t.ID, 10, 64)
	s.emitWABA(t.WABAID, "message_template_quality_update",
		templateQualityValue{Previous: prev, New: score, ID: id, Name: t.Name, Language: t.Language})
	s.changed()
	if score != "RED" || t.Status != "APPROVED" {
		return
	}
	t.PauseCount++
	switch t.PauseCount {
	case 1:
		t.PausedUntil = s.now().Add(firstPause)
		s.setTemplateStatus(t, "PAUSED", "NONE", &otherInfo{Title: "FIRST_PAUSE",
			Description: "Your template has been paused for 3 hours because of low quality."})
	case 2:
		t.PausedUntil = s.now().Add(secondPause)
		s.setTemplateStatus(t, "PAUSED", "NONE", &otherInfo{Title: "SECOND_PAUSE",
			Description: "Your template has been paused for 6 hours because of low quality."})
	default:
		t.PausedUntil = time.Time{}
		s.setTemplateStatus(t, "DISABLED", "NONE", &otherInfo{Title: "DISABLED",
			Description: "Your template has been disabled because it was paused too many times."})
	}
}

// emitWABA queues a management webhook (field, value) for a WABA. It goes
// to the callback of the WABA's first number (its override, else the
// default URL); a WABA without numbers gets none. Callers hold s.mu.
func (s *Server) emitWABA(wabaID, field string, value any) {
	for _, id := range s.order {
		if ns := s.numbers[id]; ns.WABAID == wabaID {
			s.emitField(ns, field, value)
			return
		}
	}
	s.log.Debug("meta sim: no number for WABA; management webhook dropped", "waba_id", wabaID, "field", field)
}

// emitField queues a management webhook on ns's lane. Callers hold s.mu.
func (s *Server) emitField(ns *numberState, field string, value any) {
	raw, err := json.Marshal(value)
	if err != nil {
		s.log.Error("meta sim: encode webhook", "field", field, "err", err)
		return
	}
	s.hooks.enqueue(ns, &update{field: field, value: raw})
}

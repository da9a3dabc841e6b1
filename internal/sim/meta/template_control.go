package meta

import (
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// templateEvents are the events POST /_sim/templates/status can force.
var templateEvents = map[string]bool{"APPROVED": true, "REJECTED": true, "PAUSED": true, "DISABLED": true, "IN_APPEAL": true, "REINSTATED": true}

// SetTemplateStatus forces a template event (APPROVED, REJECTED, PAUSED,
// DISABLED, IN_APPEAL, REINSTATED) and sends its
// message_template_status_update webhook. A forced PAUSED has no end (like
// a pacing pause: it lasts until another event). Empty language matches
// the template's only language.
func (s *Server) SetTemplateStatus(wabaID, name, language, event, reason string) (Template, error) {
	event = strings.ToUpper(event)
	if !templateEvents[event] {
		return Template{}, fmt.Errorf("%w: event must be one of APPROVED, REJECTED, PAUSED, DISABLED, IN_APPEAL, REINSTATED", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookupTemplate(wabaID, name, language)
	if err != nil {
		return Template{}, err
	}
	if reason == "" && event == "REJECTED" {
		reason = "INVALID_FORMAT"
	}
	t.ReviewAt, t.PausedUntil = time.Time{}, time.Time{} // a forced event ends a pending review or a timed pause
	s.setTemplateStatus(t, event, strings.ToUpper(reason), nil)
	return *t, nil
}

// SetTemplateQuality forces a template quality score (GREEN, YELLOW, RED,
// UNKNOWN), sending message_template_quality_update; RED pauses or
// disables an APPROVED template (§5.3).
func (s *Server) SetTemplateQuality(wabaID, name, language, score string) (Template, error) {
	score = strings.ToUpper(score)
	switch score {
	case "GREEN", "YELLOW", "RED", "UNKNOWN":
	default:
		return Template{}, fmt.Errorf("%w: new_quality_score must be GREEN, YELLOW, RED or UNKNOWN", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.sweepTemplates()
	t, err := s.lookupTemplate(wabaID, name, language)
	if err != nil {
		return Template{}, err
	}
	s.setTemplateQuality(t, score)
	return *t, nil
}

// lookupTemplate finds a template by WABA, name and (optional) language.
// Callers hold s.mu.
func (s *Server) lookupTemplate(wabaID, name, language string) (*Template, error) {
	var found *Template
	for _, t := range s.wabaTemplates(wabaID) {
		if t.Name == name && (language == "" || t.Language == language) {
			if found != nil {
				return nil, fmt.Errorf("%w: template %q exists in several languages; give one", ErrInvalidInbound, name)
			}
			found = t
		}
	}
	if found == nil {
		return nil, fmt.Errorf("%w: template %q (%s) of WABA %q", ErrNotFound, name, language, wabaID)
	}
	return found, nil
}

type templateControl struct {
	WABAID   string `json:"waba_id"`
	Name     string `json:"name"`
	Language string `json:"language"`
	Event    string `json:"event"`
	Reason   string `json:"reason"`
	Quality  string `json:"new_quality_score"`
}

func (s *Server) ctlTemplateStatus(w http.ResponseWriter, r *http.Request) {
	var in templateControl
	if !simctl.Body(w, r, &in) {
		return
	}
	t, err := s.SetTemplateStatus(in.WABAID, in.Name, in.Language, in.Event, in.Reason)
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, t)
}

func (s *Server) ctlTemplateQuality(w http.ResponseWriter, r *http.Request) {
	var in templateControl
	if !simctl.Body(w, r, &in) {
		return
	}
	t, err := s.SetTemplateQuality(in.WABAID, in.Name, in.Language, in.Quality)
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, t)
}

package meta

import (
	"fmt"
	"net/http"
	"sort"
	"strings"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Pacing is template pacing (§5.3): after Threshold sends, Meta holds
// further sends of the template (message_status
// held_for_quality_assessment) until it has a quality signal; then it
// releases them or pauses the template and drops them with 132015.
type Pacing struct {
	Threshold int `json:"threshold"` // sends that go out normally first
	Sent      int `json:"sent"`      // sends counted since pacing began
}

// holdForPacing counts a template send and reports whether Meta would hold
// it. Callers hold s.mu.
func (s *Server) holdForPacing(templateID string) bool {
	t := s.templates[templateID]
	if t == nil || t.Pacing == nil {
		return false
	}
	t.Pacing.Sent++
	s.changed()
	return t.Pacing.Sent > t.Pacing.Threshold
}

// SetTemplatePacing starts pacing a template: its first threshold sends go
// out, later ones are held until SettlePacing.
func (s *Server) SetTemplatePacing(wabaID, name, language string, threshold int) (Template, error) {
	if threshold < 0 {
		return Template{}, fmt.Errorf("%w: threshold must be 0 or more", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	t, err := s.lookupTemplate(wabaID, name, language)
	if err != nil {
		return Template{}, err
	}
	t.Pacing = &Pacing{Threshold: threshold}
	s.changed()
	return *t, nil
}

// SettlePacing ends a template's pacing with Meta's verdict: "release"
// sends the held messages on (sent, delivered, …); "drop" pauses the
// template (a pacing pause, lifted only by hand) and fails every held
// message with 132015. It returns how many messages were settled.
func (s *Server) SettlePacing(wabaID, name, language, outcome string) (int, error) {
	outcome = strings.ToLower(outcome)
	if outcome != "release" && outcome != "drop" {
		return 0, fmt.Errorf("%w: outcome must be release or drop", ErrInvalidInbound)
	}
	s.mu.Lock()
	t, err := s.lookupTemplate(wabaID, name, language)
	if err != nil {
		s.mu.Unlock()
		return 0, err
	}
	type heldMsg struct {
		ns *numberState
		m  *message
	}
	var held []heldMsg
	for _, ns := range s.numbers {
		if ns.WABAID != t.WABAID {
			continue
		}
		for _, m := range ns.msgs {
			if m.status == "held" && m.templateID == t.ID {
				held = append(held, heldMsg{ns, m})
			}
		}
	}
	sort.SliceStable(held, func(i, j int) bool { return held[i].m.at.Before(held[j].m.at) })
	t.Pacing = nil
	if outcome == "drop" {
		s.setTemplateStatus(t, "PAUSED", "", nil)
		for _, h := range held {
			e := asyncError(132015, fmt.Sprintf("Template %s was paused after a quality assessment; the message was not sent.", t.Name))
			h.m.failWith = &e
			s.emit(h.ns, h.m, "failed", false)
		}
		s.mu.Unlock()
		return len(held), nil
	}
	for _, h := range held {
		h.m.status = "accepted"
	}
	s.changed()
	s.mu.Unlock()
	for _, h := range held {
		s.launch(h.ns, h.m)
	}
	return len(held), nil
}

type pacingControl struct {
	WABAID    string `json:"waba_id"`
	Name      string `json:"name"`
	Language  string `json:"language"`
	Action    string `json:"action"` // hold, release or drop
	Threshold int    `json:"threshold"`
}

// ctlPacing drives template pacing: {"action":"hold","threshold":N} starts
// it; "release" and "drop" settle it.
func (s *Server) ctlPacing(w http.ResponseWriter, r *http.Request) {
	var in pacingControl
	if !simctl.Body(w, r, &in) {
		return
	}
	if strings.EqualFold(in.Action, "hold") {
		t, err := s.SetTemplatePacing(in.WABAID, in.Name, in.Language, in.Threshold)
		if err != nil {
			ctlErr(w, err)
			return
		}
		simctl.JSON(w, http.StatusOK, t)
		return
	}
	n, err := s.SettlePacing(in.WABAID, in.Name, in.Language, in.Action)
	if err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]int{"settled": n})
}

package meta

import (
	"maps"
	"slices"
	"strings"
	"time"
)

// savedOptOut is a customer who stopped marketing messages from a number.
type savedOptOut struct {
	PhoneNumberID string    `json:"phone_number_id"`
	WaID          string    `json:"wa_id"`
	Since         time.Time `json:"since"`
}

// snapshotExtra copies templates, portfolios and opt-outs into st.
// Callers hold s.mu. Template components are never mutated once stored,
// and edit times only appended to, so they are shared; pacing counts
// change on every send, so they are copied.
func (s *Server) snapshotExtra(st *stateFile) {
	for _, id := range s.tplOrder {
		t := *s.templates[id]
		if t.Pacing != nil {
			p := *t.Pacing
			t.Pacing = &p
		}
		st.Templates = append(st.Templates, t)
	}
	if len(s.portfolios) > 0 {
		st.Portfolios = map[string]*portfolio{}
		for id, p := range s.portfolios {
			st.Portfolios[id] = &portfolio{Tier: p.Tier, Recipients: maps.Clone(p.Recipients), Name: p.Name,
				VerificationStatus: p.VerificationStatus, Health: p.Health.clone()}
		}
	}
	for key, since := range s.optedOut {
		st.OptOuts = append(st.OptOuts, savedOptOut{PhoneNumberID: key.phoneID, WaID: key.waID, Since: since})
	}
	slices.SortFunc(st.OptOuts, func(a, b savedOptOut) int {
		return strings.Compare(a.PhoneNumberID+"/"+a.WaID, b.PhoneNumberID+"/"+b.WaID)
	})
	s.snapshotOnboard(st)
	s.snapshotMedia(st)
}

// restoreExtra installs them back (from New). Pending reviews and timed
// pauses resume on the next template access or send, or by a timer now.
func (s *Server) restoreExtra(st *stateFile) {
	for i := range st.Templates {
		t := st.Templates[i]
		if t.ID == "" || s.templates[t.ID] != nil {
			continue
		}
		s.templates[t.ID] = &t
		s.tplOrder = append(s.tplOrder, t.ID)
	}
	for id, p := range st.Portfolios {
		if p != nil {
			s.portfolios[id] = p
		}
	}
	for _, o := range st.OptOuts {
		s.optedOut[pairKey{o.PhoneNumberID, o.WaID}] = o.Since
	}
	s.restoreOnboard(st)
	s.restoreMedia(st)
	if len(s.tplOrder) > 0 {
		s.sched.after(0, func() {
			s.mu.Lock()
			defer s.mu.Unlock()
			if !s.closed {
				s.sweepTemplates()
			}
		})
	}
}

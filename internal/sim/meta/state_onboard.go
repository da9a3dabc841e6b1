package meta

import (
	"maps"
	"slices"
)

// snapshotOnboard copies the onboarding state into st. Callers hold s.mu.
// Picture bytes never change once stored, so they are shared.
func (s *Server) snapshotOnboard(st *stateFile) {
	if len(s.wabas) > 0 {
		st.WABAs = make(map[string]*wabaState, len(s.wabas))
		for id, w := range s.wabas {
			c := *w
			c.Health = w.Health.clone()
			st.WABAs[id] = &c
		}
	}
	if len(s.tokens) > 0 {
		st.Grants = make(map[string][]string, len(s.tokens))
		for token, g := range s.tokens {
			ids := slices.Sorted(maps.Keys(g))
			st.Grants[token] = ids
		}
	}
	st.AppHealth = s.appHealth.clone()
	if len(s.pictures) > 0 {
		st.Pictures = maps.Clone(s.pictures)
	}
}

// restoreOnboard installs it back (from New, after the numbers, whose own
// tokens are granted already).
func (s *Server) restoreOnboard(st *stateFile) {
	for id, w := range st.WABAs {
		if w != nil {
			s.wabas[id] = w
		}
	}
	for token, ids := range st.Grants {
		for _, id := range ids {
			s.grant(token, id)
		}
	}
	s.appHealth = st.AppHealth
	for id, p := range st.Pictures {
		if p != nil {
			s.pictures[id] = p
		}
	}
}

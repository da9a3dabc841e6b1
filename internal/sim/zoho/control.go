package zoho

import (
	"errors"
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// The control API is the simulator's own, not Zoho's: JSON in and out,
// errors as {"error":{"code","message"}}, no token, no limits. It mirrors
// the exported Go methods so tests in other processes can drive it.

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/grant", s.ctlGrant)
	m.HandleFunc("POST /_sim/records/{module}", s.ctlCreateRecord)
	m.HandleFunc("GET /_sim/records/{module}", func(w http.ResponseWriter, r *http.Request) {
		if moduleByName(r.PathValue("module")) == nil {
			simctl.Error(w, http.StatusNotFound, "not_found", "no such module")
			return
		}
		simctl.JSON(w, http.StatusOK, simctl.NonNil(s.Records(r.PathValue("module"))))
	})
	m.HandleFunc("POST /_sim/deals", s.ctlCreateDeal)
	m.HandleFunc("POST /_sim/deals/{id}/stage", s.ctlMoveDeal)
	m.HandleFunc("GET /_sim/notes", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, simctl.NonNil(s.Notes(r.URL.Query().Get("parent_id"))))
	})
	m.HandleFunc("GET /_sim/channels", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, simctl.NonNil(s.Channels()))
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if simctl.Body(w, r, &f) {
			s.SetFault(f)
			simctl.JSON(w, http.StatusOK, f)
		}
	})
	m.HandleFunc("POST /_sim/index-lag", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MS int64 `json:"ms"`
		}
		if simctl.Body(w, r, &in) {
			s.SetIndexLag(time.Duration(in.MS) * time.Millisecond)
			simctl.JSON(w, http.StatusOK, in)
		}
	})
	m.HandleFunc("POST /_sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		simctl.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	m.HandleFunc("POST /_sim/revoke-refresh-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeRefreshTokens()
		simctl.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, s.Stats())
	})
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		simctl.Error(w, http.StatusNotFound, "not_found", "no such control endpoint: "+r.Method+" "+r.URL.Path)
	})
}

func (s *Server) ctlGrant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RedirectURI string `json:"redirect_uri"`
		Scope       string `json:"scope"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if in.Scope == "" {
		in.Scope = DefaultScope
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"code": s.IssueGrantScope(in.RedirectURI, in.Scope)})
}

// ctlCreateRecord answers the per-item error a refused record gets, so a
// test sees why.
func (s *Server) ctlCreateRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields map[string]any `json:"fields"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	m := moduleByName(r.PathValue("module"))
	if m == nil {
		simctl.Error(w, http.StatusNotFound, "not_found", "no such module")
		return
	}
	if m.APIName == "Notes" {
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "create notes through the API")
		return
	}
	s.mu.Lock()
	rec, _, e := s.applyLocked(m, jsonValues(in.Fields), 0, nil, s.now())
	s.mu.Unlock()
	if e != nil {
		simctl.JSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": e["code"], "message": e["message"], "details": e["details"]}})
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"id": rec.id})
}

func (s *Server) ctlCreateDeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name      string         `json:"name"`
		Stage     string         `json:"stage"`
		Pipeline  string         `json:"pipeline"`
		ContactID string         `json:"contact_id"`
		Fields    map[string]any `json:"fields"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	id := s.CreateDeal(in.Name, in.Stage, in.Pipeline, in.ContactID, in.Fields)
	if id == "" {
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "deal refused: name and a Stage picklist value are required; contact_id must be a contact")
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) ctlMoveDeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Stage  string `json:"stage"`
		Copies int    `json:"copies"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	switch err := s.MoveDeal(r.PathValue("id"), in.Stage, in.Copies); {
	case errors.Is(err, ErrNotFound):
		simctl.Error(w, http.StatusNotFound, "not_found", err.Error())
	case err != nil:
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", err.Error())
	default:
		simctl.JSON(w, http.StatusOK, map[string]bool{"ok": true})
	}
}

// SetFault makes every API call (not /oauth, /_sim or callbacks) answer
// f until cleared with Fault{} (or for f.Count calls).
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	if f.Status == 0 {
		f = Fault{}
	}
	s.fault = f
	s.mu.Unlock()
}

// Stats reports counters; CreditsUsed is the current rolling 24 h.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.CreditsUsed = s.creditsUsedLocked(s.now())
	return st
}

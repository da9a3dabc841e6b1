package zoho

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"time"
)

// The control API is the simulator's own, not Zoho's: JSON in and out,
// errors as {"error":{"code","message"}}, no token, no limits. It mirrors
// the exported Go methods so tests in other processes can drive it.

func ctlJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func ctlError(w http.ResponseWriter, status int, code, msg string) {
	ctlJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg}})
}

func readBody(w http.ResponseWriter, r *http.Request, v any) bool {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
	if err == nil && len(bytes.TrimSpace(b)) > 0 {
		err = json.Unmarshal(b, v)
	}
	if err != nil {
		ctlError(w, http.StatusBadRequest, "invalid_argument", "bad JSON body: "+err.Error())
		return false
	}
	return true
}

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/grant", s.ctlGrant)
	m.HandleFunc("POST /_sim/records/{module}", s.ctlCreateRecord)
	m.HandleFunc("GET /_sim/records/{module}", func(w http.ResponseWriter, r *http.Request) {
		if moduleByName(r.PathValue("module")) == nil {
			ctlError(w, http.StatusNotFound, "not_found", "no such module")
			return
		}
		ctlJSON(w, http.StatusOK, nonNil(s.Records(r.PathValue("module"))))
	})
	m.HandleFunc("POST /_sim/deals", s.ctlCreateDeal)
	m.HandleFunc("POST /_sim/deals/{id}/stage", s.ctlMoveDeal)
	m.HandleFunc("GET /_sim/notes", func(w http.ResponseWriter, r *http.Request) {
		ctlJSON(w, http.StatusOK, nonNil(s.Notes(r.URL.Query().Get("parent_id"))))
	})
	m.HandleFunc("GET /_sim/channels", func(w http.ResponseWriter, r *http.Request) {
		ctlJSON(w, http.StatusOK, nonNil(s.Channels()))
	})
	m.HandleFunc("POST /_sim/faults", func(w http.ResponseWriter, r *http.Request) {
		var f Fault
		if readBody(w, r, &f) {
			s.SetFault(f)
			ctlJSON(w, http.StatusOK, f)
		}
	})
	m.HandleFunc("POST /_sim/index-lag", func(w http.ResponseWriter, r *http.Request) {
		var in struct {
			MS int64 `json:"ms"`
		}
		if readBody(w, r, &in) {
			s.SetIndexLag(time.Duration(in.MS) * time.Millisecond)
			ctlJSON(w, http.StatusOK, in)
		}
	})
	m.HandleFunc("POST /_sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		ctlJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	m.HandleFunc("POST /_sim/revoke-refresh-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeRefreshTokens()
		ctlJSON(w, http.StatusOK, map[string]bool{"ok": true})
	})
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) {
		ctlJSON(w, http.StatusOK, s.Stats())
	})
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		ctlError(w, http.StatusNotFound, "not_found", "no such control endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// nonNil keeps empty lists as [] rather than null on the wire.
func nonNil[T any](v []T) []T {
	if v == nil {
		return []T{}
	}
	return v
}

func (s *Server) ctlGrant(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RedirectURI string `json:"redirect_uri"`
		Scope       string `json:"scope"`
	}
	if !readBody(w, r, &in) {
		return
	}
	if in.Scope == "" {
		in.Scope = DefaultScope
	}
	ctlJSON(w, http.StatusOK, map[string]string{"code": s.IssueGrantScope(in.RedirectURI, in.Scope)})
}

// ctlCreateRecord answers the per-item error a refused record gets, so a
// test sees why.
func (s *Server) ctlCreateRecord(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Fields map[string]any `json:"fields"`
	}
	if !readBody(w, r, &in) {
		return
	}
	m := moduleByName(r.PathValue("module"))
	if m == nil {
		ctlError(w, http.StatusNotFound, "not_found", "no such module")
		return
	}
	if m.APIName == "Notes" {
		ctlError(w, http.StatusBadRequest, "invalid_argument", "create notes through the API")
		return
	}
	s.mu.Lock()
	rec, _, e := s.applyLocked(m, jsonValues(in.Fields), 0, nil, s.now())
	s.mu.Unlock()
	if e != nil {
		ctlJSON(w, http.StatusBadRequest, map[string]any{"error": map[string]any{"code": e["code"], "message": e["message"], "details": e["details"]}})
		return
	}
	ctlJSON(w, http.StatusOK, map[string]string{"id": rec.id})
}

func (s *Server) ctlCreateDeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name      string         `json:"name"`
		Stage     string         `json:"stage"`
		Pipeline  string         `json:"pipeline"`
		ContactID string         `json:"contact_id"`
		Fields    map[string]any `json:"fields"`
	}
	if !readBody(w, r, &in) {
		return
	}
	id := s.CreateDeal(in.Name, in.Stage, in.Pipeline, in.ContactID, in.Fields)
	if id == "" {
		ctlError(w, http.StatusBadRequest, "invalid_argument", "deal refused: name and a Stage picklist value are required; contact_id must be a contact")
		return
	}
	ctlJSON(w, http.StatusOK, map[string]string{"id": id})
}

func (s *Server) ctlMoveDeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Stage  string `json:"stage"`
		Copies int    `json:"copies"`
	}
	if !readBody(w, r, &in) {
		return
	}
	switch err := s.MoveDeal(r.PathValue("id"), in.Stage, in.Copies); {
	case errors.Is(err, ErrNotFound):
		ctlError(w, http.StatusNotFound, "not_found", err.Error())
	case err != nil:
		ctlError(w, http.StatusBadRequest, "invalid_argument", err.Error())
	default:
		ctlJSON(w, http.StatusOK, map[string]bool{"ok": true})
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

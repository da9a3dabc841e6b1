package hubspot

import (
	"errors"
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// The control API is the simulator's own, not HubSpot's: JSON in and out,
// errors as {"error":{"code","message"}}. Tests and the sandbox drive the
// portal through it as a CRM user would.

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/private-apps", s.ctlPrivateApp)
	m.HandleFunc("POST /_sim/codes", s.ctlCode)
	m.HandleFunc("POST /_sim/contacts", s.ctlCreateContact)
	m.HandleFunc("GET /_sim/contacts", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, simctl.NonNil(s.Contacts()))
	})
	m.HandleFunc("POST /_sim/deals", s.ctlCreateDeal)
	m.HandleFunc("POST /_sim/deals/{id}/stage", s.ctlMoveDeal)
	m.HandleFunc("GET /_sim/timeline", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, simctl.NonNil(s.Timeline(r.URL.Query().Get("contact_id"))))
	})
	m.HandleFunc("GET /_sim/faults", s.ctlGetFault)
	m.HandleFunc("POST /_sim/faults", s.ctlSetFault)
	m.HandleFunc("POST /_sim/search-lag", s.ctlSearchLag)
	m.HandleFunc("POST /_sim/expire-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.ExpireTokens()
		simctl.JSON(w, http.StatusOK, map[string]bool{"success": true})
	})
	m.HandleFunc("POST /_sim/revoke-refresh-tokens", func(w http.ResponseWriter, r *http.Request) {
		s.RevokeRefreshTokens()
		simctl.JSON(w, http.StatusOK, map[string]bool{"success": true})
	})
	m.HandleFunc("POST /_sim/communications", s.ctlCommunications)
	m.HandleFunc("POST /_sim/webhook", s.ctlWebhook)
	m.HandleFunc("GET /_sim/stats", func(w http.ResponseWriter, r *http.Request) { simctl.JSON(w, http.StatusOK, s.Stats()) })
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		simctl.Error(w, http.StatusNotFound, "not_found", "no such control endpoint: "+r.Method+" "+r.URL.Path)
	})
}

func (s *Server) ctlPrivateApp(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Token string `json:"token"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if in.Token == "" {
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "token is required")
		return
	}
	s.AddPrivateAppToken(in.Token)
	simctl.JSON(w, http.StatusOK, map[string]string{"token": in.Token})
}

func (s *Server) ctlCode(w http.ResponseWriter, r *http.Request) {
	var in struct {
		RedirectURI string `json:"redirect_uri"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"code": s.IssueCode(in.RedirectURI)})
}

func (s *Server) ctlCreateContact(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Properties map[string]string `json:"properties"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"id": s.CreateContact(in.Properties)})
}

func (s *Server) ctlCreateDeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name       string            `json:"name"`
		Pipeline   string            `json:"pipeline"`
		Stage      string            `json:"stage"`
		Properties map[string]string `json:"properties"`
		ContactIDs []string          `json:"contact_ids"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	p := findPipeline(in.Pipeline)
	if in.Pipeline == "" {
		p = findPipeline("default")
	}
	if p == nil || (in.Stage != "" && p.stage(in.Stage) == nil) {
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "unknown pipeline or stage")
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"id": s.CreateDeal(in.Name, p.ID, in.Stage, in.Properties, in.ContactIDs...)})
}

func (s *Server) ctlMoveDeal(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Stage  string `json:"stage"`
		Copies int    `json:"copies"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	err := s.MoveDeal(r.PathValue("id"), in.Stage, Delivery{Copies: in.Copies})
	switch {
	case errors.Is(err, ErrNotFound):
		simctl.Error(w, http.StatusNotFound, "not_found", err.Error())
	case err != nil:
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", err.Error())
	default:
		simctl.JSON(w, http.StatusOK, map[string]string{"id": r.PathValue("id"), "stage": in.Stage})
	}
}

type faultJSON struct {
	Status       int   `json:"status"`
	RetryAfterMS int64 `json:"retry_after_ms"`
}

func (s *Server) ctlGetFault(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	f := s.fault
	s.mu.Unlock()
	simctl.JSON(w, http.StatusOK, faultJSON{f.Status, f.RetryAfter.Milliseconds()})
}

// ctlSetFault replaces the fault; {} or {"status":0} clears it.
func (s *Server) ctlSetFault(w http.ResponseWriter, r *http.Request) {
	var in faultJSON
	if !simctl.Body(w, r, &in) {
		return
	}
	if in.Status != 0 && (in.Status < 400 || in.Status > 599) {
		simctl.Error(w, http.StatusBadRequest, "invalid_argument", "status must be 0 or a 4xx/5xx code")
		return
	}
	s.SetFault(Fault{Status: in.Status, RetryAfter: time.Duration(in.RetryAfterMS) * time.Millisecond})
	simctl.JSON(w, http.StatusOK, in)
}

func (s *Server) ctlSearchLag(w http.ResponseWriter, r *http.Request) {
	var in struct {
		MS int64 `json:"ms"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	s.SetSearchLag(time.Duration(in.MS) * time.Millisecond)
	simctl.JSON(w, http.StatusOK, in)
}

func (s *Server) ctlCommunications(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Refuse bool `json:"refuse"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	s.RefuseCommunications(in.Refuse)
	simctl.JSON(w, http.StatusOK, in)
}

func (s *Server) ctlWebhook(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URL string `json:"url"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	s.SetWebhookURL(in.URL)
	simctl.JSON(w, http.StatusOK, in)
}

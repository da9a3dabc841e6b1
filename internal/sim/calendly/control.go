package simcalendly

import (
	"errors"
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// The control API is the simulator's own, not Calendly's: JSON in and
// out, errors as {"error":{"code","message"}}. Tests and the sandbox act
// through it as hosts and invitees would on calendly.com.

func (s *Server) controlRoutes(m *http.ServeMux) {
	m.HandleFunc("POST /_sim/users", s.ctlAddUser)
	m.HandleFunc("POST /_sim/event_types", s.ctlAddEventType)
	m.HandleFunc("GET /_sim/event_types", func(w http.ResponseWriter, r *http.Request) {
		out := []eventTypeJSON{}
		for _, et := range s.EventTypes(r.URL.Query().Get("owner")) {
			out = append(out, eventTypeView(et))
		}
		simctl.JSON(w, http.StatusOK, out)
	})
	m.HandleFunc("POST /_sim/book", s.ctlBook)
	m.HandleFunc("POST /_sim/cancel", s.ctlCancel)
	m.HandleFunc("POST /_sim/cancel_event", s.ctlCancelEvent)
	m.HandleFunc("POST /_sim/reschedule", s.ctlReschedule)
	m.HandleFunc("POST /_sim/no_show", s.ctlNoShow)
	m.HandleFunc("POST /_sim/faults", s.ctlFaults)
	m.HandleFunc("POST /_sim/subscriptions/disable", s.ctlDisable)
	m.HandleFunc("GET /_sim/subscriptions", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, s.Subscriptions())
	})
	m.HandleFunc("GET /_sim/deliveries", func(w http.ResponseWriter, r *http.Request) {
		simctl.JSON(w, http.StatusOK, simctl.NonNil(s.Deliveries()))
	})
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		simctl.Error(w, http.StatusNotFound, "not_found", "no such control endpoint: "+r.Method+" "+r.URL.Path)
	})
}

// ctlError answers a control method's error: 404 for an unknown URI,
// 400 for anything else the caller got wrong.
func ctlError(w http.ResponseWriter, err error) {
	if errors.Is(err, ErrNotFound) {
		simctl.Error(w, http.StatusNotFound, "not_found", err.Error())
		return
	}
	simctl.Error(w, http.StatusBadRequest, "invalid_argument", err.Error())
}

func invalid(w http.ResponseWriter, msg string) {
	simctl.Error(w, http.StatusBadRequest, "invalid_argument", msg)
}

func (s *Server) ctlAddUser(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Name     string `json:"name"`
		Email    string `json:"email"`
		Timezone string `json:"timezone"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if in.Name == "" || in.Email == "" {
		invalid(w, "name and email are required")
		return
	}
	simctl.JSON(w, http.StatusOK, s.AddUser(in.Name, in.Email, in.Timezone))
}

type eventTypeJSON struct {
	URI             string `json:"uri"`
	Name            string `json:"name"`
	Slug            string `json:"slug"`
	DurationMinutes int    `json:"duration_minutes"`
	Owner           string `json:"owner"`
	MaxInvitees     int    `json:"max_invitees"`
}

func eventTypeView(et EventType) eventTypeJSON {
	return eventTypeJSON{URI: et.URI, Name: et.Name, Slug: et.Slug, DurationMinutes: int(et.Duration / time.Minute),
		Owner: et.Owner, MaxInvitees: et.MaxInvitees}
}

func (s *Server) ctlAddEventType(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Owner           string `json:"owner"`
		Name            string `json:"name"`
		DurationMinutes int    `json:"duration_minutes"`
		MaxInvitees     int    `json:"max_invitees"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if in.Name == "" || in.DurationMinutes <= 0 {
		invalid(w, "name and a positive duration_minutes are required")
		return
	}
	et := s.AddGroupEventType(in.Owner, in.Name, time.Duration(in.DurationMinutes)*time.Minute, in.MaxInvitees)
	if et.URI == "" {
		simctl.Error(w, http.StatusNotFound, "not_found", "no such owner: "+in.Owner)
		return
	}
	simctl.JSON(w, http.StatusOK, eventTypeView(et))
}

func (s *Server) ctlBook(w http.ResponseWriter, r *http.Request) {
	var in Booking
	if !simctl.Body(w, r, &in) {
		return
	}
	inv, err := s.Book(r.Context(), in)
	if err != nil {
		ctlError(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, inv)
}

func (s *Server) ctlCancel(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Invitee      string `json:"invitee"`
		CancelerType string `json:"canceler_type"`
		Reason       string `json:"reason"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.Cancel(r.Context(), in.Invitee, in.CancelerType, in.Reason); err != nil {
		ctlError(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"invitee": in.Invitee, "status": statusCanceled})
}

func (s *Server) ctlCancelEvent(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Event  string `json:"event"`
		Reason string `json:"reason"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.CancelEvent(r.Context(), in.Event, in.Reason); err != nil {
		ctlError(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"event": in.Event, "status": statusCanceled})
}

func (s *Server) ctlReschedule(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Invitee      string    `json:"invitee"`
		StartTime    time.Time `json:"start_time"`
		CreatedFirst bool      `json:"created_first"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	inv, err := s.Reschedule(r.Context(), in.Invitee, in.StartTime, in.CreatedFirst)
	if err != nil {
		ctlError(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, inv)
}

func (s *Server) ctlNoShow(w http.ResponseWriter, r *http.Request) {
	var in struct {
		Invitee string `json:"invitee"`
		Delete  bool   `json:"delete"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	mark := s.MarkNoShow
	if in.Delete {
		mark = s.UnmarkNoShow
	}
	if err := mark(r.Context(), in.Invitee); err != nil {
		ctlError(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]any{"invitee": in.Invitee, "no_show": !in.Delete})
}

type faultsJSON struct {
	APIFailCount  *int `json:"api_fail_count"`
	APIFailStatus int  `json:"api_fail_status"`
	Duplicates    *int `json:"duplicates"`
}

// ctlFaults changes only what the body names; it answers the state after.
func (s *Server) ctlFaults(w http.ResponseWriter, r *http.Request) {
	var in faultsJSON
	if !simctl.Body(w, r, &in) {
		return
	}
	if in.APIFailStatus != 0 && (in.APIFailStatus < 400 || in.APIFailStatus > 599) {
		invalid(w, "api_fail_status must be a 4xx or 5xx code")
		return
	}
	if in.APIFailCount != nil {
		s.FailAPI(*in.APIFailCount, in.APIFailStatus)
	}
	if in.Duplicates != nil {
		s.SetDuplicates(*in.Duplicates)
	}
	s.mu.Lock()
	n, st, d := s.failN, s.failStatus, max(s.dups, 1)
	s.mu.Unlock()
	simctl.JSON(w, http.StatusOK, faultsJSON{APIFailCount: &n, APIFailStatus: st, Duplicates: &d})
}

func (s *Server) ctlDisable(w http.ResponseWriter, r *http.Request) {
	var in struct {
		URI string `json:"uri"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.DisableSubscription(in.URI); err != nil {
		ctlError(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]string{"uri": in.URI, "state": stateDisabled})
}

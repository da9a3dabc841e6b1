package simcalendly

import (
	"encoding/base64"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

func (s *Server) getMe(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	res := s.userResource(s.users[c.userID])
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"resource": res})
}

func (s *Server) getUser(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	u := s.users[r.PathValue("uuid")]
	switch {
	case u == nil:
		writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, nil)
	case u.orgID != s.users[c.userID].orgID:
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"resource": s.userResource(u)})
	}
}

// ownerFilterLocked reads the user= or organization= filter of a list call
// (one is required) and checks the caller may see it. It answers the
// error itself and returns ok false.
func (s *Server) ownerFilterLocked(w http.ResponseWriter, q url.Values, c *caller) (userID, orgID string, ok bool) {
	me := s.users[c.userID]
	switch {
	case q.Get("user") != "":
		u := s.users[s.idOf(q.Get("user"), "/users/")]
		if u == nil {
			writeInvalid(w, []detail{{"user", "must be the URI of an existing user"}})
			return "", "", false
		}
		userID, orgID = u.id, u.orgID
	case q.Get("organization") != "":
		orgID = s.idOf(q.Get("organization"), "/organizations/")
		if orgID == "" {
			writeInvalid(w, []detail{{"organization", "must be a valid organization URI"}})
			return "", "", false
		}
	default:
		writeInvalid(w, []detail{{Message: "One of user or organization must be provided"}})
		return "", "", false
	}
	if orgID != me.orgID {
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
		return "", "", false
	}
	return userID, orgID, true
}

func (s *Server) listEventTypes(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	pg, bad := parsePage(q)
	if len(bad) > 0 {
		writeInvalid(w, bad)
		return
	}
	s.mu.Lock()
	userID, orgID, ok := s.ownerFilterLocked(w, q, c)
	if !ok {
		s.mu.Unlock()
		return
	}
	var all []eventTypeResource
	for _, id := range s.typeOrder {
		et := s.eventTypes[id]
		if (userID == "" || et.ownerID == userID) && s.users[et.ownerID].orgID == orgID {
			all = append(all, s.eventTypeResource(et))
		}
	}
	s.mu.Unlock()
	writeCollectionOf(s, w, r, pg, all)
}

func (s *Server) getEventType(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	et := s.eventTypes[r.PathValue("uuid")]
	switch {
	case et == nil:
		writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, nil)
	case s.users[et.ownerID].orgID != s.users[c.userID].orgID:
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
	default:
		writeJSON(w, http.StatusOK, map[string]any{"resource": s.eventTypeResource(et)})
	}
}

func (s *Server) listEvents(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	var bad []detail
	parseT := func(name string) time.Time {
		v := q.Get(name)
		if v == "" {
			return time.Time{}
		}
		t, err := time.Parse(time.RFC3339Nano, v)
		if err != nil {
			bad = append(bad, detail{name, "must be an ISO 8601 UTC time such as 2026-01-08T14:00:00.000000Z"})
		}
		return t
	}
	minT, maxT := parseT("min_start_time"), parseT("max_start_time")
	status := q.Get("status")
	if status != "" && status != statusActive && status != statusCanceled {
		bad = append(bad, detail{"status", "must be active or canceled"})
	}
	desc, sortBad := parseSort(q, "start_time")
	pg, pgBad := parsePage(q)
	if bad = append(append(bad, sortBad...), pgBad...); len(bad) > 0 {
		writeInvalid(w, bad)
		return
	}
	email := q.Get("invitee_email")
	s.mu.Lock()
	userID, orgID, ok := s.ownerFilterLocked(w, q, c)
	if !ok {
		s.mu.Unlock()
		return
	}
	var evs []*event
	for _, id := range s.eventOrder {
		ev := s.events[id]
		host := s.users[ev.hostID]
		switch {
		case userID != "" && ev.hostID != userID, host.orgID != orgID,
			!minT.IsZero() && ev.start.Before(minT), !maxT.IsZero() && !ev.start.Before(maxT),
			status != "" && ev.status != status,
			email != "" && !slices.ContainsFunc(ev.invitees, func(i string) bool { return strings.EqualFold(s.invitees[i].email, email) }):
			continue
		}
		evs = append(evs, ev)
	}
	slices.SortStableFunc(evs, func(a, b *event) int { return a.start.Compare(b.start) })
	if desc {
		slices.Reverse(evs)
	}
	all := make([]*eventResource, len(evs))
	for i, ev := range evs {
		all[i] = s.eventResource(ev)
	}
	s.mu.Unlock()
	writeCollectionOf(s, w, r, pg, all)
}

// pathEventLocked finds the event of a path and checks the caller's
// organization hosts it, answering the error itself.
func (s *Server) pathEventLocked(w http.ResponseWriter, r *http.Request, c *caller) *event {
	ev := s.events[r.PathValue("uuid")]
	if ev == nil {
		writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, nil)
		return nil
	}
	if s.users[ev.hostID].orgID != s.users[c.userID].orgID {
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
		return nil
	}
	return ev
}

func (s *Server) getEvent(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev := s.pathEventLocked(w, r, c); ev != nil {
		writeJSON(w, http.StatusOK, map[string]any{"resource": s.eventResource(ev)})
	}
}

func (s *Server) listInvitees(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	var bad []detail
	status := q.Get("status")
	if status != "" && status != statusActive && status != statusCanceled {
		bad = append(bad, detail{"status", "must be active or canceled"})
	}
	desc, sortBad := parseSort(q, "created_at")
	pg, pgBad := parsePage(q)
	if bad = append(append(bad, sortBad...), pgBad...); len(bad) > 0 {
		writeInvalid(w, bad)
		return
	}
	s.mu.Lock()
	ev := s.pathEventLocked(w, r, c)
	if ev == nil {
		s.mu.Unlock()
		return
	}
	var all []inviteeResource
	for _, id := range ev.invitees {
		inv := s.invitees[id]
		if (status == "" || inv.status == status) && (q.Get("email") == "" || strings.EqualFold(inv.email, q.Get("email"))) {
			all = append(all, s.inviteeResource(inv, false))
		}
	}
	s.mu.Unlock()
	if desc {
		slices.Reverse(all)
	}
	writeCollectionOf(s, w, r, pg, all)
}

func (s *Server) getInvitee(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ev := s.pathEventLocked(w, r, c)
	if ev == nil {
		return
	}
	inv := s.invitees[r.PathValue("invitee")]
	if inv == nil || inv.eventID != ev.id {
		writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, nil)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"resource": s.inviteeResource(inv, false)})
}

const (
	defaultCount = 20
	maxCount     = 100
)

type page struct{ count, offset int }

// parsePage reads count (1..100, default 20) and page_token. Tokens are
// opaque to clients; here they carry an offset into the filtered list.
func parsePage(q url.Values) (page, []detail) {
	p := page{count: defaultCount}
	var bad []detail
	if v := q.Get("count"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxCount {
			bad = append(bad, detail{"count", "must be an integer between 1 and 100"})
		}
		p.count = n
	}
	if v := q.Get("page_token"); v != "" {
		raw, err := base64.RawURLEncoding.DecodeString(v)
		off, ok := strings.CutPrefix(string(raw), "offset:")
		n, err2 := strconv.Atoi(off)
		if err != nil || !ok || err2 != nil || n < 0 {
			bad = append(bad, detail{"page_token", "is invalid"})
		}
		p.offset = n
	}
	return p, bad
}

func pageToken(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("offset:" + strconv.Itoa(offset)))
}

// parseSort reads sort=<field>:asc|desc; only field is sortable.
func parseSort(q url.Values, field string) (desc bool, bad []detail) {
	switch q.Get("sort") {
	case "", field + ":asc":
		return false, nil
	case field + ":desc":
		return true, nil
	}
	return false, []detail{{"sort", "must be " + field + ":asc or " + field + ":desc"}}
}

type pagination struct {
	Count             int     `json:"count"`
	NextPage          *string `json:"next_page"`
	PreviousPage      *string `json:"previous_page"`
	NextPageToken     *string `json:"next_page_token"`
	PreviousPageToken *string `json:"previous_page_token"`
}

// writeCollectionOf answers one page of all as {"collection","pagination"},
// with next/previous links on this server's BaseURL.
func writeCollectionOf[T any](s *Server, w http.ResponseWriter, r *http.Request, p page, all []T) {
	start := min(p.offset, len(all))
	end := min(start+p.count, len(all))
	items := all[start:end]
	if items == nil {
		items = []T{}
	}
	link := func(offset int) (*string, *string) {
		tok := pageToken(offset)
		q := r.URL.Query()
		q.Set("page_token", tok)
		u := s.cfg.BaseURL + r.URL.Path + "?" + q.Encode()
		return &u, &tok
	}
	pg := pagination{Count: len(items)}
	if end < len(all) {
		pg.NextPage, pg.NextPageToken = link(end)
	}
	if start > 0 {
		pg.PreviousPage, pg.PreviousPageToken = link(max(start-p.count, 0))
	}
	writeJSON(w, http.StatusOK, map[string]any{"collection": items, "pagination": pg})
}

package simcalendly

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

const (
	stateActive   = "active"
	stateDisabled = "disabled"
)

// knownEvents are the webhook events of spec §3.2.
var knownEvents = []string{evCreated, evCanceled, evNoShowCreated, evNoShowDeleted, "routing_form_submission.created"}

type subscription struct {
	id, url, scope, orgID, userID, creatorID string
	events                                   []string
	state                                    string
	signingKey                               string
	viaOAuth                                 bool // created with an OAuth access token: the app key signs
	created, updated                         time.Time
	retryStartedAt                           *time.Time
}

// Subscription is a webhook subscription as the control API shows it.
type Subscription struct {
	URI            string     `json:"uri"`
	CallbackURL    string     `json:"callback_url"`
	State          string     `json:"state"`
	Scope          string     `json:"scope"`
	User           string     `json:"user"` // "" for organization scope
	Organization   string     `json:"organization"`
	Events         []string   `json:"events"`
	RetryStartedAt *time.Time `json:"retry_started_at"`
}

// Subscriptions lists every subscription, disabled ones too, oldest first.
func (s *Server) Subscriptions() []Subscription {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Subscription, 0, len(s.subOrder))
	for _, id := range s.subOrder {
		sub := s.subs[id]
		p := Subscription{URI: s.uri("webhook_subscriptions", id), CallbackURL: sub.url, State: sub.state, Scope: sub.scope,
			Organization: s.uri("organizations", sub.orgID), Events: slices.Clone(sub.events)}
		if sub.userID != "" {
			p.User = s.uri("users", sub.userID)
		}
		if sub.retryStartedAt != nil {
			t := *sub.retryStartedAt
			p.RetryStartedAt = &t
		}
		out = append(out, p)
	}
	return out
}

// DisableSubscription does what 24 h of failed deliveries do: the
// subscription turns "disabled" and gets no more deliveries.
func (s *Server) DisableSubscription(uri string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subs[s.idOf(uri, "/webhook_subscriptions/")]
	if sub == nil {
		return fmt.Errorf("webhook subscription %q: %w", uri, ErrNotFound)
	}
	if sub.state != stateDisabled {
		sub.state, sub.updated = stateDisabled, s.now()
	}
	return nil
}

func (s *Server) createSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	var in struct {
		URL          string   `json:"url"`
		Events       []string `json:"events"`
		Organization string   `json:"organization"`
		User         string   `json:"user"`
		Group        string   `json:"group"`
		Scope        string   `json:"scope"`
		SigningKey   string   `json:"signing_key"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	var bad []detail
	if u, err := url.Parse(in.URL); in.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		bad = append(bad, detail{"url", "must be a valid URL"})
	}
	if len(in.Events) == 0 {
		bad = append(bad, detail{"events", "must include at least one event"})
	}
	var events []string
	for _, e := range in.Events {
		switch {
		case !slices.Contains(knownEvents, e):
			bad = append(bad, detail{"events", fmt.Sprintf("%q is not a valid event; valid events are %s", e, strings.Join(knownEvents, ", "))})
		case e == "routing_form_submission.created" && in.Scope != "organization":
			bad = append(bad, detail{"events", "routing_form_submission.created is only available with organization scope"})
		case !slices.Contains(events, e):
			events = append(events, e)
		}
	}
	orgID := s.idOf(in.Organization, "/organizations/")
	if orgID == "" {
		bad = append(bad, detail{"organization", "must be a valid organization URI"})
	}
	switch in.Scope {
	case "user":
		if s.idOf(in.User, "/users/") == "" {
			bad = append(bad, detail{"user", "must be a valid user URI when scope is user"})
		}
	case "organization":
	case "group":
		bad = append(bad, detail{"scope", "group scope is not supported by this simulator"})
	default:
		bad = append(bad, detail{"scope", "must be one of user, organization, group"})
	}
	if len(bad) > 0 {
		writeInvalid(w, bad)
		return
	}
	now := s.now()
	s.mu.Lock()
	me := s.users[c.userID]
	if orgID != me.orgID {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
		return
	}
	userID := ""
	if in.Scope == "user" {
		u := s.users[s.idOf(in.User, "/users/")]
		if u == nil {
			s.mu.Unlock()
			writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, []detail{{"user", "user not found"}})
			return
		}
		if u.orgID != orgID {
			s.mu.Unlock()
			writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
			return
		}
		userID = u.id
	}
	for _, id := range s.subOrder {
		o := s.subs[id]
		if o.url == in.URL && o.scope == in.Scope && o.orgID == orgID && o.userID == userID {
			s.mu.Unlock()
			writeError(w, http.StatusConflict, titleAlreadyExist, "Hook with this url already exists", nil)
			return
		}
	}
	sub := &subscription{id: newID(), url: in.URL, scope: in.Scope, orgID: orgID, userID: userID, creatorID: c.userID,
		events: events, state: stateActive, signingKey: in.SigningKey, viaOAuth: c.oauth, created: now, updated: now}
	s.subs[sub.id] = sub
	s.subOrder = append(s.subOrder, sub.id)
	res := s.subscriptionResource(sub)
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, map[string]any{"resource": res})
}

func (s *Server) listSubscriptions(w http.ResponseWriter, r *http.Request, c *caller) {
	q := r.URL.Query()
	var bad []detail
	orgID := s.idOf(q.Get("organization"), "/organizations/")
	if orgID == "" {
		bad = append(bad, detail{"organization", "is required and must be a valid organization URI"})
	}
	scope := q.Get("scope")
	if scope != "user" && scope != "organization" && scope != "group" {
		bad = append(bad, detail{"scope", "is required and must be one of user, organization, group"})
	}
	// Calendly's reference: user "is only required if the scope parameter
	// is set to user".
	userID := s.idOf(q.Get("user"), "/users/")
	if (scope == "user" && userID == "") || (q.Get("user") != "" && userID == "") {
		bad = append(bad, detail{"user", "must be a valid user URI (required when scope is user)"})
	}
	desc, sortBad := parseSort(q, "created_at")
	bad = append(bad, sortBad...)
	pg, pgBad := parsePage(q)
	bad = append(bad, pgBad...)
	if len(bad) > 0 {
		writeInvalid(w, bad)
		return
	}
	s.mu.Lock()
	if orgID != s.users[c.userID].orgID {
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
		return
	}
	var all []subscriptionResource
	for _, id := range s.subOrder {
		sub := s.subs[id]
		if sub.orgID == orgID && sub.scope == scope && (userID == "" || sub.userID == userID) {
			all = append(all, s.subscriptionResource(sub))
		}
	}
	s.mu.Unlock()
	if desc {
		slices.Reverse(all)
	}
	writeCollectionOf(s, w, r, pg, all)
}

// subscriptionFor finds the subscription of a path and checks that it is
// the caller's organization's, answering the error itself.
func (s *Server) subscriptionFor(w http.ResponseWriter, r *http.Request, c *caller) *subscription {
	sub := s.subs[r.PathValue("uuid")]
	if sub == nil {
		writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, nil)
		return nil
	}
	if sub.orgID != s.users[c.userID].orgID {
		writeError(w, http.StatusForbidden, titleDenied, msgDenied, nil)
		return nil
	}
	return sub
}

func (s *Server) getSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if sub := s.subscriptionFor(w, r, c); sub != nil {
		writeJSON(w, http.StatusOK, map[string]any{"resource": s.subscriptionResource(sub)})
	}
}

func (s *Server) deleteSubscription(w http.ResponseWriter, r *http.Request, c *caller) {
	s.mu.Lock()
	defer s.mu.Unlock()
	sub := s.subscriptionFor(w, r, c)
	if sub == nil {
		return
	}
	delete(s.subs, sub.id)
	s.subOrder = slices.DeleteFunc(s.subOrder, func(id string) bool { return id == sub.id })
	w.WriteHeader(http.StatusNoContent)
}

// decodeBody reads a size-limited JSON body (api has capped it), answering
// 413 or 400 itself.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	err := dec.Decode(v)
	if err == nil {
		return true
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		writeError(w, http.StatusRequestEntityTooLarge, "Payload Too Large", fmt.Sprintf("The request body exceeds %d bytes.", tooBig.Limit), nil)
		return false
	}
	writeInvalid(w, []detail{{Message: "the request body is not a valid JSON object: " + err.Error()}})
	return false
}

package simcalendly

import (
	"fmt"
	"strings"
	"time"
)

// User is a Calendly user; every user the simulator makes owns its own
// organization, so org-scope rules (owner or admin) always pass for it.
type User struct {
	URI             string `json:"uri"`
	OrganizationURI string `json:"organization_uri"`
	Name            string `json:"name"`
	Email           string `json:"email"`
	Timezone        string `json:"timezone"`
	Token           string `json:"token"` // the user's personal access token
}

// EventType is a bookable event type. MaxInvitees above 1 makes it a
// group event type: bookings at the same start time share one
// scheduled_event until it is full.
type EventType struct {
	URI         string
	Name        string
	Slug        string
	Duration    time.Duration
	Owner       string // user URI
	MaxInvitees int
}

// QA is one answered booking question.
type QA struct {
	Question string `json:"question"`
	Answer   string `json:"answer"`
	Position int    `json:"position"`
}

// Location is where the meeting happens, e.g. {"google_conference","",
// "https://meet.google.com/…"}, {"physical","12 Rua X",""},
// {"outbound_call","+55 11 …",""}.
type Location struct {
	Type     string `json:"type"`
	Location string `json:"location,omitempty"`
	JoinURL  string `json:"join_url,omitempty"`
}

// Booking is what an invitee fills in on the booking page.
type Booking struct {
	User               string    `json:"user"`       // user URI; "" = default user
	EventType          string    `json:"event_type"` // event type URI; "" = the user's first
	StartTime          time.Time `json:"start_time"` // end = start + duration
	Name               string    `json:"name"`
	Email              string    `json:"email"`
	Timezone           string    `json:"timezone"` // "" = the host's
	TextReminderNumber string    `json:"text_reminder_number"`
	FirstName          string    `json:"first_name"`
	LastName           string    `json:"last_name"`
	Questions          []QA      `json:"questions_and_answers"`
	Location           *Location `json:"location"`
	UTMContent         string    `json:"utm_content"`
}

// Invitee is a booked invitee as the control methods answer it.
type Invitee struct {
	URI       string    `json:"uri"`
	EventURI  string    `json:"event_uri"`
	Name      string    `json:"name"`
	Email     string    `json:"email"`
	StartTime time.Time `json:"start_time"`
	Status    string    `json:"status"`
}

type user struct {
	id, orgID, name, slug, email, timezone, token string
	created, updated                              time.Time
}

type eventType struct {
	id, ownerID, name, slug string
	duration                time.Duration
	limit                   int
	created, updated        time.Time
}

type cancellation struct {
	canceledBy, reason, cancelerType string
	created                          time.Time
}

type event struct {
	id, typeID, hostID, name string
	start, end               time.Time
	location                 *Location
	status                   string
	limit                    int
	created, updated         time.Time
	cancellation             *cancellation
	invitees                 []string // invitee ids in booking order
}

type noShow struct {
	id      string
	created time.Time
}

type invitee struct {
	id, eventID                                       string
	name, email, firstName, lastName, timezone, phone string
	questions                                         []QA
	utmContent                                        string
	status                                            string
	created, updated                                  time.Time
	rescheduled                                       bool
	oldInvitee, newInvitee                            string // URIs
	cancellation                                      *cancellation
	noShow                                            *noShow
}

func (s *Server) publicUser(u *user) User {
	return User{URI: s.uri("users", u.id), OrganizationURI: s.uri("organizations", u.orgID), Name: u.name,
		Email: u.email, Timezone: u.timezone, Token: u.token}
}

func (s *Server) publicEventType(et *eventType) EventType {
	return EventType{URI: s.uri("event_types", et.id), Name: et.name, Slug: et.slug, Duration: et.duration,
		Owner: s.uri("users", et.ownerID), MaxInvitees: et.limit}
}

func (s *Server) publicInvitee(inv *invitee) Invitee {
	ev := s.events[inv.eventID]
	return Invitee{URI: s.inviteeURI(inv), EventURI: s.uri("scheduled_events", ev.id), Name: inv.name,
		Email: inv.email, StartTime: ev.start, Status: inv.status}
}

func (s *Server) inviteeURI(inv *invitee) string {
	return s.uri("scheduled_events", inv.eventID) + "/invitees/" + inv.id
}

// DefaultUser is the user New made: the one OAuth consents as and the
// one AnyToken callers act as.
func (s *Server) DefaultUser() User {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.publicUser(s.users[s.defaultUser])
}

// AddUser adds a user who owns a new organization and has a fresh PAT.
// An empty timezone is "UTC".
func (s *Server) AddUser(name, email, timezone string) User {
	if timezone == "" {
		timezone = "UTC"
	}
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	u := &user{id: newID(), orgID: newID(), name: name, email: email, timezone: timezone, created: now, updated: now}
	u.slug = s.uniqueSlug(slugify(name), func(sl string) bool {
		for _, o := range s.users {
			if o.slug == sl {
				return true
			}
		}
		return false
	})
	u.token = newJWT("PAT", u.id, now)
	s.users[u.id] = u
	s.pats[u.token] = u.id
	return s.publicUser(u)
}

// AddEventType adds a one-on-one event type owned by ownerURI ("" = the
// default user). An unknown owner adds nothing and answers the zero value.
func (s *Server) AddEventType(ownerURI, name string, duration time.Duration) EventType {
	return s.AddGroupEventType(ownerURI, name, duration, 1)
}

// AddGroupEventType adds an event type that takes up to maxInvitees
// invitees per scheduled event.
func (s *Server) AddGroupEventType(ownerURI, name string, duration time.Duration, maxInvitees int) EventType {
	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := s.userLocked(ownerURI)
	if owner == nil || duration <= 0 {
		return EventType{}
	}
	et := &eventType{id: newID(), ownerID: owner.id, name: name, duration: duration, limit: max(maxInvitees, 1),
		created: now, updated: now}
	et.slug = s.uniqueSlug(slugify(name), func(sl string) bool {
		for _, o := range s.eventTypes {
			if o.ownerID == owner.id && o.slug == sl {
				return true
			}
		}
		return false
	})
	s.eventTypes[et.id] = et
	s.typeOrder = append(s.typeOrder, et.id)
	return s.publicEventType(et)
}

// EventTypes lists ownerURI's event types ("" = the default user's) in
// creation order.
func (s *Server) EventTypes(ownerURI string) []EventType {
	s.mu.Lock()
	defer s.mu.Unlock()
	owner := s.userLocked(ownerURI)
	if owner == nil {
		return nil
	}
	var out []EventType
	for _, id := range s.typeOrder {
		if et := s.eventTypes[id]; et.ownerID == owner.id {
			out = append(out, s.publicEventType(et))
		}
	}
	return out
}

// userLocked resolves a user URI, "" being the default user.
func (s *Server) userLocked(uri string) *user {
	if uri == "" {
		return s.users[s.defaultUser]
	}
	return s.users[s.idOf(uri, "/users/")]
}

func (s *Server) uniqueSlug(base string, taken func(string) bool) string {
	if base == "" {
		base = "user"
	}
	sl := base
	for i := 2; taken(sl); i++ {
		sl = fmt.Sprintf("%s-%d", base, i)
	}
	return sl
}

func slugify(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(name) {
		if (r >= 'a' && r <= 'z') || (r >= '0' && r <= '9') {
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		} else {
			dash = true
		}
	}
	return b.String()
}

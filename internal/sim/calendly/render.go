package simcalendly

import (
	"slices"
	"strings"
)

// The resource shapes below follow the spec's samples (§3.1, §3.3, §3.5)
// field by field and in their order, so a byte-level diff against a
// capture stays readable. Absent values are null, not missing, as there.

type userResource struct {
	URI                 string  `json:"uri"`
	Name                string  `json:"name"`
	Slug                string  `json:"slug"`
	Email               string  `json:"email"`
	SchedulingURL       string  `json:"scheduling_url"`
	Timezone            string  `json:"timezone"`
	AvatarURL           *string `json:"avatar_url"`
	CreatedAt           string  `json:"created_at"`
	UpdatedAt           string  `json:"updated_at"`
	CurrentOrganization string  `json:"current_organization"`
	ResourceType        string  `json:"resource_type"`
}

func (s *Server) userResource(u *user) userResource {
	return userResource{
		URI: s.uri("users", u.id), Name: u.name, Slug: u.slug, Email: u.email,
		SchedulingURL: "https://calendly.com/" + u.slug, Timezone: u.timezone,
		CreatedAt: calTime(u.created), UpdatedAt: calTime(u.updated),
		CurrentOrganization: s.uri("organizations", u.orgID), ResourceType: "User",
	}
}

type profile struct {
	Type  string `json:"type"`
	Name  string `json:"name"`
	Owner string `json:"owner"`
}

type eventTypeResource struct {
	URI              string   `json:"uri"`
	Name             string   `json:"name"`
	Active           bool     `json:"active"`
	BookingMethod    string   `json:"booking_method"`
	Slug             string   `json:"slug"`
	SchedulingURL    string   `json:"scheduling_url"`
	Duration         int      `json:"duration"` // minutes
	DurationOptions  []int    `json:"duration_options"`
	Kind             string   `json:"kind"`
	PoolingType      *string  `json:"pooling_type"`
	Type             string   `json:"type"`
	Color            string   `json:"color"`
	CreatedAt        string   `json:"created_at"`
	UpdatedAt        string   `json:"updated_at"`
	InternalNote     *string  `json:"internal_note"`
	DescriptionPlain *string  `json:"description_plain"`
	DescriptionHTML  *string  `json:"description_html"`
	Profile          profile  `json:"profile"`
	Secret           bool     `json:"secret"`
	DeletedAt        *string  `json:"deleted_at"`
	AdminManaged     bool     `json:"admin_managed"`
	Locations        []any    `json:"locations"`
	Position         int      `json:"position"`
	CustomQuestions  []string `json:"custom_questions"`
}

func (s *Server) eventTypeResource(et *eventType) eventTypeResource {
	owner := s.users[et.ownerID]
	kind := "solo"
	if et.limit > 1 {
		kind = "group"
	}
	return eventTypeResource{
		URI: s.uri("event_types", et.id), Name: et.name, Active: true, BookingMethod: "instant", Slug: et.slug,
		SchedulingURL: "https://calendly.com/" + owner.slug + "/" + et.slug, Duration: int(et.duration.Minutes()),
		Kind: kind, Type: "StandardEventType", Color: "#8247f5",
		CreatedAt: calTime(et.created), UpdatedAt: calTime(et.updated),
		Profile:         profile{Type: "User", Name: owner.name, Owner: s.uri("users", owner.id)},
		CustomQuestions: []string{},
	}
}

type locationJSON struct {
	Type     string `json:"type"`
	Location string `json:"location,omitempty"`
	Status   string `json:"status,omitempty"`
	JoinURL  string `json:"join_url,omitempty"`
}

type counter struct {
	Total  int `json:"total"`
	Active int `json:"active"`
	Limit  int `json:"limit"`
}

type membership struct {
	User      string `json:"user"`
	UserEmail string `json:"user_email"`
	UserName  string `json:"user_name"`
}

type cancellationJSON struct {
	CanceledBy   string  `json:"canceled_by"`
	Reason       *string `json:"reason"`
	CancelerType string  `json:"canceler_type"`
	CreatedAt    string  `json:"created_at"`
}

func cancellationOf(c *cancellation) *cancellationJSON {
	if c == nil {
		return nil
	}
	return &cancellationJSON{CanceledBy: c.canceledBy, Reason: strPtr(c.reason), CancelerType: c.cancelerType, CreatedAt: calTime(c.created)}
}

type eventResource struct {
	URI               string            `json:"uri"`
	Name              string            `json:"name"`
	Status            string            `json:"status"`
	StartTime         string            `json:"start_time"`
	EndTime           string            `json:"end_time"`
	EventType         string            `json:"event_type"`
	Location          *locationJSON     `json:"location"`
	InviteesCounter   counter           `json:"invitees_counter"`
	CreatedAt         string            `json:"created_at"`
	UpdatedAt         string            `json:"updated_at"`
	EventMemberships  []membership      `json:"event_memberships"`
	EventGuests       []any             `json:"event_guests"`
	CalendarEvent     any               `json:"calendar_event"`
	MeetingNotesPlain *string           `json:"meeting_notes_plain"`
	MeetingNotesHTML  *string           `json:"meeting_notes_html"`
	Cancellation      *cancellationJSON `json:"cancellation,omitempty"` // only once canceled (§3.5)
}

func (s *Server) eventResource(ev *event) *eventResource {
	host := s.users[ev.hostID]
	c := counter{Total: len(ev.invitees), Limit: ev.limit}
	for _, id := range ev.invitees {
		if s.invitees[id].status == statusActive {
			c.Active++
		}
	}
	var loc *locationJSON
	if ev.location != nil {
		loc = &locationJSON{Type: ev.location.Type, Location: ev.location.Location, JoinURL: ev.location.JoinURL}
		if loc.JoinURL != "" {
			loc.Status = "pushed"
		}
	}
	return &eventResource{
		URI: s.uri("scheduled_events", ev.id), Name: ev.name, Status: ev.status,
		StartTime: calTime(ev.start), EndTime: calTime(ev.end), EventType: s.uri("event_types", ev.typeID),
		Location: loc, InviteesCounter: c, CreatedAt: calTime(ev.created), UpdatedAt: calTime(ev.updated),
		EventMemberships: []membership{{User: s.uri("users", host.id), UserEmail: host.email, UserName: host.name}},
		EventGuests:      []any{},
		Cancellation:     cancellationOf(ev.cancellation),
	}
}

type tracking struct {
	UTMCampaign    *string `json:"utm_campaign"`
	UTMSource      *string `json:"utm_source"`
	UTMMedium      *string `json:"utm_medium"`
	UTMContent     *string `json:"utm_content"`
	UTMTerm        *string `json:"utm_term"`
	SalesforceUUID *string `json:"salesforce_uuid"`
}

type noShowJSON struct {
	URI       string `json:"uri"`
	CreatedAt string `json:"created_at"`
}

type inviteeResource struct {
	URI                   string            `json:"uri"`
	Email                 string            `json:"email"`
	Name                  string            `json:"name"`
	FirstName             *string           `json:"first_name"`
	LastName              *string           `json:"last_name"`
	Status                string            `json:"status"`
	Timezone              string            `json:"timezone"`
	TextReminderNumber    *string           `json:"text_reminder_number"`
	Event                 string            `json:"event"`
	CreatedAt             string            `json:"created_at"`
	UpdatedAt             string            `json:"updated_at"`
	Rescheduled           bool              `json:"rescheduled"`
	OldInvitee            *string           `json:"old_invitee"`
	NewInvitee            *string           `json:"new_invitee"`
	CancelURL             string            `json:"cancel_url"`
	RescheduleURL         string            `json:"reschedule_url"`
	QuestionsAndAnswers   []QA              `json:"questions_and_answers"`
	Tracking              tracking          `json:"tracking"`
	RoutingFormSubmission *string           `json:"routing_form_submission"`
	Payment               any               `json:"payment"`
	NoShow                *noShowJSON       `json:"no_show"`
	Reconfirmation        any               `json:"reconfirmation"`
	Cancellation          *cancellationJSON `json:"cancellation"`
	SchedulingMethod      *string           `json:"scheduling_method"`
	InviteeScheduledBy    *string           `json:"invitee_scheduled_by"`
	ScheduledEvent        *eventResource    `json:"scheduled_event,omitempty"` // webhook payloads only
}

// inviteeResource renders an invitee; withEvent embeds its scheduled
// event, as webhook payloads do and GET …/invitees/{uuid} does not.
func (s *Server) inviteeResource(inv *invitee, withEvent bool) inviteeResource {
	qa := slices.Clone(inv.questions)
	if qa == nil {
		qa = []QA{}
	}
	r := inviteeResource{
		URI: s.inviteeURI(inv), Email: inv.email, Name: inv.name,
		FirstName: strPtr(inv.firstName), LastName: strPtr(inv.lastName), Status: inv.status,
		Timezone: inv.timezone, TextReminderNumber: strPtr(inv.phone), Event: s.uri("scheduled_events", inv.eventID),
		CreatedAt: calTime(inv.created), UpdatedAt: calTime(inv.updated), Rescheduled: inv.rescheduled,
		OldInvitee: strPtr(inv.oldInvitee), NewInvitee: strPtr(inv.newInvitee),
		CancelURL:           "https://calendly.com/cancellations/" + inv.id,
		RescheduleURL:       "https://calendly.com/reschedulings/" + inv.id,
		QuestionsAndAnswers: qa,
		Tracking:            tracking{UTMContent: strPtr(inv.utmContent)},
		Cancellation:        cancellationOf(inv.cancellation),
	}
	if inv.noShow != nil {
		r.NoShow = &noShowJSON{URI: s.uri("invitee_no_shows", inv.noShow.id), CreatedAt: calTime(inv.noShow.created)}
	}
	if withEvent {
		r.ScheduledEvent = s.eventResource(s.events[inv.eventID])
	}
	return r
}

type subscriptionResource struct {
	URI            string   `json:"uri"`
	CallbackURL    string   `json:"callback_url"`
	CreatedAt      string   `json:"created_at"`
	UpdatedAt      string   `json:"updated_at"`
	RetryStartedAt *string  `json:"retry_started_at"`
	State          string   `json:"state"`
	Events         []string `json:"events"`
	Scope          string   `json:"scope"`
	Organization   string   `json:"organization"`
	User           *string  `json:"user"`
	Group          *string  `json:"group"`
	Creator        string   `json:"creator"`
}

func (s *Server) subscriptionResource(sub *subscription) subscriptionResource {
	r := subscriptionResource{
		URI: s.uri("webhook_subscriptions", sub.id), CallbackURL: sub.url,
		CreatedAt: calTime(sub.created), UpdatedAt: calTime(sub.updated), State: sub.state,
		Events: slices.Clone(sub.events), Scope: sub.scope, Organization: s.uri("organizations", sub.orgID),
		Creator: s.uri("users", sub.creatorID),
	}
	if sub.retryStartedAt != nil {
		t := calTime(*sub.retryStartedAt)
		r.RetryStartedAt = &t
	}
	if sub.userID != "" {
		u := s.uri("users", sub.userID)
		r.User = &u
	}
	return r
}

// conferenceURL makes up a join URL for conference locations booked
// without one, as Calendly gets one from the provider.
func conferenceURL(typ string) string {
	id := strings.ToLower(newID())
	switch typ {
	case "google_conference":
		return "https://meet.google.com/" + id[:3] + "-" + id[3:7] + "-" + id[7:10]
	case "zoom":
		return "https://us02web.zoom.us/j/8" + strings.Map(func(r rune) rune { return '0' + (r-'a')%10 }, id[:10])
	case "microsoft_teams_conference":
		return "https://teams.microsoft.com/l/meetup-join/" + id
	case "gotomeeting":
		return "https://global.gotomeeting.com/join/" + id
	case "webex_conference":
		return "https://meet.webex.com/meet/" + id
	}
	return ""
}

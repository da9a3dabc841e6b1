package simcalendly

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"
)

const (
	statusActive   = "active"
	statusCanceled = "canceled"

	evCreated       = "invitee.created"
	evCanceled      = "invitee.canceled"
	evNoShowCreated = "invitee_no_show.created"
	evNoShowDeleted = "invitee_no_show.deleted"
)

// locationTypes are the location.type values of spec §3.3.
var locationTypes = []string{"physical", "outbound_call", "inbound_call", "google_conference", "zoom",
	"microsoft_teams_conference", "gotomeeting", "webex_conference", "custom", "ask_invitee"}

// Book stores a booking as the booking page would and delivers
// invitee.created; the first delivery attempt to each subscription is
// made before it returns. Bookings of a group event type at the same
// start time join one scheduled event until it is full. Availability is
// not checked: a one-on-one type can be booked twice at the same time.
func (s *Server) Book(ctx context.Context, b Booking) (Invitee, error) {
	if b.Name == "" {
		b.Name = strings.TrimSpace(b.FirstName + " " + b.LastName)
	}
	switch {
	case b.StartTime.IsZero():
		return Invitee{}, errors.New("start_time is required")
	case b.Name == "":
		return Invitee{}, errors.New("name (or first_name/last_name) is required")
	case !strings.Contains(b.Email, "@"):
		return Invitee{}, fmt.Errorf("email %q is not an email address", b.Email)
	}
	var loc *Location
	if b.Location != nil {
		l := *b.Location
		if !slices.Contains(locationTypes, l.Type) {
			return Invitee{}, fmt.Errorf("location.type %q is not one of %s", l.Type, strings.Join(locationTypes, ", "))
		}
		if l.JoinURL == "" {
			l.JoinURL = conferenceURL(l.Type)
		}
		loc = &l
	}
	now := s.now()
	s.mu.Lock()
	et, err := s.bookingTypeLocked(b.User, b.EventType)
	if err != nil {
		s.mu.Unlock()
		return Invitee{}, err
	}
	host := s.users[et.ownerID]
	ev, err := s.eventForLocked(et, b.StartTime, loc, now)
	if err != nil {
		s.mu.Unlock()
		return Invitee{}, err
	}
	tz := b.Timezone
	if tz == "" {
		tz = host.timezone
	}
	inv := &invitee{
		id: newID(), name: b.Name, email: b.Email, firstName: b.FirstName, lastName: b.LastName, timezone: tz,
		phone: b.TextReminderNumber, questions: slices.Clone(b.Questions), utmContent: b.UTMContent,
	}
	s.addInviteeLocked(ev, inv, now)
	jobs := s.notifyLocked(evCreated, inv, now)
	out := s.publicInvitee(inv)
	s.mu.Unlock()
	s.deliver(ctx, jobs)
	return out, nil
}

func (s *Server) bookingTypeLocked(userURI, typeURI string) (*eventType, error) {
	u := s.userLocked(userURI)
	if u == nil {
		return nil, fmt.Errorf("user %q: %w", userURI, ErrNotFound)
	}
	if typeURI != "" {
		et := s.eventTypes[s.idOf(typeURI, "/event_types/")]
		if et == nil {
			return nil, fmt.Errorf("event type %q: %w", typeURI, ErrNotFound)
		}
		if userURI != "" && et.ownerID != u.id {
			return nil, fmt.Errorf("event type %s is not %s's", typeURI, userURI)
		}
		return et, nil
	}
	for _, id := range s.typeOrder {
		if et := s.eventTypes[id]; et.ownerID == u.id {
			return et, nil
		}
	}
	return nil, fmt.Errorf("user %s has no event type: %w", s.uri("users", u.id), ErrNotFound)
}

// eventForLocked finds the group event an invitee joins or makes a new
// scheduled event.
func (s *Server) eventForLocked(et *eventType, start time.Time, loc *Location, now time.Time) (*event, error) {
	if et.limit > 1 {
		for _, id := range s.eventOrder {
			ev := s.events[id]
			if ev.typeID != et.id || ev.status != statusActive || !ev.start.Equal(start) {
				continue
			}
			if s.activeCountLocked(ev) >= ev.limit {
				return nil, fmt.Errorf("scheduled event %s is full (%d invitees)", s.uri("scheduled_events", ev.id), ev.limit)
			}
			return ev, nil
		}
	}
	ev := &event{id: newID(), typeID: et.id, hostID: et.ownerID, name: et.name, start: start.UTC(),
		end: start.UTC().Add(et.duration), location: loc, status: statusActive, limit: et.limit, created: now, updated: now}
	s.events[ev.id] = ev
	s.eventOrder = append(s.eventOrder, ev.id)
	return ev, nil
}

func (s *Server) addInviteeLocked(ev *event, inv *invitee, now time.Time) {
	inv.eventID, inv.status, inv.created, inv.updated = ev.id, statusActive, now, now
	s.invitees[inv.id] = inv
	ev.invitees = append(ev.invitees, inv.id)
	ev.updated = now
}

func (s *Server) activeCountLocked(ev *event) int {
	n := 0
	for _, id := range ev.invitees {
		if s.invitees[id].status == statusActive {
			n++
		}
	}
	return n
}

// cancelInviteeLocked cancels one invitee; the event goes with its last
// active invitee.
func (s *Server) cancelInviteeLocked(inv *invitee, c cancellation) {
	ev := s.events[inv.eventID]
	inv.status, inv.cancellation, inv.updated = statusCanceled, &c, c.created
	ev.updated = c.created
	if s.activeCountLocked(ev) == 0 {
		ec := c
		ev.status, ev.cancellation = statusCanceled, &ec
	}
}

func (s *Server) activeInviteeLocked(uri string) (*invitee, error) {
	_, rest, _ := strings.Cut(strings.TrimPrefix(uri, s.cfg.BaseURL+"/scheduled_events/"), "/invitees/")
	inv := s.invitees[rest]
	if inv == nil || s.inviteeURI(inv) != uri {
		return nil, fmt.Errorf("invitee %q: %w", uri, ErrNotFound)
	}
	if inv.status != statusActive {
		return nil, fmt.Errorf("invitee %s is already %s", uri, inv.status)
	}
	return inv, nil
}

// Cancel cancels one invitee as cancelerType ("invitee", the default, or
// "host") and delivers invitee.canceled.
func (s *Server) Cancel(ctx context.Context, inviteeURI, cancelerType, reason string) error {
	if cancelerType == "" {
		cancelerType = "invitee"
	}
	if cancelerType != "invitee" && cancelerType != "host" {
		return fmt.Errorf("canceler_type %q must be invitee or host", cancelerType)
	}
	now := s.now()
	s.mu.Lock()
	inv, err := s.activeInviteeLocked(inviteeURI)
	if err != nil {
		s.mu.Unlock()
		return err
	}
	by := inv.name
	if cancelerType == "host" {
		by = s.users[s.events[inv.eventID].hostID].name
	}
	s.cancelInviteeLocked(inv, cancellation{canceledBy: by, reason: reason, cancelerType: cancelerType, created: now})
	jobs := s.notifyLocked(evCanceled, inv, now)
	s.mu.Unlock()
	s.deliver(ctx, jobs)
	return nil
}

// CancelEvent is the host canceling a whole (group) event: every active
// invitee is canceled and gets its own invitee.canceled, each showing the
// event already canceled.
func (s *Server) CancelEvent(ctx context.Context, eventURI, reason string) error {
	now := s.now()
	s.mu.Lock()
	ev := s.events[s.idOf(eventURI, "/scheduled_events/")]
	if ev == nil {
		s.mu.Unlock()
		return fmt.Errorf("scheduled event %q: %w", eventURI, ErrNotFound)
	}
	if ev.status != statusActive {
		s.mu.Unlock()
		return fmt.Errorf("scheduled event %s is already canceled", eventURI)
	}
	c := cancellation{canceledBy: s.users[ev.hostID].name, reason: reason, cancelerType: "host", created: now}
	var canceled []*invitee
	for _, id := range ev.invitees {
		if inv := s.invitees[id]; inv.status == statusActive {
			s.cancelInviteeLocked(inv, c)
			canceled = append(canceled, inv)
		}
	}
	var jobs []*job
	for _, inv := range canceled {
		jobs = append(jobs, s.notifyLocked(evCanceled, inv, now)...)
	}
	s.mu.Unlock()
	s.deliver(ctx, jobs)
	return nil
}

// Reschedule moves an invitee to newStart the way Calendly does: a new
// invitee (same person and answers) on a new scheduled event, with
// old_invitee set, and the old invitee canceled with rescheduled true and
// new_invitee set. The pair is delivered created-then-canceled when
// createdFirst, else canceled-then-created; both payloads show the
// finished state.
func (s *Server) Reschedule(ctx context.Context, inviteeURI string, newStart time.Time, createdFirst bool) (Invitee, error) {
	if newStart.IsZero() {
		return Invitee{}, errors.New("start_time is required")
	}
	now := s.now()
	s.mu.Lock()
	old, err := s.activeInviteeLocked(inviteeURI)
	if err != nil {
		s.mu.Unlock()
		return Invitee{}, err
	}
	oldEv := s.events[old.eventID]
	if oldEv.start.Equal(newStart) {
		s.mu.Unlock()
		return Invitee{}, fmt.Errorf("invitee %s already starts at %s", inviteeURI, calTime(newStart))
	}
	ev, err := s.eventForLocked(s.eventTypes[oldEv.typeID], newStart, oldEv.location, now)
	if err != nil {
		s.mu.Unlock()
		return Invitee{}, err
	}
	inv := &invitee{
		id: newID(), name: old.name, email: old.email, firstName: old.firstName, lastName: old.lastName,
		timezone: old.timezone, phone: old.phone, questions: slices.Clone(old.questions), utmContent: old.utmContent,
		oldInvitee: inviteeURI,
	}
	s.addInviteeLocked(ev, inv, now)
	old.rescheduled, old.newInvitee = true, s.inviteeURI(inv)
	s.cancelInviteeLocked(old, cancellation{canceledBy: old.name, cancelerType: "invitee", created: now})
	created, canceled := s.notifyLocked(evCreated, inv, now), s.notifyLocked(evCanceled, old, now)
	first, second := canceled, created
	if createdFirst {
		first, second = created, canceled
	}
	jobs := append(slices.Clip(first), second...)
	out := s.publicInvitee(inv)
	s.mu.Unlock()
	s.deliver(ctx, jobs)
	return out, nil
}

// MarkNoShow marks an active invitee as a no-show and delivers
// invitee_no_show.created.
func (s *Server) MarkNoShow(ctx context.Context, inviteeURI string) error {
	now := s.now()
	s.mu.Lock()
	inv, err := s.activeInviteeLocked(inviteeURI)
	if err == nil && inv.noShow != nil {
		err = fmt.Errorf("invitee %s is already marked as a no-show", inviteeURI)
	}
	if err != nil {
		s.mu.Unlock()
		return err
	}
	inv.noShow, inv.updated = &noShow{id: newID(), created: now}, now
	jobs := s.notifyLocked(evNoShowCreated, inv, now)
	s.mu.Unlock()
	s.deliver(ctx, jobs)
	return nil
}

// UnmarkNoShow takes a no-show mark back and delivers
// invitee_no_show.deleted (its payload has no_show null again).
func (s *Server) UnmarkNoShow(ctx context.Context, inviteeURI string) error {
	now := s.now()
	s.mu.Lock()
	inv, err := s.activeInviteeLocked(inviteeURI)
	if err == nil && inv.noShow == nil {
		err = fmt.Errorf("invitee %s is not marked as a no-show", inviteeURI)
	}
	if err != nil {
		s.mu.Unlock()
		return err
	}
	inv.noShow, inv.updated = nil, now
	jobs := s.notifyLocked(evNoShowDeleted, inv, now)
	s.mu.Unlock()
	s.deliver(ctx, jobs)
	return nil
}

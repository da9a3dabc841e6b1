package appointments

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
)

// maxEventAttempts bounds how often a delivery that fails to apply (a
// database error, not a bad payload) is tried before it is set aside.
const maxEventAttempts = 10

// details are the booking fields only messages need.
type details struct {
	FirstName     string `json:"first_name,omitempty"`
	Host          string `json:"host,omitempty"`
	CancelURL     string `json:"cancel_url,omitempty"`
	RescheduleURL string `json:"reschedule_url,omitempty"`
	NoShow        bool   `json:"no_show,omitempty"`
}

func (e *Engine) applyEvents(ctx context.Context) {
	for range 20 { // bounded, so sends are not starved by a flood
		evs, err := e.DB.PendingCalendlyEvents(ctx, batch)
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Error("calendly: reading deliveries", "err", err)
			}
			return
		}
		for _, ev := range evs {
			if err := e.apply(ctx, ev); err != nil {
				if ctx.Err() != nil {
					return
				}
				e.Log.Warn("calendly: applying a delivery failed", "event", ev.ID, "err", err)
				if ev.Attempts+1 >= maxEventAttempts {
					_ = e.DB.WithTx(ctx, func(tx *store.Tx) error {
						_, err := tx.ClaimCalendlyEvent(ctx, ev.ID, "gave up: "+err.Error())
						return err
					})
				} else {
					_ = e.DB.FailCalendlyEvent(ctx, ev.ID, err.Error())
				}
			}
		}
		if len(evs) < batch {
			return
		}
	}
}

// apply records one delivery's effect and marks it processed in the same
// commit: a crash before the commit leaves it pending, after it done.
func (e *Engine) apply(ctx context.Context, ev store.CalendlyEvent) error {
	c, err := e.DB.CalendlyConnectionByID(ctx, ev.ConnectionID)
	if err != nil {
		return err
	}
	s := parseSettings(c.Settings)
	var env calendly.Envelope
	bad := json.Unmarshal([]byte(ev.Body), &env) != nil || env.Payload.URI == ""
	return e.DB.WithTx(ctx, func(tx *store.Tx) error {
		errText := ""
		if bad {
			errText = "not an invitee payload; ignored"
		}
		if ok, err := tx.ClaimCalendlyEvent(ctx, ev.ID, errText); err != nil || !ok || bad {
			return err
		}
		switch env.Event {
		case "invitee.created":
			return e.created(ctx, tx, c, s, env.Payload)
		case "invitee.canceled":
			return e.canceled(ctx, tx, c, s, env.Payload)
		case "invitee_no_show.created", "invitee_no_show.deleted":
			return e.noShow(ctx, tx, c, env.Payload, env.Event == "invitee_no_show.created")
		}
		return nil
	})
}

// bookingFrom reads an invitee payload into a booking.
func (e *Engine) bookingFrom(c store.CalendlyConnection, s Settings, inv calendly.Invitee) store.Booking {
	b := store.Booking{WorkspaceID: c.WorkspaceID, ConnectionID: c.ID, InviteeURI: inv.URI, EventURI: inv.Event, Name: inv.Name, Email: inv.Email,
		Timezone: inv.Timezone, Status: store.BookingActive, OldInviteeURI: inv.OldInvitee, NewInviteeURI: inv.NewInvitee, RemoteUpdatedAt: inv.UpdatedAt}
	d := details{FirstName: inv.FirstName, CancelURL: inv.CancelURL, RescheduleURL: inv.RescheduleURL}
	if d.FirstName == "" {
		d.FirstName, _, _ = strings.Cut(strings.TrimSpace(inv.Name), " ")
	}
	if ev := inv.ScheduledEvent; ev != nil {
		b.EventURI = ev.URI
		b.EventTypeURI, b.EventName, b.StartAt, b.EndAt = ev.EventType, ev.Name, ev.StartTime, ev.EndTime
		if l := ev.Location; l != nil {
			b.Location = l.JoinURL
			if b.Location == "" && l.Type != "outbound_call" && l.Type != "inbound_call" {
				b.Location = l.Location
			}
		}
		if len(ev.Memberships) > 0 {
			d.Host = ev.Memberships[0].UserName
		}
	}
	dj, _ := json.Marshal(d)
	b.Details = string(dj)
	p := findPhone(inv, s)
	b.PhoneRaw, b.Phone, b.PhoneSource, b.PhoneProblem = p.Raw, p.E164, p.Source, p.Problem
	return b
}

// created records a booking and schedules its messages. A reschedule's
// new invitee (old_invitee set) gets a "rescheduled" message instead of a
// confirmation, and retires the old booking if its cancel has not come yet.
func (e *Engine) created(ctx context.Context, tx *store.Tx, c store.CalendlyConnection, s Settings, inv calendly.Invitee) error {
	old, err := tx.BookingByInvitee(ctx, c.ID, inv.URI)
	switch {
	case err == nil && old.RemoteUpdatedAt.After(inv.UpdatedAt):
		return nil // a later change (its cancel) already arrived
	case err == nil && old.Status != store.BookingActive:
		return nil
	case err != nil && !domain.IsNotFound(err):
		return err
	}
	b := e.bookingFrom(c, s, inv)
	if err == nil {
		b.ConfirmedAt, b.ContactID = old.ConfirmedAt, old.ContactID
	}
	first := KindConfirmation
	if inv.OldInvitee != "" {
		first = KindRescheduled
		if err := e.retire(ctx, tx, c, inv.OldInvitee, inv.URI, b.StartAt); err != nil {
			return err
		}
	}
	if b.Phone != "" {
		if b.ContactID, err = e.contact(ctx, tx, c, s, b, inv); err != nil {
			return err
		}
	}
	if b, err = tx.SaveBooking(ctx, b); err != nil {
		return err
	}
	return tx.AddBookingMessages(ctx, b.ID, plan(b, s, first, e.Clock.Now()))
}

// retire marks the old booking of a reschedule as rescheduled and cancels
// its unsent messages, whichever of the pair arrives first.
func (e *Engine) retire(ctx context.Context, tx *store.Tx, c store.CalendlyConnection, oldURI, newURI string, newStart time.Time) error {
	old, err := tx.BookingByInvitee(ctx, c.ID, oldURI)
	if domain.IsNotFound(err) {
		return nil // booked before GoHavi was connected
	}
	if err != nil || old.Status != store.BookingActive {
		return err
	}
	old.Status, old.NewInviteeURI = store.BookingRescheduled, newURI
	if _, err := tx.SaveBooking(ctx, old); err != nil {
		return err
	}
	return tx.CancelBookingMessages(ctx, old.ID, "Rescheduled to "+newStart.UTC().Format(time.RFC3339)+"; the new booking has its own messages.")
}

// contact makes sure the invitee is a WhatsApp contact and records the
// booking form's opt-in with its wording as evidence.
func (e *Engine) contact(ctx context.Context, tx *store.Tx, c store.CalendlyConnection, s Settings, b store.Booking, inv calendly.Invitee) (int64, error) {
	waID, err := outbound.NormalizeRecipient(b.Phone)
	if err != nil {
		return 0, nil
	}
	ct, err := tx.UpsertContact(ctx, c.WorkspaceID, waID, b.Phone, "")
	if err != nil {
		return 0, err
	}
	if q, a, ok := optInAnswer(inv.Answers, s.OptInQuestion); ok {
		_, err = tx.AddConsentEventOnce(ctx, domain.ConsentEvent{WorkspaceID: c.WorkspaceID, ContactID: ct.ID, Action: domain.ConsentOptIn,
			Source: "calendly", Wording: q, Evidence: "Calendly booking " + inv.URI + ": answered " + a, Actor: "system"})
	}
	return ct.ID, err
}

// plan lists a booking's messages: the first one now, then one per
// reminder offset. A reminder whose time has already passed (a booking
// made less than that far ahead) is recorded as skipped, with why.
func plan(b store.Booking, s Settings, first string, now time.Time) []store.BookingMessage {
	skip := func(m store.BookingMessage, reason string) store.BookingMessage {
		m.State, m.Reason = store.MsgSkipped, reason
		return m
	}
	out := []store.BookingMessage{{Kind: first, DueAt: now}}
	if !now.Before(b.StartAt) {
		out[0] = skip(out[0], "The meeting had already started when the booking arrived.")
	}
	for _, d := range s.reminders(b.EventTypeURI) {
		m := store.BookingMessage{Kind: reminderKind(d), DueAt: b.StartAt.Add(-d)}
		if m.DueAt.Before(now) {
			m = skip(m, "Booked less than "+human(d)+" before the start, so this reminder's time had passed.")
		}
		out = append(out, m)
	}
	if b.Phone == "" {
		for i := range out {
			if out[i].State == "" {
				out[i] = skip(out[i], b.PhoneProblem)
			}
		}
	}
	return out
}

func human(d time.Duration) string {
	switch {
	case d == time.Hour:
		return "1 hour"
	case d%time.Hour == 0:
		return fmt.Sprintf("%d hours", d/time.Hour)
	}
	return fmt.Sprintf("%d minutes", d/time.Minute)
}

// canceled ends a booking. Its unsent messages are canceled; a plain
// cancellation may send the cancellation template, a reschedule's cancel
// sends nothing (the new booking says "rescheduled").
func (e *Engine) canceled(ctx context.Context, tx *store.Tx, c store.CalendlyConnection, s Settings, inv calendly.Invitee) error {
	b, err := tx.BookingByInvitee(ctx, c.ID, inv.URI)
	switch {
	case domain.IsNotFound(err):
		b = e.bookingFrom(c, s, inv) // its create is late or predates the connection
	case err != nil:
		return err
	case b.RemoteUpdatedAt.After(inv.UpdatedAt):
		return nil
	}
	wasActive := b.ID == 0 || b.Status == store.BookingActive
	b.RemoteUpdatedAt = inv.UpdatedAt
	if inv.NewInvitee != "" {
		b.NewInviteeURI = inv.NewInvitee
	}
	var reason string
	if inv.Rescheduled {
		b.Status = store.BookingRescheduled
		reason = "Rescheduled in Calendly; the new booking has its own messages."
	} else {
		b.Status = store.BookingCanceled
		if cn := inv.Cancellation; cn != nil {
			b.CancelReason, b.CanceledBy = cn.Reason, cn.CanceledBy
			if cn.CancelerType != "" {
				b.CanceledBy = strings.TrimSpace(cn.CanceledBy + " (" + cn.CancelerType + ")")
			}
		}
		reason = "Canceled in Calendly" + by(b.CanceledBy) + "."
	}
	isNew := b.ID == 0
	if b, err = tx.SaveBooking(ctx, b); err != nil {
		return err
	}
	if err := tx.CancelBookingMessages(ctx, b.ID, reason); err != nil {
		return err
	}
	if isNew || !wasActive || inv.Rescheduled || !s.Cancellation.set() || b.Phone == "" || !e.Clock.Now().Before(b.StartAt) {
		return nil
	}
	return tx.AddBookingMessages(ctx, b.ID, []store.BookingMessage{{Kind: KindCancellation, DueAt: e.Clock.Now()}})
}

func by(who string) string {
	if who == "" {
		return ""
	}
	return " by " + who
}

// noShow notes the host's no-show mark on the booking.
func (e *Engine) noShow(ctx context.Context, tx *store.Tx, c store.CalendlyConnection, inv calendly.Invitee, on bool) error {
	b, err := tx.BookingByInvitee(ctx, c.ID, inv.URI)
	if domain.IsNotFound(err) {
		return nil
	}
	if err != nil {
		return err
	}
	var d details
	_ = json.Unmarshal([]byte(b.Details), &d)
	d.NoShow = on
	dj, _ := json.Marshal(d)
	b.Details = string(dj)
	_, err = tx.SaveBooking(ctx, b)
	return err
}

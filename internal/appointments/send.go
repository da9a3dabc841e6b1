package appointments

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templates"
)

// sendDue works the messages that are due, each under its own lease.
func (e *Engine) sendDue(ctx context.Context) int {
	n := 0
	for range 20 {
		due, err := e.DB.DueBookingMessages(ctx, batch)
		if err != nil {
			if ctx.Err() == nil {
				e.Log.Error("calendly: reading due messages", "err", err)
			}
			return n
		}
		conns := map[int64]store.CalendlyConnection{} // read once per batch
		for _, m := range due {
			ok, err := e.DB.LeaseBookingMessage(ctx, m.ID, e.Node, domain.Millis(e.Clock.Now().Add(leaseFor)))
			if err != nil || !ok {
				continue // another node has it
			}
			if e.sendOne(ctx, m, conns) {
				n++
			}
		}
		if len(due) < batch {
			return n
		}
	}
	return n
}

// sendOne settles one leased message: sends it, or records why not. It
// reports whether the message was settled (not left for a later pass).
func (e *Engine) sendOne(ctx context.Context, m store.BookingMessage, conns map[int64]store.CalendlyConnection) bool {
	finish := func(state, reason string) bool {
		if err := e.DB.FinishBookingMessage(ctx, m.ID, e.Node, state, reason); err != nil {
			e.Log.Warn("calendly: settling a message", "id", m.ID, "err", err)
			return false
		}
		return true
	}
	b, err := e.DB.Booking(ctx, m.BookingID)
	if err != nil {
		return e.later(ctx, m, "reading the booking: "+err.Error())
	}
	c, ok := conns[b.ConnectionID]
	if !ok {
		if c, err = e.DB.CalendlyConnectionByID(ctx, b.ConnectionID); err != nil {
			return e.later(ctx, m, "reading the connection: "+err.Error())
		}
		conns[c.ID] = c
	}
	s := parseSettings(c.Settings)
	now := e.Clock.Now()
	isReminder := strings.HasPrefix(m.Kind, "reminder_")
	switch {
	case b.Status != store.BookingActive && m.Kind != KindCancellation:
		return finish(store.MsgCanceled, "The booking was "+b.Status+".")
	case b.Phone == "":
		return finish(store.MsgSkipped, b.PhoneProblem)
	case !now.Before(b.StartAt):
		return finish(store.MsgSkipped, "The meeting had already started when this came due (was GoHavi stopped?); a late "+strings.ReplaceAll(m.Kind, "_", " ")+" is not sent.")
	}
	tpl, ok := s.template(m.Kind)
	if !ok {
		return finish(store.MsgSkipped, "No template is set for "+m.Kind+" messages.")
	}
	if isReminder {
		if settled, done := e.recheck(ctx, c, b, m); done {
			return settled
		}
	}
	body, err := e.templateBody(ctx, c, s, b, tpl)
	if err != nil {
		return finish(store.MsgSkipped, err.Error())
	}
	req := outbound.Request{WorkspaceID: b.WorkspaceID, NumberID: s.NumberID, To: b.Phone, Type: "template", Body: body, Source: "calendly",
		InTx: func(ctx context.Context, tx *store.Tx, msg domain.Message) error {
			return tx.FinishBookingMessage(ctx, m.ID, e.Node, store.MsgSent, "", msg.ID)
		}}
	if m.Kind != KindCancellation {
		req.NotAfter = b.StartAt // never delivered after the meeting started
	}
	_, err = e.Send.Submit(ctx, req)
	var de *domain.Error
	switch {
	case err == nil:
		return true
	case errors.Is(err, store.ErrLeaseLost):
		return false // another node took over; it settles the message
	case errors.As(err, &de) && de.Code != domain.CodeInternal && de.Code != domain.CodeUnavailable:
		return finish(store.MsgSkipped, strings.TrimSpace(string(de.Code)+": "+de.Message+" "+de.Remedy))
	}
	return e.later(ctx, m, err.Error())
}

// later leaves a message for a later pass, noting why.
func (e *Engine) later(ctx context.Context, m store.BookingMessage, why string) bool {
	return e.laterBy(ctx, m, retryCheck, why)
}

func (e *Engine) laterBy(ctx context.Context, m store.BookingMessage, d time.Duration, why string) bool {
	e.Log.Warn("calendly: message held back", "id", m.ID, "reason", why)
	_ = e.DB.DelayBookingMessage(ctx, m.ID, e.Node, domain.Millis(e.Clock.Now().Add(d)), why)
	return false
}

// recheck asks Calendly, just before a reminder, whether the event is
// still on: a cancel whose webhook was lost (a disabled subscription) must
// not leave a reminder going out. When Calendly cannot answer, the check
// is tried again for a while; close to the start, local state decides.
func (e *Engine) recheck(ctx context.Context, c store.CalendlyConnection, b store.Booking, m store.BookingMessage) (settled, done bool) {
	tok, err := e.token(ctx, c)
	var ev calendly.Event
	if err == nil {
		ev, err = e.API.Event(ctx, tok, b.EventURI)
	}
	switch {
	case err == nil && ev.Status == "canceled", calendly.KindOf(err) == calendly.KindNotFound:
		reason := "Canceled in Calendly (found when checking before the reminder; no webhook had arrived)."
		err := e.DB.WithTx(ctx, func(tx *store.Tx) error {
			b.Status = store.BookingCanceled
			if _, err := tx.SaveBooking(ctx, b); err != nil {
				return err
			}
			if err := tx.FinishBookingMessage(ctx, m.ID, e.Node, store.MsgCanceled, reason, 0); err != nil {
				return err
			}
			return tx.CancelBookingMessages(ctx, b.ID, reason)
		})
		return err == nil, true
	case err == nil:
		return false, false
	}
	// Calendly is unreachable, throttling or refusing: wait while there is
	// time (a burst of reminders can exceed 500 calls a minute).
	var ce *calendly.Error
	if errors.As(err, &ce) && ce.Kind == calendly.KindRateLimited && b.StartAt.Sub(e.Clock.Now()) > ce.RetryAfter+retryCheck {
		return e.laterBy(ctx, m, ce.RetryAfter, "Calendly asked GoHavi to slow down; checking the event again shortly."), true
	}
	if m.Attempts < 5 && b.StartAt.Sub(e.Clock.Now()) > 2*retryCheck {
		return e.later(ctx, m, "Checking the event in Calendly failed ("+err.Error()+"); trying again."), true
	}
	e.Log.Warn("calendly: sending a reminder without Calendly's confirmation that the event is on", "booking", b.ID, "err", err)
	return false, false
}

// vars are what template parameters can refer to.
func vars(b store.Booking, lang string) map[string]map[string]string {
	var d details
	_ = json.Unmarshal([]byte(b.Details), &d)
	w := renderTime(b.StartAt, b.Timezone, lang)
	return map[string]map[string]string{
		"invitee": {"name": b.Name, "first_name": d.FirstName, "email": b.Email, "phone": b.Phone},
		"event": {"name": b.EventName, "start": w.Full, "date": w.Date, "time": w.Clock, "timezone": w.Zone, "location": b.Location,
			"host": d.Host, "cancel_url": d.CancelURL, "reschedule_url": d.RescheduleURL},
	}
}

// defaultParams fill a template whose parameters were not mapped: name,
// start time, then the place or link, then the event's name.
var defaultParams = []string{"{{invitee.first_name|there}}", "{{event.start}}", "{{event.location|the link in your calendar invite}}", "{{event.name}}"}

// namedParams map common named-parameter spellings.
var namedParams = map[string]string{
	"name": "{{invitee.first_name|there}}", "first_name": "{{invitee.first_name|there}}", "customer_name": "{{invitee.first_name|there}}",
	"start_time": "{{event.start}}", "when": "{{event.start}}", "date_time": "{{event.start}}", "appointment_time": "{{event.start}}",
	"date": "{{event.date}}", "time": "{{event.time}}", "location": "{{event.location|the link in your calendar invite}}",
	"join_url": "{{event.location|the link in your calendar invite}}", "link": "{{event.location|the link in your calendar invite}}",
	"event": "{{event.name}}", "event_name": "{{event.name}}", "meeting": "{{event.name}}", "host": "{{event.host}}",
}

// templateBody builds the outbound template object with the parameters
// filled for this booking.
func (e *Engine) templateBody(ctx context.Context, c store.CalendlyConnection, s Settings, b store.Booking, t TemplateRef) (json.RawMessage, error) {
	v := vars(b, t.Language)
	obj := map[string]any{"name": t.Name, "language": t.Language}
	if len(t.Parameters) > 0 {
		ps := make([]string, len(t.Parameters))
		for i, p := range t.Parameters {
			ps[i] = templates.Fill(p, v)
		}
		obj["parameters"] = ps
		return json.Marshal(obj)
	}
	spec, ok := e.templateSpec(ctx, c.WorkspaceID, s.NumberID, t)
	switch {
	case !ok:
	case spec.Format == templates.FormatNamed:
		named := map[string]string{}
		for _, n := range spec.BodyNames {
			named[n] = templates.Fill(namedParams[n], v)
		}
		obj["named_parameters"] = named
	default:
		ps := []string{}
		for i := 0; i < spec.BodyCount && i < len(defaultParams); i++ {
			ps = append(ps, templates.Fill(defaultParams[i], v))
		}
		obj["parameters"] = ps
	}
	return json.Marshal(obj)
}

// templateSpec reads the parameters a stored template takes.
func (e *Engine) templateSpec(ctx context.Context, workspaceID, numberID int64, t TemplateRef) (templates.Spec, bool) {
	num, ok := e.number(ctx, workspaceID, numberID)
	if !ok {
		return templates.Spec{}, false
	}
	st, err := e.DB.TemplateByName(ctx, workspaceID, num.WABAID, t.Name, t.Language)
	if err != nil {
		return templates.Spec{}, false
	}
	tt, err := templates.FromStored(st)
	if err != nil {
		return templates.Spec{}, false
	}
	return tt.Params(), true
}

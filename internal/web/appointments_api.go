package web

import (
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/appointments"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// Calendly and appointments. Reading is for every member; connecting and
// settings are for owners and admins.
//
//	POST   /api/v1/integrations/calendly               {"token","scope"?, settings…} → 201
//	POST   /api/v1/integrations/calendly/authorize     {"scope"?, settings…} → {"url"} (OAuth)
//	GET    /api/v1/integrations/calendly               the connection, its subscription state and settings
//	PUT    /api/v1/integrations/calendly/settings      settings
//	POST   /api/v1/integrations/calendly/subscription  re-create the webhook subscription
//	DELETE /api/v1/integrations/calendly               disconnect → 204
//	POST   /webhooks/calendly/hook/{key}                    Calendly's deliveries
//	GET    /api/v1/appointments?from=&limit=           bookings from a time (default: 1 day ago)
//	GET    /api/v1/appointments/{id}

// calendlyConnect is the connect request: a token plus the settings.
type calendlyConnect struct {
	Token string `json:"token"`
	Scope string `json:"scope"`
	appointments.Settings
}

type calendlyView struct {
	Auth         string                `json:"auth"`
	User         map[string]string     `json:"user"`
	Organization string                `json:"organization"`
	Scope        string                `json:"scope"`
	Status       string                `json:"status"`
	StatusReason string                `json:"status_reason,omitempty"`
	Subscription map[string]any        `json:"subscription"`
	WebhookURL   string                `json:"webhook_url"`
	Settings     appointments.Settings `json:"settings"`
	Warnings     []string              `json:"warnings"`
	ConnectedAt  *string               `json:"connected_at"`
}

func (s *server) calendlyReady() error {
	if s.Appointments == nil {
		return domain.Errorf(domain.CodeUnavailable, "Restart GoHavi with Calendly configured.", "Calendly is not available on this server")
	}
	return nil
}

func (s *server) newCalendlyView(r *http.Request, c store.CalendlyConnection) calendlyView {
	v := calendlyView{Auth: c.Auth, Organization: c.OrganizationURI, Scope: c.Scope, Status: c.Status, StatusReason: c.StatusReason,
		User:        map[string]string{"uri": c.UserURI, "name": c.UserName, "email": c.UserEmail, "timezone": c.UserTimezone},
		WebhookURL:  s.Appointments.HookURL(c.HookKey),
		Settings:    appointments.Parse(c),
		ConnectedAt: view.Time(c.CreatedAt),
		Subscription: map[string]any{"uri": c.SubscriptionURI, "state": c.SubscriptionState, "error": c.SubscriptionError,
			"checked_at": view.Time(domain.FromMillis(c.SubscriptionCheckedAt))},
	}
	v.Warnings = s.Appointments.Warnings(r.Context(), c)
	return v
}

func (s *server) connectCalendly(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var in calendlyConnect
	err := firstErr(requireManager(p), s.calendlyReady())
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var c store.CalendlyConnection
	if err == nil {
		c, err = s.Appointments.Connect(r.Context(), p.WorkspaceID, appointments.ConnectRequest{Token: in.Token, Scope: in.Scope, Settings: in.Settings})
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, s.newCalendlyView(r, c))
}

func (s *server) authorizeCalendly(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var in calendlyConnect
	err := firstErr(requireManager(p), s.calendlyReady())
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var u string
	if err == nil {
		u, err = s.Appointments.AuthorizeURL(p.WorkspaceID, in.Scope, in.Settings)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": u})
}

func (s *server) calendlyCallback(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	err := s.calendlyReady()
	if err == nil && q.Get("error") != "" {
		err = domain.Errorf(domain.CodeUnauthenticated, "Start again and allow GoHavi's access.", "Calendly did not grant access: %s", q.Get("error"))
	}
	if err == nil {
		_, err = s.Appointments.CompleteOAuth(r.Context(), q.Get("state"), q.Get("code"))
	}
	oauthDone(w, r, "calendly", err)
}

// calendlyConnection is the workspace's connection, or a not-found that
// says how to connect.
func (s *server) calendlyConnection(r *http.Request, p domain.Principal) (store.CalendlyConnection, error) {
	if err := s.calendlyReady(); err != nil {
		return store.CalendlyConnection{}, err
	}
	c, err := s.DB.CalendlyConnection(r.Context(), p.WorkspaceID)
	if domain.IsNotFound(err) {
		return c, domain.Errorf(domain.CodeNotFound, "Connect it first (POST /api/v1/integrations/calendly with a personal access token).", "Calendly is not connected")
	}
	return c, err
}

func (s *server) getCalendly(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	c, err := s.calendlyConnection(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.newCalendlyView(r, c))
}

func (s *server) putCalendlySettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var in appointments.Settings
	err := firstErr(requireManager(p), s.calendlyReady())
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	if err == nil {
		err = s.Appointments.SaveSettings(r.Context(), p.WorkspaceID, in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.getCalendly(w, r, p)
}

func (s *server) resubscribeCalendly(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	err := firstErr(requireManager(p), s.calendlyReady())
	var c store.CalendlyConnection
	if err == nil {
		c, err = s.Appointments.Resubscribe(r.Context(), p.WorkspaceID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.newCalendlyView(r, c))
}

func (s *server) disconnectCalendly(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	err := firstErr(requireManager(p), s.calendlyReady())
	if err == nil {
		err = s.Appointments.Disconnect(r.Context(), p.WorkspaceID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// maxCalendlyBody bounds a delivery: one invitee with its answers.
const maxCalendlyBody = 256 << 10

// calendlyWebhook stores a delivery before answering: 200 once committed,
// 4xx for what Calendly should not retry as is, 503 when storing failed
// (Calendly retries).
func (s *server) calendlyWebhook(w http.ResponseWriter, r *http.Request) {
	err := s.calendlyReady()
	var body []byte
	if err == nil {
		body, err = readWebhook(w, r, maxCalendlyBody, "Calendly")
	}
	if err == nil {
		err = s.Appointments.Receive(r.Context(), r.PathValue("key"), body, r.Header.Get("Calendly-Webhook-Signature"))
	}
	webhookStored(w, r, 1, err, "Calendly")
}

type appointmentMessage struct {
	ID        int64   `json:"id"`
	Kind      string  `json:"kind"`
	Status    string  `json:"status"` // scheduled, skipped, canceled, or the WhatsApp status once sent
	State     string  `json:"state"`
	DueAt     *string `json:"due_at,omitempty"`
	Reason    string  `json:"reason,omitempty"`
	MessageID int64   `json:"message_id,omitempty"`
	Error     string  `json:"error,omitempty"`
}

type appointmentView struct {
	ID              int64                `json:"id"`
	Invitee         map[string]string    `json:"invitee"`
	Event           map[string]string    `json:"event"`
	StartTime       *string              `json:"start_time"`
	EndTime         *string              `json:"end_time"`
	Status          string               `json:"status"`
	ConfirmedAt     *string              `json:"confirmed_at"`
	Location        string               `json:"location,omitempty"`
	PhoneProblem    string               `json:"phone_problem,omitempty"`
	RescheduledFrom string               `json:"rescheduled_from,omitempty"`
	RescheduledTo   string               `json:"rescheduled_to,omitempty"`
	CancelReason    string               `json:"cancel_reason,omitempty"`
	CanceledBy      string               `json:"canceled_by,omitempty"`
	ContactID       int64                `json:"contact_id,omitempty"`
	Messages        []appointmentMessage `json:"messages"`
}

func newAppointmentView(b store.Booking) appointmentView {
	v := appointmentView{ID: b.ID, StartTime: view.Time(b.StartAt), EndTime: view.Time(b.EndAt), Status: b.Status, ConfirmedAt: view.Time(b.ConfirmedAt),
		Invitee:  map[string]string{"name": b.Name, "phone": b.Phone, "email": b.Email, "timezone": b.Timezone, "uri": b.InviteeURI, "phone_source": b.PhoneSource},
		Event:    map[string]string{"name": b.EventName, "uri": b.EventURI, "event_type": b.EventTypeURI},
		Location: b.Location, PhoneProblem: b.PhoneProblem, RescheduledFrom: b.OldInviteeURI, RescheduledTo: b.NewInviteeURI,
		CancelReason: b.CancelReason, CanceledBy: b.CanceledBy, ContactID: b.ContactID, Messages: []appointmentMessage{}}
	for _, m := range b.Messages {
		am := appointmentMessage{ID: m.ID, Kind: m.Kind, Status: m.State, State: m.State, Reason: m.Reason, MessageID: m.MessageID, Error: m.MessageError}
		if m.State == store.MsgSent && m.MessageStatus != "" {
			am.Status = m.MessageStatus
		}
		if m.State == store.MsgScheduled {
			am.DueAt = view.Time(m.DueAt)
		}
		v.Messages = append(v.Messages, am)
	}
	return v
}

func (s *server) listAppointments(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	from := s.Clock.Now().Add(-24 * time.Hour)
	if f := r.URL.Query().Get("from"); f != "" {
		t, err := time.Parse(time.RFC3339, f)
		if err != nil {
			writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, "Use an RFC 3339 time such as 2026-01-08T00:00:00Z.", "from=%q is not a time", f))
			return
		}
		from = t
	}
	bs, err := s.DB.Bookings(r.Context(), p.WorkspaceID, from, queryLimit(r, 100, 500))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]appointmentView, 0, len(bs))
	for _, b := range bs {
		out = append(out, newAppointmentView(b))
	}
	writeJSON(w, http.StatusOK, dataList[appointmentView]{Data: out})
}

func (s *server) getAppointment(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	var b store.Booking
	if err == nil {
		b, err = s.DB.BookingByID(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newAppointmentView(b))
}

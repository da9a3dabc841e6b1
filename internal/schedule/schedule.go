// Package schedule sends messages later: an agent picks a time in their
// own time zone, anyone who sees the conversation can cancel it until it
// goes, and when its time comes it goes through the one send pipeline as
// the agent who scheduled it, so every rule (window, consent, template
// state, the agent's visibility) is checked again then, not only when it
// was written.
package schedule

import (
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/loop"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// Publisher is the slice of the realtime hub the service needs.
type Publisher interface {
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
}

// Service schedules, cancels and sends scheduled messages. Node names
// this process in claims; it is only needed by the sender.
type Service struct {
	DB    *store.DB
	Send  *outbound.Service
	Hub   Publisher
	Clock domain.Clock
	Log   *slog.Logger
	Node  string
}

// Draft is a message to schedule in a conversation: text, or a template
// object as POST /api/v1/messages takes it.
type Draft struct {
	Type    string
	Text    string
	Body    json.RawMessage
	ReplyTo string
	When    When
}

// Preview is what the rules would answer if the message went now.
type Preview struct {
	Allowed bool
	Code    domain.Code
	Message string
	Remedy  string
}

// Created is a newly scheduled message with what the agent should know:
// notes on the time, and the rules' answer if it were sent now.
type Created struct {
	Message  domain.ScheduledMessage
	Preview  Preview
	Warnings []string
}

// Create schedules d in conv for p. Malformed input is refused as a send
// would refuse it; what the rules say now is only a preview (a closed
// window may reopen before the time comes), except parameters that do
// not fit the template, which no later moment fixes.
func (s *Service) Create(ctx context.Context, p domain.Principal, conv domain.Conversation, d Draft) (Created, error) {
	d.Type = strings.TrimSpace(d.Type)
	if d.Type != "text" && d.Type != "template" {
		return Created{}, domain.Errorf(domain.CodeInvalidArgument, `Schedule {"type":"text","text":{"body":"…"}} or {"type":"template","template":{…}}; send other types now.`,
			"only text and template messages can be scheduled, not %q", d.Type)
	}
	at, zone, notes, err := d.When.Resolve()
	if err != nil {
		return Created{}, err
	}
	at = at.Truncate(time.Millisecond) // as stored
	now := s.Clock.Now()
	switch {
	case at.Before(now.Add(MinLead)):
		return Created{}, badTime("send_at %s is in the past or less than %v away; send the message now instead", at.Format(time.RFC3339), MinLead)
	case at.After(now.Add(MaxAhead)):
		return Created{}, badTime("send_at %s is more than %d days away; schedule it closer to the time", at.Format(time.RFC3339), int(MaxAhead.Hours()/24))
	}
	// A send the workspace refuses now for who is sending (a colleague's
	// conversation, where non-assignees may not reply) stays refused
	// until someone reassigns it: refused here, as a send would be.
	st, err := s.DB.WorkspaceSettings(ctx, p.WorkspaceID)
	if err != nil {
		return Created{}, err
	}
	if err := st.NonAssigneeReply.CheckReplier(p, conv.AssigneeID, conv.AssigneeName); err != nil {
		return Created{}, err
	}
	req := outbound.Request{WorkspaceID: p.WorkspaceID, NumberID: conv.NumberID, To: conv.Contact.WaID, Type: d.Type, Text: d.Text,
		Body: d.Body, ReplyTo: d.ReplyTo, SentBy: p.UserID}
	if d.Type == "text" {
		req.Body = nil
	}
	dec, err := s.Send.Check(ctx, req)
	if err != nil {
		return Created{}, err
	}
	if dec.Code == domain.CodeTemplateParams {
		return Created{}, dec.Err()
	}
	out := Created{Preview: Preview{Allowed: dec.Allowed, Code: dec.Code, Message: dec.Message, Remedy: dec.Remedy}, Warnings: notes}
	if !dec.Allowed {
		out.Warnings = append(out.Warnings, "If it were sent now it would be refused: "+strings.TrimSpace(dec.Message+" "+dec.Remedy)+
			" The rules are checked again when its time comes.")
	} else if d.Type == "text" && conv.WindowOpen(now) && !at.Before(conv.WindowExpiresAt) {
		out.Warnings = append(out.Warnings, "The customer's 24-hour window closes at "+conv.WindowExpiresAt.Format(time.RFC3339)+
			", before this is due: unless they write again, it will be refused then. A template can be sent outside the window.")
	}
	out.Warnings = append(out.Warnings, dec.Warnings...)
	m := domain.ScheduledMessage{WorkspaceID: p.WorkspaceID, ConversationID: conv.ID, CreatedBy: p.UserID, APIKeyID: p.APIKeyID,
		SendAt: at, TimeZone: zone, Type: d.Type, Text: d.Text, ReplyTo: strings.TrimSpace(d.ReplyTo)}
	if d.Type == "template" {
		m.Body, m.Text = d.Body, templateSummary(d.Body)
	}
	if out.Message, err = s.DB.CreateScheduled(ctx, m); err != nil {
		return Created{}, err
	}
	s.publish(ctx, domain.EventScheduledCreated, out.Message)
	return out, nil
}

func templateSummary(body json.RawMessage) string {
	var t struct {
		Name string `json:"name"`
	}
	_ = json.Unmarshal(body, &t)
	return "Template: " + t.Name
}

// Cancel cancels scheduled message id if it has not gone yet (see
// store.CancelScheduled). visible says whether p may see the conversation
// it belongs to; one p may not see is not found.
func (s *Service) Cancel(ctx context.Context, p domain.Principal, id int64, visible func(convID int64) error) (domain.ScheduledMessage, error) {
	m, err := s.DB.ScheduledByID(ctx, p.WorkspaceID, id)
	if err == nil {
		err = visible(m.ConversationID)
	}
	if err != nil {
		return domain.ScheduledMessage{}, err
	}
	m, changed, err := s.DB.CancelScheduled(ctx, p.WorkspaceID, id, domain.Millis(s.Clock.Now()))
	if err != nil {
		return m, err
	}
	if changed {
		s.publish(ctx, domain.EventScheduledUpdated, m)
	}
	return m, nil
}

// Interval is how often Run looks for messages whose time has come: a
// message goes within this of its time.
const Interval = 5 * time.Second

// Run sends scheduled messages as they come due, until ctx ends. Every
// node runs it; claims make sure each message is handled by one.
func (s *Service) Run(ctx context.Context) {
	if s.Node == "" {
		s.Node = loop.NodeName()
	}
	loop.Run(ctx, Interval, &loop.Waker{}, func(ctx context.Context) {
		if _, err := s.SendDue(ctx); err != nil && ctx.Err() == nil && s.Log != nil {
			s.Log.Warn("sending scheduled messages failed", "err", err)
		}
	})
}

func (s *Service) publish(ctx context.Context, typ string, m domain.ScheduledMessage) {
	if s.Hub == nil {
		return
	}
	if _, err := s.Hub.Publish(ctx, view.Event(m.WorkspaceID, typ, view.NewScheduled(m))); err != nil && s.Log != nil {
		s.Log.Warn("realtime publish failed", "type", typ, "err", err)
	}
}

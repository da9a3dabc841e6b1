// Package view renders domain objects as the JSON the REST API and the
// realtime stream share, so a message looks the same however it arrives.
package view

import (
	"encoding/json"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Time renders t as RFC 3339 UTC, or null when zero.
func Time(t time.Time) *string {
	if t.IsZero() {
		return nil
	}
	s := t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
	return &s
}

// Contact is a contact in API form.
type Contact struct {
	ID    int64  `json:"id"`
	WaID  string `json:"wa_id"`
	Name  string `json:"name"`
	Phone string `json:"phone"`
}

// Conversation is a conversation in API form.
type Conversation struct {
	ID              int64   `json:"id"`
	NumberID        int64   `json:"number_id"`
	Contact         Contact `json:"contact"`
	LastMessageAt   *string `json:"last_message_at"`
	LastInboundAt   *string `json:"last_inbound_at"`
	WindowExpiresAt *string `json:"window_expires_at"`
	WindowOpen      bool    `json:"window_open"`
	LastMessageText string  `json:"last_message_text"`
	UnreadCount     int     `json:"unread_count"`
	// FreeEntryPointUntil ends the 72-hour free-entry-point window (null
	// when none): every message to this customer is free until then.
	FreeEntryPointUntil *string `json:"free_entry_point_until"`
	CreatedAt           *string `json:"created_at"`
	// Status is open, pending, snoozed or resolved; SnoozeUntil is set
	// only while snoozed.
	Status      string     `json:"status"`
	SnoozeUntil *string    `json:"snooze_until"`
	Assignee    *MemberRef `json:"assignee"`
	// Labels are filled where the list and the conversation are read;
	// events leave them out, so a client keeps the labels it holds.
	Labels *[]string `json:"labels,omitempty"`
}

// MemberRef names a workspace member inside another object.
type MemberRef struct {
	ID   int64  `json:"id"`
	Name string `json:"name"`
}

func memberRef(id int64, name string) *MemberRef {
	if id == 0 {
		return nil
	}
	return &MemberRef{ID: id, Name: name}
}

// NewConversation renders c; now decides window_open.
func NewConversation(c domain.Conversation, now time.Time) Conversation {
	return Conversation{
		ID: c.ID, NumberID: c.NumberID,
		Contact:             Contact{ID: c.Contact.ID, WaID: c.Contact.WaID, Name: c.Contact.Name, Phone: c.Contact.Phone},
		LastMessageAt:       Time(c.LastMessageAt),
		LastInboundAt:       Time(c.LastInboundAt),
		WindowExpiresAt:     Time(c.WindowExpiresAt),
		WindowOpen:          c.WindowOpen(now),
		LastMessageText:     c.LastMessageText,
		UnreadCount:         c.UnreadCount,
		FreeEntryPointUntil: Time(c.FreeEntryPointExpiresAt),
		CreatedAt:           Time(c.CreatedAt),
		Status:              string(c.Status),
		SnoozeUntil:         Time(c.SnoozeUntil),
		Assignee:            memberRef(c.AssigneeID, c.AssigneeName),
	}
}

// MessageError is Meta's failure reason with our remedy.
type MessageError struct {
	Code   int    `json:"code"`
	Title  string `json:"title"`
	Detail string `json:"detail"`
	Remedy string `json:"remedy"`
}

// Message is a message in API form.
type Message struct {
	ID             int64           `json:"id"`
	ConversationID int64           `json:"conversation_id"`
	NumberID       int64           `json:"number_id"`
	Direction      string          `json:"direction"`
	Type           string          `json:"type"`
	Text           string          `json:"text"`
	Payload        json.RawMessage `json:"payload,omitempty"`
	Status         string          `json:"status"`
	WAMID          string          `json:"wamid"`
	Error          *MessageError   `json:"error"`
	ReplyTo        string          `json:"reply_to,omitempty"`
	// Context is set on replies: the quoted message, resolved to ours
	// when we hold it.
	Context *MessageContext `json:"context,omitempty"`
	// Media is the stored copy of an image, video, audio, document or
	// sticker; nil for other types.
	Media *Media `json:"media,omitempty"`
	// Reactions are the current reactions on this message, one per
	// reactor; filled where threads and single messages are read, and in
	// the message.updated event a reaction publishes.
	Reactions []Reaction `json:"reactions,omitempty"`
	SentBy    int64      `json:"sent_by,omitempty"`
	// RetryOf is the failed message this one tries again; RetriedBy, on
	// a failed message, the message that tried it again.
	RetryOf   int64           `json:"retry_of,omitempty"`
	RetriedBy int64           `json:"retried_by,omitempty"`
	Policy    json.RawMessage `json:"policy,omitempty"` // the decision that let it out
	CreatedAt *string         `json:"created_at"`
	Timestamp *string         `json:"timestamp"`
	UpdatedAt *string         `json:"updated_at"`
}

// MessageContext is the message a reply quotes.
type MessageContext struct {
	MessageID string `json:"message_id"`          // the quoted wamid
	ID        int64  `json:"id,omitempty"`        // our id for it, when we hold it
	Text      string `json:"text,omitempty"`      // its text or summary, when we hold it
	Forwarded bool   `json:"forwarded,omitempty"` // the customer forwarded this message
}

// Media is a message's attachment as GoHavi stores it. URL serves the
// stored bytes to the same credentials as the API; it is empty until the
// bytes are stored (Status "pending"), and Status is "failed" with Error
// when Meta would not hand them over.
type Media struct {
	MimeType string `json:"mime_type"`
	URL      string `json:"url"`
	Filename string `json:"filename,omitempty"`
	Size     int64  `json:"size,omitempty"`
	Status   string `json:"status"` // pending, ready, failed
	Error    string `json:"error,omitempty"`
}

// Reaction is one emoji on a message. From is the reactor's WhatsApp id:
// the customer's wa_id, or the business number's for ours.
type Reaction struct {
	Emoji     string     `json:"emoji"`
	From      string     `json:"from"`
	Direction string     `json:"direction"`    // inbound (the customer) or outbound (us)
	By        *MemberRef `json:"by,omitempty"` // the agent who reacted, for ours
	At        *string    `json:"at"`
}

// Describer turns a Meta error code into a title and a remedy.
type Describer func(code int) (title, remedy string)

// NewMessage renders m; describe fills remedies for failures.
func NewMessage(m domain.Message, describe Describer) Message {
	out := Message{
		ID: m.ID, ConversationID: m.ConversationID, NumberID: m.NumberID,
		Direction: string(m.Direction), Type: m.Type, Text: m.Text,
		Status: string(m.Status), WAMID: m.WAMID, ReplyTo: m.ReplyTo, SentBy: m.SentBy,
		RetryOf: m.RetryOf, RetriedBy: m.RetriedBy,
		CreatedAt: Time(m.CreatedAt), Timestamp: Time(m.Timestamp), UpdatedAt: Time(m.UpdatedAt),
	}
	if json.Valid(m.Payload) {
		out.Payload = m.Payload
	}
	if len(m.Policy) > 0 && json.Valid(m.Policy) {
		out.Policy = m.Policy
	}
	if m.Status == domain.StatusFailed || m.ErrorCode != 0 {
		e := &MessageError{Code: m.ErrorCode, Title: m.ErrorTitle, Detail: m.ErrorDetail}
		if describe != nil {
			title, remedy := describe(m.ErrorCode)
			if e.Title == "" {
				e.Title = title
			}
			e.Remedy = remedy
		}
		out.Error = e
	}
	return out
}

// Event builds a realtime event carrying v as JSON.
func Event(workspaceID int64, typ string, v any) domain.Event {
	data, _ := json.Marshal(v)
	return domain.Event{WorkspaceID: workspaceID, Type: typ, Data: data}
}

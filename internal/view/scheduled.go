package view

import (
	"encoding/json"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Scheduled is a scheduled message in API form.
type Scheduled struct {
	ID             int64   `json:"id"`
	ConversationID int64   `json:"conversation_id"`
	NumberID       int64   `json:"number_id"`
	SendAt         *string `json:"send_at"` // RFC 3339 UTC
	TimeZone       string  `json:"time_zone"`
	// Local is SendAt on the wall clock of TimeZone, with its offset
	// ("2026-11-25T09:00:00-05:00"): the time as the agent picked it.
	Local     string          `json:"local"`
	Type      string          `json:"type"`
	Text      string          `json:"text"`
	Payload   json.RawMessage `json:"payload,omitempty"` // the template object, for templates
	ReplyTo   string          `json:"reply_to,omitempty"`
	Status    string          `json:"status"`
	CreatedBy *MemberRef      `json:"created_by"` // null when an API key scheduled it
	Error     *ScheduledError `json:"error,omitempty"`
	MessageID int64           `json:"message_id,omitempty"`
	CreatedAt *string         `json:"created_at"`
	UpdatedAt *string         `json:"updated_at"`
}

// ScheduledError is why a scheduled message did not go: the rule that
// refused it when its time came, with what to do.
type ScheduledError struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Remedy  string `json:"remedy,omitempty"`
}

// NewScheduled renders m.
func NewScheduled(m domain.ScheduledMessage) Scheduled {
	out := Scheduled{
		ID: m.ID, ConversationID: m.ConversationID, NumberID: m.NumberID,
		SendAt: Time(m.SendAt), TimeZone: m.TimeZone, Local: m.SendAt.Format(time.RFC3339),
		Type: m.Type, Text: m.Text, ReplyTo: m.ReplyTo, Status: string(m.Status),
		CreatedBy: memberRef(m.CreatedBy, m.CreatedByName), MessageID: m.MessageID,
		CreatedAt: Time(m.CreatedAt), UpdatedAt: Time(m.UpdatedAt),
	}
	if loc, err := time.LoadLocation(m.TimeZone); err == nil {
		out.Local = m.SendAt.In(loc).Format(time.RFC3339)
	}
	if m.Type != "text" && json.Valid(m.Body) {
		out.Payload = m.Body
	}
	if m.Error != nil {
		out.Error = &ScheduledError{Code: string(m.Error.Code), Message: m.Error.Message, Remedy: m.Error.Remedy}
	}
	return out
}

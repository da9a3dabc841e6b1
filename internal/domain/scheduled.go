package domain

import (
	"encoding/json"
	"time"
)

// ScheduledStatus is where a scheduled message stands. pending waits for
// its time; sending is claimed by a node that is handing it to the send
// pipeline; sent, canceled and failed are final.
type ScheduledStatus string

// Scheduled message statuses.
const (
	ScheduledPending  ScheduledStatus = "pending"
	ScheduledSending  ScheduledStatus = "sending"
	ScheduledSent     ScheduledStatus = "sent"
	ScheduledCanceled ScheduledStatus = "canceled"
	ScheduledFailed   ScheduledStatus = "failed"
)

// Final reports whether nothing more happens to a message in status s.
func (s ScheduledStatus) Final() bool {
	return s == ScheduledSent || s == ScheduledCanceled || s == ScheduledFailed
}

// CodeScheduleMissed marks a scheduled message that was not sent because
// its time passed long ago (GoHavi was not running): a "good morning" that
// arrives in the evening does more harm than good. It is only ever stored
// on the message, never answered to a request.
const CodeScheduleMissed Code = "schedule_missed"

// ScheduledMessage is a message an agent asked to send at a later time.
// It is sent through the same pipeline and rules as any other message,
// checked again when it goes; MessageID is the message it became.
type ScheduledMessage struct {
	ID             int64
	WorkspaceID    int64
	ConversationID int64
	NumberID       int64
	WaID           string // the customer
	CreatedBy      int64  // the member who scheduled it; 0 for an API key
	CreatedByName  string
	APIKeyID       int64
	SendAt         time.Time
	TimeZone       string // IANA name the time was picked in
	Type           string // text or template
	Text           string // the body of a text; a one-line summary otherwise
	Body           json.RawMessage
	ReplyTo        string // wamid to quote
	Status         ScheduledStatus
	Error          *Error // why it failed or was refused when its time came
	MessageID      int64
	Attempts       int
	CreatedAt      time.Time
	UpdatedAt      time.Time
}

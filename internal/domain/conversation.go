package domain

import "time"

// ServiceWindow is how long after a customer's last message the business may
// send free-form messages (Meta's customer-service window).
const ServiceWindow = 24 * time.Hour

// Contact is a customer known by their WhatsApp id within a workspace.
type Contact struct {
	ID          int64
	WorkspaceID int64
	WaID        string // digits only, as Meta sends it
	Phone       string // E.164 with '+'
	Name        string // WhatsApp profile name
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Conversation is the thread between one contact and one business number.
type Conversation struct {
	ID              int64
	WorkspaceID     int64
	NumberID        int64
	ContactID       int64
	Contact         Contact // filled by list/get queries
	LastMessageAt   time.Time
	LastInboundAt   time.Time
	WindowExpiresAt time.Time
	LastMessageText string
	UnreadCount     int
	// FreeEntryPointExpiresAt ends the 72-hour window opened by answering
	// a click-to-WhatsApp ad within 24 hours (all messages free; pricing).
	FreeEntryPointExpiresAt time.Time
	CreatedAt               time.Time
	UpdatedAt               time.Time
	// The team's work on it (see inbox.go): status, the end of a snooze,
	// and who has it (0: nobody).
	Status       ConvStatus
	SnoozeUntil  time.Time
	AssigneeID   int64
	AssigneeName string
}

// WindowOpen reports whether free-form messages may be sent at now.
func (c Conversation) WindowOpen(now time.Time) bool {
	return !c.WindowExpiresAt.IsZero() && now.Before(c.WindowExpiresAt)
}

// Free-entry-point windows (Meta's pricing): answer an ad's customer within
// FEPReplyWithin and every message is free for FEPWindow.
const (
	FEPReplyWithin = 24 * time.Hour
	FEPWindow      = 72 * time.Hour
)

// WindowExpiry is the end of the service window opened by an inbound message
// at t.
func WindowExpiry(lastInbound time.Time) time.Time { return lastInbound.Add(ServiceWindow) }

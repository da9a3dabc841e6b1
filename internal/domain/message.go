package domain

import "time"

// Direction says who wrote a message.
type Direction string

// Directions.
const (
	Inbound  Direction = "inbound"
	Outbound Direction = "outbound"
)

// Status is the delivery state of a message.
type Status string

// Statuses. Inbound messages are "received" (then "read" once an agent read
// them at Meta). Outbound move queued → sending → sent → delivered → read, or
// to failed. A template Meta accepted but holds back while it assesses the
// template's quality (pacing, §5.3) is "held" until its first status
// webhook releases it (sent) or drops it (failed, 132015).
const (
	StatusReceived  Status = "received"
	StatusQueued    Status = "queued"
	StatusSending   Status = "sending"
	StatusHeld      Status = "held"
	StatusSent      Status = "sent"
	StatusDelivered Status = "delivered"
	StatusRead      Status = "read"
	StatusFailed    Status = "failed"
)

// statusRank orders outbound statuses so webhooks arriving out of order never
// move a message backwards. failed ranks above delivered (a message can fail
// after "sent") but below read: a read message cannot have failed. Ranks
// are stored (messages.status_rank) and spaced so a status can be slotted
// in between without renumbering.
var statusRank = map[Status]int{
	StatusQueued:    10,
	StatusSending:   20,
	StatusHeld:      25,
	StatusSent:      30,
	StatusDelivered: 40,
	StatusFailed:    50,
	StatusRead:      60,
}

// Rank is the position of s in the delivery order; unknown statuses rank 0.
func (s Status) Rank() int { return statusRank[s] }

// Advances reports whether moving from s to next goes forward.
func (s Status) Advances(next Status) bool { return next.Rank() > s.Rank() }

// Message is one WhatsApp message in a conversation, either way.
type Message struct {
	ID             int64
	WorkspaceID    int64
	ConversationID int64
	NumberID       int64
	ContactID      int64
	Direction      Direction
	Type           string // Meta's type: text, image, template, reaction, …
	Text           string // body, caption or a readable summary
	Payload        []byte // the type's JSON object as Meta sent it / as we send it
	WAMID          string
	Status         Status
	ErrorCode      int
	ErrorTitle     string
	ErrorDetail    string
	ReplyTo        string    // wamid quoted (context.id)
	SentBy         int64     // user id of the agent, 0 for API/system
	Policy         []byte    // the policy decision that let it out (JSON), outbound only
	CreatedAt      time.Time // when we received or created it
	Timestamp      time.Time // Meta's timestamp for inbound
	UpdatedAt      time.Time
	// ExpiresAt, when set, is the last moment the message may still be
	// handed to Meta: a reminder is worthless once its meeting started.
	ExpiresAt time.Time
	Forwarded bool  // the customer forwarded it (inbound)
	RetryOf   int64 // the failed message this one tries again
	RetriedBy int64 // the message that tried this failed one again
}

package domain

import "time"

// BroadcastStatus is where a broadcast is in its life.
type BroadcastStatus string

// A broadcast is a draft until launched; a launch with a schedule in the
// future waits as scheduled. Running broadcasts send; paused ones keep
// their recipients for a resume; canceled and completed are final.
const (
	BroadcastDraft     BroadcastStatus = "draft"
	BroadcastScheduled BroadcastStatus = "scheduled"
	BroadcastRunning   BroadcastStatus = "running"
	BroadcastPaused    BroadcastStatus = "paused"
	BroadcastCanceled  BroadcastStatus = "canceled"
	BroadcastCompleted BroadcastStatus = "completed"
)

// Final reports whether nothing more will be sent.
func (s BroadcastStatus) Final() bool { return s == BroadcastCanceled || s == BroadcastCompleted }

// Audience selects contacts. Every set field narrows the selection; the
// zero value selects every contact of the workspace.
type Audience struct {
	Tags        []string          `json:"tags,omitempty"`         // has any of these tags
	ExcludeTags []string          `json:"exclude_tags,omitempty"` // has none of these
	Attributes  map[string]string `json:"attributes,omitempty"`   // every attribute equals (case-insensitive)
	Labels      []string          `json:"labels,omitempty"`       // a conversation carries any of these labels
	Consent     string            `json:"consent,omitempty"`      // "opted_in", "not_opted_out" or "" (any)
	// InboundWithinDays / NoInboundForDays select on the customer's last
	// message to the business (0: not used).
	InboundWithinDays int   `json:"inbound_within_days,omitempty"`
	NoInboundForDays  int   `json:"no_inbound_for_days,omitempty"`
	NumberID          int64 `json:"number_id,omitempty"` // has a conversation with this number
	// FollowUp selects a result group of an earlier broadcast.
	FollowUp *FollowUp `json:"follow_up,omitempty"`
}

// FollowUp names a result group of a broadcast: "read_not_replied",
// "failed_retryable", "not_delivered", …
type FollowUp struct {
	BroadcastID int64  `json:"broadcast_id"`
	Group       string `json:"group"`
}

// Broadcast is one template sent to an audience from one number.
type Broadcast struct {
	ID               int64
	WorkspaceID      int64
	Name             string
	NumberID         int64
	TemplateName     string
	TemplateLanguage string
	Parameters       []string // body parameter expressions: "{{name|there}}", "{{city}}", literal text
	Args             TemplateArgs
	Audience         Audience
	ScheduleAt       time.Time // zero: at launch
	TimeZone         string    // the zone the schedule was chosen in (IANA)
	Status           BroadcastStatus
	StatusReason     string  // why it paused, was canceled or waits
	FailureThreshold float64 // auto-pause above this failed share (0: the default)
	ParentID         int64   // the broadcast this follows up
	FollowUp         string  // the result group of the parent it targets
	CreatedBy        int64
	// NextAt is when the sender looks at it again (waiting for the tier
	// to free slots); WaitReason says why.
	NextAt     time.Time
	WaitReason string
	CreatedAt  time.Time
	UpdatedAt  time.Time
	LaunchedAt time.Time
	FinishedAt time.Time
}

// RecipientState is one recipient's place in the send state machine.
type RecipientState string

// pending → sending → sent | failed; skipped at any point before sending.
const (
	RecipientPending RecipientState = "pending"
	RecipientSending RecipientState = "sending"
	RecipientSent    RecipientState = "sent"
	RecipientFailed  RecipientState = "failed"
	RecipientSkipped RecipientState = "skipped"
)

// Recipient is one contact of a launched broadcast.
type Recipient struct {
	ID          int64
	BroadcastID int64
	ContactID   int64
	WaID        string
	Name        string
	State       RecipientState
	Reason      string // skip reason code, or the failure's code
	Detail      string // the readable why
	MessageID   int64
	Attempts    int
	NotBefore   time.Time
	ClaimedAt   time.Time
	UpdatedAt   time.Time
	// From the message, when there is one.
	MessageStatus Status
	ErrorCode     int
	ErrorTitle    string
	Replied       bool
}

// Skip reasons a broadcast plan and its recipients report.
const (
	SkipInvalidNumber = "invalid_number"
	SkipDuplicate     = "duplicate"
)

// TemplateArgs are a broadcast's template values outside the positional
// body, each an expression as the body's are ("{{image_url}}",
// "https://shop.example/{{city|all}}.jpg", literal text).
type TemplateArgs struct {
	Header    *HeaderArg        `json:"header,omitempty"`
	BodyNamed map[string]string `json:"body_named,omitempty"` // templates with named parameters
	Buttons   map[int][]string  `json:"buttons,omitempty"`    // button index → URL suffix, coupon code, payload
}

// HeaderArg fills a header: Text for a text variable; MediaID or Link
// (and Filename for a document) for a media header.
type HeaderArg struct {
	Text     string `json:"text,omitempty"`
	MediaID  string `json:"media_id,omitempty"`
	Link     string `json:"link,omitempty"`
	Filename string `json:"filename,omitempty"`
}

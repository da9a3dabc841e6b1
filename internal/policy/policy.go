// Package policy decides whether an outgoing message may be sent, by Meta's
// rules. Decide is pure: callers load the facts, so every rule is tested
// without I/O and every refusal carries a code, a reason and a remedy.
package policy

import (
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Request is what someone wants to send.
type Request struct {
	Type     string    // Meta message type: text, image, template, …
	Template *Template // the template's current state, for type "template"
}

// Template is what policy needs to know of a template.
type Template struct {
	Name        string
	Language    string
	Category    string // MARKETING, UTILITY or AUTHENTICATION
	Status      string // Meta's status: APPROVED, PENDING, REJECTED, PAUSED, DISABLED, …
	PausedUntil time.Time
	ParamsErr   error // the send's parameters checked against the template (nil: they fit)
}

// Consent is the recipient's standing, derived from their consent ledger.
type Consent struct {
	OptedIn         bool // an opt-in event (or the customer started a chat) not since revoked
	OptedOut        bool // opted out of everything from this business
	MarketingOptOut bool // stopped marketing messages (keyword, 131050, user_preferences)
}

// Tier is the portfolio's messaging limit and its use in the rolling 24 h.
type Tier struct {
	Known      bool // false until the limit was read from Meta: not enforced
	Unlimited  bool
	Limit      int
	Used       int       // unique customers reached by business-initiated messages
	Counted    bool      // this customer is already among them: no new slot needed
	NextSlotAt time.Time // when the oldest counted customer leaves the window
}

// NumberState is whether the sending number may send at all.
type NumberState struct {
	Disconnected bool
	CanSend      string // Meta's health_status.can_send_message: AVAILABLE, LIMITED, BLOCKED ("" unknown)
	Issues       []domain.HealthIssue
}

// Facts are what the caller loaded about the recipient and the number.
type Facts struct {
	Now             time.Time
	WindowExpiresAt time.Time // zero when the customer never wrote
	RecipientE164   string    // "+1…" decides the US marketing rule
	Consent         Consent
	Tier            Tier
	Quality         string // the number's quality rating: GREEN, YELLOW, RED, UNKNOWN
	Number          NumberState
	BlockRedMarket  bool // workspace setting: refuse MARKETING while quality is RED
}

// Decision is the outcome: Allowed, or a refusal with its reasons.
type Decision struct {
	Allowed bool
	Code    domain.Code
	Message string
	Remedy  string
	// BusinessInitiated: a template outside the service window. It needs
	// consent and takes a messaging-limit slot unless Counted.
	BusinessInitiated bool
	// TakesTierSlot: the caller must record this recipient in the tier's
	// rolling window, atomically with the send.
	TakesTierSlot bool
	Warnings      []string
	// Reasons say why an allowed send was allowed, kept with the message.
	Reasons []string
}

// Err returns the refusal as a domain error (nil when allowed).
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &domain.Error{Code: d.Code, Message: d.Message, Remedy: d.Remedy}
}

// Decide applies Meta's rules in order and returns the first refusal, or
// an approval with what the caller must record.
func Decide(req Request, f Facts) Decision {
	windowOpen := f.WindowExpiresAt.After(f.Now)
	d := Decision{Allowed: true, BusinessInitiated: req.Type == "template" && !windowOpen}
	for _, rule := range rules {
		if deny := rule(req, f, &d); deny != nil {
			deny.BusinessInitiated = d.BusinessInitiated
			return *deny
		}
	}
	// A customer already counted takes the slot again: their reach time
	// moves forward, so they keep counting 24 h from the latest reach.
	d.TakesTierSlot = d.BusinessInitiated && f.Tier.Known && !f.Tier.Unlimited
	d.Reasons = explain(req, f, d)
	return d
}

func deny(code domain.Code, msg, remedy string) *Decision {
	return &Decision{Code: code, Message: msg, Remedy: remedy}
}

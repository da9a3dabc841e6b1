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
	Type string // Meta message type: text, image, template, …
}

// Facts are what the caller loaded about the recipient and the number.
type Facts struct {
	Now             time.Time
	WindowExpiresAt time.Time // zero when the customer never wrote
}

// Decision is the outcome: Allowed, or a refusal with its reasons.
type Decision struct {
	Allowed bool
	Code    domain.Code
	Message string
	Remedy  string
}

// Err returns the refusal as a domain error (nil when allowed).
func (d Decision) Err() error {
	if d.Allowed {
		return nil
	}
	return &domain.Error{Code: d.Code, Message: d.Message, Remedy: d.Remedy}
}

func allow() Decision { return Decision{Allowed: true} }

// freeForm lists types that need an open customer-service window: all but
// templates.
func freeForm(typ string) bool { return typ != "template" }

// Decide applies the rules in order and returns the first refusal.
func Decide(req Request, f Facts) Decision {
	if freeForm(req.Type) && !(f.WindowExpiresAt.After(f.Now)) {
		msg := "The customer has not written in the last 24 hours, so WhatsApp only allows approved templates."
		if f.WindowExpiresAt.IsZero() {
			msg = "This customer has never written to this number, so WhatsApp only allows approved templates."
		}
		return Decision{Code: domain.CodeWindowClosed, Message: msg,
			Remedy: "Send an approved template to start the conversation; free-form messages are allowed for 24 hours after the customer replies."}
	}
	return allow()
}

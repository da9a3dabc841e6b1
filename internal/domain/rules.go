package domain

import "time"

// Template is a WhatsApp message template of a WABA, as last synced from
// Meta or updated by its webhooks.
type Template struct {
	ID              int64
	WorkspaceID     int64
	WABAID          string
	MetaID          string // Meta's template id; "" before submission
	Name            string
	Language        string // e.g. "en_US"
	Category        string // MARKETING, UTILITY, AUTHENTICATION
	Status          string // Meta's status: APPROVED, PENDING, REJECTED, PAUSED, DISABLED…
	Reason          string // rejection reason, or ""
	Quality         string // GREEN, YELLOW, RED, UNKNOWN
	PausedUntil     time.Time
	Components      []byte // the components JSON as Meta returns it
	ParameterFormat string // POSITIONAL or NAMED
	TTLSeconds      int    // message_send_ttl_seconds: 0 Meta's default for the category, -1 30 days
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Consent ledger actions. The general opt-in/opt-out and the marketing
// stop/resume are independent dimensions.
const (
	ConsentOptIn           = "opt_in"
	ConsentOptOut          = "opt_out"
	ConsentOptOutMarketing = "opt_out_marketing"
	ConsentOptInMarketing  = "opt_in_marketing"
)

// ValidConsentAction reports whether a is one of the ledger actions.
func ValidConsentAction(a string) bool {
	switch a {
	case ConsentOptIn, ConsentOptOut, ConsentOptOutMarketing, ConsentOptInMarketing:
		return true
	}
	return false
}

// ConsentEvent is one append-only entry of a contact's consent ledger.
type ConsentEvent struct {
	ID          int64
	WorkspaceID int64
	ContactID   int64
	Action      string // one of the Consent* actions
	Source      string // website, import, api, customer_started, keyword, meta_preferences, meta_131050…
	Wording     string // the opt-in language the customer saw, if any
	Evidence    string // message wamid, import row, URL…
	Actor       string // user email, API key name, or "system"
	CreatedAt   time.Time
}

// ConsentState is the folded consent ledger of one contact.
type ConsentState struct {
	OptedIn         bool
	OptedOut        bool
	MarketingOptOut bool
	// Since is when the current opt-in/opt-out state began: the time of
	// the latest opt_in or opt_out event, zero if there is none.
	Since time.Time
}

// Consent folds a ledger given oldest first: per dimension, the latest
// event wins. opt_in sets OptedIn and clears OptedOut; opt_out sets
// OptedOut and clears OptedIn; opt_out_marketing and opt_in_marketing set
// and clear MarketingOptOut without touching the other dimension. Unknown
// actions are ignored.
func Consent(events []ConsentEvent) ConsentState {
	var s ConsentState
	for _, e := range events {
		switch e.Action {
		case ConsentOptIn:
			s.OptedIn, s.OptedOut, s.Since = true, false, e.CreatedAt
		case ConsentOptOut:
			s.OptedIn, s.OptedOut, s.Since = false, true, e.CreatedAt
		case ConsentOptOutMarketing:
			s.MarketingOptOut = true
		case ConsentOptInMarketing:
			s.MarketingOptOut = false
		}
	}
	return s
}

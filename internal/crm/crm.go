// Package crm is the seam between GoHavi and the CRMs it keeps in step
// (HubSpot, Zoho CRM). The CRM stays the system of record: GoHavi finds or
// creates the contact behind a WhatsApp number, reads deals when their
// stage changes, and writes every message onto the contact's timeline.
//
// Each provider package (crm/hubspot, crm/zoho) implements Client for the
// API calls and the OAuth and webhook helpers that go with them. The sync
// engine (crmsync) decides what to call and when; providers only speak
// the wire format, classify failures (Error) and respect the provider's
// rate limits on their side of the wire.
package crm

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Provider names a CRM.
type Provider string

const (
	HubSpot Provider = "hubspot"
	Zoho    Provider = "zoho"
)

// Tokens are what a connection holds to call the CRM. Access tokens expire
// (HubSpot 30 min, Zoho 1 h); a private-app token has a zero ExpiresAt.
type Tokens struct {
	AccessToken  string
	RefreshToken string    // "" for private-app tokens
	ExpiresAt    time.Time // zero: does not expire
	Scope        string
	// Zoho's data centre: where tokens are refreshed and where the API
	// lives (the token answer's api_domain). Empty for HubSpot.
	AccountsServer string
	APIDomain      string
}

// TokenSource gives a client the current access token. Invalidate tells
// it that the CRM rejected token (401): the source refreshes once, under
// the connection's lock, and Token then answers the new one. A source that
// cannot refresh (revoked grant) returns an Error of kind KindAuth.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
	Invalidate(ctx context.Context, rejected string) error
}

// Account identifies the CRM account behind a connection: HubSpot's portal
// (hub) id, Zoho's org id. Webhooks are routed by it.
type Account struct {
	ID       string
	Name     string
	TimeZone string // IANA name when the CRM says
	// RecordURL is a pattern for a contact's page in the CRM's web app,
	// with "{id}" where the contact id goes.
	RecordURL string
}

// Contact is a CRM contact (or Zoho lead) as GoHavi needs it.
type Contact struct {
	ID         string
	Module     string // Zoho: "Contacts" or "Leads"; HubSpot: "contacts"
	Phone      string
	FirstName  string
	LastName   string
	Email      string
	Properties map[string]string // every property read, by CRM name
}

// Lead is what GoHavi knows of a new WhatsApp customer.
type Lead struct {
	PhoneE164 string            // "+" and digits
	Name      string            // WhatsApp profile name, may be ""
	OptIn     bool              // the customer agreed to WhatsApp messages
	Fields    map[string]string // extra CRM fields from the mapping, by CRM name
	Module    string            // Zoho: "Contacts" (default) or "Leads"
}

// Deal is a CRM deal with the ids of its contacts.
type Deal struct {
	ID         string
	Name       string
	Pipeline   string // HubSpot pipeline id; Zoho Pipeline picklist value ("" if none)
	Stage      string // HubSpot stage id; Zoho Stage actual_value
	Properties map[string]string
	ContactIDs []string
}

// Pipeline and Stage list what a stage rule can target.
type Pipeline struct {
	ID     string
	Label  string
	Stages []Stage
}

type Stage struct {
	ID    string
	Label string
}

// Activity is one timeline entry: a WhatsApp message (or a notice such as
// a refused send) on a contact.
type Activity struct {
	// Key identifies the entry across retries ("gohavi-msg-42"); writing
	// the same key twice must not create two entries.
	Key       string
	ContactID string
	Module    string // the contact's module (Zoho); "" means contacts
	Direction string // "inbound", "outbound" or "notice"
	Title     string // short, e.g. "WhatsApp · inbound · +15550001"
	Body      string
	At        time.Time
	// ID is the CRM's id of an entry written before: set to update it
	// (a message's final status) instead of creating one.
	ID string
	// Uncertain marks an entry whose earlier write may have reached the
	// CRM without GoHavi learning its id (a crash, a timeout). A provider
	// without an idempotent write looks for it before creating it again.
	Uncertain bool
}

// Client is one connection's view of a CRM. Implementations are safe for
// concurrent use and keep to the CRM's rate limits client-side; errors are
// *Error so the engine knows whether to retry, wait or give up.
type Client interface {
	// Account reads the account behind the token.
	Account(ctx context.Context) (Account, error)
	// Setup prepares what idempotent writes rely on (HubSpot: the unique
	// properties gohavi_wa_phone on contacts and gohavi_key on
	// communications). Safe to call again.
	Setup(ctx context.Context) error
	// FindContact looks for a contact that already has this phone (search
	// is eventually consistent: a contact created a moment ago may be
	// missed). nil, nil when there is none.
	FindContact(ctx context.Context, phoneE164, module string) (*Contact, error)
	// UpsertLead creates the contact keyed by its phone through the CRM's
	// unique field, or updates the one that has it: two calls for one
	// phone never create two contacts.
	UpsertLead(ctx context.Context, l Lead) (c Contact, created bool, err error)
	// Contact reads one contact (or lead, by module) with at least the
	// named properties (templates take parameters from them).
	Contact(ctx context.Context, id, module string, props []string) (Contact, error)
	// Deal reads a deal, with at least the named properties, and the ids
	// of its contacts.
	Deal(ctx context.Context, id string, props []string) (Deal, error)
	// Pipelines lists deal pipelines and their stages.
	Pipelines(ctx context.Context) ([]Pipeline, error)
	// Log writes up to MaxBatch timeline entries, in order, in as few
	// calls as the CRM allows, and returns each entry's CRM id (same order).
	// A partial failure returns the ids written so far ("" for the failed
	// ones) with an error describing the first failure.
	Log(ctx context.Context, entries []Activity) ([]string, error)
}

// MaxBatch is the most entries one Log call takes (HubSpot and Zoho both
// cap batch writes at 100).
const MaxBatch = 100

// Kind classifies a failed CRM call by what the caller should do.
type Kind string

const (
	KindTransient Kind = "transient"    // 5xx, timeouts, 423, 477: retry with backoff
	KindRateLimit Kind = "rate_limited" // 429: wait RetryAfter (or back off), then retry
	KindAuth      Kind = "auth"         // the token is rejected and refreshing did not help: the connection is broken
	KindInvalid   Kind = "invalid"      // the CRM refused the data (400): retrying will not help
	KindNotFound  Kind = "not_found"    // the object does not exist (404)
	KindConflict  Kind = "conflict"     // duplicate (409): ExistingID names the record that has it
	KindForbidden Kind = "forbidden"    // missing scope or permission (403)
)

// Error is a classified CRM failure.
type Error struct {
	Kind       Kind
	Status     int           // HTTP status, 0 for network errors
	Code       string        // the CRM's code or category ("RATE_LIMIT", "INVALID_TOKEN", …)
	Message    string        // the CRM's message
	RetryAfter time.Duration // from Retry-After or the CRM's policy; 0 when unknown
	ExistingID string        // KindConflict: the record that already holds the value
}

func (e *Error) Error() string {
	s := fmt.Sprintf("crm %s", e.Kind)
	if e.Status != 0 {
		s += fmt.Sprintf(" (HTTP %d", e.Status)
		if e.Code != "" {
			s += " " + e.Code
		}
		s += ")"
	}
	if e.Message != "" {
		s += ": " + e.Message
	}
	return s
}

// KindOf is err's kind; an unclassified error counts as transient.
func KindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindTransient
}

// RetryAfterOf is how long err asks the caller to wait (0: unknown).
func RetryAfterOf(err error) time.Duration {
	var e *Error
	if errors.As(err, &e) {
		return e.RetryAfter
	}
	return 0
}

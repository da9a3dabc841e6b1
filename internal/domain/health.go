package domain

import (
	"cmp"
	"fmt"
	"time"
)

// NumberHealth is what Meta last said about a number's standing: its
// display name review, quality, status, throughput, whether it may send,
// and its Official Business Account state. Fields Meta has not reported
// are empty.
type NumberHealth struct {
	NameStatus           string        `json:"name_status,omitempty"`     // APPROVED, PENDING_REVIEW, DECLINED, …
	NewNameStatus        string        `json:"new_name_status,omitempty"` // a requested name change under review
	NewDisplayName       string        `json:"new_display_name,omitempty"`
	NameRejection        string        `json:"name_rejection,omitempty"` // why a display name was declined
	Status               string        `json:"status,omitempty"`         // CONNECTED, FLAGGED, RESTRICTED, BANNED, …
	CodeVerification     string        `json:"code_verification,omitempty"`
	Throughput           string        `json:"throughput,omitempty"` // STANDARD or HIGH
	PlatformType         string        `json:"platform_type,omitempty"`
	AccountMode          string        `json:"account_mode,omitempty"` // SANDBOX or LIVE
	OfficialBusiness     bool          `json:"official_business,omitempty"`
	OBAStatus            string        `json:"oba_status,omitempty"` // NOT_STARTED, PENDING, APPROVED, REJECTED, …
	PinEnabled           bool          `json:"pin_enabled,omitempty"`
	Registered           bool          `json:"registered,omitempty"`
	CanSend              string        `json:"can_send,omitempty"` // AVAILABLE, LIMITED or BLOCKED
	Issues               []HealthIssue `json:"issues,omitempty"`   // why it is limited or blocked
	Violation            string        `json:"violation,omitempty"`
	BusinessVerification string        `json:"business_verification,omitempty"` // the portfolio's: verified, pending, …
	RefreshedAt          time.Time     `json:"refreshed_at,omitzero"`
}

// HealthIssue is one reason Meta gives for a number, its WABA, portfolio
// or app being limited or blocked (health_status.entities[].errors[]).
type HealthIssue struct {
	Entity      string `json:"entity"` // PHONE_NUMBER, WABA, BUSINESS, APP
	Code        int    `json:"code"`
	Description string `json:"description"`
	Solution    string `json:"solution"`
}

// NumberEvent is one change in a number's standing, kept as its history.
type NumberEvent struct {
	ID          int64     `json:"id"`
	WorkspaceID int64     `json:"-"`
	NumberID    int64     `json:"number_id"`
	At          time.Time `json:"at"`
	Kind        string    `json:"kind"` // see the Number* kinds
	From        string    `json:"from"`
	To          string    `json:"to"`
	Detail      string    `json:"detail,omitempty"`
	Source      string    `json:"source"` // "refresh", a webhook field, "signup", a person's action
}

// Kinds of NumberEvent.
const (
	NumberQuality      = "quality"
	NumberName         = "display_name"
	NumberNameStatus   = "name_status"
	NumberStatus       = "status"
	NumberThroughput   = "throughput"
	NumberCanSend      = "can_send"
	NumberOBA          = "official_business"
	NumberOBAStatus    = "oba_status"
	NumberRegistration = "registration"
	NumberConnection   = "connection"
	NumberViolation    = "violation"
	NumberTier         = "messaging_limit"
	NumberProfile      = "profile"
	NumberCallback     = "webhook_url"
)

// NumberChanges lists what changed between two states of a number, one
// event per field, for its history. Fields that became unknown are not
// changes: Meta sends partial updates.
func NumberChanges(old, cur Number) []NumberEvent {
	var out []NumberEvent
	add := func(kind, from, to, detail string) {
		if to != "" && from != to {
			out = append(out, NumberEvent{Kind: kind, From: from, To: to, Detail: detail})
		}
	}
	o, c := old.Health, cur.Health
	add(NumberQuality, old.QualityRating, cur.QualityRating, "")
	add(NumberName, old.VerifiedName, cur.VerifiedName, "")
	add(NumberNameStatus, o.NameStatus, c.NameStatus, c.NameRejection)
	add(NumberStatus, o.Status, c.Status, "")
	add(NumberThroughput, o.Throughput, c.Throughput, "")
	add(NumberCanSend, o.CanSend, c.CanSend, issuesText(c.Issues))
	add(NumberOBAStatus, o.OBAStatus, c.OBAStatus, "")
	add(NumberViolation, o.Violation, c.Violation, "")
	add(NumberOBA, yesNo(o.OfficialBusiness), yesNo(c.OfficialBusiness), "")
	add(NumberRegistration, registered(o.Registered), registered(c.Registered), "")
	add(NumberConnection, connected(old.DisconnectedAt), connected(cur.DisconnectedAt), "")
	if old.CallbackOverride != cur.CallbackOverride {
		out = append(out, NumberEvent{Kind: NumberCallback, From: old.CallbackOverride, To: cmp.Or(cur.CallbackOverride, "app default")})
	}
	return out
}

func issuesText(issues []HealthIssue) string {
	s := ""
	for i, e := range issues {
		if i > 0 {
			s += "; "
		}
		s += fmt.Sprintf("%s %d: %s", e.Entity, e.Code, e.Description)
	}
	return s
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func registered(b bool) string {
	if b {
		return "registered"
	}
	return "not registered"
}

func connected(disconnectedAt time.Time) string {
	if disconnectedAt.IsZero() {
		return "connected"
	}
	return "disconnected"
}

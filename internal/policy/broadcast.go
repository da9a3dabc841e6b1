package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// ConsentOf is the consent the rules judge by: the ledger, except that a
// customer who wrote to the number and never opted out counts as opted in
// (they started the conversation before the ledger recorded it).
func ConsentOf(c domain.ConsentState, wroteAt time.Time) Consent {
	out := Consent{OptedIn: c.OptedIn, OptedOut: c.OptedOut, MarketingOptOut: c.MarketingOptOut}
	if !wroteAt.IsZero() && !c.OptedOut && !c.OptedIn {
		out.OptedIn = true
	}
	return out
}

// Throughput is a number's sending rate: Meta's 80 messages per second by
// default, 1,000 once the number is upgraded (throughput level HIGH).
func Throughput(level string) float64 {
	if strings.EqualFold(level, "HIGH") {
		return 1000
	}
	return 80
}

// RateBucket is a token bucket refilled at a steady rate: the number's
// throughput, shared by every send from the number on every node.
type RateBucket struct {
	Tokens float64
	At     time.Time
}

// Refill adds what perSecond earned since At, up to burst.
func (b RateBucket) Refill(now time.Time, perSecond, burst float64) RateBucket {
	if b.At.IsZero() {
		return RateBucket{Tokens: burst, At: now}
	}
	if dt := now.Sub(b.At); dt > 0 {
		b.Tokens = min(burst, b.Tokens+dt.Seconds()*perSecond)
		b.At = now
	}
	return b
}

// Wait is how long until n tokens are there at perSecond.
func (b RateBucket) Wait(n, perSecond float64) time.Duration {
	if b.Tokens >= n || perSecond <= 0 {
		return 0
	}
	return time.Duration((n - b.Tokens) / perSecond * float64(time.Second))
}

// CampaignFacts are what decides whether a running broadcast may go on.
type CampaignFacts struct {
	Template    *Template // nil: the template is gone
	Quality     string    // the sending number's quality rating
	Settled     int       // recipients with an outcome (sent or failed)
	Failed      int
	FailureMax  float64 // the share of failures that stops it (0: DefaultFailureMax)
	MinOutcomes int     // outcomes needed before the share counts (0: DefaultMinOutcomes)
}

// A broadcast stops itself when more than DefaultFailureMax of at least
// DefaultMinOutcomes sends failed: something is wrong with the list or
// the template, and sending on would only hurt the number's quality.
const (
	DefaultFailureMax  = 0.2
	DefaultMinOutcomes = 50
)

// Halt says whether a running broadcast must pause, and why: its template
// was paused, disabled or removed, the number's quality turned RED, or
// too many sends failed. Sending resumes only when a person says so.
func Halt(f CampaignFacts) *Decision {
	t := f.Template
	switch {
	case t == nil:
		return deny(domain.CodeTemplateNotOK, "The broadcast's template no longer exists at Meta.",
			"Create or sync the template, then resume; or cancel and start a broadcast with another template.")
	case !strings.EqualFold(t.Status, "APPROVED"):
		d := templateState(Request{Type: "template", Template: t}, Facts{}, &Decision{})
		return d
	case strings.EqualFold(f.Quality, "RED"):
		return deny(domain.CodeQualityRed, "The sending number's quality rating turned RED, so the broadcast paused itself.",
			"Look at what customers reported, improve the template or the audience, and resume once quality recovers.")
	}
	limit, need := f.FailureMax, f.MinOutcomes
	if limit <= 0 {
		limit = DefaultFailureMax
	}
	if need <= 0 {
		need = DefaultMinOutcomes
	}
	if f.Settled >= need && float64(f.Failed) > limit*float64(f.Settled) {
		return deny(domain.CodeFailureRate, fmt.Sprintf("%d of %d sends failed (more than %.0f%%), so the broadcast paused itself.", f.Failed, f.Settled, limit*100),
			"Open the failed recipients to read Meta's reasons, fix the list or the template, then resume.")
	}
	return nil
}

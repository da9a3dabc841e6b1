package broadcast

import (
	"context"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/store"
)

// judged is one contact of an audience with the rules' verdict.
type judged struct {
	c          store.AudienceContact
	skip       string // "" when eligible
	detail     string
	needsSlot  bool // business-initiated and not yet counted in the messaging limit
	windowOpen bool
}

// RetryableCodes are Meta's error codes worth a second try in a follow-up
// broadcast: throughput and pair rate, temporary outages, the per-user
// marketing limit (Meta advises waiting a day), and our own expiry.
var RetryableCodes = []int{1, 2, 130429, 131000, 131016, 131049, 131056, 131057, 133004, -1}

// each selects the audience and judges every contact now, in id order.
// Tier use is not judged here: a plan counts the slots, the sender takes
// them.
func (s *Service) each(ctx context.Context, p *prepared, fn func(judged) error) error {
	now := s.Clock.Now()
	a := p.b.Audience
	seen := map[string]bool{}
	return s.DB.AudienceContacts(ctx, p.b.WorkspaceID, p.num.ID, a, RetryableCodes, func(c store.AudienceContact) error {
		if !matches(a, c, now) {
			return nil
		}
		j := judged{c: c, windowOpen: c.WindowExpiresAt.After(now)}
		key := numberKey(c.WaID)
		switch {
		case key == "":
			j.skip, j.detail = domain.SkipInvalidNumber, describeSkip(domain.SkipInvalidNumber)
		case seen[key]:
			j.skip, j.detail = domain.SkipDuplicate, describeSkip(domain.SkipDuplicate)
		default:
			seen[key] = true
			v := p.judge(c, policy.Tier{}, now)
			switch {
			case v.d.Allowed:
				j.needsSlot = v.d.BusinessInitiated
			case perRecipient(v.d.Code):
				j.skip, j.detail = string(v.d.Code), v.d.Message
			}
		}
		return fn(j)
	})
}

// matches applies the audience conditions the store leaves to us.
func matches(a domain.Audience, c store.AudienceContact, now time.Time) bool {
	for k, want := range a.Attributes {
		if !strings.EqualFold(strings.TrimSpace(c.Attributes[k]), strings.TrimSpace(want)) {
			return false
		}
	}
	switch a.Consent {
	case "opted_in":
		if !policy.ConsentOf(c.Consent, c.NumberInboundAt).OptedIn {
			return false
		}
	case "not_opted_out":
		if c.Consent.OptedOut {
			return false
		}
	}
	day := 24 * time.Hour
	if d := a.InboundWithinDays; d > 0 && (c.LastInboundAt.IsZero() || c.LastInboundAt.Before(now.Add(-time.Duration(d)*day))) {
		return false
	}
	if d := a.NoInboundForDays; d > 0 && !c.LastInboundAt.IsZero() && c.LastInboundAt.After(now.Add(-time.Duration(d)*day)) {
		return false
	}
	return true
}

// blocker is what stops the whole broadcast from sending now, if anything:
// a missing or unapproved template, a disconnected or blocked number, RED
// quality, or parameters that do not fit.
func (p *prepared) blocker(now time.Time) *problem {
	if d := policy.Halt(policy.CampaignFacts{Template: p.pt, Quality: p.num.QualityRating}); d != nil {
		return problemOf(*d)
	}
	probe := store.AudienceContact{Contact: domain.Contact{WaID: "447700900000", Phone: "+447700900000", Name: "Test"}, Consent: domain.ConsentState{OptedIn: true}}
	v := p.judge(probe, policy.Tier{}, now)
	if !v.d.Allowed && !perRecipient(v.d.Code) {
		return problemOf(v.d)
	}
	return nil
}

package policy

import (
	"fmt"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// A rule returns a refusal, or nil to let the next rule look; it may add
// warnings to d.
type rule func(req Request, f Facts, d *Decision) *Decision

// rules in the order a person would want to hear about them: the first
// refusal is the one to fix first.
var rules = []rule{number, optedOut, window, templateState, templateParams, consent, marketingUS, quality, tier}

func isMarketing(req Request) bool {
	return req.Template != nil && strings.EqualFold(req.Template.Category, "MARKETING")
}

// number: a disconnected number sends nothing; one Meta reports BLOCKED
// (health_status) would only collect errors. LIMITED is a warning.
func number(req Request, f Facts, d *Decision) *Decision {
	n := f.Number
	switch {
	case n.Disconnected:
		return deny(domain.CodeNumberOff, "This WhatsApp number is disconnected from GoHavi.",
			"Connect it again on the Numbers page, or send from another number.")
	case strings.EqualFold(n.CanSend, "BLOCKED"):
		msg := "Meta reports this number cannot send messages"
		remedy := "Open the number's health on the Numbers page and fix what Meta lists, then refresh it."
		if len(n.Issues) > 0 {
			msg += ": " + n.Issues[0].Description
			if n.Issues[0].Solution != "" {
				remedy = n.Issues[0].Solution
			}
		}
		return deny(domain.CodeNumberBlocked, msg+".", remedy)
	case strings.EqualFold(n.CanSend, "LIMITED"):
		d.Warnings = append(d.Warnings, "Meta reports this number's sending is limited; check its health on the Numbers page.")
	}
	return nil
}

// optedOut: a customer who opted out gets no business-initiated message.
// (Replies inside a window they opened again are conversation, not outreach.)
func optedOut(req Request, f Facts, d *Decision) *Decision {
	if f.Consent.OptedOut && d.BusinessInitiated {
		return deny(domain.CodeOptedOut, "This customer opted out of messages from this business.",
			"Do not contact them unless they write to you or opt in again (for example by sending START).")
	}
	return nil
}

// window: free-form messages only inside the 24-hour customer-service window.
func window(req Request, f Facts, d *Decision) *Decision {
	if req.Type == "template" || f.WindowExpiresAt.After(f.Now) {
		return nil
	}
	msg := "The customer has not written in the last 24 hours, so WhatsApp only allows approved templates."
	if f.WindowExpiresAt.IsZero() {
		msg = "This customer has never written to this number, so WhatsApp only allows approved templates."
	}
	return deny(domain.CodeWindowClosed, msg,
		"Send an approved template to start the conversation; free-form messages are allowed for 24 hours after the customer replies.")
}

// templateState: only APPROVED templates can be sent.
func templateState(req Request, f Facts, d *Decision) *Decision {
	if req.Type != "template" {
		return nil
	}
	t := req.Template
	if t == nil {
		return deny(domain.CodeTemplateNotOK, "This template is not known to GoHavi.",
			"Create it (or sync templates from Meta) and wait for its approval.")
	}
	switch strings.ToUpper(t.Status) {
	case "APPROVED":
		return nil
	case "PAUSED":
		until := "until Meta reviews its quality again"
		if !t.PausedUntil.IsZero() {
			until = "until " + t.PausedUntil.UTC().Format(time.RFC3339)
		}
		return deny(domain.CodeTemplatePaused, fmt.Sprintf("Template %q is paused by Meta for low quality, %s.", t.Name, until),
			"Wait for the pause to end, or send another approved template; improve the content that customers reported.")
	case "DISABLED":
		return deny(domain.CodeTemplateNotOK, fmt.Sprintf("Template %q was disabled by Meta after repeated low quality.", t.Name),
			"Create a new template with different content and submit it for review.")
	case "PENDING", "IN_APPEAL":
		return deny(domain.CodeTemplateNotOK, fmt.Sprintf("Template %q is still in Meta's review (%s).", t.Name, t.Status),
			"Wait for the approval (usually minutes, at most 24 hours), then send again.")
	case "REJECTED":
		return deny(domain.CodeTemplateNotOK, fmt.Sprintf("Template %q was rejected by Meta.", t.Name),
			"Read the rejection reason on the template, fix it and submit a new version (or appeal).")
	}
	return deny(domain.CodeTemplateNotOK, fmt.Sprintf("Template %q is %s, not approved.", t.Name, t.Status),
		"Only approved templates can be sent; check its status in the template list.")
}

// templateParams: the values must fit the template (never a 132000 from Meta).
func templateParams(req Request, f Facts, d *Decision) *Decision {
	if req.Type != "template" || req.Template == nil || req.Template.ParamsErr == nil {
		return nil
	}
	if de, ok := req.Template.ParamsErr.(*domain.Error); ok {
		return deny(domain.CodeTemplateParams, de.Message, de.Remedy)
	}
	return deny(domain.CodeTemplateParams, req.Template.ParamsErr.Error(), "Fill every template parameter with a non-empty value of the right kind.")
}

// consent: business-initiated messages need an opt-in, and MARKETING also
// needs no marketing opt-out.
func consent(req Request, f Facts, d *Decision) *Decision {
	if !d.BusinessInitiated {
		return nil
	}
	if isMarketing(req) && f.Consent.MarketingOptOut {
		return deny(domain.CodeOptedOut, "This customer stopped marketing messages.",
			"Send only utility or authentication templates, or wait until they opt back in.")
	}
	if !f.Consent.OptedIn {
		return deny(domain.CodeNotOptedIn, "This customer has not opted in to messages from this business.",
			"Record their opt-in (where and how they gave it) before sending a template outside a conversation they started.")
	}
	return nil
}

// marketingUS: Meta does not deliver marketing templates to US numbers.
func marketingUS(req Request, f Facts, d *Decision) *Decision {
	if isMarketing(req) && strings.HasPrefix(f.RecipientE164, "+1") && !isCaribbeanNANP(f.RecipientE164) {
		return deny(domain.CodeMarketingUS, "WhatsApp does not deliver marketing templates to US phone numbers.",
			"Use a utility template for transactional updates, or reach US customers through another channel.")
	}
	return nil
}

// isCaribbeanNANP is false for now: +1 covers the US, Canada and Caribbean
// countries alike, and the rule is applied to the whole +1 range until
// numbers are resolved to their country (a documented simplification).
func isCaribbeanNANP(string) bool { return false }

// quality: RED quality warns on business-initiated sends and, if the
// workspace chose so, blocks marketing.
func quality(req Request, f Facts, d *Decision) *Decision {
	if !strings.EqualFold(f.Quality, "RED") || !d.BusinessInitiated {
		return nil
	}
	if isMarketing(req) && f.BlockRedMarket {
		return deny(domain.CodeQualityRed, "This number's quality is RED, and the workspace blocks marketing until it recovers.",
			"Pause campaigns, review recent templates and opt-outs; quality recovers over about 7 days of good engagement.")
	}
	d.Warnings = append(d.Warnings, "This number's quality is RED: more blocks or reports may lower its messaging limit or get it restricted.")
	return nil
}

// tier: the portfolio may reach only so many customers outside windows in
// any rolling 24 hours.
func tier(req Request, f Facts, d *Decision) *Decision {
	t := f.Tier
	if !d.BusinessInitiated || !t.Known || t.Unlimited || t.Counted || t.Used < t.Limit {
		return nil
	}
	when := "as earlier customers leave the 24-hour window"
	if !t.NextSlotAt.IsZero() {
		when = "at " + t.NextSlotAt.UTC().Format(time.RFC3339)
	}
	return deny(domain.CodeTierExhausted, fmt.Sprintf("The messaging limit of %d customers per 24 hours is used up.", t.Limit),
		"The next slot frees "+when+"; the limit rises as Meta upgrades the portfolio with good quality.")
}

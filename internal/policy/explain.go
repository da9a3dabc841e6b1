package policy

import (
	"fmt"
	"strings"
	"time"
)

// explain says, in words a person reads later next to the message, why an
// allowed send was allowed: which window or template let it out, the
// consent it relied on and where the messaging limit stood.
func explain(req Request, f Facts, d Decision) []string {
	var out []string
	if !d.BusinessInitiated {
		out = append(out, fmt.Sprintf("The customer wrote within the last 24 hours: the service window is open until %s.", stamp(f.WindowExpiresAt)))
		if req.Template != nil {
			out = append(out, fmt.Sprintf("Template %s (%s) is approved.", req.Template.Name, strings.ToLower(req.Template.Category)))
		}
		return out
	}
	if req.Template != nil {
		out = append(out, fmt.Sprintf("Outside the service window, so only an approved template may go: %s (%s) is approved.",
			req.Template.Name, strings.ToLower(req.Template.Category)))
	}
	if f.Consent.OptedIn {
		out = append(out, "The customer has opted in to WhatsApp messages (see their consent ledger).")
	}
	switch t := f.Tier; {
	case !t.Known:
		out = append(out, "The messaging limit has not been read from Meta yet, so it was not counted.")
	case t.Unlimited:
		out = append(out, "The business portfolio's messaging limit is unlimited.")
	case t.Counted:
		out = append(out, fmt.Sprintf("Messaging limit: the customer was already among the %d of %d reached in the last 24 hours; no new slot.", t.Used, t.Limit))
	default:
		out = append(out, fmt.Sprintf("Messaging limit: takes slot %d of %d for the next 24 hours.", t.Used+1, t.Limit))
	}
	return out
}

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

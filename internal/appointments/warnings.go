package appointments

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// Warnings say what would stop appointment messages from going out, before
// a booking finds out: a disabled subscription, no number, a template that
// is missing, not approved or not UTILITY, or a reminder template without
// a time-to-live short enough to stop a late reminder.
func (e *Engine) Warnings(ctx context.Context, c store.CalendlyConnection) []string {
	out := []string{}
	if c.Status != "active" {
		out = append(out, c.StatusReason)
	}
	switch c.SubscriptionState {
	case "disabled", "missing":
		out = append(out, c.SubscriptionError)
	}
	s := parseSettings(c.Settings)
	num, ok := e.number(ctx, c.WorkspaceID, s.NumberID)
	if !ok {
		return append(out, "No WhatsApp number is connected: bookings are recorded but no message can be sent.")
	}
	check := func(kind string, t TemplateRef) {
		st, err := e.DB.TemplateByName(ctx, c.WorkspaceID, num.WABAID, t.Name, t.Language)
		switch {
		case err != nil:
			out = append(out, fmt.Sprintf("The %s template %s (%s) is not among the number's templates; create it or sync templates.", kind, t.Name, t.Language))
			return
		case st.Status != "APPROVED":
			out = append(out, fmt.Sprintf("The %s template %s is %s, not APPROVED: its messages will be refused.", kind, t.Name, st.Status))
		case !strings.EqualFold(st.Category, "UTILITY"):
			out = append(out, fmt.Sprintf("The %s template %s is %s; appointment messages should be UTILITY.", kind, t.Name, st.Category))
		}
		if kind == "reminder" {
			out = append(out, e.ttlWarnings(st, s)...)
		}
	}
	check("confirmation", s.Confirmation)
	check("reminder", s.Reminder)
	for kind, t := range map[string]*TemplateRef{"rescheduled": s.Rescheduled, "cancellation": s.Cancellation} {
		if t.set() {
			check(kind, *t)
		}
	}
	return out
}

// number is the sending number of the settings (0: the first connected).
func (e *Engine) number(ctx context.Context, workspaceID, numberID int64) (domain.Number, bool) {
	if numberID != 0 {
		n, err := e.DB.NumberByID(ctx, workspaceID, numberID)
		return n, err == nil
	}
	ns, err := e.DB.ConnectedNumbers(ctx, workspaceID)
	if err != nil || len(ns) == 0 {
		return domain.Number{}, false
	}
	return ns[0], true
}

// ttlWarnings checks the reminder template's time-to-live: GoHavi never
// hands Meta a reminder after its meeting started, but Meta keeps trying to
// deliver to a phone that is off for up to 30 days unless the template's
// TTL says otherwise. It should not exceed the shortest reminder offset.
func (e *Engine) ttlWarnings(t domain.Template, s Settings) []string {
	shortest := time.Duration(0)
	for _, d := range s.reminders("") {
		if shortest == 0 || d < shortest {
			shortest = d
		}
	}
	for _, et := range s.EventTypes {
		for _, m := range et.RemindersMinutes {
			if d := time.Duration(m) * time.Minute; d < shortest {
				shortest = d
			}
		}
	}
	ttl := time.Duration(t.TTLSeconds) * time.Second
	fix := fmt.Sprintf("Set it to %d seconds or less (POST /api/v1/templates/%d/ttl), so Meta drops a reminder the phone did not get before the meeting.", int(min(shortest, 12*time.Hour)/time.Second), t.ID)
	switch {
	case t.TTLSeconds == 0 || t.TTLSeconds == -1:
		return []string{"The reminder template " + t.Name + " has Meta's default time-to-live of 30 days. " + fix}
	case ttl > shortest:
		return []string{fmt.Sprintf("The reminder template %s has a time-to-live of %s, longer than the shortest reminder (%s). %s", t.Name, ttl, shortest, fix)}
	}
	return nil
}

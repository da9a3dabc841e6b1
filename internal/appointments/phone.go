package appointments

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/gohavi/gohavi/internal/calendly"
)

// phone is the invitee's WhatsApp number as found on the booking.
type phone struct {
	Raw     string // as typed
	E164    string // "" when unusable
	Source  string // text_reminder_number, location, question, utm_content
	Problem string // why E164 is empty
}

// findPhone picks the invitee's number from the most reliable place the
// booking offers (spec §3.3): the SMS-reminder number, the number Calendly
// calls, the booking question chosen in settings (or one that asks for a
// phone), or a "wa_<digits>" utm_content GoHavi put in a booking link. A
// number typed without a country code is read in the country of the
// invitee's time zone.
func findPhone(inv calendly.Invitee, s Settings) phone {
	var p phone
	switch {
	case strings.TrimSpace(inv.TextReminderNumber) != "":
		p = phone{Raw: inv.TextReminderNumber, Source: "text_reminder_number"}
	case inv.ScheduledEvent != nil && inv.ScheduledEvent.Location != nil && inv.ScheduledEvent.Location.Type == "outbound_call" &&
		strings.TrimSpace(inv.ScheduledEvent.Location.Location) != "":
		p = phone{Raw: inv.ScheduledEvent.Location.Location, Source: "location"}
	default:
		if a, ok := phoneAnswer(inv.Answers, s.PhoneQuestion); ok {
			p = phone{Raw: a, Source: "question"}
		} else if d, ok := strings.CutPrefix(inv.Tracking.UTMContent, "wa_"); ok && d != "" {
			p = phone{Raw: "+" + d, Source: "utm_content"}
		}
	}
	if p.Raw == "" {
		p.Problem = "The booking has no phone number: turn on text reminders for the event type in Calendly, or add a booking question for the WhatsApp number and choose it in GoHavi's Calendly settings."
		return p
	}
	region := zoneRegion[strings.ReplaceAll(strings.TrimSpace(inv.Timezone), " ", "_")]
	if region == "" {
		region = strings.ToUpper(s.DefaultCountry)
	}
	num, err := phonenumbers.Parse(p.Raw, region)
	switch {
	case err != nil && region == "" && !strings.HasPrefix(strings.TrimSpace(p.Raw), "+"):
		p.Problem = fmt.Sprintf("%q has no country code and the invitee's time zone (%q) names no country: set a default country in GoHavi's Calendly settings.", p.Raw, inv.Timezone)
	case err != nil || !phonenumbers.IsValidNumber(num):
		p.Problem = fmt.Sprintf("%q (from %s) is not a valid phone number%s.", p.Raw, strings.ReplaceAll(p.Source, "_", " "), inRegion(region))
	default:
		p.E164 = phonenumbers.Format(num, phonenumbers.E164)
	}
	return p
}

func inRegion(r string) string {
	if r == "" {
		return ""
	}
	return " for " + r
}

// phoneAnswer finds the answer to the chosen question, or else to the
// first question that asks for a phone.
func phoneAnswer(qas []calendly.Answer, chosen string) (string, bool) {
	for _, qa := range qas {
		q := strings.ToLower(qa.Question)
		match := chosen != "" && strings.Contains(q, strings.ToLower(strings.TrimSpace(chosen)))
		if chosen == "" {
			match = strings.Contains(q, "whatsapp") || strings.Contains(q, "phone") || strings.Contains(q, "mobile") ||
				strings.Contains(q, "telefone") || strings.Contains(q, "celular") || strings.Contains(q, "teléfono")
		}
		if match && strings.ContainsAny(qa.Answer, "0123456789") {
			return strings.TrimSpace(qa.Answer), true
		}
	}
	return "", false
}

// optInAnswer finds an affirmative answer to the opt-in question (the one
// chosen in settings, or a yes/no question that mentions WhatsApp) and
// returns the question's wording as evidence.
func optInAnswer(qas []calendly.Answer, chosen string) (question, answer string, ok bool) {
	for _, qa := range qas {
		q := strings.ToLower(qa.Question)
		match := strings.Contains(q, "whatsapp")
		if chosen != "" {
			match = strings.Contains(q, strings.ToLower(strings.TrimSpace(chosen)))
		}
		if match && affirmative(qa.Answer) {
			return qa.Question, qa.Answer, true
		}
	}
	return "", "", false
}

func affirmative(a string) bool {
	a = strings.ToLower(strings.Trim(strings.TrimSpace(a), ".!"))
	for _, y := range []string{"yes", "y", "true", "i agree", "agree", "ok", "sim", "si", "sí", "oui", "ja", "yes, please", "हाँ", "haan"} {
		if a == y || strings.HasPrefix(a, y+",") || strings.HasPrefix(a, y+" ") {
			return true
		}
	}
	return false
}

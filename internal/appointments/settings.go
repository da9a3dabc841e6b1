package appointments

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// TemplateRef names an approved template and how its parameters are
// filled. Parameters are expressions such as "{{invitee.first_name|there}}"
// (see Vars); left empty, they follow the template's own parameters.
type TemplateRef struct {
	Name       string   `json:"name"`
	Language   string   `json:"language"`
	Parameters []string `json:"parameters,omitempty"`
}

func (t *TemplateRef) set() bool { return t != nil && strings.TrimSpace(t.Name) != "" }

// EventTypeSettings overrides the reminders of one Calendly event type.
type EventTypeSettings struct {
	RemindersMinutes []int `json:"reminders_minutes"`
}

// Settings are a workspace's appointment messages.
type Settings struct {
	NumberID     int64        `json:"number_id,omitempty"` // 0: the workspace's first number
	Confirmation TemplateRef  `json:"confirmation_template"`
	Reminder     TemplateRef  `json:"reminder_template"`
	Rescheduled  *TemplateRef `json:"rescheduled_template,omitempty"`  // default: the confirmation template
	Cancellation *TemplateRef `json:"cancellation_template,omitempty"` // none: nothing is sent on a cancellation
	// RemindersMinutes are the reminder offsets before the start (default
	// 24 h and 1 h); EventTypes overrides them per event type URI.
	RemindersMinutes []int                        `json:"reminders_minutes,omitempty"`
	EventTypes       map[string]EventTypeSettings `json:"event_types,omitempty"`
	PhoneQuestion    string                       `json:"phone_question,omitempty"`  // booking question whose answer is the number
	OptInQuestion    string                       `json:"opt_in_question,omitempty"` // booking question whose "yes" is WhatsApp consent
	DefaultCountry   string                       `json:"default_country,omitempty"` // for numbers without a country code
	ConfirmOnReply   bool                         `json:"confirm_on_reply"`          // a "1"/"yes"/👍 reply marks the booking confirmed
	ConfirmWords     []string                     `json:"confirm_words,omitempty"`
}

// DefaultReminders are T-24h and T-1h.
var DefaultReminders = []int{24 * 60, 60}

// DefaultConfirmWords are replies read as "I'll be there".
var DefaultConfirmWords = []string{"1", "yes", "y", "confirm", "confirmed", "ok", "sim", "si", "sí", "oui", "ja", "👍"}

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, "Fix the Calendly settings and save again.", format, args...)
}

// Validate checks what a person typed.
func (s *Settings) Validate() error {
	if !s.Confirmation.set() {
		return invalid("confirmation_template needs a name and a language: the approved UTILITY template sent when someone books")
	}
	if !s.Reminder.set() {
		return invalid("reminder_template needs a name and a language: the approved UTILITY template sent before the meeting")
	}
	for _, t := range []*TemplateRef{&s.Confirmation, &s.Reminder, s.Rescheduled, s.Cancellation} {
		if t.set() && strings.TrimSpace(t.Language) == "" {
			return invalid("template %q needs a language (for example en_US)", t.Name)
		}
	}
	check := func(where string, ms []int) error {
		if len(ms) > 5 {
			return invalid("%s: at most 5 reminders", where)
		}
		for _, m := range ms {
			if m < 5 || m > 14*24*60 {
				return invalid("%s: %d minutes is out of range; a reminder goes 5 minutes to 14 days before the start", where, m)
			}
		}
		return nil
	}
	if err := check("reminders_minutes", s.RemindersMinutes); err != nil {
		return err
	}
	for uri, et := range s.EventTypes {
		if err := check("event_types["+uri+"]", et.RemindersMinutes); err != nil {
			return err
		}
	}
	if c := strings.TrimSpace(s.DefaultCountry); c != "" && len(c) != 2 {
		return invalid("default_country %q is not a two-letter country code (for example BR)", c)
	}
	return nil
}

// parseSettings reads stored settings.
func parseSettings(raw string) Settings {
	var s Settings
	_ = json.Unmarshal([]byte(raw), &s)
	return s
}

// reminders are the offsets for an event type, largest first.
func (s Settings) reminders(eventType string) []time.Duration {
	ms := s.RemindersMinutes
	if et, ok := s.EventTypes[eventType]; ok {
		ms = et.RemindersMinutes
	}
	if ms == nil {
		ms = DefaultReminders
	}
	out := make([]time.Duration, 0, len(ms))
	for _, m := range ms {
		out = append(out, time.Duration(m)*time.Minute)
	}
	slices.SortFunc(out, func(a, b time.Duration) int { return int(b - a) })
	return slices.Compact(out)
}

// reminderKind names a reminder by its offset: reminder_24h, reminder_1h,
// reminder_90m.
func reminderKind(d time.Duration) string {
	if d%time.Hour == 0 {
		return fmt.Sprintf("reminder_%dh", d/time.Hour)
	}
	return fmt.Sprintf("reminder_%dm", d/time.Minute)
}

// Message kinds besides reminders.
const (
	KindConfirmation = "confirmation"
	KindRescheduled  = "rescheduled"
	KindCancellation = "cancellation"
)

// template picks the template a message kind is sent with.
func (s Settings) template(kind string) (TemplateRef, bool) {
	switch {
	case kind == KindConfirmation:
		return s.Confirmation, true
	case kind == KindRescheduled:
		if s.Rescheduled.set() {
			return *s.Rescheduled, true
		}
		return s.Confirmation, true
	case kind == KindCancellation:
		if s.Cancellation.set() {
			return *s.Cancellation, true
		}
		return TemplateRef{}, false
	case strings.HasPrefix(kind, "reminder_"):
		return s.Reminder, true
	}
	return TemplateRef{}, false
}

func (s Settings) confirmWords() []string {
	if len(s.ConfirmWords) > 0 {
		return s.ConfirmWords
	}
	return DefaultConfirmWords
}

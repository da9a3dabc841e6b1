package appointments

import (
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/store"
)

func TestRenderTimeLanguagesAndZones(t *testing.T) {
	at := time.Date(2026, 1, 8, 14, 0, 0, 0, time.UTC)
	cases := []struct{ tz, lang, want string }{
		{"America/Sao_Paulo", "pt_BR", "quinta-feira, 8 de janeiro de 2026 às 11:00 (GMT-3)"},
		{"America/New_York", "en_US", "Thursday, January 8, 2026 at 9:00 AM (EST)"},
		{"America/New York", "en_US", "Thursday, January 8, 2026 at 9:00 AM (EST)"}, // Calendly's spelling in /users/me
		{"Europe/Berlin", "de", "Donnerstag, 8. Januar 2026 um 15:00 Uhr (CET)"},
		{"Europe/London", "en_GB", "Thursday 8 January 2026 at 14:00 (GMT)"},
		{"Asia/Kolkata", "hi", "गुरुवार, 8 जनवरी 2026, 19:30 बजे (IST)"},
		{"Asia/Jakarta", "id", "Kamis, 8 Januari 2026 pukul 21.00 (WIB)"},
		{"Europe/Madrid", "es_MX", "jueves, 8 de enero de 2026 a las 15:00 (CET)"},
		{"", "fr", "jeudi 8 janvier 2026 à 14:00 (UTC)"},
		{"Not/AZone", "xx", "Thursday 8 January 2026 at 14:00 (UTC)"},
	}
	for _, c := range cases {
		if got := renderTime(at, c.tz, c.lang).Full; got != c.want {
			t.Errorf("%s %s: %q, want %q", c.tz, c.lang, got, c.want)
		}
	}
	w := renderTime(at, "America/Sao_Paulo", "pt_BR")
	if w.Date != "quinta-feira, 8 de janeiro de 2026" || w.Clock != "11:00 (GMT-3)" {
		t.Errorf("parts %+v", w)
	}
}

// Reminders are exact durations before the start, so across a daylight
// saving change the T-24h reminder is 24 real hours ahead (its wall-clock
// hour differs from the meeting's), and each is rendered with the zone in
// force at the meeting.
func TestDaylightSavingChange(t *testing.T) {
	// US clocks went back on 2026-11-01 at 02:00 EDT; a 09:00 EST meeting
	// on Nov 1 is 14:00 UTC, and 24 h earlier is 10:00 EDT on Oct 31.
	start := time.Date(2026, 11, 1, 14, 0, 0, 0, time.UTC)
	now := time.Date(2026, 10, 28, 12, 0, 0, 0, time.UTC)
	b := store.Booking{StartAt: start, Phone: "+12125550123", Timezone: "America/New_York"}
	ms := plan(b, Settings{}, KindConfirmation, now)
	due := map[string]time.Time{}
	for _, m := range ms {
		due[m.Kind] = m.DueAt
	}
	if want := time.Date(2026, 10, 31, 14, 0, 0, 0, time.UTC); !due["reminder_24h"].Equal(want) {
		t.Fatalf("T-24h due %v, want %v", due["reminder_24h"], want)
	}
	ny, _ := time.LoadLocation("America/New_York")
	if got := due["reminder_24h"].In(ny).Format("15:04 MST"); got != "10:00 EDT" {
		t.Errorf("T-24h wall clock %s, want 10:00 EDT", got)
	}
	if got := renderTime(start, "America/New_York", "en_US").Full; got != "Sunday, November 1, 2026 at 9:00 AM (EST)" {
		t.Errorf("rendered %q", got)
	}
	// Spring forward: 2026-03-08 02:00 EST → 03:00 EDT. A 09:00 EDT meeting
	// on Mar 8 is 13:00 UTC; its T-24h reminder is 08:00 EST on Mar 7.
	start = time.Date(2026, 3, 8, 13, 0, 0, 0, time.UTC)
	ms = plan(store.Booking{StartAt: start, Phone: "+12125550123"}, Settings{}, KindConfirmation, start.Add(-72*time.Hour))
	if got := ms[1].DueAt.In(ny).Format("2006-01-02 15:04 MST"); got != "2026-03-07 08:00 EST" {
		t.Errorf("spring T-24h %s", got)
	}
	if got := renderTime(start, "America/New_York", "en_US").Full; got != "Sunday, March 8, 2026 at 9:00 AM (EDT)" {
		t.Errorf("rendered %q", got)
	}
}

func TestPlanOffsetsPerEventType(t *testing.T) {
	now := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
	s := Settings{RemindersMinutes: []int{60, 2880}, EventTypes: map[string]EventTypeSettings{"et-short": {RemindersMinutes: []int{15}}}}
	kinds := func(et string) []string {
		var out []string
		for _, m := range plan(store.Booking{StartAt: now.Add(100 * time.Hour), Phone: "+12125550123", EventTypeURI: et}, s, KindConfirmation, now) {
			out = append(out, m.Kind+"@"+m.DueAt.Sub(now).String())
		}
		return out
	}
	if got := kinds("other"); len(got) != 3 || got[1] != "reminder_48h@52h0m0s" || got[2] != "reminder_1h@99h0m0s" {
		t.Errorf("default offsets %v", got)
	}
	if got := kinds("et-short"); len(got) != 2 || got[1] != "reminder_15m@99h45m0s" {
		t.Errorf("event type offsets %v", got)
	}
	if err := (&Settings{Confirmation: TemplateRef{Name: "a", Language: "en"}, Reminder: TemplateRef{Name: "b", Language: "en"}, RemindersMinutes: []int{1}}).Validate(); err == nil {
		t.Error("a 1-minute reminder was accepted")
	}
}

func TestFindPhone(t *testing.T) {
	ev := func(loc *calendly.Location) *calendly.Event { return &calendly.Event{Location: loc} }
	cases := []struct {
		name       string
		inv        calendly.Invitee
		s          Settings
		want, src  string
		hasProblem bool
	}{
		{"sms number, local form, zone gives the country", calendly.Invitee{TextReminderNumber: "(11) 98765-4321", Timezone: "America/Sao_Paulo"}, Settings{}, "+5511987654321", "text_reminder_number", false},
		{"sms number with its own country code", calendly.Invitee{TextReminderNumber: "+44 7911 123456", Timezone: "America/Sao_Paulo"}, Settings{}, "+447911123456", "text_reminder_number", false},
		{"outbound call location", calendly.Invitee{Timezone: "America/New_York", ScheduledEvent: ev(&calendly.Location{Type: "outbound_call", Location: "212-555-0123"})}, Settings{}, "+12125550123", "location", false},
		{"chosen question", calendly.Invitee{Timezone: "Asia/Kolkata", Answers: []calendly.Answer{{Question: "Company", Answer: "Acme 42"}, {Question: "Your WhatsApp", Answer: "098765 43210"}}}, Settings{PhoneQuestion: "whatsapp"}, "+919876543210", "question", false},
		{"a phone question found without settings", calendly.Invitee{Timezone: "Europe/Madrid", Answers: []calendly.Answer{{Question: "Teléfono móvil", Answer: "612 34 56 78"}}}, Settings{}, "+34612345678", "question", false},
		{"utm token from our booking link", calendly.Invitee{Tracking: struct {
			UTMContent string `json:"utm_content"`
		}{UTMContent: "wa_447911123456"}}, Settings{}, "+447911123456", "utm_content", false},
		{"no number anywhere", calendly.Invitee{Timezone: "Europe/Madrid"}, Settings{}, "", "", true},
		{"local number, zone without country, no default", calendly.Invitee{TextReminderNumber: "612 34 56 78", Timezone: "UTC"}, Settings{}, "", "text_reminder_number", true},
		{"local number, default country", calendly.Invitee{TextReminderNumber: "612 34 56 78", Timezone: "UTC"}, Settings{DefaultCountry: "es"}, "+34612345678", "text_reminder_number", false},
		{"not a number", calendly.Invitee{TextReminderNumber: "12", Timezone: "America/Sao_Paulo"}, Settings{}, "", "text_reminder_number", true},
	}
	for _, c := range cases {
		p := findPhone(c.inv, c.s)
		if p.E164 != c.want || p.Source != c.src || (p.Problem != "") != c.hasProblem {
			t.Errorf("%s: %+v", c.name, p)
		}
	}
}

func TestOptInAnswer(t *testing.T) {
	qas := []calendly.Answer{{Question: "WhatsApp number", Answer: "+5511987654321"}, {Question: "Can we message you on WhatsApp?", Answer: "Yes, please"}}
	if q, _, ok := optInAnswer(qas, ""); !ok || q != "Can we message you on WhatsApp?" {
		t.Errorf("opt-in %q %v", q, ok)
	}
	if _, _, ok := optInAnswer([]calendly.Answer{{Question: "Can we message you on WhatsApp?", Answer: "No"}}, ""); ok {
		t.Error("a no was read as consent")
	}
	if _, _, ok := optInAnswer([]calendly.Answer{{Question: "Reminders by chat?", Answer: "Sim"}}, "by chat"); !ok {
		t.Error("the chosen question was not used")
	}
}

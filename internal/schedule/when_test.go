package schedule_test

import (
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/schedule"
)

func TestWhenResolve(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		when schedule.When
		at   string // UTC
		zone string
		note string // a substring of the one note, "" for none
	}{
		{"wall clock in New York, winter", schedule.When{Local: "2026-11-25T09:00", Zone: "America/New_York"}, "2026-11-25T14:00:00Z", "America/New_York", ""},
		{"wall clock in New York, summer", schedule.When{Local: "2026-07-01T09:00:00", Zone: "America/New_York"}, "2026-07-01T13:00:00Z", "America/New_York", ""},
		{"wall clock in Lisbon", schedule.When{Local: "2026-11-25T09:00", Zone: "Europe/Lisbon"}, "2026-11-25T09:00:00Z", "Europe/Lisbon", ""},
		{"wall clock in Kolkata", schedule.When{Local: "2026-11-25T09:00", Zone: "Asia/Kolkata"}, "2026-11-25T03:30:00Z", "Asia/Kolkata", ""},
		// Spring forward: 02:00 → 03:00, so 02:30 is moved on by the gap.
		{"New York gap", schedule.When{Local: "2026-03-08T02:30", Zone: "America/New_York"}, "2026-03-08T07:30:00Z", "America/New_York", "does not exist on 2026-03-08"},
		{"Lisbon gap", schedule.When{Local: "2026-03-29T01:30", Zone: "Europe/Lisbon"}, "2026-03-29T01:30:00Z", "Europe/Lisbon", "sent at 02:30 WEST"},
		// Fall back: 01:30 happens twice; the first is taken.
		{"New York overlap", schedule.When{Local: "2026-11-01T01:30", Zone: "America/New_York"}, "2026-11-01T05:30:00Z", "America/New_York", "the first, 01:30 EDT (UTC-04:00)"},
		{"Lisbon overlap", schedule.When{Local: "2026-10-25T01:30", Zone: "Europe/Lisbon"}, "2026-10-25T00:30:00Z", "Europe/Lisbon", "happens twice"},
		{"instant with offset", schedule.When{SendAt: "2026-11-25T09:00:00-05:00"}, "2026-11-25T14:00:00Z", "UTC", ""},
		{"instant shown in a zone", schedule.When{SendAt: "2026-11-25T14:00:00Z", Zone: "America/New_York"}, "2026-11-25T14:00:00Z", "America/New_York", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			at, zone, notes, err := tc.when.Resolve()
			if err != nil {
				t.Fatal(err)
			}
			if got := at.Format(time.RFC3339); got != tc.at || zone != tc.zone {
				t.Fatalf("resolved to %s in %q, want %s in %q", got, zone, tc.at, tc.zone)
			}
			switch {
			case tc.note == "" && len(notes) != 0:
				t.Fatalf("unexpected notes: %q", notes)
			case tc.note != "" && (len(notes) != 1 || !strings.Contains(notes[0], tc.note)):
				t.Fatalf("notes %q, want one containing %q", notes, tc.note)
			}
		})
	}
}

func TestWhenRefusesMalformed(t *testing.T) {
	t.Parallel()
	for name, w := range map[string]schedule.When{
		"neither":                 {},
		"both":                    {SendAt: "2026-11-25T09:00:00Z", Local: "2026-11-25T09:00", Zone: "UTC"},
		"no offset":               {SendAt: "2026-11-25T09:00:00"},
		"local without zone":      {Local: "2026-11-25T09:00"},
		"local with an offset":    {Local: "2026-11-25T09:00-05:00", Zone: "America/New_York"},
		"the server's own zone":   {Local: "2026-11-25T09:00", Zone: "Local"},
		"not a zone":              {Local: "2026-11-25T09:00", Zone: "Mars/Olympus_Mons"},
		"an abbreviation":         {Local: "2026-11-25T09:00", Zone: "EST5EDTX"},
		"a date only":             {Local: "2026-11-25", Zone: "UTC"},
		"nonsense":                {SendAt: "tomorrow at nine"},
		"zone is not a path":      {Local: "2026-11-25T09:00", Zone: "../../etc/passwd"},
		"an impossible date":      {Local: "2026-02-30T09:00", Zone: "UTC"},
		"instant with a bad zone": {SendAt: "2026-11-25T09:00:00Z", Zone: "Nowhere/Special"},
	} {
		t.Run(name, func(t *testing.T) {
			_, _, _, err := w.Resolve()
			if de := wantCode(t, err, domain.CodeInvalidArgument); !strings.Contains(de.Remedy, "send_at_local") {
				t.Fatalf("remedy does not show the forms: %q", de.Remedy)
			}
		})
	}
}

package schedule

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// Bounds on when a message may be scheduled. The lead leaves the sender a
// pass or two to pick the message up (and the agent nothing to cancel in
// vain); the horizon keeps the rules a message is previewed against
// (template approval, consent, the number) close enough to the ones it
// will meet, and the queue small.
const (
	MinLead   = 10 * time.Second
	MaxAhead  = 30 * 24 * time.Hour
	localForm = "2006-01-02T15:04"
)

// When is a send time as a request gives it: an instant with its offset
// (SendAt, RFC 3339), or a wall-clock time (Local, "2026-11-25T09:00")
// in an IANA zone (Zone). With SendAt, Zone is optional and only says how
// to show the time (UTC when left out).
type When struct {
	SendAt string
	Local  string
	Zone   string
}

func badTime(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument,
		`Send "send_at" as RFC 3339 with an offset ("2026-11-25T09:00:00-05:00"), or "send_at_local" ("2026-11-25T09:00") with "time_zone" ("America/New_York").`,
		format, args...)
}

// Resolve turns w into an instant, the zone's name and notes for the
// agent (how a time the clocks skip or repeat was read). It checks the
// form only; Service.Create checks the instant against the clock.
func (w When) Resolve() (time.Time, string, []string, error) {
	sendAt, local, zone := strings.TrimSpace(w.SendAt), strings.TrimSpace(w.Local), strings.TrimSpace(w.Zone)
	if (sendAt == "") == (local == "") {
		return time.Time{}, "", nil, badTime("give exactly one of send_at and send_at_local")
	}
	var loc *time.Location
	if zone != "" || local != "" {
		// time.LoadLocation reads "" as UTC and "Local" as the server's
		// own zone: neither is a zone the agent picked.
		var err error
		if zone == "" || zone == "Local" {
			return time.Time{}, "", nil, badTime("send_at_local needs a time_zone, an IANA name such as Europe/Lisbon")
		}
		if loc, err = time.LoadLocation(zone); err != nil {
			return time.Time{}, "", nil, badTime("time_zone %q is not an IANA time zone name (such as America/New_York)", zone)
		}
	}
	if sendAt != "" {
		at, err := time.Parse(time.RFC3339, sendAt)
		if err != nil {
			return time.Time{}, "", nil, badTime("send_at %q is not an RFC 3339 time with an offset", sendAt)
		}
		if loc == nil {
			zone = "UTC"
		}
		return at.UTC(), zone, nil, nil
	}
	wall, err := time.Parse(localForm, local)
	if err != nil {
		if wall, err = time.Parse(localForm+":05", local); err != nil {
			return time.Time{}, "", nil, badTime("send_at_local %q is not a local date and time such as 2026-11-25T09:00 (no offset: time_zone says where)", local)
		}
	}
	at, note := resolveLocal(wall, loc)
	var notes []string
	if note != "" {
		notes = append(notes, note)
	}
	return at.UTC(), loc.String(), notes, nil
}

// resolveLocal finds the instant at which loc's clocks show wall (read as
// fields; its own zone is ignored). time.Date leaves the choice in a
// transition to chance ("not guaranteed"): it picked differently for New
// York and Lisbon when we tried. So the choice is made here, the way
// calendars (RFC 5545) and java.time do it:
//   - a time the clocks skip (spring forward) is moved forward by the
//     length of the gap: 02:30 on a night that jumps from 02:00 to 03:00
//     is sent at 03:30;
//   - a time the clocks show twice (fall back) is the first of the two.
//
// The note tells the agent, since either is a guess at what they meant.
func resolveLocal(wall time.Time, loc *time.Location) (time.Time, string) {
	// Every offset in use around the date: transitions are months apart,
	// so two days either side holds both sides of any one.
	var found []time.Time
	seen := map[int]bool{}
	for _, d := range []time.Duration{-48 * time.Hour, 0, 48 * time.Hour} {
		_, off := wall.Add(d).In(loc).Zone()
		if seen[off] {
			continue
		}
		seen[off] = true
		if t := wall.Add(-time.Duration(off) * time.Second); sameWall(t.In(loc), wall) {
			found = append(found, t)
		}
	}
	sort.Slice(found, func(i, j int) bool { return found[i].Before(found[j]) })
	day, clock := wall.Format("2006-01-02"), wall.Format("15:04")
	switch {
	case len(found) == 1:
		return found[0], ""
	case len(found) > 1:
		t := found[0].In(loc)
		return found[0], fmt.Sprintf("%s happens twice on %s in %s (the clocks go back); it is sent at the first, %s (UTC%s). For the second, give send_at with its offset.",
			clock, day, loc, t.Format("15:04 MST"), t.Format("-07:00"))
	}
	// In a gap: the offset from before the change carries the wall time
	// past it, by exactly the gap's length.
	_, before := wall.Add(-48 * time.Hour).In(loc).Zone()
	t := wall.Add(-time.Duration(before) * time.Second)
	return t, fmt.Sprintf("%s does not exist on %s in %s (the clocks go forward); it is sent at %s, just after the change.",
		clock, day, loc, t.In(loc).Format("15:04 MST"))
}

func sameWall(a, b time.Time) bool {
	ay, am, ad := a.Date()
	by, bm, bd := b.Date()
	return ay == by && am == bm && ad == bd && a.Hour() == b.Hour() && a.Minute() == b.Minute() && a.Second() == b.Second()
}

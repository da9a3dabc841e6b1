package domain

import (
	"testing"
	"time"
)

func TestConsentFold(t *testing.T) {
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ev := func(min int, action string) ConsentEvent {
		return ConsentEvent{Action: action, CreatedAt: t0.Add(time.Duration(min) * time.Minute)}
	}
	cases := []struct {
		name   string
		events []ConsentEvent
		want   ConsentState
	}{
		{"empty", nil, ConsentState{}},
		{"opt in", []ConsentEvent{ev(1, ConsentOptIn)}, ConsentState{OptedIn: true, Since: t0.Add(time.Minute)}},
		{"opt out clears opt in", []ConsentEvent{ev(1, ConsentOptIn), ev(2, ConsentOptOut)}, ConsentState{OptedOut: true, Since: t0.Add(2 * time.Minute)}},
		{"opt in again clears opt out", []ConsentEvent{ev(1, ConsentOptOut), ev(2, ConsentOptIn)}, ConsentState{OptedIn: true, Since: t0.Add(2 * time.Minute)}},
		{"marketing independent of opt in", []ConsentEvent{ev(1, ConsentOptIn), ev(2, ConsentOptOutMarketing)}, ConsentState{OptedIn: true, MarketingOptOut: true, Since: t0.Add(time.Minute)}},
		{"marketing survives opt out and opt in", []ConsentEvent{ev(1, ConsentOptOutMarketing), ev(2, ConsentOptOut), ev(3, ConsentOptIn)}, ConsentState{OptedIn: true, MarketingOptOut: true, Since: t0.Add(3 * time.Minute)}},
		{"marketing resume", []ConsentEvent{ev(1, ConsentOptOutMarketing), ev(2, ConsentOptInMarketing)}, ConsentState{}},
		{"unknown ignored", []ConsentEvent{ev(1, ConsentOptIn), ev(2, "bogus")}, ConsentState{OptedIn: true, Since: t0.Add(time.Minute)}},
	}
	for _, c := range cases {
		if got := Consent(c.events); got != c.want {
			t.Errorf("%s: got %+v, want %+v", c.name, got, c.want)
		}
	}
	for _, a := range []string{ConsentOptIn, ConsentOptOut, ConsentOptOutMarketing, ConsentOptInMarketing} {
		if !ValidConsentAction(a) {
			t.Errorf("%s not valid", a)
		}
	}
	if ValidConsentAction("opt-in") {
		t.Error("opt-in accepted")
	}
}

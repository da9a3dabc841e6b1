package policy

import (
	"errors"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

var now = time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)

func approved(cat string) *Template {
	return &Template{Name: "t", Language: "en", Category: cat, Status: "APPROVED"}
}

func optedIn() Consent { return Consent{OptedIn: true} }

func TestWindow(t *testing.T) {
	cases := []struct {
		name    string
		typ     string
		expires time.Time
		allowed bool
	}{
		{"text inside window", "text", now.Add(time.Minute), true},
		{"text at expiry", "text", now, false},
		{"text after expiry", "text", now.Add(-time.Second), false},
		{"text never wrote", "text", time.Time{}, false},
		{"image outside window", "image", now.Add(-time.Hour), false},
		{"reaction outside window", "reaction", now.Add(-time.Hour), false},
	}
	for _, c := range cases {
		d := Decide(Request{Type: c.typ}, Facts{Now: now, WindowExpiresAt: c.expires})
		if d.Allowed != c.allowed {
			t.Errorf("%s: allowed=%v want %v", c.name, d.Allowed, c.allowed)
		}
		if !d.Allowed && (d.Code != domain.CodeWindowClosed || d.Message == "" || d.Remedy == "" || d.Err() == nil) {
			t.Errorf("%s: refusal without code/message/remedy: %+v", c.name, d)
		}
	}
}

func TestRules(t *testing.T) {
	open := now.Add(time.Hour)
	closed := now.Add(-time.Hour)
	paused := &Template{Name: "promo", Category: "MARKETING", Status: "PAUSED", PausedUntil: now.Add(3 * time.Hour)}
	cases := []struct {
		name string
		req  Request
		f    Facts
		want domain.Code // "" = allowed
		slot bool
	}{
		{"template outside window, opted in", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: optedIn()}, "", false},
		{"template outside window, no opt-in", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed}, domain.CodeNotOptedIn, false},
		{"template inside window needs no opt-in", Request{Type: "template", Template: approved("MARKETING")}, Facts{WindowExpiresAt: open, RecipientE164: "+44"}, "", false},
		{"opted out blocks outreach", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: Consent{OptedIn: true, OptedOut: true}}, domain.CodeOptedOut, false},
		{"opted out may still be answered in their window", Request{Type: "text"}, Facts{WindowExpiresAt: open, Consent: Consent{OptedOut: true}}, "", false},
		{"marketing opt-out blocks marketing", Request{Type: "template", Template: approved("MARKETING")}, Facts{WindowExpiresAt: closed, Consent: Consent{OptedIn: true, MarketingOptOut: true}}, domain.CodeOptedOut, false},
		{"marketing opt-out allows utility", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: Consent{OptedIn: true, MarketingOptOut: true}}, "", false},
		{"unknown template", Request{Type: "template"}, Facts{WindowExpiresAt: open}, domain.CodeTemplateNotOK, false},
		{"pending template", Request{Type: "template", Template: &Template{Name: "x", Status: "PENDING"}}, Facts{WindowExpiresAt: open}, domain.CodeTemplateNotOK, false},
		{"rejected template", Request{Type: "template", Template: &Template{Name: "x", Status: "REJECTED"}}, Facts{WindowExpiresAt: open}, domain.CodeTemplateNotOK, false},
		{"disabled template", Request{Type: "template", Template: &Template{Name: "x", Status: "DISABLED"}}, Facts{WindowExpiresAt: open}, domain.CodeTemplateNotOK, false},
		{"paused template", Request{Type: "template", Template: paused}, Facts{WindowExpiresAt: open}, domain.CodeTemplatePaused, false},
		{"bad params", Request{Type: "template", Template: &Template{Status: "APPROVED", ParamsErr: errors.New("body parameter 1 is empty")}}, Facts{WindowExpiresAt: open}, domain.CodeTemplateParams, false},
		{"marketing to US", Request{Type: "template", Template: approved("MARKETING")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), RecipientE164: "+14155550100"}, domain.CodeMarketingUS, false},
		{"utility to US", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), RecipientE164: "+14155550100"}, "", false},
		{"red quality blocks marketing when set", Request{Type: "template", Template: approved("MARKETING")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), Quality: "RED", BlockRedMarket: true}, domain.CodeQualityRed, false},
		{"red quality only warns otherwise", Request{Type: "template", Template: approved("MARKETING")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), Quality: "RED"}, "", false},
		{"tier with room takes a slot", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), Tier: Tier{Known: true, Limit: 250, Used: 249}}, "", true},
		{"tier full", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), Tier: Tier{Known: true, Limit: 250, Used: 250, NextSlotAt: now.Add(time.Hour)}}, domain.CodeTierExhausted, false},
		{"tier full but customer already counted: the slot is refreshed", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), Tier: Tier{Known: true, Limit: 250, Used: 250, Counted: true}}, "", true},
		{"unlimited tier", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: closed, Consent: optedIn(), Tier: Tier{Known: true, Unlimited: true, Used: 1e6}}, "", false},
		{"tier does not count replies in the window", Request{Type: "template", Template: approved("UTILITY")}, Facts{WindowExpiresAt: open, Tier: Tier{Known: true, Limit: 250, Used: 250}}, "", false},
	}
	for _, c := range cases {
		c.f.Now = now
		d := Decide(c.req, c.f)
		if c.want == "" {
			if !d.Allowed {
				t.Errorf("%s: refused %s: %s", c.name, d.Code, d.Message)
			}
			if d.TakesTierSlot != c.slot {
				t.Errorf("%s: TakesTierSlot=%v want %v", c.name, d.TakesTierSlot, c.slot)
			}
			continue
		}
		if d.Allowed || d.Code != c.want || d.Message == "" || d.Remedy == "" {
			t.Errorf("%s: got %+v, want refusal %s with message and remedy", c.name, d, c.want)
		}
	}
}

func TestRedQualityWarns(t *testing.T) {
	d := Decide(Request{Type: "template", Template: approved("UTILITY")}, Facts{Now: now, Consent: optedIn(), Quality: "RED"})
	if !d.Allowed || len(d.Warnings) != 1 {
		t.Fatalf("%+v", d)
	}
}

func TestPausedMessageNamesTheEnd(t *testing.T) {
	until := now.Add(3 * time.Hour)
	d := Decide(Request{Type: "template", Template: &Template{Name: "promo", Status: "PAUSED", PausedUntil: until}}, Facts{Now: now})
	if want := until.Format(time.RFC3339); !contains(d.Message, want) {
		t.Fatalf("pause end %s not in %q", want, d.Message)
	}
}

func contains(s, sub string) bool {
	return len(sub) == 0 || (len(s) >= len(sub) && (s == sub || index(s, sub) >= 0))
}

func index(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if s[i:i+len(sub)] == sub {
			return i
		}
	}
	return -1
}

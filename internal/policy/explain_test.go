package policy

import (
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

func TestApprovalsSayWhy(t *testing.T) {
	cases := []struct {
		name string
		req  Request
		f    Facts
		want []string
	}{
		{"text in window", Request{Type: "text"}, Facts{Now: now, WindowExpiresAt: now.Add(2 * time.Hour)},
			[]string{"window is open until 2026-11-24 14:00 UTC"}},
		{"template, new slot", Request{Type: "template", Template: approved("UTILITY")},
			Facts{Now: now, Consent: optedIn(), Tier: Tier{Known: true, Limit: 250, Used: 4}},
			[]string{"t (utility) is approved", "opted in", "slot 5 of 250"}},
		{"template, already counted", Request{Type: "template", Template: approved("MARKETING")},
			Facts{Now: now, Consent: optedIn(), Tier: Tier{Known: true, Limit: 250, Used: 4, Counted: true}},
			[]string{"already among the 4 of 250"}},
		{"template, limit unknown", Request{Type: "template", Template: approved("UTILITY")},
			Facts{Now: now, Consent: optedIn()}, []string{"not been read from Meta"}},
		{"template, unlimited", Request{Type: "template", Template: approved("UTILITY")},
			Facts{Now: now, Consent: optedIn(), Tier: Tier{Known: true, Unlimited: true}}, []string{"unlimited"}},
	}
	for _, c := range cases {
		d := Decide(c.req, c.f)
		if !d.Allowed {
			t.Fatalf("%s: refused: %+v", c.name, d)
		}
		all := strings.Join(d.Reasons, " | ")
		for _, w := range c.want {
			if !strings.Contains(all, w) {
				t.Errorf("%s: reasons %q lack %q", c.name, all, w)
			}
		}
	}
	if d := Decide(Request{Type: "text"}, Facts{Now: now}); d.Allowed || len(d.Reasons) != 0 {
		t.Errorf("a refusal carries its own message, not approval reasons: %+v", d)
	}
}

func TestNumberState(t *testing.T) {
	open := Facts{Now: now, WindowExpiresAt: now.Add(time.Hour)}
	off := open
	off.Number = NumberState{Disconnected: true}
	if d := Decide(Request{Type: "text"}, off); d.Allowed || d.Code != "number_disconnected" || d.Remedy == "" {
		t.Errorf("disconnected number: %+v", d)
	}
	blocked := open
	blocked.Number = NumberState{CanSend: "BLOCKED", Issues: []domain.HealthIssue{{Entity: "WABA", Code: 141010, Description: "The business account is restricted", Solution: "Appeal in Business Support Home"}}}
	if d := Decide(Request{Type: "text"}, blocked); d.Allowed || d.Code != "number_blocked" || !strings.Contains(d.Message, "restricted") || d.Remedy != "Appeal in Business Support Home" {
		t.Errorf("blocked number: %+v", d)
	}
	limited := open
	limited.Number = NumberState{CanSend: "LIMITED"}
	if d := Decide(Request{Type: "text"}, limited); !d.Allowed || len(d.Warnings) != 1 {
		t.Errorf("limited number: %+v", d)
	}
}

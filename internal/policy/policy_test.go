package policy

import (
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

func TestWindow(t *testing.T) {
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
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
		{"template outside window", "template", now.Add(-time.Hour), true},
		{"template never wrote", "template", time.Time{}, true},
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

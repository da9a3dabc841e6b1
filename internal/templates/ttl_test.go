package templates

import (
	"errors"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

func TestCheckTTL(t *testing.T) {
	for _, tc := range []struct {
		category string
		ttl      int
		ok       bool
	}{
		{"AUTHENTICATION", 0, true},
		{"AUTHENTICATION", 30, true},
		{"authentication", 900, true},
		{"AUTHENTICATION", 29, false},
		{"AUTHENTICATION", 901, false},
		{"AUTHENTICATION", -1, true},
		{"UTILITY", 30, true},
		{"UTILITY", 43_200, true},
		{"UTILITY", 43_201, false},
		{"UTILITY", -1, true},
		{"UTILITY", -2, false},
		{"MARKETING", 43_200, true},
		{"MARKETING", 2_592_000, true},
		{"MARKETING", 43_199, false},
		{"MARKETING", 2_592_001, false},
		{"MARKETING", -1, false}, // -1 is only defined for authentication and utility
		{"PROMO", 60, false},
		{"PROMO", 0, true},
	} {
		err := CheckTTL(tc.category, tc.ttl)
		if (err == nil) != tc.ok {
			t.Errorf("CheckTTL(%s, %d) = %v, want ok=%v", tc.category, tc.ttl, err, tc.ok)
			continue
		}
		if err != nil {
			var de *domain.Error
			if !errors.As(err, &de) || de.Code != domain.CodeInvalidArgument || de.Remedy == "" || de.Message == "" {
				t.Errorf("CheckTTL(%s, %d) error %#v", tc.category, tc.ttl, err)
			}
		}
	}
	err := CheckTTL("UTILITY", 86_400)
	if err == nil || !strings.Contains(err.Error(), "30–43200") || !strings.Contains(err.(*domain.Error).Remedy, "-1") {
		t.Errorf("utility message: %v", err)
	}
	if err := CheckTTL("MARKETING", 60); err == nil || strings.Contains(err.(*domain.Error).Remedy, "-1") {
		t.Errorf("marketing remedy offers -1: %v", err)
	}
}

func TestLintTTL(t *testing.T) {
	tpl := base()
	tpl.MessageSendTTLSeconds = 3600
	if r := Lint(tpl); !r.OK() {
		t.Fatalf("valid TTL: %+v", r.Errors)
	}
	tpl.MessageSendTTLSeconds = 86_400
	r := Lint(tpl)
	if r.OK() || !r.Has("ttl_invalid") || r.Errors[0].Field != "message_send_ttl_seconds" || r.Errors[0].Remedy == "" {
		t.Fatalf("out of range: %+v", r.Errors)
	}
	// An unknown category is reported once, as a category problem.
	tpl.Category = "PROMO"
	if r := Lint(tpl); r.Has("ttl_invalid") || !r.Has("category_invalid") {
		t.Errorf("unknown category: %+v", r.Errors)
	}
}

package templates

import (
	"fmt"

	"github.com/gohavi/gohavi/internal/domain"
)

// TTLThirtyDays is the message_send_ttl_seconds value Meta reads as
// "30 days" for authentication and utility templates (spec §6.9).
const TTLThirtyDays = -1

// TTLRange returns the message_send_ttl_seconds Meta accepts for a
// category (spec §6.9); ok is false for an unknown category. MARKETING
// TTLs only take effect on the Marketing Messages Lite API, but Meta
// still validates the range.
func TTLRange(category Category) (minSeconds, maxSeconds int, ok bool) {
	switch Category(upper(string(category))) {
	case CategoryAuthentication:
		return 30, 900, true
	case CategoryUtility:
		return 30, 43_200, true
	case CategoryMarketing:
		return 43_200, 2_592_000, true
	}
	return 0, 0, false
}

// CheckTTL tells whether Meta accepts ttl as the message_send_ttl_seconds
// of a template of category. 0 means "not set" (Meta's default for the
// category) and always passes. It is the one copy of the rule: the linter
// and the API both use it, so a value refused here never reaches Meta.
// The error is a *domain.Error with code invalid_argument.
func CheckTTL(category string, ttl int) error {
	if ttl == 0 {
		return nil
	}
	lo, hi, ok := TTLRange(Category(category))
	if !ok {
		return domain.Errorf(domain.CodeInvalidArgument, TTLRemedy(category),
			"category %q has no time-to-live range", category)
	}
	cat := upper(category)
	if ttl == TTLThirtyDays && cat != string(CategoryMarketing) {
		return nil
	}
	if ttl < lo || ttl > hi {
		return domain.Errorf(domain.CodeInvalidArgument, TTLRemedy(category),
			"message_send_ttl_seconds %d is outside Meta's range for %s templates (%d–%d seconds)", ttl, cat, lo, hi)
	}
	return nil
}

// TTLRemedy tells a person which message_send_ttl_seconds values a
// category takes.
func TTLRemedy(category string) string {
	lo, hi, ok := TTLRange(Category(category))
	if !ok {
		return "Use MARKETING, UTILITY or AUTHENTICATION."
	}
	cat := upper(category)
	remedy := fmt.Sprintf("Give %s templates a message_send_ttl_seconds between %d and %d", cat, lo, hi)
	if cat != string(CategoryMarketing) {
		remedy += ", or -1 for 30 days"
	}
	return remedy + "."
}

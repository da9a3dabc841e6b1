package templates

import (
	"fmt"
	"regexp"
	"strings"
)

// Content heuristics. They produce warnings only: Meta's review is a model,
// and these phrases are what commonly gets a template rejected
// (ABUSIVE_CONTENT, SCAM) or recategorized (INCORRECT_CATEGORY, PROMOTIONAL).
var (
	threatRe   = regexp.MustCompile(`(?i)\b(or else|final (warning|notice)|last warning|legal action|lawsuit|sue you|suspend(ed)? your account|account (will be )?(suspended|terminated|closed)|we will (take action|report you)|consequences|arrest(ed)?|police)\b`)
	pressureRe = regexp.MustCompile(`(?i)(\b(act now|last chance|buy now|order now|limited time|hurry( up)?|don'?t miss( out)?|only today|while stocks? lasts?|once in a lifetime|guaranteed)\b|\b100\s*% free\b)`)
	punctRe    = regexp.MustCompile(`[!?]{3,}`)
	capsRe     = regexp.MustCompile(`\b\p{Lu}{4,}\b`)
	promoRe    = regexp.MustCompile(`(?i)(\b(discounts?|sales?|offers?|free|deals?|coupons?|promos?|promotions?|promo codes?|vouchers?|cashback|bogo)\b|\d+\s*% off\b)`)
	benignRe   = regexp.MustCompile(`(?i)\b(feel free|free of charge|toll[- ]free)\b`)
	otpWordsRe = regexp.MustCompile(`(?i)\b(code|verification|verify|otp|one[- ]time|passcode|password|login|log in|sign in|pin)\b`)
)

type contentField struct {
	field, text string
}

// contentFields lists the human-visible texts of the template.
func (t Template) contentFields() []contentField {
	var out []contentField
	for i, c := range t.Components {
		switch ComponentType(upper(string(c.Type))) {
		case ComponentHeader, ComponentBody, ComponentFooter:
			if c.Text != "" {
				out = append(out, contentField{fmt.Sprintf("components[%d].text", i), c.Text})
			}
		case ComponentButtons:
			for j, b := range c.Buttons {
				if b.Text != "" {
					out = append(out, contentField{fmt.Sprintf("components[%d].buttons[%d].text", i, j), b.Text})
				}
			}
		}
	}
	return out
}

func matches(re *regexp.Regexp, s string) []string {
	seen := map[string]bool{}
	var out []string
	for _, m := range re.FindAllString(s, -1) {
		k := strings.ToLower(m)
		if !seen[k] {
			seen[k] = true
			out = append(out, fmt.Sprintf("%q", m))
		}
	}
	return out
}

func (l *linter) content() {
	utility := upper(string(l.t.Category)) == string(CategoryUtility)
	for _, cf := range l.t.contentFields() {
		text := varRe.ReplaceAllString(cf.text, " ")
		if m := matches(threatRe, text); len(m) > 0 {
			l.warn("threatening_language", cf.field, "Rephrase neutrally; Meta rejects threatening or intimidating wording (ABUSIVE_CONTENT).",
				"threatening wording: %s", strings.Join(m, ", "))
		}
		if m := matches(pressureRe, text); len(m) > 0 {
			l.warn("pressure_language", cf.field, "Drop high-pressure sales phrases; they read as spam and lower template quality.",
				"high-pressure wording: %s", strings.Join(m, ", "))
		}
		if punctRe.MatchString(text) {
			l.warn("excessive_punctuation", cf.field, "Use a single ! or ?.", "repeated punctuation such as %q", punctRe.FindString(text))
		}
		if m := capsWords(text); len(m) > 0 {
			l.warn("all_caps", cf.field, "Write in sentence case; ALL CAPS reads as shouting and spam.",
				"all-caps words: %s", strings.Join(m, ", "))
		}
		if utility {
			if m := matches(promoRe, benignRe.ReplaceAllString(text, " ")); len(m) > 0 {
				l.warn("promotional_in_utility", cf.field, "Remove promotional wording or use the MARKETING category; Meta will likely recategorize this template to MARKETING.",
					"promotional wording in a UTILITY template: %s", strings.Join(m, ", "))
			}
		}
	}
	if utility {
		for i, b := range l.t.buttons() {
			if ButtonType(upper(string(b.Type))) == ButtonCopyCode {
				l.warn("promotional_in_utility", fmt.Sprintf("components[%d].buttons[%d]", l.t.component(ComponentButtons), i),
					"Use the MARKETING category for coupon codes.", "a coupon-code button in a UTILITY template is promotional")
			}
		}
	}
	l.authWording()
}

// authWording warns when an authentication body does not read like an OTP.
func (l *linter) authWording() {
	i := l.t.component(ComponentBody)
	if !l.t.isAuth() || i < 0 || strings.TrimSpace(l.t.Components[i].Text) == "" {
		return
	}
	text := l.t.Components[i].Text
	if !otpWordsRe.MatchString(text) || promoRe.MatchString(benignRe.ReplaceAllString(text, " ")) {
		l.warn("auth_non_otp_wording", fmt.Sprintf("components[%d].text", i), "Keep authentication text to the code itself (Meta supplies the fixed wording); send other content as UTILITY or MARKETING.",
			"the authentication body does not read like a one-time-password message")
	}
}

// capsWords returns all-caps words of 4+ letters (acronyms such as FAQ, PIN
// or OTP are shorter and pass).
func capsWords(s string) []string { return matches(capsRe, s) }

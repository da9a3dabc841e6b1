package templates

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"
)

var (
	phoneRe = regexp.MustCompile(`^\+?[0-9]{4,20}$`)
	urlInRe = regexp.MustCompile(`(?i)(https?://|www\.)\S+`)
)

func (l *linter) buttonsComponent(f string, c Component) {
	bs := c.Buttons
	if len(bs) == 0 {
		l.err("buttons_empty", f+".buttons", "Add at least one button or remove the BUTTONS component.", "the BUTTONS component has no buttons")
		return
	}
	if len(bs) > MaxButtons {
		l.err("buttons_too_many", f+".buttons", fmt.Sprintf("Keep at most %d buttons.", MaxButtons),
			"the template has %d buttons; the limit is %d", len(bs), MaxButtons)
	}
	count := map[ButtonType]int{}
	runs := 0 // runs of quick replies vs other buttons; grouped means ≤ 2
	for i, b := range bs {
		bf := fmt.Sprintf("%s.buttons[%d]", f, i)
		bt := ButtonType(upper(string(b.Type)))
		count[bt]++
		if i == 0 || (bt == ButtonQuickReply) != (ButtonType(upper(string(bs[i-1].Type))) == ButtonQuickReply) {
			runs++
		}
		l.button(bf, bt, b)
	}
	limits := []struct {
		t    ButtonType
		max  int
		code string
	}{
		{ButtonQuickReply, MaxQuickReplies, "quick_reply_too_many"},
		{ButtonURL, MaxURLButtons, "url_buttons_too_many"},
		{ButtonPhoneNumber, 1, "phone_buttons_too_many"},
		{ButtonCopyCode, 1, "copy_code_too_many"},
		{ButtonOTP, 1, "otp_buttons_too_many"},
	}
	for _, lim := range limits {
		if count[lim.t] > lim.max {
			l.err(lim.code, f+".buttons", fmt.Sprintf("Keep at most %d %s button(s).", lim.max, lim.t),
				"the template has %d %s buttons; the limit is %d", count[lim.t], lim.t, lim.max)
		}
	}
	if runs > 2 {
		l.err("quick_replies_not_grouped", f+".buttons", "Put all quick-reply buttons together, before or after the other buttons.",
			"quick-reply buttons are interleaved with other buttons")
	}
}

func (l *linter) button(bf string, bt ButtonType, b Button) {
	switch bt {
	case ButtonQuickReply, ButtonURL, ButtonPhoneNumber:
		if strings.TrimSpace(b.Text) == "" {
			l.err("button_text_empty", bf+".text", "Give the button a label.", "the %s button has no label", bt)
		}
	case ButtonCopyCode, ButtonOTP:
	default:
		l.err("button_type_invalid", bf+".type", "Use QUICK_REPLY, URL, PHONE_NUMBER, COPY_CODE or OTP.",
			"button type %q is not valid", b.Type)
		return
	}
	if n := utf8.RuneCountInString(b.Text); n > MaxButtonText {
		l.err("button_text_too_long", bf+".text", fmt.Sprintf("Shorten the label to %d characters.", MaxButtonText),
			"the button label is %d characters; the limit is %d", n, MaxButtonText)
	}
	switch bt {
	case ButtonURL:
		l.urlButton(bf, b)
	case ButtonPhoneNumber:
		if !phoneRe.MatchString(b.PhoneNumber) {
			l.err("phone_invalid", bf+".phone_number", "Use the number in international format, digits only, at most 20 characters, e.g. 15550051310.",
				"phone number %q is not valid", b.PhoneNumber)
		}
	case ButtonCopyCode:
		if len(b.Example) == 0 || strings.TrimSpace(b.Example[0]) == "" {
			l.err("missing_example", bf+".example", "Add a sample coupon code.", "the copy-code button has no example code")
		} else if n := utf8.RuneCountInString(b.Example[0]); n > MaxCouponLen {
			l.err("copy_code_too_long", bf+".example", fmt.Sprintf("Use a code of at most %d characters.", MaxCouponLen),
				"the example code is %d characters; the limit is %d", n, MaxCouponLen)
		}
	case ButtonOTP:
		l.otpButton(bf, b)
	}
}

func (l *linter) urlButton(bf string, b Button) {
	u, err := url.Parse(strings.ReplaceAll(b.URL, "{{1}}", "x"))
	if b.URL == "" || err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		l.err("url_invalid", bf+".url", "Use a full http(s) URL, e.g. https://example.com/track/{{1}}.",
			"URL %q is not valid", b.URL)
	} else if n := utf8.RuneCountInString(b.URL); n > MaxURLLen {
		l.err("url_invalid", bf+".url", fmt.Sprintf("Shorten the URL to %d characters.", MaxURLLen),
			"the URL is %d characters; the limit is %d", n, MaxURLLen)
	}
	vs := vars(b.URL)
	if len(vs) == 0 {
		return
	}
	if len(vs) > 1 || vs[0].Name != "1" || vs[0].End != len(b.URL) {
		l.err("url_param_invalid", bf+".url", "Use a single {{1}} at the very end of the URL, e.g. https://example.com/order/{{1}}.",
			"URL %q may only contain one {{1}}, at its end", b.URL)
	}
	if len(b.Example) == 0 || strings.TrimSpace(b.Example[0]) == "" {
		l.err("missing_example", bf+".example", "Add a sample value for the URL variable.", "the URL button has no example")
	}
}

func (l *linter) otpButton(bf string, b Button) {
	if !l.t.isAuth() {
		l.err("otp_outside_auth", bf+".type", "Use OTP buttons only in AUTHENTICATION templates; use COPY_CODE or URL here.",
			"OTP buttons are only allowed in authentication templates")
	}
	switch upper(b.OTPType) {
	case OTPCopyCode:
	case OTPOneTap, OTPZeroTap:
		if n := len(b.SupportedApps); n == 0 || n > MaxSupportedApps {
			l.err("supported_apps_invalid", bf+".supported_apps", fmt.Sprintf("List 1 to %d Android apps (package name and signature hash).", MaxSupportedApps),
				"%s buttons need 1 to %d supported apps; got %d", upper(b.OTPType), MaxSupportedApps, n)
		}
	default:
		l.err("otp_type_invalid", bf+".otp_type", "Use COPY_CODE, ONE_TAP or ZERO_TAP.", "OTP type %q is not valid", b.OTPType)
	}
}

// authentication applies the fixed-format rules of AUTHENTICATION templates.
func (l *linter) authentication() {
	t := l.t
	if !t.isAuth() {
		return
	}
	if i := t.component(ComponentHeader); i >= 0 {
		l.err("auth_header", fieldf("components[%d]", i), "Remove the header; authentication templates have a fixed body, an optional footer and an OTP button.",
			"authentication templates cannot have a header")
	}
	otp, other := 0, 0
	for _, b := range t.buttons() {
		if ButtonType(upper(string(b.Type))) == ButtonOTP {
			otp++
		} else {
			other++
		}
	}
	if otp != 1 || other > 0 {
		l.err("auth_otp_button_required", "components", "Give the template exactly one OTP button and no other buttons.",
			"authentication templates need exactly one OTP button (found %d OTP and %d other)", otp, other)
	}
	i := t.component(ComponentBody)
	if i < 0 {
		return
	}
	body := t.Components[i].Text
	if urlInRe.MatchString(body) {
		l.err("auth_body_url", fieldf("components[%d].text", i), "Remove links from the body; authentication text is fixed.",
			"authentication bodies cannot contain URLs")
	}
	if hasEmoji(body) {
		l.err("auth_body_emoji", fieldf("components[%d].text", i), "Remove emojis from the body; authentication text is fixed.",
			"authentication bodies cannot contain emojis")
	}
}

func hasEmoji(s string) bool {
	for _, r := range s {
		if r >= 0x1F000 && r <= 0x1FAFF || r >= 0x2600 && r <= 0x27BF || unicode.Is(unicode.So, r) {
			return true
		}
	}
	return false
}

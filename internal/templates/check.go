package templates

import (
	"fmt"
	"net/url"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/gohavi/gohavi/internal/domain"
)

// CodeTemplateParams is the domain error code of a send whose parameters do
// not fit the template.
const CodeTemplateParams domain.Code = "template_params"

func paramErr(remedy, format string, args ...any) error {
	return domain.Errorf(CodeTemplateParams, remedy, format, args...)
}

// Check verifies that p supplies exactly what t needs, with values Meta
// accepts (it refuses what would fail with 132000, 132005 or 132012). It
// returns a *domain.Error with code template_params naming the parameter.
func Check(t Template, p SendParams) error {
	s := t.Params()
	if err := checkHeader(t, s, p); err != nil {
		return err
	}
	if err := checkBody(t, s, p); err != nil {
		return err
	}
	return checkButtons(t, s, p)
}

// checkText applies Meta's rules for a text parameter value.
func checkText(where, v string) error {
	switch {
	case strings.TrimSpace(v) == "":
		return paramErr("Fill "+where+" with a value; empty variables are never sent.", "%s is empty", where)
	case utf8.RuneCountInString(v) > MaxParamText:
		return paramErr(fmt.Sprintf("Shorten %s to %d characters.", where, MaxParamText),
			"%s is %d characters; the limit is %d", where, utf8.RuneCountInString(v), MaxParamText)
	case strings.ContainsAny(v, "\n\r\t"):
		return paramErr("Remove line breaks and tabs from "+where+"; put them in the template text instead.",
			"%s contains a line break or tab, which Meta rejects", where)
	case strings.Contains(v, "     "):
		return paramErr("Collapse the spaces in "+where+" to at most 4 in a row.",
			"%s has more than 4 consecutive spaces, which Meta rejects", where)
	}
	return nil
}

func checkHeader(t Template, s Spec, p SendParams) error {
	h := p.Header
	switch {
	case s.HeaderFormat == "" || (s.HeaderFormat == HeaderText && s.HeaderParam == ""):
		if h != nil && *h != (HeaderParam{}) {
			return paramErr("Remove the header value.", "template %q has no header parameter", t.Name)
		}
	case s.HeaderFormat == HeaderText:
		where := "header parameter {{" + s.HeaderParam + "}}"
		if h == nil {
			return paramErr("Fill "+where+".", "%s is missing", where)
		}
		if err := checkText(where, h.Text); err != nil {
			return err
		}
		c := t.Components[t.component(ComponentHeader)]
		if n := utf8.RuneCountInString(substitute(c.Text, headerLookup(s, p))); n > MaxHeaderText {
			return paramErr(fmt.Sprintf("Shorten %s so the header fits in %d characters.", where, MaxHeaderText),
				"the filled header is %d characters; the limit is %d", n, MaxHeaderText)
		}
	case s.NeedsMedia():
		kind := strings.ToLower(string(s.HeaderFormat))
		if h == nil || (h.MediaID == "") == (h.Link == "") {
			return paramErr("Give the header "+kind+" as exactly one of an uploaded media ID or an https link.",
				"header %s is missing or has both an ID and a link", kind)
		}
		if h.Link != "" {
			if u, err := url.Parse(h.Link); err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return paramErr("Use a full https link to the "+kind+".", "header %s link %q is not a URL", kind, h.Link)
			}
		}
		if h.Text != "" || h.Location != nil {
			return paramErr("Give only the "+kind+" for this header.", "header takes a %s, not text or a location", kind)
		}
		if h.Filename != "" && s.HeaderFormat != HeaderDocument {
			return paramErr("Remove the filename; only documents have one.", "header %s cannot have a filename", kind)
		}
	case s.HeaderFormat == HeaderLocation:
		if h == nil || h.Location == nil || strings.TrimSpace(h.Location.Latitude) == "" || strings.TrimSpace(h.Location.Longitude) == "" {
			return paramErr("Give the header location's latitude and longitude.", "header location is missing")
		}
	}
	return nil
}

func checkBody(t Template, s Spec, p SendParams) error {
	if s.Format == FormatNamed {
		if len(p.Body) > 0 {
			return paramErr("Send the body values by name.", "template %q uses named parameters but positional values were given", t.Name)
		}
		for _, n := range s.BodyNames {
			v, ok := p.BodyNamed[n]
			if !ok {
				return paramErr("Fill body parameter {{"+n+"}}.", "body parameter {{%s}} is missing", n)
			}
			if err := checkText("body parameter {{"+n+"}}", v); err != nil {
				return err
			}
		}
		for n := range p.BodyNamed {
			if !slices.Contains(s.BodyNames, n) {
				return paramErr("Remove {{"+n+"}}; the template uses "+names(s.BodyNames)+".", "body parameter {{%s}} is not in the template", n)
			}
		}
	} else {
		if len(p.BodyNamed) > 0 {
			return paramErr("Send the body values in order for {{1}}…{{n}}.", "template %q uses positional parameters but named values were given", t.Name)
		}
		if len(p.Body) != s.BodyCount {
			return paramErr(fmt.Sprintf("Send exactly %d body values.", s.BodyCount),
				"template %q expects %d body parameters, got %d", t.Name, s.BodyCount, len(p.Body))
		}
		for i, v := range p.Body {
			if err := checkText(fmt.Sprintf("body parameter {{%d}}", i+1), v); err != nil {
				return err
			}
		}
	}
	if s.OTP && utf8.RuneCountInString(p.Body[0]) > MaxOTPLen {
		return paramErr(fmt.Sprintf("Use a code of at most %d characters.", MaxOTPLen), "the one-time code is longer than %d characters", MaxOTPLen)
	}
	if i := t.component(ComponentBody); i >= 0 {
		if n := utf8.RuneCountInString(substitute(t.Components[i].Text, bodyLookup(s, p))); n > MaxBodyText {
			return paramErr(fmt.Sprintf("Shorten the body values so the message fits in %d characters.", MaxBodyText),
				"the filled body is %d characters; the limit is %d (Meta error 132005)", n, MaxBodyText)
		}
	}
	return nil
}

func names(ns []string) string {
	if len(ns) == 0 {
		return "no parameters"
	}
	return "{{" + strings.Join(ns, "}}, {{") + "}}"
}

func checkButtons(t Template, s Spec, p SendParams) error {
	bs := t.buttons()
	for _, bp := range s.Buttons {
		vals, ok := p.Buttons[bp.Index]
		where := fmt.Sprintf("button %d (%s)", bp.Index, bp.Type)
		if !ok && !bp.Required {
			continue
		}
		if len(vals) != 1 {
			return paramErr("Give "+where+" exactly one value.", "%s expects 1 value, got %d", where, len(vals))
		}
		v := vals[0]
		if strings.TrimSpace(v) == "" {
			return paramErr("Fill "+where+"; empty variables are never sent.", "%s is empty", where)
		}
		switch bp.Type {
		case ButtonURL:
			if !urlSafe(v) {
				return paramErr("Use only URL-safe characters in "+where+" (percent-encode the rest).", "%s value %q is not URL-safe", where, v)
			}
			full := strings.Replace(bs[bp.Index].URL, "{{1}}", v, 1)
			if n := utf8.RuneCountInString(full); n > MaxURLLen {
				return paramErr("Shorten the URL suffix.", "the filled URL of %s is %d characters; the limit is %d", where, n, MaxURLLen)
			}
		case ButtonCopyCode:
			if n := utf8.RuneCountInString(v); n > MaxCouponLen || strings.ContainsAny(v, " \n\r\t") {
				return paramErr(fmt.Sprintf("Use a coupon code of at most %d characters without spaces.", MaxCouponLen),
					"coupon code %q of %s is not valid", v, where)
			}
		case ButtonOTP:
			if v != p.Body[0] {
				return paramErr("Leave the OTP button empty or give it the same code as the body.", "%s code differs from the body code", where)
			}
		}
	}
	for _, idx := range sortedKeys(p.Buttons) {
		if slices.ContainsFunc(s.Buttons, func(b ButtonParam) bool { return b.Index == idx }) {
			continue
		}
		if slices.Contains(s.QuickReplies, idx) && len(p.Buttons[idx]) == 1 && strings.TrimSpace(p.Buttons[idx][0]) != "" {
			continue
		}
		return paramErr("Remove the value for button "+fmt.Sprint(idx)+".", "button %d of template %q takes no parameter", idx, t.Name)
	}
	return nil
}

// urlSafe reports whether v contains only RFC 3986 characters with valid
// percent-encoding.
func urlSafe(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch {
		case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		case strings.IndexByte("-._~:/?#[]@!$&'()*+,;=", c) >= 0:
		case c == '%':
			if i+2 >= len(v) || !isHex(v[i+1]) || !isHex(v[i+2]) {
				return false
			}
		default:
			return false
		}
	}
	return true
}

func isHex(c byte) bool {
	return '0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'
}

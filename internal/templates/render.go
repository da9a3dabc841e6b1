package templates

import (
	"fmt"
	"sort"
)

// Rendered is a text preview of a template send.
type Rendered struct {
	HeaderFormat HeaderFormat `json:"header_format,omitempty"` // TEXT, IMAGE, …; "" without header
	Header       string       `json:"header,omitempty"`        // TEXT headers only
	Body         string       `json:"body"`
	Footer       string       `json:"footer,omitempty"`
	Buttons      []string     `json:"buttons,omitempty"` // labels
}

// Render substitutes p into t for a preview. Missing or empty values leave
// the variable visible ({{1}}, {{first_name}}) so gaps show. For
// authentication templates without body text it uses Meta's English fixed
// text.
func Render(t Template, p SendParams) Rendered {
	s := t.Params()
	r := Rendered{HeaderFormat: s.HeaderFormat}
	for _, c := range t.Components {
		switch ComponentType(upper(string(c.Type))) {
		case ComponentHeader:
			if s.HeaderFormat == HeaderText {
				r.Header = substitute(c.Text, headerLookup(s, p))
			}
		case ComponentBody:
			text := c.Text
			if text == "" && s.OTP {
				text = "{{1}} is your verification code."
				if c.AddSecurityRecommendation {
					text += " For your security, do not share this code."
				}
			}
			r.Body = substitute(text, bodyLookup(s, p))
		case ComponentFooter:
			r.Footer = c.Text
			if r.Footer == "" && c.CodeExpirationMinutes > 0 {
				r.Footer = fmt.Sprintf("This code expires in %d minutes.", c.CodeExpirationMinutes)
			}
		case ComponentButtons:
			for _, b := range c.Buttons {
				label := b.Text
				if label == "" {
					switch ButtonType(upper(string(b.Type))) {
					case ButtonCopyCode:
						label = "Copy offer code"
					case ButtonOTP:
						label = "Copy code"
					}
				}
				r.Buttons = append(r.Buttons, label)
			}
		}
	}
	return r
}

func sortInts(s []int) { sort.Ints(s) }

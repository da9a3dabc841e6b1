package templates

import (
	"sort"
	"strconv"
)

// ButtonParam is a button that takes a value at send time.
type ButtonParam struct {
	Index    int        `json:"index"`    // zero-based position among the template's buttons
	Type     ButtonType `json:"type"`     // URL, COPY_CODE or OTP
	Required bool       `json:"required"` // false for OTP (filled from the body code)
}

// Spec describes what a send of the template must supply.
type Spec struct {
	Format       ParameterFormat `json:"format"`
	HeaderFormat HeaderFormat    `json:"header_format,omitempty"` // "" when there is no header
	HeaderParam  string          `json:"header_param,omitempty"`  // "1" or the name of the TEXT header variable, "" if none
	BodyCount    int             `json:"body_count"`              // positional: values for {{1}}…{{n}}
	BodyNames    []string        `json:"body_names,omitempty"`    // named: in order of first appearance
	Buttons      []ButtonParam   `json:"buttons,omitempty"`
	QuickReplies []int           `json:"quick_replies,omitempty"` // indices accepting an optional payload
	OTP          bool            `json:"otp"`                     // authentication: Body[0] is the code
}

// NeedsMedia reports whether the header takes an image, video or document.
func (s Spec) NeedsMedia() bool {
	switch s.HeaderFormat {
	case HeaderImage, HeaderVideo, HeaderDocument:
		return true
	}
	return false
}

// Params describes the parameters a send of t must supply.
func (t Template) Params() Spec {
	s := Spec{Format: t.format(), OTP: t.isAuth()}
	if i := t.component(ComponentHeader); i >= 0 {
		c := t.Components[i]
		s.HeaderFormat = HeaderFormat(upper(string(c.Format)))
		if s.HeaderFormat == "" {
			s.HeaderFormat = HeaderText
		}
		if s.HeaderFormat == HeaderText {
			if names := distinct(c.Text); len(names) > 0 {
				s.HeaderParam = names[0]
			}
		}
	}
	if i := t.component(ComponentBody); i >= 0 {
		text := t.Components[i].Text
		if s.Format == FormatNamed {
			for _, n := range distinct(text) {
				if namedRe.MatchString(n) {
					s.BodyNames = append(s.BodyNames, n)
				}
			}
		} else {
			s.BodyCount = maxPositional(text)
		}
	}
	if s.OTP {
		s.Format, s.BodyCount, s.BodyNames = FormatPositional, 1, nil
	}
	for i, b := range t.buttons() {
		switch ButtonType(upper(string(b.Type))) {
		case ButtonURL:
			if len(vars(b.URL)) > 0 {
				s.Buttons = append(s.Buttons, ButtonParam{Index: i, Type: ButtonURL, Required: true})
			}
		case ButtonCopyCode:
			s.Buttons = append(s.Buttons, ButtonParam{Index: i, Type: ButtonCopyCode, Required: true})
		case ButtonOTP:
			s.Buttons = append(s.Buttons, ButtonParam{Index: i, Type: ButtonOTP})
		case ButtonQuickReply:
			s.QuickReplies = append(s.QuickReplies, i)
		}
	}
	return s
}

// SendParams are the values of one template send.
type SendParams struct {
	Header    *HeaderParam      `json:"header,omitempty"`
	Body      []string          `json:"body,omitempty"`       // positional: Body[0] fills {{1}}
	BodyNamed map[string]string `json:"body_named,omitempty"` // named: name → value
	// Buttons maps a button index to its values: the URL suffix, the coupon
	// code, the OTP code (optional) or a quick-reply payload (optional).
	Buttons map[int][]string `json:"buttons,omitempty"`
}

// HeaderParam is the header value: Text for a TEXT header variable, MediaID
// or Link (+ Filename for documents) for a media header, Location for a
// location header.
type HeaderParam struct {
	Text     string    `json:"text,omitempty"`
	MediaID  string    `json:"media_id,omitempty"`
	Link     string    `json:"link,omitempty"`
	Filename string    `json:"filename,omitempty"`
	Location *Location `json:"location,omitempty"`
}

// Location is a location header value. Meta's examples use strings.
type Location struct {
	Latitude  string `json:"latitude"`
	Longitude string `json:"longitude"`
	Name      string `json:"name,omitempty"`
	Address   string `json:"address,omitempty"`
}

// bodyLookup resolves body variables from p; empty values count as missing.
func bodyLookup(s Spec, p SendParams) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if s.Format == FormatNamed {
			v := p.BodyNamed[name]
			return v, v != ""
		}
		k, err := strconv.Atoi(name)
		if err != nil || k < 1 || k > len(p.Body) || p.Body[k-1] == "" {
			return "", false
		}
		return p.Body[k-1], true
	}
}

// headerLookup resolves the header variable from p.
func headerLookup(s Spec, p SendParams) func(string) (string, bool) {
	return func(name string) (string, bool) {
		if p.Header == nil || p.Header.Text == "" || name != s.HeaderParam {
			return "", false
		}
		return p.Header.Text, true
	}
}

func sortedKeys(m map[int][]string) []int {
	keys := make([]int, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	return keys
}

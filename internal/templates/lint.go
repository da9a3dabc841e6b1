package templates

import (
	"errors"
	"fmt"
	"regexp"
	"unicode/utf8"

	"github.com/gohavi/gohavi/internal/domain"
)

// Finding is one lint result. Code is stable; Field points into the create
// payload (e.g. "components[1].text").
type Finding struct {
	Code    string `json:"code"`
	Field   string `json:"field"`
	Message string `json:"message"`
	Remedy  string `json:"remedy"`
}

// Report is the outcome of Lint. Errors block submission (Meta would reject
// the template); warnings do not (Meta may reject or recategorize it).
type Report struct {
	Errors   []Finding `json:"errors"`
	Warnings []Finding `json:"warnings"`
}

// OK reports whether the template may be submitted.
func (r Report) OK() bool { return len(r.Errors) == 0 }

// Has reports whether the report holds a finding with code.
func (r Report) Has(code string) bool {
	for _, f := range append(append([]Finding(nil), r.Errors...), r.Warnings...) {
		if f.Code == code {
			return true
		}
	}
	return false
}

// Limits from spec §6.2/§6.3.
const (
	MaxNameLen       = 512
	MaxHeaderText    = 60
	MaxBodyText      = 1024
	MaxFooterText    = 60
	MaxButtons       = 10
	MaxQuickReplies  = 10
	MaxURLButtons    = 2
	MaxButtonText    = 25
	MaxURLLen        = 2000
	MaxPhoneLen      = 20
	MaxCouponLen     = 20
	MaxOTPLen        = 15
	MaxParamText     = 1024
	MaxSupportedApps = 5
)

var (
	nameRe     = regexp.MustCompile(`^[a-z0-9_]{1,512}$`)
	languageRe = regexp.MustCompile(`^[a-z]{2,3}(_[A-Z]{2})?$`)
)

type linter struct {
	t Template
	r Report
}

func (l *linter) err(code, field, remedy, format string, args ...any) {
	l.r.Errors = append(l.r.Errors, Finding{Code: code, Field: field, Message: fmt.Sprintf(format, args...), Remedy: remedy})
}

func (l *linter) warn(code, field, remedy, format string, args ...any) {
	l.r.Warnings = append(l.r.Warnings, Finding{Code: code, Field: field, Message: fmt.Sprintf(format, args...), Remedy: remedy})
}

// Lint checks t against Meta's published limits and review rules (errors)
// and against content that commonly gets templates rejected or
// recategorized (warnings).
func Lint(t Template) Report {
	l := &linter{t: t}
	l.header()
	l.components()
	for i, c := range t.Components {
		f := fmt.Sprintf("components[%d]", i)
		switch ComponentType(upper(string(c.Type))) {
		case ComponentHeader:
			l.headerComponent(f, c)
		case ComponentBody:
			l.bodyComponent(f, c)
		case ComponentFooter:
			l.footerComponent(f, c)
		case ComponentButtons:
			l.buttonsComponent(f, c)
		}
	}
	l.authentication()
	l.content()
	return l.r
}

func (l *linter) header() {
	t := l.t
	if !nameRe.MatchString(t.Name) {
		l.err("name_invalid", "name", "Use 1–512 lowercase letters, digits and underscores, e.g. order_update.",
			"template name %q is not valid", t.Name)
	}
	if !languageRe.MatchString(t.Language) {
		l.err("language_invalid", "language", "Use a Meta language code such as en, en_US, pt_BR or es_MX.",
			"language %q is not a language code", t.Language)
	}
	switch Category(upper(string(t.Category))) {
	case CategoryMarketing, CategoryUtility, CategoryAuthentication:
	default:
		l.err("category_invalid", "category", "Use MARKETING, UTILITY or AUTHENTICATION.",
			"category %q is not valid", t.Category)
	}
	if _, _, ok := TTLRange(t.Category); ok {
		var de *domain.Error
		if errors.As(CheckTTL(string(t.Category), t.MessageSendTTLSeconds), &de) {
			l.err("ttl_invalid", "message_send_ttl_seconds", de.Remedy, "%s", de.Message)
		}
	}
	switch ParameterFormat(upper(string(t.ParameterFormat))) {
	case "", FormatPositional, FormatNamed:
	default:
		l.err("parameter_format_invalid", "parameter_format", "Use POSITIONAL ({{1}}) or NAMED ({{first_name}}).",
			"parameter format %q is not valid", t.ParameterFormat)
	}
}

func (l *linter) components() {
	count := map[ComponentType]int{}
	for i, c := range l.t.Components {
		ct := ComponentType(upper(string(c.Type)))
		switch ct {
		case ComponentHeader, ComponentBody, ComponentFooter, ComponentButtons:
		default:
			l.err("component_invalid", fmt.Sprintf("components[%d].type", i), "Use HEADER, BODY, FOOTER or BUTTONS.",
				"component type %q is not valid", c.Type)
			continue
		}
		count[ct]++
		if count[ct] == 2 && ct != ComponentBody {
			l.err("component_duplicate", fmt.Sprintf("components[%d]", i), "Keep a single "+string(ct)+" component.",
				"the template has more than one %s component", ct)
		}
	}
	if count[ComponentBody] != 1 {
		l.err("body_count", "components", "Add exactly one BODY component.",
			"the template has %d BODY components; exactly one is required", count[ComponentBody])
	}
}

func (l *linter) headerComponent(f string, c Component) {
	switch HeaderFormat(upper(string(c.Format))) {
	case HeaderText, "":
		n := utf8.RuneCountInString(c.Text)
		if n == 0 {
			l.err("header_text_empty", f+".text", "Write the header text or remove the header.", "the text header is empty")
			return
		}
		if n > MaxHeaderText {
			l.err("header_too_long", f+".text", fmt.Sprintf("Shorten the header to %d characters.", MaxHeaderText),
				"the header is %d characters; the limit is %d", n, MaxHeaderText)
		}
		if len(distinct(c.Text)) > 1 {
			l.err("header_too_many_params", f+".text", "Keep at most one variable in the header.",
				"the header has %d variables; at most one is allowed", len(distinct(c.Text)))
		}
		l.textVars(f+".text", c.Text)
		l.examples(f, c, true)
	case HeaderImage, HeaderVideo, HeaderDocument:
		if c.Example == nil || len(c.Example.HeaderHandle) == 0 || c.Example.HeaderHandle[0] == "" {
			l.err("missing_example", f+".example.header_handle", "Upload a sample file with the Resumable Upload API and set its handle.",
				"the %s header has no sample media handle", upper(string(c.Format)))
		}
	case HeaderLocation:
	default:
		l.err("header_format_invalid", f+".format", "Use TEXT, IMAGE, VIDEO, DOCUMENT or LOCATION.",
			"header format %q is not supported", c.Format)
	}
}

func (l *linter) bodyComponent(f string, c Component) {
	n := utf8.RuneCountInString(c.Text)
	if n == 0 {
		if !l.t.isAuth() { // authentication bodies are fixed text supplied by Meta
			l.err("body_empty", f+".text", "Write the message body.", "the body is empty")
		}
		return
	}
	if n > MaxBodyText {
		l.err("body_too_long", f+".text", fmt.Sprintf("Shorten the body to %d characters.", MaxBodyText),
			"the body is %d characters; the limit is %d", n, MaxBodyText)
	}
	if l.t.isAuth() { // Meta's fixed authentication text, e.g. "*{{1}}* is your verification code."
		return
	}
	l.textVars(f+".text", c.Text)
	l.bodyShape(f+".text", c.Text)
	l.examples(f, c, false)
}

func (l *linter) footerComponent(f string, c Component) {
	n := utf8.RuneCountInString(c.Text)
	if n > MaxFooterText {
		l.err("footer_too_long", f+".text", fmt.Sprintf("Shorten the footer to %d characters.", MaxFooterText),
			"the footer is %d characters; the limit is %d", n, MaxFooterText)
	}
	if len(vars(c.Text)) > 0 {
		l.err("footer_params", f+".text", "Remove the variables from the footer; footers are fixed text.",
			"the footer contains variables")
	}
	if n == 0 && !l.t.isAuth() {
		l.err("footer_empty", f+".text", "Write the footer text or remove the footer.", "the footer is empty")
	}
	if m := c.CodeExpirationMinutes; m != 0 && (m < 1 || m > 90) {
		l.err("code_expiration_invalid", f+".code_expiration_minutes", "Use 1 to 90 minutes.",
			"code expiration of %d minutes is out of range", m)
	}
}

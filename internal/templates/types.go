// Package templates models WhatsApp message templates: the create payload
// Meta accepts at POST /{waba}/message_templates (and returns from GET), a
// linter that reproduces Meta's review rules before submission, the checks
// and the components array of a template send, and a text preview.
//
// The package is pure: no I/O, no SQL, no HTTP.
package templates

import (
	"encoding/json"
	"strings"
)

// Category is a template category.
type Category string

// Template categories (spec §6.8).
const (
	CategoryMarketing      Category = "MARKETING"
	CategoryUtility        Category = "UTILITY"
	CategoryAuthentication Category = "AUTHENTICATION"
)

// Status is a template's review status (spec §6.4).
type Status string

// Template statuses; the last four arrive only in webhooks.
const (
	StatusApproved        Status = "APPROVED"
	StatusInAppeal        Status = "IN_APPEAL"
	StatusPending         Status = "PENDING"
	StatusRejected        Status = "REJECTED"
	StatusPendingDeletion Status = "PENDING_DELETION"
	StatusDeleted         Status = "DELETED"
	StatusDisabled        Status = "DISABLED"
	StatusPaused          Status = "PAUSED"
	StatusLimitExceeded   Status = "LIMIT_EXCEEDED"
	StatusArchived        Status = "ARCHIVED"
	StatusFlagged         Status = "FLAGGED"
	StatusLocked          Status = "LOCKED"
	StatusReinstated      Status = "REINSTATED"
)

// ParameterFormat says how variables are written: {{1}} or {{name}}.
type ParameterFormat string

// Parameter formats. Meta accepts lower case on create and returns upper case.
const (
	FormatPositional ParameterFormat = "POSITIONAL"
	FormatNamed      ParameterFormat = "NAMED"
)

// ComponentType is the type of a template component.
type ComponentType string

// Component types.
const (
	ComponentHeader  ComponentType = "HEADER"
	ComponentBody    ComponentType = "BODY"
	ComponentFooter  ComponentType = "FOOTER"
	ComponentButtons ComponentType = "BUTTONS"
)

// HeaderFormat is the format of a HEADER component.
type HeaderFormat string

// Header formats.
const (
	HeaderText     HeaderFormat = "TEXT"
	HeaderImage    HeaderFormat = "IMAGE"
	HeaderVideo    HeaderFormat = "VIDEO"
	HeaderDocument HeaderFormat = "DOCUMENT"
	HeaderLocation HeaderFormat = "LOCATION"
)

// ButtonType is the type of a template button.
type ButtonType string

// Button types.
const (
	ButtonQuickReply  ButtonType = "QUICK_REPLY"
	ButtonURL         ButtonType = "URL"
	ButtonPhoneNumber ButtonType = "PHONE_NUMBER"
	ButtonCopyCode    ButtonType = "COPY_CODE"
	ButtonOTP         ButtonType = "OTP"
)

// OTP button types (authentication templates).
const (
	OTPCopyCode = "COPY_CODE"
	OTPOneTap   = "ONE_TAP"
	OTPZeroTap  = "ZERO_TAP"
)

// Template mirrors Meta's template JSON: json.Marshal of a Template is the
// create body, and json.Unmarshal accepts an item of Meta's list response.
// ID, Status and SubCategory are only ever set by Meta; ForCreate clears them.
type Template struct {
	ID                    string          `json:"id,omitempty"`
	Name                  string          `json:"name"`
	Language              string          `json:"language"`
	Category              Category        `json:"category"`
	SubCategory           string          `json:"sub_category,omitempty"`
	Status                Status          `json:"status,omitempty"`
	ParameterFormat       ParameterFormat `json:"parameter_format,omitempty"`
	MessageSendTTLSeconds int             `json:"message_send_ttl_seconds,omitempty"`
	Components            []Component     `json:"components"`
}

// Component is one HEADER, BODY, FOOTER or BUTTONS component.
type Component struct {
	Type    ComponentType `json:"type"`
	Format  HeaderFormat  `json:"format,omitempty"`
	Text    string        `json:"text,omitempty"`
	Example *Example      `json:"example,omitempty"`
	Buttons []Button      `json:"buttons,omitempty"`
	// Authentication templates only.
	AddSecurityRecommendation bool `json:"add_security_recommendation,omitempty"`
	CodeExpirationMinutes     int  `json:"code_expiration_minutes,omitempty"`
}

// Example holds the sample values Meta's review requires for every variable.
type Example struct {
	HeaderText            []string       `json:"header_text,omitempty"`
	HeaderHandle          []string       `json:"header_handle,omitempty"`
	BodyText              [][]string     `json:"body_text,omitempty"`
	HeaderTextNamedParams []NamedExample `json:"header_text_named_params,omitempty"`
	BodyTextNamedParams   []NamedExample `json:"body_text_named_params,omitempty"`
}

// NamedExample is the sample value of one named variable.
type NamedExample struct {
	ParamName string `json:"param_name"`
	Example   string `json:"example"`
}

// Button is one entry of a BUTTONS component. Example is a list for URL
// buttons and a single string for COPY_CODE buttons on the wire; both
// decode into Example.
type Button struct {
	Type                 ButtonType     `json:"type"`
	Text                 string         `json:"text,omitempty"`
	URL                  string         `json:"url,omitempty"`
	PhoneNumber          string         `json:"phone_number,omitempty"`
	Example              []string       `json:"-"`
	OTPType              string         `json:"otp_type,omitempty"`
	AutofillText         string         `json:"autofill_text,omitempty"`
	ZeroTapTermsAccepted bool           `json:"zero_tap_terms_accepted,omitempty"`
	SupportedApps        []SupportedApp `json:"supported_apps,omitempty"`
}

// SupportedApp is an Android app allowed to receive a one-tap/zero-tap code.
type SupportedApp struct {
	PackageName   string `json:"package_name"`
	SignatureHash string `json:"signature_hash"`
}

type buttonFields Button // no methods: avoids recursion

type buttonWire struct {
	buttonFields
	Example json.RawMessage `json:"example,omitempty"`
}

// MarshalJSON writes Example as a string for COPY_CODE and a list otherwise.
func (b Button) MarshalJSON() ([]byte, error) {
	w := buttonWire{buttonFields: buttonFields(b)}
	var err error
	switch {
	case len(b.Example) == 0:
	case upper(string(b.Type)) == string(ButtonCopyCode) && len(b.Example) == 1:
		w.Example, err = json.Marshal(b.Example[0])
	default:
		w.Example, err = json.Marshal(b.Example)
	}
	if err != nil {
		return nil, err
	}
	return json.Marshal(w)
}

// UnmarshalJSON accepts Example as either a string or a list of strings.
func (b *Button) UnmarshalJSON(data []byte) error {
	var w buttonWire
	if err := json.Unmarshal(data, &w); err != nil {
		return err
	}
	*b = Button(w.buttonFields)
	b.Example = nil
	raw := strings.TrimSpace(string(w.Example))
	switch {
	case raw == "" || raw == "null":
	case raw[0] == '"':
		var s string
		if err := json.Unmarshal(w.Example, &s); err != nil {
			return err
		}
		b.Example = []string{s}
	default:
		if err := json.Unmarshal(w.Example, &b.Example); err != nil {
			return err
		}
	}
	return nil
}

// ForCreate returns a copy without the fields only Meta sets (id, status,
// sub_category), ready to be marshalled as a create or re-create body.
func (t Template) ForCreate() Template {
	t.ID, t.Status, t.SubCategory = "", "", ""
	return t
}

// upper normalises the case-insensitive enums Meta accepts ("header", "named").
func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

// format returns the template's parameter format, POSITIONAL by default.
func (t Template) format() ParameterFormat {
	if upper(string(t.ParameterFormat)) == string(FormatNamed) {
		return FormatNamed
	}
	return FormatPositional
}

// component returns the index of the first component of type ct, or -1.
func (t Template) component(ct ComponentType) int {
	for i, c := range t.Components {
		if upper(string(c.Type)) == string(ct) {
			return i
		}
	}
	return -1
}

// buttons returns the buttons of the first BUTTONS component.
func (t Template) buttons() []Button {
	if i := t.component(ComponentButtons); i >= 0 {
		return t.Components[i].Buttons
	}
	return nil
}

func (t Template) isAuth() bool { return upper(string(t.Category)) == string(CategoryAuthentication) }

package whatsapp

import (
	"bytes"
	"encoding/json"
	"fmt"
)

// Management webhook fields (§2.8), as Change.Field carries them.
const (
	FieldMessages                 = "messages"
	FieldTemplateStatusUpdate     = "message_template_status_update"
	FieldTemplateQualityUpdate    = "message_template_quality_update"
	FieldTemplateCategoryUpdate   = "template_category_update"
	FieldPhoneNumberQualityUpdate = "phone_number_quality_update"
	FieldPhoneNumberNameUpdate    = "phone_number_name_update"
	FieldBusinessCapabilityUpdate = "business_capability_update"
	FieldAccountUpdate            = "account_update"
	FieldUserPreferences          = "user_preferences"
)

// Kind returns the field to route c by: Field, except that a
// message_template_status_update whose value is shaped like a quality
// update (new_quality_score, no event) — as in Meta's own documentation
// example — is reported as message_template_quality_update.
func (c Change) Kind() string {
	if c.Field != FieldTemplateStatusUpdate || !isObject(c.Value) {
		return c.Field
	}
	var probe struct {
		Event    json.RawMessage `json:"event"`
		NewScore json.RawMessage `json:"new_quality_score"`
	}
	if json.Unmarshal(c.Value, &probe) == nil && probe.NewScore != nil && probe.Event == nil {
		return FieldTemplateQualityUpdate
	}
	return c.Field
}

// decodeAs decodes c.Value as a T, tolerating odd field types. The
// decoders do not check Field (see Kind): callers route first.
// TemplateID is a template id: a JSON integer in webhooks, a string in
// the API; both decode to the same text.
type TemplateID string

// UnmarshalJSON accepts a string or a number.
func (id *TemplateID) UnmarshalJSON(b []byte) error {
	var f flexString
	err := f.UnmarshalJSON(b)
	*id = TemplateID(f)
	return err
}

func decodeAs[T any](c Change) (T, error) {
	var v T
	if !isObject(c.Value) {
		return v, fmt.Errorf("whatsapp: %q change value is not a JSON object", c.Field)
	}
	if err := tolerate(json.Unmarshal(c.Value, &v)); err != nil {
		var zero T
		return zero, fmt.Errorf("whatsapp: parse %q change: %w", c.Field, err)
	}
	return v, nil
}

// TemplateStatusUpdate is a message_template_status_update value: a
// template was approved, rejected, paused, disabled, … The template id is
// a JSON integer in webhooks and a string in the API; both give a string.
type TemplateStatusUpdate struct {
	Event                   string        `json:"event"` // APPROVED, REJECTED, PAUSED, DISABLED, … (§2.8)
	MessageTemplateID       TemplateID    `json:"message_template_id"`
	MessageTemplateName     string        `json:"message_template_name"`
	MessageTemplateLanguage string        `json:"message_template_language"`
	Reason                  string        `json:"reason"` // NONE, INVALID_FORMAT, …; "" when null
	MessageTemplateCategory string        `json:"message_template_category"`
	RejectionInfo           RejectionInfo `json:"rejection_info"` // INVALID_FORMAT rejections only
	DisableInfo             DisableInfo   `json:"disable_info"`   // DISABLED only
	OtherInfo               OtherInfo     `json:"other_info"`     // pauses, unpause, lock
}

// RejectionInfo explains an INVALID_FORMAT rejection.
type RejectionInfo struct {
	Reason         string `json:"reason"`
	Recommendation string `json:"recommendation"`
}

// DisableInfo says when a template was disabled (unix seconds).
type DisableInfo struct {
	DisableDate int64 `json:"disable_date"`
}

// UnmarshalJSON accepts the date as a string or number.
func (d *DisableInfo) UnmarshalJSON(b []byte) error {
	var aux struct {
		DisableDate flexInt `json:"disable_date"`
	}
	err := json.Unmarshal(b, &aux)
	d.DisableDate = int64(aux.DisableDate)
	return tolerate(err)
}

// OtherInfo titles a pause or unpause: FIRST_PAUSE, SECOND_PAUSE,
// RATE_LIMITING_PAUSE, UNPAUSE, DISABLED.
type OtherInfo struct {
	Title       string `json:"title"`
	Description string `json:"description"`
}

// DecodeTemplateStatusUpdate decodes a message_template_status_update value.
func (c Change) DecodeTemplateStatusUpdate() (TemplateStatusUpdate, error) {
	return decodeAs[TemplateStatusUpdate](c)
}

// TemplateQualityUpdate is a message_template_quality_update value.
// Scores: GREEN, YELLOW, RED, UNKNOWN.
type TemplateQualityUpdate struct {
	PreviousQualityScore    string     `json:"previous_quality_score"`
	NewQualityScore         string     `json:"new_quality_score"`
	MessageTemplateID       TemplateID `json:"message_template_id"`
	MessageTemplateName     string     `json:"message_template_name"`
	MessageTemplateLanguage string     `json:"message_template_language"`
}

// DecodeTemplateQualityUpdate decodes a message_template_quality_update
// value (also found under Meta's mislabelled status-update field; see Kind).
func (c Change) DecodeTemplateQualityUpdate() (TemplateQualityUpdate, error) {
	return decodeAs[TemplateQualityUpdate](c)
}

// TemplateCategoryUpdate is a template_category_update value. An impending
// change (24 h notice) carries CorrectCategory and CategoryUpdateTimestamp,
// with NewCategory the current one; a completed change carries
// PreviousCategory and NewCategory.
type TemplateCategoryUpdate struct {
	MessageTemplateID       TemplateID `json:"message_template_id"`
	MessageTemplateName     string     `json:"message_template_name"`
	MessageTemplateLanguage string     `json:"message_template_language"`
	PreviousCategory        string     `json:"previous_category"`
	NewCategory             string     `json:"new_category"`
	CorrectCategory         string     `json:"correct_category"`
	CategoryUpdateTimestamp int64      `json:"category_update_timestamp"`
}

// UnmarshalJSON accepts the timestamp as a string or number.
func (v *TemplateCategoryUpdate) UnmarshalJSON(b []byte) error {
	type alias TemplateCategoryUpdate
	var aux struct {
		*alias
		TS flexInt `json:"category_update_timestamp"`
	}
	aux.alias = (*alias)(v)
	err := json.Unmarshal(b, &aux)
	v.CategoryUpdateTimestamp = int64(aux.TS)
	return tolerate(err)
}

// Impending reports whether the change is a notice of a future
// recategorisation rather than a completed one.
func (v TemplateCategoryUpdate) Impending() bool {
	return v.CorrectCategory != "" && v.PreviousCategory == ""
}

// DecodeTemplateCategoryUpdate decodes a template_category_update value.
func (c Change) DecodeTemplateCategoryUpdate() (TemplateCategoryUpdate, error) {
	return decodeAs[TemplateCategoryUpdate](c)
}

// flexStrings accepts a JSON string, number or array of them.
type flexStrings []string

func (f *flexStrings) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '[' {
		var items []flexString
		if json.Unmarshal(b, &items) == nil {
			for _, s := range items {
				if s != "" {
					*f = append(*f, string(s))
				}
			}
		}
		return nil
	}
	var s flexString
	_ = s.UnmarshalJSON(b)
	if s != "" {
		*f = flexStrings{string(s)}
	}
	return nil
}

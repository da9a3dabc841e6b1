package whatsapp

import (
	"bytes"
	"encoding/json"
	"strings"
	"time"
)

// FieldAccountAlerts is the account_alerts webhook field (§2.8).
const FieldAccountAlerts = "account_alerts"

// Alert types of account_alerts that change a number's standing (§8.5):
// Meta's decision on an Official Business Account request.
const (
	AlertOBAApproved = "OBA_APPROVED"
	AlertOBARejected = "OBA_REJECTED"
)

// AccountAlert is an account_alerts value: Meta tells the business about
// one of its phone numbers or its portfolio — an Official Business Account
// decision, a messaging-limit increase deferred or refused, a lost profile
// picture.
type AccountAlert struct {
	EntityType string    `json:"entity_type"` // BUSINESS, PHONE_NUMBER or CURRENT_STATUS_ID
	EntityID   string    `json:"entity_id"`
	AlertInfo  AlertInfo `json:"alert_info"`
}

// AlertInfo is what an account alert says.
type AlertInfo struct {
	AlertSeverity    string `json:"alert_severity"` // CRITICAL, INFORMATIONAL or WARNING
	AlertStatus      string `json:"alert_status"`   // e.g. ACTIVE
	AlertType        string `json:"alert_type"`     // OBA_APPROVED, OBA_REJECTED, INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED, …
	AlertDescription string `json:"alert_description"`
}

// UnmarshalJSON accepts the entity id as a string or number (ids are
// numbers in some of Meta's payloads).
func (a *AccountAlert) UnmarshalJSON(b []byte) error {
	var aux struct {
		EntityType flexString `json:"entity_type"`
		EntityID   flexString `json:"entity_id"`
		AlertInfo  AlertInfo  `json:"alert_info"`
	}
	err := json.Unmarshal(b, &aux)
	*a = AccountAlert{string(aux.EntityType), string(aux.EntityID), aux.AlertInfo}
	return tolerate(err)
}

// UnmarshalJSON tolerates odd types field by field, so one of them cannot
// hide the alert type.
func (ai *AlertInfo) UnmarshalJSON(b []byte) error {
	var aux struct {
		Severity    flexString `json:"alert_severity"`
		Status      flexString `json:"alert_status"`
		Type        flexString `json:"alert_type"`
		Description flexString `json:"alert_description"`
	}
	err := json.Unmarshal(b, &aux)
	*ai = AlertInfo{string(aux.Severity), string(aux.Status), string(aux.Type), string(aux.Description)}
	return tolerate(err)
}

// DecodeAccountAlert decodes an account_alerts value.
func (c Change) DecodeAccountAlert() (AccountAlert, error) { return decodeAs[AccountAlert](c) }

// Restriction types of account_update ACCOUNT_RESTRICTION.
const (
	RestrictedBusinessInitiated = "RESTRICTED_BIZ_INITIATED_MESSAGING"
	RestrictedCustomerInitiated = "RESTRICTED_CUSTOMER_INITIATED_MESSAGING"
	RestrictedAddPhoneNumber    = "RESTRICTED_ADD_PHONE_NUMBER_ACTION"
)

// AccountRestriction is the part of an account_update ACCOUNT_RESTRICTION
// value that AccountUpdate does not carry: what Meta restricted and until
// when. The event is missing from the reference's list (§2.8) but Meta's
// trigger list names restrictions, and integrators document this shape.
type AccountRestriction struct {
	PhoneNumber     string        `json:"phone_number"`
	RestrictionInfo []Restriction `json:"restriction_info"`
}

// Restriction is one restricted action.
type Restriction struct {
	RestrictionType string `json:"restriction_type"` // the Restricted* types
	Expiration      string `json:"expiration"`       // as Meta wrote it: unix seconds or a date
}

// UnmarshalJSON accepts restriction_info as a list or a single object,
// and the phone number as a string or number.
func (r *AccountRestriction) UnmarshalJSON(b []byte) error {
	var aux struct {
		PhoneNumber flexString      `json:"phone_number"`
		Info        json.RawMessage `json:"restriction_info"`
	}
	err := json.Unmarshal(b, &aux)
	*r = AccountRestriction{PhoneNumber: string(aux.PhoneNumber)}
	info := bytes.TrimSpace(aux.Info)
	switch {
	case len(info) > 0 && info[0] == '[':
		var list []json.RawMessage
		if json.Unmarshal(info, &list) == nil {
			for _, item := range list {
				r.add(item)
			}
		}
	case isObject(info):
		r.add(info)
	}
	return tolerate(err)
}

func (r *AccountRestriction) add(b []byte) {
	if !isObject(b) {
		return
	}
	var aux struct {
		Type       flexString `json:"restriction_type"`
		Expiration flexString `json:"expiration"`
	}
	_ = json.Unmarshal(b, &aux)
	if aux.Type != "" {
		r.RestrictionInfo = append(r.RestrictionInfo, Restriction{string(aux.Type), string(aux.Expiration)})
	}
}

// DecodeAccountRestriction decodes the restriction part of an
// account_update value (see AccountRestriction).
func (c Change) DecodeAccountRestriction() (AccountRestriction, error) {
	return decodeAs[AccountRestriction](c)
}

// Until is when the restriction lifts, or the zero time when Expiration
// is absent or in no form Meta is known to use.
func (r Restriction) Until() time.Time {
	s := strings.TrimSpace(r.Expiration)
	if t := unixTime(s); !t.IsZero() {
		return t
	}
	for _, layout := range []string{"2006-01-02T15:04:05-0700", time.RFC3339} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC()
		}
	}
	return time.Time{}
}

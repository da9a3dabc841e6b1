package whatsapp

import (
	"reflect"
	"testing"
	"time"
)

func TestDecodeAccountAlert(t *testing.T) {
	for name, tc := range map[string]struct {
		value string
		want  AccountAlert
	}{
		"spec example": {`{"entity_type":"BUSINESS","entity_id":"506914307656634","alert_info":{"alert_severity":"WARNING","alert_status":"ACTIVE",
			"alert_type":"INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED","alert_description":"…"}}`,
			AccountAlert{"BUSINESS", "506914307656634", AlertInfo{"WARNING", "ACTIVE", "INCREASED_CAPABILITIES_ELIGIBILITY_DEFERRED", "…"}}},
		"oba, numeric id": {`{"entity_type":"PHONE_NUMBER","entity_id":106540352242922,"alert_info":{"alert_severity":"INFORMATIONAL",
			"alert_status":"ACTIVE","alert_type":"OBA_APPROVED","alert_description":"green badge"}}`,
			AccountAlert{"PHONE_NUMBER", "106540352242922", AlertInfo{"INFORMATIONAL", "ACTIVE", AlertOBAApproved, "green badge"}}},
		"odd types": {`{"entity_type":"PHONE_NUMBER","entity_id":true,"alert_info":{"alert_severity":3,"alert_type":"OBA_REJECTED","alert_description":null}}`,
			AccountAlert{EntityType: "PHONE_NUMBER", AlertInfo: AlertInfo{AlertSeverity: "3", AlertType: AlertOBARejected}}},
		"no info": {`{"entity_type":"BUSINESS","alert_info":"x"}`, AccountAlert{EntityType: "BUSINESS"}},
	} {
		c := change(t, wrap(FieldAccountAlerts, tc.value))
		got, err := c.DecodeAccountAlert()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", name, got, err, tc.want)
		}
	}
	if _, err := (Change{Field: FieldAccountAlerts, Value: []byte(`"x"`)}).DecodeAccountAlert(); err == nil {
		t.Error("string value accepted")
	}
}

func TestDecodeAccountRestriction(t *testing.T) {
	for name, tc := range map[string]struct {
		value string
		want  AccountRestriction
	}{
		"list": {`{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1751247548},
			{"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION","expiration":"2026-10-30T13:38:04+0000"}]}`,
			AccountRestriction{RestrictionInfo: []Restriction{{RestrictedBusinessInitiated, "1751247548"}, {RestrictedAddPhoneNumber, "2026-10-30T13:38:04+0000"}}}},
		"single object, numeric phone": {`{"event":"ACCOUNT_RESTRICTION","phone_number":15550783881,
			"restriction_info":{"restriction_type":"RESTRICTED_CUSTOMER_INITIATED_MESSAGING"}}`,
			AccountRestriction{PhoneNumber: "15550783881", RestrictionInfo: []Restriction{{RestrictedCustomerInitiated, ""}}}},
		"junk entries skipped": {`{"event":"ACCOUNT_RESTRICTION","restriction_info":[1,{"expiration":5},{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING"}]}`,
			AccountRestriction{RestrictionInfo: []Restriction{{RestrictedBusinessInitiated, ""}}}},
		"none": {`{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ADULT"}}`, AccountRestriction{}},
	} {
		got, err := change(t, wrap(FieldAccountUpdate, tc.value)).DecodeAccountRestriction()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", name, got, err, tc.want)
		}
	}
}

func TestRestrictionUntil(t *testing.T) {
	for in, want := range map[string]time.Time{
		"1751247548":                time.Unix(1751247548, 0).UTC(),
		"2026-10-30T13:38:04+0000":  time.Date(2026, 10, 30, 13, 38, 4, 0, time.UTC),
		"2026-10-30T15:38:04+02:00": time.Date(2026, 10, 30, 13, 38, 4, 0, time.UTC),
		"":                          {},
		"next week":                 {},
	} {
		if got := (Restriction{Expiration: in}).Until(); !got.Equal(want) {
			t.Errorf("Until(%q) = %v, want %v", in, got, want)
		}
	}
}

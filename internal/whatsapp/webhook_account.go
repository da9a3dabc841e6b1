package whatsapp

import (
	"encoding/json"
	"strconv"
	"strings"
	"time"
)

// Messaging limit tiers (§5.1, §8.1). TIER_50 and TIER_1K are legacy.
const (
	Tier50        = "TIER_50"
	Tier250       = "TIER_250"
	Tier1K        = "TIER_1K"
	Tier2K        = "TIER_2K"
	Tier10K       = "TIER_10K"
	Tier100K      = "TIER_100K"
	TierUnlimited = "TIER_UNLIMITED"
	TierNotSet    = "TIER_NOT_SET"
)

var tierLimits = map[string]int{Tier50: 50, Tier250: 250, Tier1K: 1000, Tier2K: 2000, Tier10K: 10000, Tier100K: 100000}

// NormalizeTier maps the ways Meta writes a messaging limit — "TIER_2K",
// "tier_2k", 2000, "2000", -1 for unlimited — to a TIER_* name. It returns
// "" for anything it does not recognise.
func NormalizeTier(v string) string {
	v = strings.ToUpper(strings.TrimSpace(v))
	switch v {
	case "":
		return ""
	case "-1", "UNLIMITED", TierUnlimited:
		return TierUnlimited
	case TierNotSet:
		return TierNotSet
	}
	if _, ok := tierLimits[v]; ok {
		return v
	}
	for name, n := range tierLimits {
		if v == strconv.Itoa(n) || "TIER_"+v == name {
			return name
		}
	}
	return ""
}

// TierLimit returns the number of unique users per 24 h a tier allows, or
// unlimited for TIER_UNLIMITED. Unknown tiers (and TIER_NOT_SET) give
// (0, false). Non-canonical spellings are normalised first.
func TierLimit(tier string) (limit int, unlimited bool) {
	t := NormalizeTier(tier)
	if t == TierUnlimited {
		return 0, true
	}
	return tierLimits[t], false
}

// PhoneNumberQualityUpdate is a phone_number_quality_update value. Event is
// ONBOARDING or THROUGHPUT_UPGRADE today; legacy per-number limits sent
// FLAGGED, UNFLAGGED, UPGRADE and DOWNGRADE.
type PhoneNumberQualityUpdate struct {
	DisplayPhoneNumber               string `json:"display_phone_number"`
	Event                            string `json:"event"`
	CurrentLimit                     string `json:"current_limit"` // legacy, to be removed by Meta
	OldLimit                         string `json:"old_limit"`     // messaging-limit changes only
	MaxDailyConversationsPerBusiness string `json:"max_daily_conversations_per_business"`
}

// UnmarshalJSON accepts every field as a string or number.
func (v *PhoneNumberQualityUpdate) UnmarshalJSON(b []byte) error {
	var aux struct {
		DisplayPhoneNumber flexString `json:"display_phone_number"`
		Event              flexString `json:"event"`
		CurrentLimit       flexString `json:"current_limit"`
		OldLimit           flexString `json:"old_limit"`
		MaxDaily           flexString `json:"max_daily_conversations_per_business"`
	}
	err := json.Unmarshal(b, &aux)
	*v = PhoneNumberQualityUpdate{string(aux.DisplayPhoneNumber), string(aux.Event), string(aux.CurrentLimit),
		string(aux.OldLimit), string(aux.MaxDaily)}
	return tolerate(err)
}

// Tier is the normalised current limit: max_daily_conversations_per_business,
// else the legacy current_limit; "" when neither is recognised.
func (v PhoneNumberQualityUpdate) Tier() string {
	if t := NormalizeTier(v.MaxDailyConversationsPerBusiness); t != "" {
		return t
	}
	return NormalizeTier(v.CurrentLimit)
}

// DecodePhoneNumberQualityUpdate decodes a phone_number_quality_update value.
func (c Change) DecodePhoneNumberQualityUpdate() (PhoneNumberQualityUpdate, error) {
	return decodeAs[PhoneNumberQualityUpdate](c)
}

// BusinessCapabilityUpdate is a business_capability_update value: the
// portfolio's messaging limit or number caps changed. Meta documents
// max_daily_conversations_per_business as a TIER_* string and shows it as
// an int; it is kept as written, and Tier normalises it.
type BusinessCapabilityUpdate struct {
	MaxDailyConversationPerPhone     int    `json:"max_daily_conversation_per_phone"` // legacy; -1 = unlimited; 0 = absent
	MaxDailyConversationsPerBusiness string `json:"max_daily_conversations_per_business"`
	MaxPhoneNumbersPerBusiness       int    `json:"max_phone_numbers_per_business"` // only when the limit is 250
	MaxPhoneNumbersPerWABA           int    `json:"max_phone_numbers_per_waba"`     // only when it is not
}

// UnmarshalJSON accepts every field as a string or number.
func (v *BusinessCapabilityUpdate) UnmarshalJSON(b []byte) error {
	var aux struct {
		PerPhone    flexInt    `json:"max_daily_conversation_per_phone"`
		PerBusiness flexString `json:"max_daily_conversations_per_business"`
		NumsPerBiz  flexInt    `json:"max_phone_numbers_per_business"`
		NumsPerWABA flexInt    `json:"max_phone_numbers_per_waba"`
	}
	err := json.Unmarshal(b, &aux)
	*v = BusinessCapabilityUpdate{int(aux.PerPhone), string(aux.PerBusiness), int(aux.NumsPerBiz), int(aux.NumsPerWABA)}
	return tolerate(err)
}

// Tier is the normalised messaging limit: TIER_250, TIER_2K, TIER_10K,
// TIER_100K or TIER_UNLIMITED (legacy TIER_50/TIER_1K pass through), from
// max_daily_conversations_per_business, else the legacy per-phone value;
// "" when neither is usable.
func (v BusinessCapabilityUpdate) Tier() string {
	if t := NormalizeTier(v.MaxDailyConversationsPerBusiness); t != "" {
		return t
	}
	if v.MaxDailyConversationPerPhone != 0 {
		return NormalizeTier(strconv.Itoa(v.MaxDailyConversationPerPhone))
	}
	return ""
}

// DecodeBusinessCapabilityUpdate decodes a business_capability_update value.
func (c Change) DecodeBusinessCapabilityUpdate() (BusinessCapabilityUpdate, error) {
	return decodeAs[BusinessCapabilityUpdate](c)
}

// AccountUpdate is an account_update value. Event is ACCOUNT_VIOLATION,
// DISABLED_UPDATE, PARTNER_ADDED, PARTNER_APP_INSTALLED, … (§2.8); the
// other fields are set by the events that carry them.
type AccountUpdate struct {
	Event          string          `json:"event"`
	PhoneNumber    string          `json:"phone_number"`
	Country        string          `json:"country"`
	ViolationInfo  ViolationInfo   `json:"violation_info"`
	BanInfo        BanInfo         `json:"ban_info"`
	WABAInfo       WABAInfo        `json:"waba_info"`
	VolumeTierInfo json.RawMessage `json:"volume_tier_info"`
}

// ViolationInfo names a policy violation, e.g. ADULT or ALCOHOL.
type ViolationInfo struct {
	ViolationType string `json:"violation_type"`
}

// BanInfo describes a WABA ban. Meta writes waba_ban_state as a string or
// a one-element list; both land in WABABanState.
type BanInfo struct {
	WABABanState []string `json:"waba_ban_state"` // DISABLE, REINSTATE, SCHEDULE_FOR_DISABLE
	WABABanDate  string   `json:"waba_ban_date"`  // e.g. "April 17, 2025"
}

// UnmarshalJSON accepts the state as a string or list.
func (bi *BanInfo) UnmarshalJSON(b []byte) error {
	var aux struct {
		State flexStrings `json:"waba_ban_state"`
		Date  flexString  `json:"waba_ban_date"`
	}
	err := json.Unmarshal(b, &aux)
	bi.WABABanState, bi.WABABanDate = aux.State, string(aux.Date)
	return tolerate(err)
}

// WABAInfo identifies the WABA in partner events.
type WABAInfo struct {
	WABAID                     string   `json:"waba_id"`
	OwnerBusinessID            string   `json:"owner_business_id"`
	PartnerAppID               string   `json:"partner_app_id"`
	SolutionID                 string   `json:"solution_id"`
	SolutionPartnerBusinessIDs []string `json:"solution_partner_business_ids"`
}

// UnmarshalJSON accepts the ids as strings or numbers.
func (w *WABAInfo) UnmarshalJSON(b []byte) error {
	var aux struct {
		WABAID     flexString  `json:"waba_id"`
		Owner      flexString  `json:"owner_business_id"`
		App        flexString  `json:"partner_app_id"`
		Solution   flexString  `json:"solution_id"`
		PartnerIDs flexStrings `json:"solution_partner_business_ids"`
	}
	err := json.Unmarshal(b, &aux)
	*w = WABAInfo{string(aux.WABAID), string(aux.Owner), string(aux.App), string(aux.Solution), aux.PartnerIDs}
	return tolerate(err)
}

// DecodeAccountUpdate decodes an account_update value.
func (c Change) DecodeAccountUpdate() (AccountUpdate, error) { return decodeAs[AccountUpdate](c) }

// PhoneNumberNameUpdate is a phone_number_name_update value: the review
// decision on a display name.
type PhoneNumberNameUpdate struct {
	DisplayPhoneNumber    string `json:"display_phone_number"`
	Decision              string `json:"decision"` // APPROVED, REJECTED, …
	RequestedVerifiedName string `json:"requested_verified_name"`
	RejectionReason       string `json:"rejection_reason"`
}

// UnmarshalJSON accepts the number as a string or number.
func (v *PhoneNumberNameUpdate) UnmarshalJSON(b []byte) error {
	type alias PhoneNumberNameUpdate
	var aux struct {
		*alias
		Display flexString `json:"display_phone_number"`
	}
	aux.alias = (*alias)(v)
	err := json.Unmarshal(b, &aux)
	v.DisplayPhoneNumber = string(aux.Display)
	return tolerate(err)
}

// DecodePhoneNumberNameUpdate decodes a phone_number_name_update value.
func (c Change) DecodePhoneNumberNameUpdate() (PhoneNumberNameUpdate, error) {
	return decodeAs[PhoneNumberNameUpdate](c)
}

// UserPreferencesValue is a user_preferences value: customers stopping or
// resuming marketing messages.
type UserPreferencesValue struct {
	MessagingProduct string           `json:"messaging_product"`
	Metadata         Metadata         `json:"metadata"`
	Contacts         []Contact        `json:"contacts"`
	UserPreferences  []UserPreference `json:"user_preferences"`
}

// UserPreference is one customer's marketing preference change.
type UserPreference struct {
	WaID      string `json:"wa_id"`
	Detail    string `json:"detail"`
	Category  string `json:"category"` // "marketing_messages"
	Value     string `json:"value"`    // "stop" or "resume"
	Timestamp int64  `json:"timestamp"`
}

// UnmarshalJSON accepts wa_id and timestamp as strings or numbers.
func (p *UserPreference) UnmarshalJSON(b []byte) error {
	type alias UserPreference
	var aux struct {
		*alias
		WaID flexString `json:"wa_id"`
		TS   flexInt    `json:"timestamp"`
	}
	aux.alias = (*alias)(p)
	err := json.Unmarshal(b, &aux)
	p.WaID, p.Timestamp = string(aux.WaID), int64(aux.TS)
	return tolerate(err)
}

// Stop reports whether the customer opted out of marketing messages.
func (p UserPreference) Stop() bool { return strings.EqualFold(p.Value, "stop") }

// Time is the change time, or the zero time when Timestamp is unusable.
func (p UserPreference) Time() time.Time {
	if p.Timestamp <= 0 {
		return time.Time{}
	}
	return time.Unix(p.Timestamp, 0).UTC()
}

// DecodeUserPreferences decodes a user_preferences value.
func (c Change) DecodeUserPreferences() (UserPreferencesValue, error) {
	return decodeAs[UserPreferencesValue](c)
}

package whatsapp

import (
	"reflect"
	"testing"

	meta "github.com/gohavi/gohavi/internal/sim/meta"
)

// change parses a whole webhook body and returns its only change.
func change(t *testing.T, body string) Change {
	t.Helper()
	p, err := Parse([]byte(body))
	if err != nil || len(p.Entry) != 1 || len(p.Entry[0].Changes) != 1 {
		t.Fatalf("Parse: %+v, %v", p, err)
	}
	return p.Entry[0].Changes[0]
}

func wrap(field, value string) string {
	return `{"object":"whatsapp_business_account","entry":[{"id":"102290129340398","time":1751247548,
		"changes":[{"field":"` + field + `","value":` + value + `}]}]}`
}

func TestDecodeTemplateStatusUpdate(t *testing.T) {
	const rejected = `{"event":"REJECTED","message_template_id":1689556908129835,"message_template_name":"abandoned_cart",
		"message_template_language":"en","reason":"INVALID_FORMAT","message_template_category":"MARKETING",
		"rejection_info":{"reason":"Your template has parameters placed next to each other…","recommendation":"Separate parameters with descriptive text…"},
		"disable_info":{"disable_date":1751234563},"other_info":{"title":"FIRST_PAUSE","description":"…"}}`
	want := TemplateStatusUpdate{Event: "REJECTED", MessageTemplateID: "1689556908129835", MessageTemplateName: "abandoned_cart",
		MessageTemplateLanguage: "en", Reason: "INVALID_FORMAT", MessageTemplateCategory: "MARKETING",
		RejectionInfo: RejectionInfo{"Your template has parameters placed next to each other…", "Separate parameters with descriptive text…"},
		DisableInfo:   DisableInfo{1751234563}, OtherInfo: OtherInfo{"FIRST_PAUSE", "…"}}
	for name, tc := range map[string]struct {
		value string
		want  TemplateStatusUpdate
	}{
		"int id":                 {rejected, want},
		"string id":              {`{"event":"REJECTED","message_template_id":"1689556908129835","message_template_name":"abandoned_cart","message_template_language":"en","reason":"INVALID_FORMAT","message_template_category":"MARKETING","rejection_info":{"reason":"Your template has parameters placed next to each other…","recommendation":"Separate parameters with descriptive text…"},"disable_info":{"disable_date":"1751234563"},"other_info":{"title":"FIRST_PAUSE","description":"…"}}`, want},
		"approved":               {`{"event":"APPROVED","message_template_id":806312974732579,"message_template_name":"welcome","message_template_language":"en_US","reason":"NONE"}`, TemplateStatusUpdate{Event: "APPROVED", MessageTemplateID: "806312974732579", MessageTemplateName: "welcome", MessageTemplateLanguage: "en_US", Reason: "NONE"}},
		"null reason, odd types": {`{"event":"PENDING_DELETION","reason":null,"message_template_id":true,"rejection_info":"x","other_info":{"title":7}}`, TemplateStatusUpdate{Event: "PENDING_DELETION"}},
	} {
		c := change(t, wrap("message_template_status_update", tc.value))
		if c.Kind() != FieldTemplateStatusUpdate {
			t.Errorf("%s: kind %q", name, c.Kind())
		}
		got, err := c.DecodeTemplateStatusUpdate()
		if err != nil || !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s:\n got %+v, %v\nwant %+v", name, got, err, tc.want)
		}
	}
	if _, err := (Change{Field: "x", Value: []byte(`[1]`)}).DecodeTemplateStatusUpdate(); err == nil {
		t.Error("array value accepted")
	}
}

func TestDecodeTemplateQualityUpdate(t *testing.T) {
	const value = `{"previous_quality_score":"GREEN","new_quality_score":"YELLOW","message_template_id":806312974732579,
		"message_template_name":"welcome_template","message_template_language":"en-US"}`
	want := TemplateQualityUpdate{"GREEN", "YELLOW", "806312974732579", "welcome_template", "en-US"}
	// Meta's documentation example labels it message_template_status_update.
	for _, field := range []string{"message_template_quality_update", "message_template_status_update"} {
		c := change(t, wrap(field, value))
		if c.Kind() != FieldTemplateQualityUpdate {
			t.Errorf("%s: kind %q", field, c.Kind())
		}
		if got, err := c.DecodeTemplateQualityUpdate(); err != nil || got != want {
			t.Errorf("%s: got %+v, %v", field, got, err)
		}
	}
}

func TestDecodeTemplateCategoryUpdate(t *testing.T) {
	c := change(t, wrap("template_category_update", `{"message_template_id":"12","message_template_name":"n","message_template_language":"en",
		"new_category":"UTILITY","correct_category":"MARKETING","category_update_timestamp":1751234563}`))
	got, err := c.DecodeTemplateCategoryUpdate()
	if err != nil || got.MessageTemplateID != "12" || got.CorrectCategory != "MARKETING" || got.CategoryUpdateTimestamp != 1751234563 || !got.Impending() {
		t.Errorf("impending: %+v, %v", got, err)
	}
	c = change(t, wrap("template_category_update", `{"message_template_id":12,"previous_category":"UTILITY","new_category":"MARKETING"}`))
	if got, err := c.DecodeTemplateCategoryUpdate(); err != nil || got.Impending() || got.PreviousCategory != "UTILITY" || got.MessageTemplateID != "12" {
		t.Errorf("completed: %+v, %v", got, err)
	}
}

func TestDecodeLimitUpdates(t *testing.T) {
	pq := change(t, wrap("phone_number_quality_update", `{"display_phone_number":"15550783881","event":"THROUGHPUT_UPGRADE","current_limit":"TIER_UNLIMITED"}`))
	got, err := pq.DecodePhoneNumberQualityUpdate()
	if err != nil || got != (PhoneNumberQualityUpdate{DisplayPhoneNumber: "15550783881", Event: "THROUGHPUT_UPGRADE", CurrentLimit: "TIER_UNLIMITED"}) || got.Tier() != TierUnlimited {
		t.Errorf("phone quality: %+v, %v", got, err)
	}
	pq = change(t, wrap("phone_number_quality_update", `{"display_phone_number":15550783881,"event":"DOWNGRADE","old_limit":"TIER_10K","current_limit":"TIER_1K","max_daily_conversations_per_business":2000}`))
	if got, _ := pq.DecodePhoneNumberQualityUpdate(); got.DisplayPhoneNumber != "15550783881" || got.OldLimit != "TIER_10K" || got.Tier() != Tier2K {
		t.Errorf("legacy phone quality: %+v", got)
	}

	for _, tc := range []struct{ value, tier string }{
		{`{"max_daily_conversation_per_phone":2000,"max_daily_conversations_per_business":"TIER_2K","max_phone_numbers_per_waba":25}`, Tier2K},
		{`{"max_daily_conversation_per_phone":2000,"max_daily_conversations_per_business":2000,"max_phone_numbers_per_waba":25}`, Tier2K},
		{`{"max_daily_conversations_per_business":"250","max_phone_numbers_per_business":2}`, Tier250},
		{`{"max_daily_conversation_per_phone":-1}`, TierUnlimited},
		{`{"max_daily_conversations_per_business":-1}`, TierUnlimited},
		{`{"max_daily_conversations_per_business":"TIER_100K"}`, Tier100K},
		{`{"max_daily_conversations_per_business":"tier_10k"}`, Tier10K},
		{`{"max_daily_conversations_per_business":{"x":1}}`, ""},
	} {
		c := change(t, wrap("business_capability_update", tc.value))
		got, err := c.DecodeBusinessCapabilityUpdate()
		if err != nil || got.Tier() != tc.tier {
			t.Errorf("%s: tier %q (%+v), %v", tc.value, got.Tier(), got, err)
		}
	}
}

func TestTierLimit(t *testing.T) {
	for tier, want := range map[string]int{"TIER_50": 50, "TIER_250": 250, "TIER_1K": 1000, "TIER_2K": 2000,
		"TIER_10K": 10000, "TIER_100K": 100000, "2000": 2000, "": 0, "TIER_NOT_SET": 0, "bogus": 0} {
		if got, unl := TierLimit(tier); got != want || unl {
			t.Errorf("TierLimit(%q) = %d, %v", tier, got, unl)
		}
	}
	if got, unl := TierLimit("TIER_UNLIMITED"); got != 0 || !unl {
		t.Errorf("unlimited: %d, %v", got, unl)
	}
}

func TestDecodeAccountAndNameUpdates(t *testing.T) {
	c := change(t, `{ "object": "whatsapp_business_account", "entry": [ { "id": "102290129340398", "time": 1743451903,
		"changes": [ { "value": { "event": "ACCOUNT_VIOLATION", "violation_info": { "violation_type": "ADULT" } },
		"field": "account_update" } ] } ] }`)
	if got, err := c.DecodeAccountUpdate(); err != nil || got.Event != "ACCOUNT_VIOLATION" || got.ViolationInfo.ViolationType != "ADULT" {
		t.Errorf("violation: %+v, %v", got, err)
	}
	for _, state := range []string{`"DISABLE"`, `["DISABLE"]`} {
		c = change(t, wrap("account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":`+state+`,"waba_ban_date":"April 17, 2025"}}`))
		got, err := c.DecodeAccountUpdate()
		if err != nil || !reflect.DeepEqual(got.BanInfo, BanInfo{[]string{"DISABLE"}, "April 17, 2025"}) {
			t.Errorf("ban %s: %+v, %v", state, got, err)
		}
	}
	c = change(t, wrap("account_update", `{"event":"PARTNER_ADDED","waba_info":{"waba_id":495709166956424,"owner_business_id":"2729063490586005","solution_partner_business_ids":["1","2"]}}`))
	if got, _ := c.DecodeAccountUpdate(); got.WABAInfo.WABAID != "495709166956424" || len(got.WABAInfo.SolutionPartnerBusinessIDs) != 2 {
		t.Errorf("partner: %+v", got)
	}
	c = change(t, wrap("phone_number_name_update", `{"display_phone_number":"15550783881","decision":"APPROVED","requested_verified_name":"Lucky Shrub","rejection_reason":null}`))
	if got, err := c.DecodePhoneNumberNameUpdate(); err != nil || got != (PhoneNumberNameUpdate{"15550783881", "APPROVED", "Lucky Shrub", ""}) {
		t.Errorf("name: %+v, %v", got, err)
	}
}

func TestDecodeUserPreferences(t *testing.T) {
	c := change(t, wrap("user_preferences", `{ "messaging_product": "whatsapp",
		"metadata": { "display_phone_number": "15550783881", "phone_number_id": "106540352242922" },
		"contacts": [ { "wa_id": "16505551234" } ],
		"user_preferences": [ { "wa_id": "16505551234", "detail": "User requested to stop marketing messages",
			"category": "marketing_messages", "value": "stop", "timestamp": 1731705721 },
			{ "wa_id": 16505550000, "value": "resume", "timestamp": "1731705722" } ] }`))
	got, err := c.DecodeUserPreferences()
	if err != nil || got.Metadata.PhoneNumberID != "106540352242922" || len(got.Contacts) != 1 || len(got.UserPreferences) != 2 {
		t.Fatalf("got %+v, %v", got, err)
	}
	p := got.UserPreferences[0]
	if p.WaID != "16505551234" || !p.Stop() || p.Category != "marketing_messages" || p.Time().Unix() != 1731705721 || p.Detail == "" {
		t.Errorf("stop: %+v", p)
	}
	if p := got.UserPreferences[1]; p.WaID != "16505550000" || p.Stop() || p.Timestamp != 1731705722 {
		t.Errorf("resume: %+v", p)
	}
}

// TestManagementWebhooksFromSimulator parses the webhooks the simulator
// really sends for preference, portfolio and template-quality changes.
func TestManagementWebhooksFromSimulator(t *testing.T) {
	env := newSimEnv(t, meta.Config{DefaultTier: "250"})
	env.sim.AddTemplate(simWABA, meta.TemplateSpec{Name: "promo", Language: "en", Category: "MARKETING", Status: "APPROVED",
		Components: nil})

	env.control(t, "/_sim/preferences", `{"phone_number_id":"`+simPhone+`","wa_id":"16505551234","value":"stop"}`)
	ch, _ := env.hooks.wait(FieldUserPreferences, nil)
	up, err := ch.DecodeUserPreferences()
	if err != nil || up.MessagingProduct != "whatsapp" || up.Metadata.PhoneNumberID != simPhone || len(up.UserPreferences) != 1 {
		t.Fatalf("user_preferences %+v, %v", up, err)
	}
	if p := up.UserPreferences[0]; p.WaID != "16505551234" || !p.Stop() || p.Category != "marketing_messages" || p.Timestamp == 0 {
		t.Errorf("preference %+v", p)
	}

	env.control(t, "/_sim/portfolio", `{"waba_id":"`+simWABA+`","tier":"10000"}`)
	ch, entry := env.hooks.wait(FieldBusinessCapabilityUpdate, nil)
	bc, err := ch.DecodeBusinessCapabilityUpdate()
	if err != nil || bc.Tier() != Tier10K || bc.MaxDailyConversationPerPhone != 10000 || bc.MaxPhoneNumbersPerWABA != 25 || entry.ID != simWABA {
		t.Errorf("business_capability_update %+v, %v (entry %+v)", bc, err, entry)
	}
	ch, _ = env.hooks.wait(FieldPhoneNumberQualityUpdate, nil)
	pq, err := ch.DecodePhoneNumberQualityUpdate()
	if err != nil || pq.Event != "UPGRADE" || pq.OldLimit != Tier250 || pq.Tier() != Tier10K || pq.DisplayPhoneNumber != "15550783881" {
		t.Errorf("phone_number_quality_update %+v, %v", pq, err)
	}

	env.control(t, "/_sim/templates/quality", `{"waba_id":"`+simWABA+`","name":"promo","language":"en","new_quality_score":"RED"}`)
	ch, _ = env.hooks.wait(FieldTemplateQualityUpdate, nil)
	tq, err := ch.DecodeTemplateQualityUpdate()
	if err != nil || tq.NewQualityScore != "RED" || tq.MessageTemplateName != "promo" || tq.MessageTemplateID == "" {
		t.Errorf("quality %+v, %v", tq, err)
	}
	ch, _ = env.hooks.wait(FieldTemplateStatusUpdate, func(c Change) bool {
		v, _ := c.DecodeTemplateStatusUpdate()
		return v.Event == "PAUSED"
	})
	su, _ := ch.DecodeTemplateStatusUpdate()
	if su.OtherInfo.Title != "FIRST_PAUSE" || su.MessageTemplateID != tq.MessageTemplateID {
		t.Errorf("pause %+v", su)
	}
}

package meta

import (
	"fmt"
	"testing"
	"time"
)

func TestPortfolioMessagingLimit(t *testing.T) {
	clk := newFakeClock()
	e := newEnv(t, Config{Now: clk.Now, Throughput: 100000, DefaultTier: "250", MessagingLimitCode: 131048})
	second := e.sim.AddNumber(NumberSpec{WABAID: e.num.WABAID, PhoneNumberID: "200000000000001", AccessToken: e.num.AccessToken})
	_, out := call(t, "GET", e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"?fields=whatsapp_business_manager_messaging_limit", e.num.AccessToken, "")
	if out["whatsapp_business_manager_messaging_limit"] != "TIER_250" {
		t.Fatalf("tier: %v", out)
	}
	// A customer inside the window never counts.
	e.inject(t, Inbound{From: "19990000000", Type: "text", Content: []byte(`{"body":"hi"}`)})
	for i := range 250 {
		e.sendOK(t, tplSend(fmt.Sprintf("1650555%04d", i), "hello_utility"))
	}
	e.sendOK(t, tplSend("19990000000", "hello_utility"))
	e.sendOK(t, tplSend("16505550007", "hello_utility")) // already counted: fine
	// The 251st unique user, from the other number of the same portfolio.
	code, out := call(t, "POST", e.api.URL+"/v24.0/"+second.PhoneNumberID+"/messages", e.num.AccessToken, tplSend("16505559999", "hello_utility"))
	if code != 200 {
		t.Fatalf("over limit must be accepted: %d %v", code, out)
	}
	over := out["messages"].([]any)[0].(map[string]any)["id"].(string)
	waitFor(t, "failed", func() bool { return statusNames(e.rc.statusesOf(over)) == "failed" })
	if c := e.rc.statusesOf(over)[0]["errors"].([]any)[0].(map[string]any)["code"]; c != float64(131048) {
		t.Errorf("code %v", c)
	}
	// Rolling 24 h: the first users age out.
	clk.Advance(24 * time.Hour)
	e.sendOK(t, tplSend("16505559999", "hello_utility"))

	// Raising the tier emits both management webhooks.
	code, out = call(t, "POST", e.api.URL+"/_sim/portfolio", "", mustJSON(map[string]string{"waba_id": e.num.WABAID, "tier": "unlimited"}))
	if code != 200 {
		t.Fatalf("portfolio: %d %v", code, out)
	}
	capV := e.waitMgmt(t, "business_capability_update", 1)[0]
	if capV["max_daily_conversations_per_business"] != "TIER_UNLIMITED" || capV["max_daily_conversation_per_phone"] != float64(-1) {
		t.Errorf("capability: %v", capV)
	}
	q := e.waitMgmt(t, "phone_number_quality_update", 2)
	if q[0]["event"] != "UPGRADE" || q[0]["old_limit"] != "TIER_250" || q[0]["current_limit"] != "TIER_UNLIMITED" {
		t.Errorf("quality update: %v", q[0])
	}
	if code, _ := call(t, "POST", e.api.URL+"/_sim/portfolio", "", `{"waba_id":"`+e.num.WABAID+`","tier":"7"}`); code != 400 {
		t.Errorf("bad tier: %d", code)
	}
}

func TestMarketingPreferencesAndCap(t *testing.T) {
	e := newEnv(t, Config{})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "promo", Category: "MARKETING", Body: "Hello there, new plants are in."})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "receipt", Category: "UTILITY", Body: "Hello there, here is your receipt."})
	const user = "16505551234"
	code, _ := call(t, "POST", e.api.URL+"/_sim/preferences", "", mustJSON(map[string]string{
		"phone_number_id": e.num.PhoneNumberID, "wa_id": user, "value": "stop"}))
	if code != 200 {
		t.Fatalf("preferences: %d", code)
	}
	v := e.waitMgmt(t, "user_preferences", 1)[0]
	up := v["user_preferences"].([]any)[0].(map[string]any)
	if up["value"] != "stop" || up["category"] != "marketing_messages" || up["wa_id"] != user ||
		v["metadata"].(map[string]any)["phone_number_id"] != e.num.PhoneNumberID || v["messaging_product"] != "whatsapp" {
		t.Errorf("user_preferences: %v", v)
	}
	failedWith := func(wamid string) float64 {
		waitFor(t, "status of "+wamid, func() bool { return len(e.rc.statusesOf(wamid)) > 0 })
		st := e.rc.statusesOf(wamid)[0]
		if st["status"] != "failed" {
			return 0
		}
		return st["errors"].([]any)[0].(map[string]any)["code"].(float64)
	}
	if c := failedWith(e.sendOK(t, tplSend(user, "promo"))); c != 131050 {
		t.Errorf("stopped user, marketing: %v", c)
	}
	if c := failedWith(e.sendOK(t, tplSend(user, "receipt"))); c != 0 {
		t.Errorf("stopped user, utility: %v", c)
	}
	if err := e.sim.SetMarketingPreference(e.num.PhoneNumberID, user, "resume"); err != nil {
		t.Fatal(err)
	}
	if c := failedWith(e.sendOK(t, tplSend(user, "promo"))); c != 0 {
		t.Errorf("resumed: %v", c)
	}
	if code, _ := call(t, "POST", e.api.URL+"/_sim/faults", "", `{"per_user_marketing_cap":1}`); code != 200 {
		t.Fatal("faults")
	}
	if c := failedWith(e.sendOK(t, tplSend("16505550001", "receipt"))); c != 0 {
		t.Errorf("cap applies to utility: %v", c)
	}
	if c := failedWith(e.sendOK(t, tplSend("16505550001", "promo"))); c != 131049 {
		t.Errorf("cap: %v", c)
	}
	if c := failedWith(e.sendOK(t, tplSend("16505550002", "promo"))); c != 0 {
		t.Errorf("cap used up: %v", c)
	}
}

package meta

import (
	"testing"
	"time"
)

func TestRegisterFlow(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	res := e.signup(t, `{"verified_name":"Acme"}`)
	token := e.exchange(t, res.Code)
	e.graph(t, "POST", res.WABAID+"/subscribed_apps", token, "")
	reg := res.PhoneNumberID + "/register"

	for _, c := range []struct{ name, body string }{
		{"no pin", `{"messaging_product":"whatsapp"}`},
		{"short pin", `{"messaging_product":"whatsapp","pin":"12345"}`},
		{"letters", `{"messaging_product":"whatsapp","pin":"12a456"}`},
		{"no messaging_product", `{"pin":"123456"}`},
		{"bad region", `{"messaging_product":"whatsapp","pin":"123456","data_localization_region":"FR"}`},
	} {
		status, out := e.graph(t, "POST", reg, token, c.body)
		wantGraphError(t, c.name, status, out, 400, 100)
	}

	// A numeric PIN works too; the first registration sends ONBOARDING.
	status, out := e.graph(t, "POST", reg, token, `{"messaging_product":"whatsapp","pin":123456,"data_localization_region":"CH"}`)
	if status != 200 || out["success"] != true || len(out) != 1 {
		t.Fatalf("register: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", res.PhoneNumberID+"?fields=status,is_pin_enabled,health_status", token, "")
	if out["status"] != "CONNECTED" || out["is_pin_enabled"] != true {
		t.Errorf("after register: %v", out)
	}
	waitFor(t, "ONBOARDING", func() bool { return len(e.rc.changes("phone_number_quality_update")) == 1 })
	if v := e.rc.changes("phone_number_quality_update")[0]; v.entryID != res.WABAID || v.value["event"] != "ONBOARDING" ||
		v.value["max_daily_conversations_per_business"] != "TIER_UNLIMITED" {
		t.Errorf("ONBOARDING %+v", v)
	}
	// It can send now; the customer writes first so the window is open.
	e.inject(t, Inbound{PhoneNumberID: res.PhoneNumberID, From: customer, Text: "hi"})
	if status, out := e.graph(t, "POST", res.PhoneNumberID+"/messages", token, textTo(customer, "hello")); status != 200 {
		t.Fatalf("send after register: %d %v", status, out)
	}

	// Re-registering needs the same PIN (the two-step PIN it set): 133005.
	status, out = e.graph(t, "POST", reg, token, `{"messaging_product":"whatsapp","pin":"654321"}`)
	inner := wantGraphError(t, "wrong pin", status, out, 400, 133005)
	if inner["message"] != "(#133005) Two step verification PIN Mismatch" || errDetails(out) != "Two-step verification PIN incorrect." {
		t.Errorf("133005: %v", inner)
	}
	// POST /{phone} {"pin"} changes the PIN; then the new one registers.
	if status, out := e.graph(t, "POST", res.PhoneNumberID, token, `{"pin":"654321"}`); status != 200 || out["success"] != true {
		t.Fatalf("set pin: %d %v", status, out)
	}
	status, out = e.graph(t, "POST", res.PhoneNumberID, token, `{"pin":"1"}`)
	wantGraphError(t, "bad pin on the node", status, out, 400, 100)

	// Deregistered, it cannot send.
	if status, out := e.graph(t, "POST", res.PhoneNumberID+"/deregister", token, ""); status != 200 || out["success"] != true {
		t.Fatalf("deregister: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", res.PhoneNumberID+"?fields=status", token, "")
	if out["status"] != "DISCONNECTED" {
		t.Errorf("after deregister: %v", out)
	}
	status, out = e.graph(t, "POST", res.PhoneNumberID+"/messages", token, textTo(customer, "hello"))
	wantGraphError(t, "send after deregister", status, out, 400, 133010)

	// Register: 1 ok + 1 wrong PIN counted; 8 more fit in 72 h, the 11th is 133016.
	for i := range 8 {
		clock.Advance(time.Minute)
		if status, out := e.graph(t, "POST", reg, token, `{"messaging_product":"whatsapp","pin":"654321"}`); status != 200 {
			t.Fatalf("register %d: %d %v", i+3, status, out)
		}
	}
	status, out = e.graph(t, "POST", reg, token, `{"messaging_product":"whatsapp","pin":"654321"}`)
	inner = wantGraphError(t, "11th register", status, out, 400, 133016)
	if inner["message"] != "(#133016) Account register deregister rate limit exceeded" {
		t.Errorf("133016 message %v", inner["message"])
	}
	// Blocked for 72 hours from then, although the first calls age out sooner.
	clock.Advance(71 * time.Hour)
	status, out = e.graph(t, "POST", reg, token, `{"messaging_product":"whatsapp","pin":"654321"}`)
	wantGraphError(t, "still blocked", status, out, 400, 133016)
	clock.Advance(2 * time.Hour)
	if status, out := e.graph(t, "POST", reg, token, `{"messaging_product":"whatsapp","pin":"654321"}`); status != 200 {
		t.Fatalf("after 72 h: %d %v", status, out)
	}
	// Deregister has its own count.
	if status, _ := e.graph(t, "POST", res.PhoneNumberID+"/deregister", token, ""); status != 200 {
		t.Fatal("deregister counts apart from register")
	}
}

func TestDeregisterLimitAndVerification(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	dereg := e.num.PhoneNumberID + "/deregister"
	for i := range 10 {
		if status, out := e.graph(t, "POST", dereg, e.num.AccessToken, ""); status != 200 {
			t.Fatalf("deregister %d: %d %v", i+1, status, out)
		}
	}
	status, out := e.graph(t, "POST", dereg, e.num.AccessToken, "")
	wantGraphError(t, "11th deregister", status, out, 400, 133016)
	if errDetails(out) == "" {
		t.Error("133016 without details")
	}

	// request_code / verify_code (§7.5): no SMS, any 6 digits verify.
	status, out = e.graph(t, "POST", e.num.PhoneNumberID+"/request_code", e.num.AccessToken, `{"code_method":"SMS","language":"en_US"}`)
	if status != 200 || out["success"] != true {
		t.Errorf("request_code: %d %v", status, out)
	}
	status, out = e.graph(t, "POST", e.num.PhoneNumberID+"/request_code", e.num.AccessToken, `{"code_method":"FAX","language":"en_US"}`)
	wantGraphError(t, "bad code_method", status, out, 400, 100)
	status, out = e.graph(t, "POST", e.num.PhoneNumberID+"/verify_code?code=123456", e.num.AccessToken, "")
	if status != 200 || out["success"] != true {
		t.Errorf("verify_code: %d %v", status, out)
	}
	status, out = e.graph(t, "POST", e.num.PhoneNumberID+"/verify_code", e.num.AccessToken, `{"code":"12"}`)
	wantGraphError(t, "bad code", status, out, 400, 100)

	// A new display name waits for review (§8.4).
	status, out = e.graph(t, "POST", e.num.PhoneNumberID+"?new_display_name="+"Lucky%20Shrub%20Two", e.num.AccessToken, "")
	if status != 200 || out["success"] != true {
		t.Fatalf("new_display_name: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", e.num.PhoneNumberID+"?fields=verified_name,new_display_name,new_name_status", e.num.AccessToken, "")
	if out["verified_name"] != "Lucky Shrub" || out["new_display_name"] != "Lucky Shrub Two" || out["new_name_status"] != "PENDING_REVIEW" {
		t.Errorf("pending name: %v", out)
	}
	status, out = e.graph(t, "POST", e.num.PhoneNumberID, e.num.AccessToken, `{}`)
	wantGraphError(t, "POST without parameters", status, out, 400, 100)
	status, out = e.graph(t, "POST", e.num.WABAID, e.num.AccessToken, `{"pin":"123456"}`)
	wantGraphError(t, "POST on a WABA", status, out, 400, 100)

}

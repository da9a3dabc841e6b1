package meta

import (
	"strings"
	"testing"
	"time"
)

const obaBody = `{"additional_supporting_information":"We are also featured in Planet Succulent",
	"business_website_url":"https://www.luckyshrub.com","parent_business_or_brand":"Lucky Shrub LLC",
	"primary_country_of_operation":"United States of America","primary_language":"English",
	"supporting_links":["https://www.retailreview.com/gardening/2025/lucky-shrub"]}`

func TestOfficialBusinessAccount(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	res := e.signup(t, `{"verified_name":"Acme"}`)
	token := e.exchange(t, res.Code)
	e.graph(t, "POST", res.WABAID+"/subscribed_apps", token, "")
	path := res.PhoneNumberID + "/official_business_account"

	status, out := e.graph(t, "GET", path, token, "")
	if status != 200 || mustJSON(out) != `{"oba_status":"NOT_STARTED"}` {
		t.Fatalf("initial: %d %v", status, out)
	}
	for _, c := range []struct{ name, body string }{
		{"no website", `{"primary_country_of_operation":"US","primary_language":"English"}`},
		{"bad website", `{"business_website_url":"luckyshrub.com","primary_country_of_operation":"US","primary_language":"English"}`},
		{"six links", `{"business_website_url":"https://a.example","primary_country_of_operation":"US","primary_language":"English","supporting_links":["https://1.x","https://2.x","https://3.x","https://4.x","https://5.x","https://6.x"]}`},
	} {
		status, out := e.graph(t, "POST", path, token, c.body)
		wantGraphError(t, c.name, status, out, 400, 100)
	}

	// Each of Meta's criteria in turn (§8.5).
	step := func(fix func(), wantIn string) {
		t.Helper()
		status, out := e.graph(t, "POST", path, token, obaBody)
		wantGraphError(t, wantIn, status, out, 400, 100)
		if !strings.Contains(errDetails(out), wantIn) {
			t.Fatalf("details %q, want %q", errDetails(out), wantIn)
		}
		fix()
	}
	step(func() {
		e.graph(t, "POST", res.PhoneNumberID+"/register", token, `{"messaging_product":"whatsapp","pin":"123456"}`)
	}, "must be registered")
	step(func() { clock.Advance(30 * 24 * time.Hour) }, "at least 30 days")
	step(func() {
		e.control(t, "/_sim/business", `{"business_id":"`+res.BusinessID+`","verification_status":"verified"}`)
	}, "Business Verification")
	// Registering set the two-step PIN; a seeded number lacks one (below).
	step(func() {
		e.control(t, "/_sim/display-name", `{"phone_number_id":"`+res.PhoneNumberID+`","decision":"APPROVED"}`)
	}, "display name must be approved")

	status, out = e.graph(t, "POST", path, token, obaBody)
	if status != 200 || out["success"] != true {
		t.Fatalf("request: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", res.PhoneNumberID+"?fields=official_business_account,is_official_business_account", token, "")
	if mustJSON(out["official_business_account"]) != `{"oba_status":"PENDING"}` || out["is_official_business_account"] != false {
		t.Errorf("pending: %v", out)
	}
	status, out = e.graph(t, "POST", path, token, obaBody)
	wantGraphError(t, "second request", status, out, 400, 100)

	// Rejected: account_alerts OBA_REJECTED; a new request only after 30 days.
	out = e.control(t, "/_sim/oba", `{"phone_number_id":"`+res.PhoneNumberID+`","decision":"REJECTED"}`)
	if out["is_official_business_account"] != false {
		t.Errorf("rejected answer %v", out)
	}
	waitFor(t, "OBA_REJECTED", func() bool { return len(e.rc.changes("account_alerts")) == 1 })
	alert := e.rc.changes("account_alerts")[0]
	info := alert.value["alert_info"].(map[string]any)
	if alert.entryID != res.WABAID || alert.value["entity_type"] != "PHONE_NUMBER" || alert.value["entity_id"] != res.PhoneNumberID ||
		info["alert_type"] != "OBA_REJECTED" || info["alert_severity"] != "CRITICAL" || info["alert_status"] != "ACTIVE" {
		t.Errorf("alert %+v", alert)
	}
	status, out = e.graph(t, "POST", path, token, obaBody)
	wantGraphError(t, "within 30 days of a rejection", status, out, 400, 100)
	clock.Advance(30 * 24 * time.Hour)
	if status, out := e.graph(t, "POST", path, token, obaBody); status != 200 {
		t.Fatalf("request after 30 days: %d %v", status, out)
	}

	out = e.control(t, "/_sim/oba", `{"phone_number_id":"`+res.PhoneNumberID+`","decision":"APPROVED","status_message":"Welcome aboard"}`)
	if out["is_official_business_account"] != true {
		t.Errorf("approved answer %v", out)
	}
	_, out = e.graph(t, "GET", path, token, "")
	if mustJSON(out) != `{"oba_status":"APPROVED","status_message":"Welcome aboard"}` {
		t.Errorf("approved: %v", out)
	}
	waitFor(t, "OBA_APPROVED", func() bool { return len(e.rc.changes("account_alerts")) == 2 })
	if info := e.rc.changes("account_alerts")[1].value["alert_info"].(map[string]any); info["alert_type"] != "OBA_APPROVED" || info["alert_severity"] != "INFORMATIONAL" {
		t.Errorf("approved alert %v", info)
	}
	if code, o := call(t, "POST", e.api.URL+"/_sim/oba", "", `{"phone_number_id":"`+res.PhoneNumberID+`","decision":"APPROVED"}`); code != 400 {
		t.Errorf("deciding twice: %d %v", code, o)
	}

	// A seeded number counts as long registered and verified: the PIN is all it lacks.
	status, out = e.graph(t, "POST", e.num.PhoneNumberID+"/official_business_account", e.num.AccessToken, obaBody)
	if !strings.Contains(errDetails(out), "two-step verification") {
		t.Errorf("seeded number: %d %v", status, out)
	}
}

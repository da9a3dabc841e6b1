package meta

import (
	"strings"
	"testing"
	"time"
)

// entities indexes health_status.entities by entity_type.
func entities(t *testing.T, out map[string]any) (string, map[string]map[string]any) {
	t.Helper()
	hs, ok := out["health_status"].(map[string]any)
	if !ok {
		t.Fatalf("no health_status in %v", out)
	}
	byType := map[string]map[string]any{}
	for _, e := range hs["entities"].([]any) {
		em := e.(map[string]any)
		byType[em["entity_type"].(string)] = em
	}
	return hs["can_send_message"].(string), byType
}

func TestNumberFieldsAndHealth(t *testing.T) {
	e := newEnv(t, Config{DefaultTier: "2000"})
	all := "verified_name,display_phone_number,quality_rating,name_status,new_name_status,code_verification_status," +
		"status,platform_type,throughput,messaging_limit_tier,is_official_business_account,official_business_account," +
		"account_mode,health_status,is_pin_enabled,last_onboarded_time"
	status, out := e.graph(t, "GET", e.num.PhoneNumberID+"?fields="+all, e.num.AccessToken, "")
	if status != 200 {
		t.Fatalf("%d %v", status, out)
	}
	want := map[string]any{"verified_name": "Lucky Shrub", "display_phone_number": "15550783881", "quality_rating": "GREEN",
		"name_status": "APPROVED", "new_name_status": "NONE", "code_verification_status": "VERIFIED", "status": "CONNECTED",
		"platform_type": "CLOUD_API", "messaging_limit_tier": "TIER_2K", "is_official_business_account": false,
		"account_mode": "LIVE", "is_pin_enabled": false}
	for k, v := range want {
		if out[k] != v {
			t.Errorf("%s = %v, want %v", k, out[k], v)
		}
	}
	if out["throughput"].(map[string]any)["level"] != "STANDARD" || out["official_business_account"].(map[string]any)["oba_status"] != "NOT_STARTED" {
		t.Errorf("throughput/oba %v", out)
	}
	if _, err := time.Parse(graphTime, out["last_onboarded_time"].(string)); err != nil {
		t.Errorf("last_onboarded_time %v", out["last_onboarded_time"])
	}
	overall, ents := entities(t, out)
	if overall != "AVAILABLE" || len(ents) != 4 || ents["PHONE_NUMBER"]["id"] != e.num.PhoneNumberID ||
		ents["WABA"]["id"] != e.num.WABAID || ents["APP"]["id"] != DefaultAppID || ents["BUSINESS"]["id"] != e.num.WABAID {
		t.Errorf("health %s %v", overall, ents)
	}

	// A display name in review limits the number, with Meta's wording.
	e.control(t, "/_sim/display-name", `{"phone_number_id":"`+e.num.PhoneNumberID+`","decision":"DEFERRED"}`)
	_, out = e.graph(t, "GET", e.num.PhoneNumberID+"?fields=health_status,name_status", e.num.AccessToken, "")
	overall, ents = entities(t, out)
	if overall != "LIMITED" || out["name_status"] != "PENDING_REVIEW" ||
		!strings.Contains(mustJSON(ents["PHONE_NUMBER"]["additional_info"]), "display name has not been approved") {
		t.Errorf("limited: %v", out)
	}

	// A BLOCKED node blocks sends: the error's code when Cloud API knows it.
	e.control(t, "/_sim/health", `{"entity_type":"APP","can_send_message":"BLOCKED","errors":[{"error_code":131042,"error_description":"There is an error with the payment method.","possible_solution":"Add a new payment method."}]}`)
	_, out = e.graph(t, "GET", e.num.PhoneNumberID+"?fields=health_status", e.num.AccessToken, "")
	overall, ents = entities(t, out)
	if overall != "BLOCKED" || ents["APP"]["errors"].([]any)[0].(map[string]any)["possible_solution"] != "Add a new payment method." {
		t.Errorf("blocked: %v", out)
	}
	e.inject(t, Inbound{From: customer, Text: "hi"})
	status, out = e.send(t, textTo(customer, "x"))
	wantGraphError(t, "send while blocked", status, out, 400, 131042)
	if errDetails(out) != "There is an error with the payment method." {
		t.Errorf("details %q", errDetails(out))
	}
	e.control(t, "/_sim/health", `{"entity_type":"APP","can_send_message":"AVAILABLE"}`)
	e.sendOK(t, textTo(customer, "unblocked"))
	code, bad := call(t, "POST", e.api.URL+"/_sim/health", "", `{"entity_type":"WABA","id":"nope","can_send_message":"BLOCKED"}`)
	if code != 404 {
		t.Errorf("unknown WABA: %d %v", code, bad)
	}

	// account_update DISABLED_UPDATE disables the WABA: sends get 368.
	e.control(t, "/_sim/account-update", `{"waba_id":"`+e.num.WABAID+`","event":"DISABLED_UPDATE","waba_ban_state":"DISABLE","waba_ban_date":"April 17, 2025"}`)
	au := e.waitMgmt(t, "account_update", 1)[0]
	if mustJSON(au) != `{"ban_info":{"waba_ban_date":"April 17, 2025","waba_ban_state":"DISABLE"},"event":"DISABLED_UPDATE"}` {
		t.Errorf("account_update %s", mustJSON(au))
	}
	status, out = e.send(t, textTo(customer, "x"))
	wantGraphError(t, "send from a disabled WABA", status, out, 403, 368)
	e.control(t, "/_sim/account-update", `{"waba_id":"`+e.num.WABAID+`","event":"DISABLED_UPDATE","waba_ban_state":"REINSTATE"}`)
	e.sendOK(t, textTo(customer, "reinstated"))
	e.control(t, "/_sim/account-update", `{"waba_id":"`+e.num.WABAID+`","event":"ACCOUNT_VIOLATION","violation_type":"ALCOHOL"}`)
	au = e.waitMgmt(t, "account_update", 3)[2]
	if mustJSON(au) != `{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ALCOHOL"}}` {
		t.Errorf("violation %s", mustJSON(au))
	}
	e.control(t, "/_sim/account-update", `{"waba_id":"`+e.num.WABAID+`","event":"VERIFIED_ACCOUNT","phone_number_id":"`+e.num.PhoneNumberID+`"}`)
	if au = e.waitMgmt(t, "account_update", 4)[3]; au["phone_number"] != "15550783881" {
		t.Errorf("VERIFIED_ACCOUNT %v", au)
	}

	// Template health: not APPROVED is BLOCKED with 141002.
	tpl := e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "pending_one", Status: "PENDING", Body: "Hi"})
	_, out = e.graph(t, "GET", tpl.ID+"?fields=status,health_status", e.num.AccessToken, "")
	overall, ents = entities(t, out)
	if overall != "BLOCKED" || ents["MESSAGE_TEMPLATE"]["errors"].([]any)[0].(map[string]any)["error_code"] != float64(141002) {
		t.Errorf("template health %v", out)
	}
}

func TestNumberControls(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now, Throughput: 2})
	ctl := func(body string) map[string]any {
		return e.control(t, "/_sim/number", `{"phone_number_id":"`+e.num.PhoneNumberID+`",`+body+`}`)
	}
	if out := ctl(`"quality_rating":"RED"`); out["quality_rating"] != "RED" {
		t.Errorf("answer %v", out)
	}
	ctl(`"quality_rating":"YELLOW"`)
	ctl(`"quality_rating":"GREEN"`) // no event between non-RED ratings
	got := e.waitMgmt(t, "phone_number_quality_update", 2)
	if got[0]["event"] != "FLAGGED" || got[1]["event"] != "UNFLAGGED" || got[0]["current_limit"] != "TIER_UNLIMITED" ||
		got[0]["display_phone_number"] != "15550783881" {
		t.Errorf("quality events %v", got)
	}

	// Throughput HIGH: a minute of 131057, THROUGHPUT_UPGRADE, then 1000 mps.
	out := ctl(`"throughput":"HIGH","maintenance_seconds":60`)
	if out["throughput"].(map[string]any)["level"] != "HIGH" {
		t.Errorf("answer %v", out)
	}
	up := e.waitMgmt(t, "phone_number_quality_update", 3)[2]
	if up["event"] != "THROUGHPUT_UPGRADE" || up["max_daily_conversations_per_business"] != "TIER_UNLIMITED" {
		t.Errorf("upgrade %v", up)
	}
	e.inject(t, Inbound{From: customer, Text: "hi"})
	status, resp := e.send(t, textTo(customer, "x"))
	wantGraphError(t, "maintenance", status, resp, 500, 131057)
	clock.Advance(61 * time.Second)
	for i := range 5 { // over Config.Throughput (2), within HIGH
		to := "1650555100" + string(rune('0'+i))
		e.inject(t, Inbound{From: to, Text: "hi"})
		e.sendOK(t, textTo(to, "fast"))
	}

	ctl(`"status":"RESTRICTED","account_mode":"SANDBOX"`)
	_, resp = e.graph(t, "GET", e.num.PhoneNumberID+"?fields=status,account_mode", e.num.AccessToken, "")
	if resp["status"] != "RESTRICTED" || resp["account_mode"] != "SANDBOX" {
		t.Errorf("status %v", resp)
	}
	for _, bad := range []string{`"status":"ASLEEP"`, `"quality_rating":"BLUE"`, `"throughput":"FAST"`} {
		if code, o := call(t, "POST", e.api.URL+"/_sim/number", "", `{"phone_number_id":"`+e.num.PhoneNumberID+`",`+bad+`}`); code != 400 {
			t.Errorf("%s: %d %v", bad, code, o)
		}
	}
	limited := New(Config{Logger: quiet(), DefaultTier: "250"})
	defer limited.Close()
	n := limited.AddNumber(NumberSpec{})
	if err := limited.ChangeNumber(NumberChange{PhoneNumberID: n.PhoneNumberID, Throughput: "HIGH"}); err == nil {
		t.Error("HIGH throughput needs an unlimited portfolio")
	}

	// Display-name review of a pending new name (§8.4): approval renames.
	e.graph(t, "POST", e.num.PhoneNumberID, e.num.AccessToken, `{"new_display_name":"Lucky Shrub Garden"}`)
	out = e.control(t, "/_sim/display-name", `{"phone_number_id":"`+e.num.PhoneNumberID+`","decision":"REJECTED","rejection_reason":"NAME_FORMAT_UNACCEPTABLE"}`)
	if out["new_name_status"] != "DECLINED" || out["verified_name"] != "Lucky Shrub" {
		t.Errorf("rejected new name %v", out)
	}
	e.graph(t, "POST", e.num.PhoneNumberID, e.num.AccessToken, `{"new_display_name":"Lucky Shrub Garden"}`)
	out = e.control(t, "/_sim/display-name", `{"phone_number_id":"`+e.num.PhoneNumberID+`","decision":"APPROVED"}`)
	if out["verified_name"] != "Lucky Shrub Garden" || out["name_status"] != "APPROVED" || out["new_name_status"] != "NONE" {
		t.Errorf("approved new name %v", out)
	}
	names := e.waitMgmt(t, "phone_number_name_update", 2)
	if mustJSON(names[0]) != `{"decision":"REJECTED","display_phone_number":"15550783881","rejection_reason":"NAME_FORMAT_UNACCEPTABLE","requested_verified_name":"Lucky Shrub Garden"}` ||
		mustJSON(names[1]) != `{"decision":"APPROVED","display_phone_number":"15550783881","rejection_reason":null,"requested_verified_name":"Lucky Shrub Garden"}` {
		t.Errorf("name updates %s", mustJSON(names))
	}
}

func TestWABAAndBusinessNodes(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	clock.Advance(time.Hour)
	second := e.sim.AddNumber(NumberSpec{WABAID: e.num.WABAID, VerifiedName: "Second"})
	e.control(t, "/_sim/number", `{"phone_number_id":"`+second.PhoneNumberID+`","account_mode":"SANDBOX"}`)

	status, out := e.graph(t, "GET", e.num.WABAID+"/phone_numbers", e.num.AccessToken, "")
	data, _ := out["data"].([]any)
	if status != 200 || len(data) != 2 || data[0].(map[string]any)["id"] != second.PhoneNumberID {
		t.Fatalf("newest first: %d %v", status, out)
	}
	row := data[1].(map[string]any)
	for _, f := range []string{"verified_name", "display_phone_number", "quality_rating", "code_verification_status", "id"} {
		if _, ok := row[f]; !ok {
			t.Errorf("row without %s: %v", f, row)
		}
	}
	_, out = e.graph(t, "GET", e.num.WABAID+`/phone_numbers?sort=["last_onboarded_time_ascending"]&limit=1&fields=id,status`, e.num.AccessToken, "")
	if d := out["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != e.num.PhoneNumberID || d[0].(map[string]any)["status"] != "CONNECTED" {
		t.Errorf("ascending page: %v", out)
	}
	paging := out["paging"].(map[string]any)
	if paging["next"] == nil {
		t.Errorf("no next page: %v", paging)
	}
	_, out = e.graph(t, "GET", e.num.WABAID+`/phone_numbers?filtering=[{"field":"account_mode","operator":"EQUAL","value":"SANDBOX"}]`, e.num.AccessToken, "")
	if d := out["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != second.PhoneNumberID {
		t.Errorf("filtered: %v", out)
	}

	status, out = e.graph(t, "GET", e.num.WABAID+"?fields=name,status,currency,business_verification_status,message_template_namespace,health_status", e.num.AccessToken, "")
	if status != 200 || out["name"] != "Lucky Shrub" || out["status"] != "ACTIVE" || out["business_verification_status"] != "verified" ||
		len(out["message_template_namespace"].(string)) != 36 {
		t.Errorf("WABA node: %d %v", status, out)
	}
	if overall, ents := entities(t, out); overall != "AVAILABLE" || len(ents) != 3 {
		t.Errorf("WABA health %v", out)
	}
	status, out = e.graph(t, "GET", e.num.WABAID+"?fields=nope", e.num.AccessToken, "")
	wantGraphError(t, "unknown WABA field", status, out, 400, 100)

	e.control(t, "/_sim/business", `{"waba_id":"`+e.num.WABAID+`","verification_status":"pending"}`)
	status, out = e.graph(t, "GET", e.num.WABAID+"?fields=verification_status,name", e.num.AccessToken, "")
	wantGraphError(t, "business field on a WABA", status, out, 400, 100)
	status, out = e.graph(t, "GET", e.num.WABAID, e.num.AccessToken, "")
	if status != 200 || out["timezone_id"] == nil || out["id"] != e.num.WABAID {
		t.Errorf("WABA default fields %v", out)
	}
	// The business of a seeded number is its WABA id unless a portfolio was given.
	other := e.sim.AddNumber(NumberSpec{PortfolioID: "555000111222333", VerifiedName: "Portfolio Co"})
	status, out = e.graph(t, "GET", "555000111222333?fields=name,verification_status", other.AccessToken, "")
	if status != 200 || out["name"] != "Portfolio Co" || out["verification_status"] != "verified" {
		t.Errorf("business node %d %v", status, out)
	}
	status, out = e.graph(t, "GET", "555000111222333", e.num.AccessToken, "")
	wantGraphError(t, "foreign business", status, out, 403, 200)
}

package meta

import (
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

func TestSignupCodeExchange(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	res := e.signup(t, `{"display_phone_number":"+1 555 010 2030","verified_name":"Acme Plants"}`)
	for k, v := range map[string]string{"waba_id": res.WABAID, "phone_number_id": res.PhoneNumberID, "business_id": res.BusinessID} {
		if !regexp.MustCompile(`^\d{15}$`).MatchString(v) {
			t.Errorf("%s %q", k, v)
		}
	}
	if !strings.HasPrefix(res.Code, "AQ") || len(res.Code) < 100 {
		t.Errorf("code %q", res.Code)
	}

	exchange := func(params url.Values) (int, map[string]any) {
		return call(t, "GET", e.api.URL+"/v24.0/oauth/access_token?"+params.Encode(), "", "")
	}
	good := url.Values{"client_id": {DefaultAppID}, "client_secret": {testSecret}, "code": {res.Code}}
	with := func(k, v string) url.Values {
		p := url.Values{}
		for kk, vv := range good {
			p[kk] = vv
		}
		p.Set(k, v)
		return p
	}
	for _, c := range []struct {
		name          string
		params        url.Values
		code, subcode int
		msg           string
	}{
		{"wrong secret", with("client_secret", "nope"), 1, 0, "Error validating client secret."},
		{"wrong app", with("client_id", "123"), 101, 0, "Error validating application. Invalid application ID."},
		{"unknown code", with("code", "AQnope"), 100, 0, "Invalid verification code format."},
	} {
		status, out := exchange(c.params)
		inner := wantGraphError(t, c.name, status, out, 400, c.code)
		if inner["message"] != c.msg || inner["type"] != "OAuthException" {
			t.Errorf("%s: %v", c.name, inner)
		}
	}

	// A number from the popup is not reachable before the exchange.
	status, out := e.graph(t, "GET", res.PhoneNumberID, e.num.AccessToken, "")
	wantGraphError(t, "seeded token on the new number", status, out, 403, 200)

	// The exchange works once; redirect_uri is optional.
	status, out = exchange(with("redirect_uri", "https://app.example/cb"))
	if status != 200 || out["token_type"] != "bearer" || !strings.HasPrefix(out["access_token"].(string), "EAAG") {
		t.Fatalf("exchange: %d %v", status, out)
	}
	token := out["access_token"].(string)
	status, out = exchange(good)
	inner := wantGraphError(t, "used code", status, out, 400, 100)
	if inner["error_subcode"] != float64(36009) || inner["message"] != "This authorization code has been used." {
		t.Errorf("used code: %v", inner)
	}

	// The business token reaches the customer's number, WABA and business.
	status, out = e.graph(t, "GET", res.PhoneNumberID+"?fields=status,name_status,code_verification_status,quality_rating", token, "")
	if status != 200 || out["status"] != "PENDING" || out["name_status"] != "PENDING_REVIEW" ||
		out["code_verification_status"] != "VERIFIED" || out["quality_rating"] != "UNKNOWN" {
		t.Errorf("new number: %d %v", status, out)
	}
	status, out = e.graph(t, "GET", res.WABAID+"?fields=name,business_verification_status", token, "")
	if status != 200 || out["name"] != "Acme Plants" || out["business_verification_status"] != "not_verified" {
		t.Errorf("WABA: %d %v", status, out)
	}
	status, out = e.graph(t, "GET", res.BusinessID+"?fields=name,verification_status", token, "")
	if status != 200 || out["verification_status"] != "not_verified" {
		t.Errorf("business: %d %v", status, out)
	}
	status, out = call(t, "GET", e.tplURL(""), token, "")
	if status != 403 {
		t.Errorf("the business token must not reach another WABA: %d %v", status, out)
	}
	// It cannot send before the number is registered (§7.4 step 3).
	status, out = e.graph(t, "POST", res.PhoneNumberID+"/messages", token, textTo(customer, "hi"))
	inner = wantGraphError(t, "send from unregistered number", status, out, 400, 133010)
	if inner["message"] != "(#133010) Phone number Not Registered" {
		t.Errorf("133010 message %v", inner["message"])
	}

	// Codes live 30 seconds on the injected clock.
	late := e.signup(t, `{}`)
	clock.Advance(31 * time.Second)
	status, out = exchange(with("code", late.Code))
	inner = wantGraphError(t, "expired code", status, out, 400, 100)
	if inner["error_subcode"] != float64(36007) || inner["message"] != "This authorization code has expired." {
		t.Errorf("expired: %v", inner)
	}

	// A code issued for a redirect_uri only exchanges with it; POST works too.
	bound := e.signup(t, `{"redirect_uri":"https://app.example/cb"}`)
	status, out = exchange(with("code", bound.Code))
	inner = wantGraphError(t, "redirect mismatch", status, out, 400, 100)
	if inner["error_subcode"] != float64(36008) {
		t.Errorf("redirect mismatch: %v", inner)
	}
	form := with("code", bound.Code)
	form.Set("redirect_uri", "https://app.example/cb")
	status, out = call(t, "POST", e.api.URL+"/oauth/access_token", "", "")
	wantGraphError(t, "POST without parameters", status, out, 400, 101)
	req := e.api.URL + "/v23.0/oauth/access_token"
	status, out = postForm(t, req, form)
	if status != 200 || out["access_token"] == nil {
		t.Errorf("POST form exchange: %d %v", status, out)
	}
}

func TestSignupWebhooksAndDebugToken(t *testing.T) {
	e := newEnv(t, Config{})
	res := e.signup(t, `{"verified_name":"Acme","business_id":"123456789012345"}`)
	waitFor(t, "PARTNER_APP_INSTALLED", func() bool { return len(e.rc.changes("account_update")) == 1 })
	got := e.rc.changes("account_update")[0]
	info, _ := got.value["waba_info"].(map[string]any)
	if got.entryID != DefaultPartnerBusinessID || got.time == 0 || got.value["event"] != "PARTNER_APP_INSTALLED" ||
		info["waba_id"] != res.WABAID || info["owner_business_id"] != "123456789012345" || info["partner_app_id"] != DefaultAppID {
		t.Errorf("account_update %+v", got)
	}
	token := e.exchange(t, res.Code)

	// debug_token with the app token lists the WABA in granular_scopes.
	status, out := call(t, "GET", e.api.URL+"/v24.0/oauth/access_token?client_id="+DefaultAppID+"&client_secret="+testSecret+"&grant_type=client_credentials", "", "")
	if status != 200 || out["access_token"] != DefaultAppID+"|"+testSecret {
		t.Fatalf("app token: %d %v", status, out)
	}
	status, out = call(t, "GET", e.api.URL+"/v24.0/debug_token?input_token="+url.QueryEscape(token)+"&access_token="+url.QueryEscape(DefaultAppID+"|"+testSecret), "", "")
	data, _ := out["data"].(map[string]any)
	if status != 200 || data["is_valid"] != true || data["app_id"] != DefaultAppID || !strings.Contains(mustJSON(data["granular_scopes"]), res.WABAID) {
		t.Errorf("debug_token: %d %v", status, out)
	}
	_, out = call(t, "GET", e.api.URL+"/debug_token?input_token=EAAGnope", token, "")
	if out["data"].(map[string]any)["is_valid"] != false {
		t.Errorf("debug_token of an unknown token: %v", out)
	}

	// The app is not subscribed to the new WABA yet: its webhooks are not sent.
	if _, err := e.sim.Inject(t.Context(), Inbound{PhoneNumberID: res.PhoneNumberID, From: customer, Text: "early"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "drop logged", func() bool {
		for _, d := range e.sim.Deliveries(0) {
			if strings.Contains(d.Error, "not subscribed") && d.PhoneNumberID == res.PhoneNumberID {
				return true
			}
		}
		return false
	})
	status, out = e.graph(t, "POST", res.WABAID+"/subscribed_apps", token, "")
	if status != 200 || out["success"] != true {
		t.Fatalf("subscribe: %d %v", status, out)
	}
	e.inject(t, Inbound{PhoneNumberID: res.PhoneNumberID, From: customer, Text: "after"})
	waitFor(t, "inbound after subscribing", func() bool { return len(e.rc.list("messages")) == 1 })
	if m := e.rc.list("messages")[0]; m["text"].(map[string]any)["body"] != "after" {
		t.Errorf("inbound %v", m)
	}

	// FINISH_ONLY_WABA: a WABA without numbers, reachable with its token.
	only := e.signup(t, `{"only_waba":true}`)
	if only.PhoneNumberID != "" {
		t.Errorf("only_waba made a number: %+v", only)
	}
	token2 := e.exchange(t, only.Code)
	status, out = e.graph(t, "GET", only.WABAID+"/phone_numbers", token2, "")
	if status != 200 || len(out["data"].([]any)) != 0 {
		t.Errorf("phone_numbers of an empty WABA: %d %v", status, out)
	}
	// Signing up again with the same WABA keeps its business.
	again := e.signup(t, `{"waba_id":"`+res.WABAID+`","only_waba":true}`)
	if again.BusinessID != "123456789012345" || again.WABAID != res.WABAID {
		t.Errorf("re-signup %+v", again)
	}
	var app map[string]string
	getJSON(t, e.api.URL+"/_sim/app", &app)
	if app["app_id"] != DefaultAppID || app["webhook_url"] != e.rc.srv.URL {
		t.Errorf("/_sim/app %v", app)
	}
}

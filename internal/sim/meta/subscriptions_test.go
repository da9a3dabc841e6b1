package meta

import (
	"strings"
	"testing"
)

func TestSubscribedAppsOverride(t *testing.T) {
	e := newEnv(t, Config{DeliveredAfter: -1})
	waba, hs := newVerifyingReceiver(t, "waba-secret")
	path := e.num.WABAID + "/subscribed_apps"

	// A seeded WABA is subscribed, without an alternate callback.
	status, out := e.graph(t, "GET", path, e.num.AccessToken, "")
	data, _ := out["data"].([]any)
	if status != 200 || len(data) != 1 {
		t.Fatalf("list: %d %v", status, out)
	}
	app := data[0].(map[string]any)["whatsapp_business_api_data"].(map[string]any)
	if app["id"] != DefaultAppID || app["name"] != "GoHavi Simulator" || !strings.Contains(app["link"].(string), DefaultAppID) {
		t.Errorf("app %v", app)
	}

	// A wrong verify token fails the handshake: #2200, nothing changes.
	status, out = e.graph(t, "POST", path, e.num.AccessToken, `{"override_callback_uri":"`+waba.srv.URL+`/hook","verify_token":"wrong"}`)
	inner := wantGraphError(t, "bad verify token", status, out, 400, 2200)
	if !strings.HasPrefix(inner["message"].(string), "(#2200) Callback verification failed with the following errors: HTTP Status Code = 403") {
		t.Errorf("message %v", inner["message"])
	}
	status, out = e.graph(t, "POST", path, e.num.AccessToken, `{"override_callback_uri":"`+waba.srv.URL+`/`+strings.Repeat("x", 200)+`","verify_token":"t"}`)
	wantGraphError(t, "too long", status, out, 400, 100)
	if len(hs.list()) != 1 {
		t.Fatalf("handshakes %v", hs.list())
	}

	status, out = e.graph(t, "POST", path, e.num.AccessToken, `{"override_callback_uri":"`+waba.srv.URL+`/hook","verify_token":"waba-secret"}`)
	if status != 200 || out["success"] != true {
		t.Fatalf("override: %d %v", status, out)
	}
	if q := hs.list()[1]; q.Get("hub.mode") != "subscribe" || q.Get("hub.challenge") == "" {
		t.Errorf("handshake %v", q)
	}
	_, out = e.graph(t, "GET", path, e.num.AccessToken, "")
	if got := out["data"].([]any)[0].(map[string]any)["override_callback_uri"]; got != waba.srv.URL+"/hook" {
		t.Errorf("override_callback_uri %v", got)
	}

	// Messages webhooks go to the override; management ones to the app.
	e.inject(t, Inbound{From: customer, Text: "to the override"})
	waitFor(t, "inbound at the WABA override", func() bool { return len(waba.list("messages")) == 1 })
	e.control(t, "/_sim/display-name", `{"phone_number_id":"`+e.num.PhoneNumberID+`","decision":"APPROVED"}`)
	waitFor(t, "name update at the app", func() bool { return len(e.rc.changes("phone_number_name_update")) == 1 })
	if len(e.rc.list("messages")) != 0 || len(waba.changes("phone_number_name_update")) != 0 {
		t.Error("webhooks went to the wrong callback")
	}

	// A phone override wins over the WABA's (§2.1), and shows in webhook_configuration.
	phone, _ := newVerifyingReceiver(t, "phone-secret")
	status, out = e.graph(t, "POST", e.num.PhoneNumberID, e.num.AccessToken,
		`{"webhook_configuration":{"override_callback_uri":"`+phone.srv.URL+`","verify_token":"phone-secret"}}`)
	if status != 200 {
		t.Fatalf("phone override: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", e.num.PhoneNumberID+"?fields=webhook_configuration", e.num.AccessToken, "")
	wc := out["webhook_configuration"].(map[string]any)
	if wc["phone_number"] != phone.srv.URL || wc["whatsapp_business_account"] != waba.srv.URL+"/hook" || wc["application"] != e.rc.srv.URL {
		t.Errorf("webhook_configuration %v", wc)
	}
	wamid := e.sendOK(t, textTo(customer, "status to the phone override"))
	waitFor(t, "status at the phone override", func() bool { return len(phone.statusesOf(wamid)) >= 1 })

	// Removing both brings messages back to the app.
	e.graph(t, "POST", e.num.PhoneNumberID, e.num.AccessToken, `{"webhook_configuration":{"override_callback_uri":""}}`)
	status, _ = e.graph(t, "POST", path, e.num.AccessToken, ``)
	if status != 200 {
		t.Fatalf("re-subscribe without override: %d", status)
	}
	_, out = e.graph(t, "GET", path, e.num.AccessToken, "")
	if _, has := out["data"].([]any)[0].(map[string]any)["override_callback_uri"]; has {
		t.Errorf("override kept: %v", out)
	}
	e.inject(t, Inbound{From: customer, Text: "back to the app"})
	waitFor(t, "inbound at the app", func() bool { return len(e.rc.list("messages")) == 1 })

	// DELETE unsubscribes: no more webhooks for the WABA.
	status, out = e.graph(t, "DELETE", path, e.num.AccessToken, "")
	if status != 200 || out["success"] != true {
		t.Fatalf("unsubscribe: %d %v", status, out)
	}
	_, out = e.graph(t, "GET", path, e.num.AccessToken, "")
	if len(out["data"].([]any)) != 0 {
		t.Errorf("still listed: %v", out)
	}
	e.inject(t, Inbound{From: customer, Text: "lost"})
	waitFor(t, "drop logged", func() bool {
		d := e.sim.Deliveries(0)
		return len(d) > 0 && strings.Contains(d[len(d)-1].Error, "not subscribed")
	})
	if len(e.rc.list("messages")) != 1 {
		t.Error("a webhook of an unsubscribed WABA was sent")
	}

	// Another app's token cannot touch the WABA.
	other := e.sim.AddNumber(NumberSpec{})
	status, out = e.graph(t, "GET", path, other.AccessToken, "")
	wantGraphError(t, "foreign token", status, out, 403, 200)
}

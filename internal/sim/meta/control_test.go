package meta

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"
)

func getJSON(t *testing.T, url string, v any) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
		t.Fatalf("%s: %v", url, err)
	}
	return resp.StatusCode
}

func TestMountedUnderPrefix(t *testing.T) {
	sim := New(Config{Logger: quiet()})
	defer sim.Close()
	n := sim.AddNumber(NumberSpec{})
	mux := http.NewServeMux()
	mux.Handle("/sim/", http.StripPrefix("/sim", sim.Handler()))
	srv := httptest.NewServer(mux)
	defer srv.Close()

	resp, err := http.Get(srv.URL + "/sim/_sim/phone")
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("phone page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, id := range []string{"phone-name", "phone-waid", "phone-number", "phone-input", "phone-send", "phone-thread"} {
		if !strings.Contains(string(page), `id="`+id+`"`) {
			t.Errorf("page lacks #%s", id)
		}
	}
	// Every URL the page and its script use must be relative.
	resp, err = http.Get(srv.URL + "/sim/_sim/phone.js")
	if err != nil {
		t.Fatal(err)
	}
	js, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("phone.js: %d", resp.StatusCode)
	}
	absolute := regexp.MustCompile(`(src|href)="/|fetch\(\s*["'` + "`" + `]/|api\(\s*["'` + "`" + `]/`)
	if m := absolute.Find(append(page, js...)); m != nil {
		t.Errorf("absolute URL in the phone page: %s", m)
	}

	var numbers []Number
	if code := getJSON(t, srv.URL+"/sim/_sim/numbers", &numbers); code != 200 || len(numbers) != 1 || numbers[0].AccessToken != n.AccessToken {
		t.Errorf("numbers %d %+v", code, numbers)
	}
	code, out := call(t, "POST", srv.URL+"/sim/v24.0/"+n.PhoneNumberID+"/messages", n.AccessToken, templateTo(customer))
	if code != 200 || out["messages"] == nil {
		t.Errorf("Graph API under the prefix: %d %v", code, out)
	}
	code, out = call(t, "GET", srv.URL+"/sim/"+n.PhoneNumberID, n.AccessToken, "")
	if code != 200 || out["id"] != n.PhoneNumberID {
		t.Errorf("versionless GET under the prefix: %d %v", code, out)
	}
}

func TestControlNumbers(t *testing.T) {
	e := newEnv(t, Config{})
	code, out := call(t, "POST", e.api.URL+"/_sim/numbers", "", `{"verified_name":"Acme","display_phone_number":"+1 555-000-1111","webhook_url":"http://127.0.0.1:1/x"}`)
	if code != 200 || out["verified_name"] != "Acme" || out["display_phone_number"] != "15550001111" || out["webhook_url"] != "http://127.0.0.1:1/x" {
		t.Fatalf("%d %v", code, out)
	}
	for _, k := range []string{"waba_id", "phone_number_id"} {
		if !regexp.MustCompile(`^\d{15}$`).MatchString(out[k].(string)) {
			t.Errorf("%s %v", k, out[k])
		}
	}
	if tok := out["access_token"].(string); !strings.HasPrefix(tok, "EAAG") || len(tok) < 100 {
		t.Errorf("token %q", tok)
	}
	var list []Number
	getJSON(t, e.api.URL+"/_sim/numbers", &list)
	if len(list) != 2 || list[0].PhoneNumberID != e.num.PhoneNumberID || list[1].VerifiedName != "Acme" {
		t.Errorf("list %+v", list)
	}
	if again := e.sim.AddNumber(NumberSpec{PhoneNumberID: e.num.PhoneNumberID, VerifiedName: "Other"}); again != e.num {
		t.Errorf("re-adding a number is idempotent: %+v", again)
	}
	if again := e.sim.AddNumber(NumberSpec{PhoneNumberID: e.num.PhoneNumberID, WebhookURL: "http://127.0.0.1:2/y"}); again.WebhookURL != "http://127.0.0.1:2/y" || again.VerifiedName != e.num.VerifiedName {
		t.Errorf("re-adding with a webhook_url sets the override: %+v", again)
	}
	code, out = call(t, "GET", e.api.URL+"/_sim/nothing", "", "")
	if code != 404 || out["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("unknown control path: %d %v", code, out)
	}
}

func TestControlChatAndSent(t *testing.T) {
	e := newEnv(t, Config{})
	failed := e.sendOK(t, textTo(customer, "outside the window"))
	in := e.inject(t, Inbound{From: customer, Text: "hello"})
	out := e.sendOK(t, `{"messaging_product":"whatsapp","to":"`+customer+`","type":"text","text":{"body":"hi there"},"context":{"message_id":"`+in+`"}}`)
	e.sendOK(t, textTo("16505550000", "someone else"))
	waitFor(t, "delivered", func() bool { return len(e.rc.statusesOf(out)) == 2 })

	var chat struct{ Messages []ChatMessage }
	getJSON(t, e.api.URL+"/_sim/chat?phone_number_id="+e.num.PhoneNumberID+"&wa_id=%2B"+customer, &chat)
	if len(chat.Messages) != 2 {
		t.Fatalf("chat %+v", chat.Messages)
	}
	got, reply := chat.Messages[0], chat.Messages[1]
	if got.ID != in || got.Direction != "in" || got.Status != "delivered" || !strings.Contains(string(got.Content), "hello") {
		t.Errorf("inbound %+v", got)
	}
	if reply.ID != out || reply.Direction != "out" || reply.Status != "delivered" || reply.Context != in || !strings.Contains(string(reply.Content), "hi there") {
		t.Errorf("outbound %+v", reply)
	}
	e.send(t, `{"messaging_product":"whatsapp","status":"read","message_id":"`+in+`"}`)
	getJSON(t, e.api.URL+"/_sim/chat?phone_number_id="+e.num.PhoneNumberID+"&wa_id="+customer, &chat)
	if chat.Messages[0].Status != "read" {
		t.Errorf("business read should show on the customer's message: %+v", chat.Messages[0])
	}

	var sent []SentMessage
	getJSON(t, e.api.URL+"/_sim/sent?phone_number_id="+e.num.PhoneNumberID+"&to="+customer, &sent)
	if len(sent) != 2 || sent[0].ID != failed || sent[0].Status != "failed" || sent[1].ID != out {
		t.Errorf("sent %+v", sent)
	}
	var errOut map[string]any
	if code := getJSON(t, e.api.URL+"/_sim/chat?phone_number_id=nope&wa_id=1", &errOut); code != 404 {
		t.Errorf("unknown number: %d", code)
	}
}

func TestControlFaultsMerge(t *testing.T) {
	e := newEnv(t, Config{})
	call(t, "POST", e.api.URL+"/_sim/faults", "", `{"drop_webhooks":2,"graph_latency_ms":5}`)
	_, out := call(t, "POST", e.api.URL+"/_sim/faults", "", `{"skip_delivered":1}`)
	if out["drop_webhooks"] != float64(2) || out["graph_latency_ms"] != float64(5) || out["skip_delivered"] != float64(1) {
		t.Errorf("fields not given must keep their values: %v", out)
	}
	code, out := call(t, "POST", e.api.URL+"/_sim/faults", "", `{"drop_webhooks":"many"}`)
	if code != 400 {
		t.Errorf("bad faults: %d %v", code, out)
	}
	var f Faults
	getJSON(t, e.api.URL+"/_sim/faults", &f)
	if f.DropWebhooks != 2 {
		t.Errorf("a rejected update must not change faults: %+v", f)
	}
}

func TestControlWebhooksLog(t *testing.T) {
	e := newEnv(t, Config{DeliveredAfter: time.Hour})
	for range 3 {
		e.inject(t, Inbound{From: customer, Text: "x"})
		waitFor(t, "ack", func() bool { return len(e.sim.Deliveries(0)) > 0 })
	}
	waitFor(t, "all acked", func() bool { return len(e.rc.list("messages")) == 3 })
	var log []DeliveryAttempt
	getJSON(t, e.api.URL+"/_sim/webhooks?limit=1", &log)
	if len(log) != 1 || log[0].StatusCode != 200 || log[0].URL != e.rc.srv.URL || !strings.Contains(log[0].Body, "whatsapp_business_account") {
		t.Errorf("log %+v", log)
	}
}

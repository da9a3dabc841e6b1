package meta

import (
	"strings"
	"testing"
	"time"
)

const customer = "16505551234"

func TestStatusSequenceSignedWithOpaqueData(t *testing.T) {
	e := newEnv(t, Config{AutoRead: true})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	wamid := e.sendOK(t, `{"messaging_product":"whatsapp","to":"+16505551234","type":"text","text":{"body":"Hello"},"biz_opaque_callback_data":"order-42"}`)
	waitFor(t, "sent,delivered,read", func() bool { return len(e.rc.statusesOf(wamid)) == 3 })
	st := e.rc.statusesOf(wamid)
	if got := statusNames(st); got != "sent,delivered,read" {
		t.Fatalf("statuses %s", got)
	}
	for _, s := range st {
		if s["biz_opaque_callback_data"] != "order-42" || s["recipient_id"] != customer {
			t.Errorf("status %v", s)
		}
		if ts, ok := s["timestamp"].(string); !ok || len(ts) != 10 {
			t.Errorf("timestamp must be a string of unix seconds: %v", s["timestamp"])
		}
	}
	pricing := st[0]["pricing"].(map[string]any)
	if pricing["type"] != "free_customer_service" || pricing["category"] != "service" || pricing["billable"] != false || pricing["pricing_model"] != "PMP" {
		t.Errorf("pricing %v", pricing)
	}
	if st[1]["pricing"] == nil || st[2]["pricing"] != nil {
		t.Error("pricing goes on sent and on exactly one of delivered/read")
	}
	for _, p := range e.rc.acked() {
		if p.header.Get("User-Agent") != "facebookexternalua" || p.header.Get("Content-Type") != "application/json" {
			t.Errorf("headers %v", p.header)
		}
		if p.body["object"] != "whatsapp_business_account" {
			t.Errorf("object %v", p.body["object"])
		}
		entry := p.body["entry"].([]any)[0].(map[string]any)
		value := entry["changes"].([]any)[0].(map[string]any)["value"].(map[string]any)
		meta := value["metadata"].(map[string]any)
		if entry["id"] != e.num.WABAID || meta["phone_number_id"] != e.num.PhoneNumberID || meta["display_phone_number"] != "15550783881" || value["messaging_product"] != "whatsapp" {
			t.Errorf("envelope %s", p.raw)
		}
	}
	sent := e.sim.Sent(e.num.PhoneNumberID)
	if sent[0].Status != "read" || len(sent[0].Statuses) != 3 {
		t.Errorf("Sent %+v", sent[0])
	}
}

func TestWindowClosedFails131047(t *testing.T) {
	e := newEnv(t, Config{})
	wamid := e.sendOK(t, textTo(customer, "Are you there?"))
	waitFor(t, "failed status", func() bool { return len(e.rc.statusesOf(wamid)) == 1 })
	st := e.rc.statusesOf(wamid)[0]
	if st["status"] != "failed" {
		t.Fatalf("status %v", st)
	}
	er := st["errors"].([]any)[0].(map[string]any)
	details := er["error_data"].(map[string]any)["details"]
	if er["code"] != float64(131047) || er["title"] != "Re-engagement message" ||
		details != "Message failed to send because more than 24 hours have passed since the customer last replied to this number." {
		t.Errorf("error %v", er)
	}
	if s := e.sim.Sent(e.num.PhoneNumberID)[0]; s.Status != "failed" || s.Errors[0].Code != 131047 {
		t.Errorf("Sent %+v", s)
	}

	e.inject(t, Inbound{From: customer, Text: "yes"})
	ok := e.sendOK(t, textTo(customer, "Great"))
	waitFor(t, "delivered", func() bool { return len(e.rc.statusesOf(ok)) == 2 })
	if got := statusNames(e.rc.statusesOf(ok)); got != "sent,delivered" {
		t.Errorf("inside the window: %s", got)
	}
}

func TestWindowExpiresAfter24h(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now})
	e.inject(t, Inbound{From: customer, Type: "request_welcome"})
	clock.Advance(23 * time.Hour)
	inside := e.sendOK(t, textTo(customer, "still open"))
	clock.Advance(2 * time.Hour)
	outside := e.sendOK(t, textTo(customer, "too late"))
	waitFor(t, "statuses", func() bool { return len(e.rc.statusesOf(inside)) >= 1 && len(e.rc.statusesOf(outside)) == 1 })
	if e.rc.statusesOf(inside)[0]["status"] != "sent" || e.rc.statusesOf(outside)[0]["status"] != "failed" {
		t.Errorf("inside %v outside %v", e.rc.statusesOf(inside), e.rc.statusesOf(outside))
	}
}

func TestTemplatesAllowedOutsideWindow(t *testing.T) {
	e := newEnv(t, Config{})
	tmpl := func(name string) string {
		return `{"messaging_product":"whatsapp","to":"` + customer + `","type":"template","template":{"name":"` + name + `","language":{"code":"en_US"}}}`
	}
	mkt := e.sendOK(t, tmpl("spring_sale"))
	util := e.sendOK(t, tmpl("order_utility_update"))
	e.inject(t, Inbound{From: customer, Text: "thanks"})
	utilIn := e.sendOK(t, tmpl("order_utility_update"))
	waitFor(t, "sent statuses", func() bool {
		return len(e.rc.statusesOf(mkt)) > 0 && len(e.rc.statusesOf(util)) > 0 && len(e.rc.statusesOf(utilIn)) > 0
	})
	check := func(wamid, typ, cat string, billable bool) {
		t.Helper()
		st := e.rc.statusesOf(wamid)[0]
		p, _ := st["pricing"].(map[string]any)
		if st["status"] != "sent" || p["type"] != typ || p["category"] != cat || p["billable"] != billable {
			t.Errorf("%v", st)
		}
	}
	check(mkt, "regular", "marketing", true)
	check(util, "regular", "utility", true)
	check(utilIn, "free_customer_service", "utility", false)
}

func TestCustomerReadsViaControlAPI(t *testing.T) {
	e := newEnv(t, Config{})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	first := e.sendOK(t, textTo(customer, "one"))
	second := e.sendOK(t, textTo(customer, "two"))
	waitFor(t, "delivered", func() bool { return len(e.rc.statusesOf(first)) == 2 && len(e.rc.statusesOf(second)) == 2 })
	time.Sleep(20 * time.Millisecond) // AutoRead is off: nothing more must come
	if len(e.rc.statusesOf(second)) != 2 {
		t.Fatal("read without the customer reading")
	}
	code, out := call(t, "POST", e.api.URL+"/_sim/read", "", `{"phone_number_id":"`+e.num.PhoneNumberID+`","wamid":"`+second+`"}`)
	if code != 200 || out["success"] != true {
		t.Fatalf("%d %v", code, out)
	}
	waitFor(t, "read", func() bool { return len(e.rc.statusesOf(first)) == 3 && len(e.rc.statusesOf(second)) == 3 })
	if got := statusNames(e.rc.statusesOf(first)); got != "sent,delivered,read" {
		t.Errorf("earlier message: %s", got)
	}
	code, out = call(t, "POST", e.api.URL+"/_sim/read", "", `{"phone_number_id":"`+e.num.PhoneNumberID+`","wamid":"wamid.nope"}`)
	if code != 404 || out["error"].(map[string]any)["code"] != "not_found" {
		t.Errorf("%d %v", code, out)
	}
}

func TestReadBeforeDeliveredSkipsDelivered(t *testing.T) {
	e := newEnv(t, Config{DeliveredAfter: time.Hour})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	wamid := e.sendOK(t, textTo(customer, "hello"))
	waitFor(t, "sent", func() bool { return len(e.rc.statusesOf(wamid)) == 1 })
	if err := e.sim.CustomerRead(e.num.PhoneNumberID, wamid); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "read", func() bool { return len(e.rc.statusesOf(wamid)) == 2 })
	st := e.rc.statusesOf(wamid)
	if statusNames(st) != "sent,read" || st[1]["pricing"] == nil {
		t.Errorf("%v", st)
	}
}

func TestReactionOnlyGetsSent(t *testing.T) {
	e := newEnv(t, Config{AutoRead: true})
	in := e.inject(t, Inbound{From: customer, Text: "hi"})
	wamid := e.sendOK(t, `{"messaging_product":"whatsapp","to":"`+customer+`","type":"reaction","reaction":{"message_id":"`+in+`","emoji":"👍"}}`)
	waitFor(t, "sent", func() bool { return len(e.rc.statusesOf(wamid)) == 1 })
	time.Sleep(30 * time.Millisecond)
	if got := statusNames(e.rc.statusesOf(wamid)); got != "sent" {
		t.Errorf("reaction statuses %s", got)
	}
}

func TestStatusOrderFaults(t *testing.T) {
	e := newEnv(t, Config{})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	e.sim.SetFaults(Faults{OutOfOrder: 1})
	ooo := e.sendOK(t, textTo(customer, "a"))
	waitFor(t, "out of order", func() bool { return len(e.rc.statusesOf(ooo)) == 3 })
	if got := statusNames(e.rc.statusesOf(ooo)); got != "sent,read,delivered" {
		t.Errorf("out_of_order: %s", got)
	}
	e.sim.SetFaults(Faults{SkipDelivered: 1})
	skip := e.sendOK(t, textTo(customer, "b"))
	waitFor(t, "skip delivered", func() bool { return len(e.rc.statusesOf(skip)) == 2 })
	if got := statusNames(e.rc.statusesOf(skip)); got != "sent,read" {
		t.Errorf("skip_delivered: %s", got)
	}
	if s := e.sim.Sent(e.num.PhoneNumberID)[0]; s.Status != "read" {
		t.Errorf("a late delivered must not regress the state: %s", s.Status)
	}
}

func TestSendFaults(t *testing.T) {
	e := newEnv(t, Config{})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	code, out := call(t, "POST", e.api.URL+"/_sim/faults", "", `{"fail_sends":{"count":1,"code":131026}}`)
	if code != 200 || out["fail_sends"] == nil {
		t.Fatalf("%d %v", code, out)
	}
	code, out = e.send(t, textTo(customer, "x"))
	if code != 400 || errCode(out) != 131026 {
		t.Errorf("sync fault: %d %v", code, out)
	}
	if code, _ = e.send(t, textTo(customer, "x")); code != 200 {
		t.Error("the fault should apply once")
	}

	call(t, "POST", e.api.URL+"/_sim/faults", "", `{"fail_sends":{"count":1,"code":131049,"mode":"async"}}`)
	wamid := e.sendOK(t, textTo(customer, "y"))
	waitFor(t, "failed", func() bool { return len(e.rc.statusesOf(wamid)) == 1 })
	st := e.rc.statusesOf(wamid)[0]
	if st["status"] != "failed" || st["errors"].([]any)[0].(map[string]any)["code"] != float64(131049) {
		t.Errorf("async fault: %v", st)
	}

	call(t, "POST", e.api.URL+"/_sim/faults", "", `{"graph_latency_ms":60}`)
	start := time.Now()
	e.sendOK(t, textTo(customer, "slow"))
	if d := time.Since(start); d < 60*time.Millisecond {
		t.Errorf("latency fault: answered in %v", d)
	}
	code, out = call(t, "POST", e.api.URL+"/_sim/faults", "", `{"reset":true}`)
	if code != 200 || out["graph_latency_ms"] != float64(0) {
		t.Errorf("reset: %v", out)
	}
}

func TestWebhookDropAndDuplicateFaults(t *testing.T) {
	e := newEnv(t, Config{DeliveredAfter: time.Hour})
	e.sim.SetFaults(Faults{DropWebhooks: 1})
	dropped := e.inject(t, Inbound{From: customer, Text: "lost"})
	waitFor(t, "drop recorded", func() bool { return len(e.sim.Deliveries(0)) == 1 })
	if d := e.sim.Deliveries(0)[0]; d.Fault != "dropped" || d.StatusCode != 0 || !strings.Contains(d.Body, dropped) {
		t.Errorf("%+v", d)
	}
	e.sim.SetFaults(Faults{DuplicateWebhooks: 1})
	dup := e.inject(t, Inbound{From: customer, Text: "twice"})
	waitFor(t, "duplicate", func() bool { return len(e.rc.acked()) == 2 })
	got := e.rc.list("messages")
	if len(got) != 2 || got[0]["id"] != dup || got[1]["id"] != dup {
		t.Errorf("messages %v", got)
	}
}

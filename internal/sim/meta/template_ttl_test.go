package meta

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

func tplBodyTTL(name, category, body string, ttl int) string {
	return mustJSON(map[string]any{"name": name, "language": "en_US", "category": category, "message_send_ttl_seconds": ttl,
		"components": []map[string]any{{"type": "BODY", "text": body}}})
}

func userMsg(out map[string]any) string {
	e, _ := out["error"].(map[string]any)
	s, _ := e["error_user_msg"].(string)
	return s
}

func TestTemplateTTLCreateAndRead(t *testing.T) {
	e := newEnv(t, Config{TemplateReviewAfter: -1})
	for _, tc := range []struct {
		category string
		ttl      int
		ok       bool
	}{
		{"AUTHENTICATION", 30, true}, {"AUTHENTICATION", 900, true}, {"AUTHENTICATION", 901, false}, {"AUTHENTICATION", -1, true},
		{"UTILITY", 29, false}, {"UTILITY", 43_200, true}, {"UTILITY", 43_201, false}, {"UTILITY", 0, false},
		{"MARKETING", 43_199, false}, {"MARKETING", 2_592_000, true}, {"MARKETING", 2_592_001, false}, {"MARKETING", -1, false},
	} {
		name := strings.ToLower(tc.category) + "_ttl_" + strings.ReplaceAll(mustJSON(tc.ttl), "-", "m")
		code, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, tplBodyTTL(name, tc.category, "Hello there, see you soon friend.", tc.ttl))
		if tc.ok != (code == 200) {
			t.Errorf("%s %d: %d %v", tc.category, tc.ttl, code, out)
		}
		if !tc.ok && (errCode(out) != 100 || !strings.Contains(userMsg(out), "message_send_ttl_seconds")) {
			t.Errorf("%s %d error: %v", tc.category, tc.ttl, out)
		}
	}

	_, out := call(t, "GET", e.tplURL("?name=utility_ttl_43200"), e.num.AccessToken, "")
	d := out["data"].([]any)
	if len(d) != 1 || d[0].(map[string]any)["message_send_ttl_seconds"] != float64(43_200) {
		t.Fatalf("list: %v", out)
	}
	id := d[0].(map[string]any)["id"].(string)
	_, out = call(t, "GET", e.api.URL+"/v24.0/"+id+"?fields=status,message_send_ttl_seconds", e.num.AccessToken, "")
	if out["message_send_ttl_seconds"] != float64(43_200) || out["status"] != "APPROVED" {
		t.Errorf("get with fields: %v", out)
	}
	// A template without a TTL does not carry the field.
	code, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, tplBody("no_ttl", "UTILITY", "Hello there, see you soon friend."))
	if code != 200 {
		t.Fatalf("create: %d %v", code, out)
	}
	_, out = call(t, "GET", e.api.URL+"/v24.0/"+out["id"].(string), e.num.AccessToken, "")
	if _, ok := out["message_send_ttl_seconds"]; ok {
		t.Errorf("unset TTL listed: %v", out)
	}
}

func TestTemplateEdit(t *testing.T) {
	clk := newFakeClock()
	e := newEnv(t, Config{Now: clk.Now, TemplateReviewAfter: time.Minute})
	edit := func(id, body string) (int, map[string]any) {
		return call(t, "POST", e.api.URL+"/v24.0/"+id, e.num.AccessToken, body)
	}
	get := func(id string) map[string]any {
		_, out := call(t, "GET", e.api.URL+"/v24.0/"+id, e.num.AccessToken, "")
		return out
	}
	_, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, tplBody("reminder", "UTILITY", "Your visit is today at {{1}}, see you soon."))
	id := out["id"].(string)

	// PENDING templates cannot be edited.
	if code, out := edit(id, `{"message_send_ttl_seconds":600}`); code != 400 || errCode(out) != 100 || !strings.Contains(userMsg(out), "PENDING") {
		t.Fatalf("edit pending: %d %v", code, out)
	}
	clk.Advance(time.Minute)
	if s := get(id)["status"]; s != "APPROVED" {
		t.Fatalf("status %v", s)
	}

	for _, tc := range []struct{ what, body string }{
		{"empty", `{}`},
		{"out of range", `{"message_send_ttl_seconds":86400}`},
		{"category of approved", `{"category":"MARKETING"}`},
		{"bad components", `{"components":[{"type":"FOOTER","text":"x"}]}`},
	} {
		if code, out := edit(id, tc.body); code != 400 || errCode(out) != 100 || userMsg(out) == "" {
			t.Errorf("%s: %d %v", tc.what, code, out)
		}
	}
	if code, _ := call(t, "POST", e.api.URL+"/v24.0/"+id, "nope", `{"message_send_ttl_seconds":600}`); code != 401 {
		t.Errorf("bad token: %d", code)
	}

	// A TTL edit keeps the template approved and is listed.
	if code, out := edit(id, `{"message_send_ttl_seconds":600,"category":"utility"}`); code != 200 || out["success"] != true {
		t.Fatalf("edit ttl: %d %v", code, out)
	}
	if got := get(id); got["status"] != "APPROVED" || got["message_send_ttl_seconds"] != float64(600) {
		t.Fatalf("after ttl edit: %v", got)
	}

	// One edit per 24 hours for an approved template.
	code, out := edit(id, `{"message_send_ttl_seconds":900}`)
	if code != 400 || errCode(out) != 100 || !strings.Contains(userMsg(out), "24 hours") {
		t.Fatalf("second edit within 24h: %d %v", code, out)
	}
	if got := get(id); got["message_send_ttl_seconds"] != float64(600) {
		t.Errorf("refused edit applied: %v", got)
	}
	clk.Advance(24 * time.Hour)

	// New components go back to review, then are approved.
	code, out = edit(id, `{"components":[{"type":"BODY","text":"Reminder: your visit is today at {{1}}, see you soon."}]}`)
	if code != 200 {
		t.Fatalf("edit components: %d %v", code, out)
	}
	if got := get(id); got["status"] != "PENDING" || got["message_send_ttl_seconds"] != float64(600) {
		t.Fatalf("after components edit: %v", got)
	}
	clk.Advance(time.Minute)
	got := get(id)
	comps := got["components"].([]any)
	if got["status"] != "APPROVED" || !strings.HasPrefix(comps[0].(map[string]any)["text"].(string), "Reminder:") {
		t.Fatalf("after review: %v", got)
	}

	// The webhooks so far must be in before the clock jumps weeks ahead: a
	// delivery retried after such a jump is older than RetryMaxAge and
	// dropped, as Meta drops it.
	e.waitMgmt(t, "message_template_status_update", 2)

	// Ten edits per 30 days: two made, eight more fit, the eleventh does not.
	for i := range 8 {
		clk.Advance(24 * time.Hour)
		if code, out := edit(id, mustJSON(map[string]int{"message_send_ttl_seconds": 60 + i})); code != 200 {
			t.Fatalf("edit %d: %d %v", i+3, code, out)
		}
	}
	clk.Advance(24 * time.Hour)
	if code, out := edit(id, `{"message_send_ttl_seconds":120}`); code != 400 || !strings.Contains(userMsg(out), "10 times") {
		t.Fatalf("eleventh edit: %d %v", code, out)
	}
	clk.Advance(20 * 24 * time.Hour) // the first edits leave the 30-day window
	if code, out := edit(id, `{"message_send_ttl_seconds":120}`); code != 200 {
		t.Fatalf("edit after the window: %d %v", code, out)
	}

	// Rejected templates can change category and be edited without limit.
	_, out = call(t, "POST", e.tplURL(""), e.num.AccessToken, tplBody("big_news", "UTILITY", "Big sale today: 50% discount on everything, come and see"))
	rid := out["id"].(string)
	clk.Advance(time.Minute)
	if s := get(rid)["status"]; s != "REJECTED" {
		t.Fatalf("big_news %v", s)
	}
	if code, out := edit(rid, `{"message_send_ttl_seconds":60}`); code != 200 || get(rid)["status"] != "REJECTED" {
		t.Errorf("ttl edit of a rejected template: %d %v", code, out)
	}
	// The stored TTL is checked against the new category.
	if code, out := edit(rid, `{"category":"MARKETING"}`); code != 400 || !strings.Contains(userMsg(out), "MARKETING") {
		t.Errorf("recategorize with a utility TTL: %d %v", code, out)
	}
	if code, out := edit(rid, `{"category":"MARKETING","message_send_ttl_seconds":86400}`); code != 200 {
		t.Fatalf("recategorize: %d %v", code, out)
	}
	clk.Advance(time.Minute)
	if got := get(rid); got["status"] != "APPROVED" || got["category"] != "MARKETING" || got["message_send_ttl_seconds"] != float64(86_400) {
		t.Errorf("after recategorizing: %v", got)
	}
	// Webhooks are delivered concurrently, so their order is not asserted.
	ev := e.waitMgmt(t, "message_template_status_update", 4)
	if !slices.ContainsFunc(ev, func(x map[string]any) bool {
		return x["message_template_name"] == "big_news" && x["event"] == "APPROVED" && x["message_template_category"] == "MARKETING"
	}) {
		t.Errorf("status webhooks: %v", ev)
	}
}

// reminderEnv seeds an approved UTILITY template with a 60 s TTL.
func reminderEnv(t *testing.T, cfg Config) (*env, *fakeClock) {
	clk := newFakeClock()
	cfg.Now = clk.Now
	e := newEnv(t, cfg)
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "reminder", Category: "UTILITY", Body: "Your visit is today at {{1}}, see you soon.",
		MessageSendTTLSeconds: 60})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "reminder_no_ttl", Category: "UTILITY", Body: "Your visit is today at {{1}}, see you soon."})
	return e, clk
}

func TestTemplateTTLExpiresHeldMessage(t *testing.T) {
	e, clk := reminderEnv(t, Config{})
	if _, err := e.sim.SetTemplatePacing(e.num.WABAID, "reminder", "en_US", 0); err != nil {
		t.Fatal(err)
	}
	late := e.sendOK(t, tplSend("16505551234", "reminder", bodyParams("10:00")))
	clk.Advance(59 * time.Second)
	onTime := e.sendOK(t, tplSend("16505551234", "reminder", bodyParams("10:00")))
	clk.Advance(2 * time.Second) // late's 60 s are up, onTime has 58 s left
	if n, err := e.sim.SettlePacing(e.num.WABAID, "reminder", "en_US", "release"); err != nil || n != 2 {
		t.Fatalf("release: %d %v", n, err)
	}
	waitFor(t, "statuses", func() bool {
		return len(e.rc.statusesOf(late)) >= 1 && len(e.rc.statusesOf(onTime)) >= 2
	})
	st := e.rc.statusesOf(late)
	if statusNames(st) != "failed" {
		t.Fatalf("late: %s", statusNames(st))
	}
	errs := st[0]["errors"].([]any)[0].(map[string]any)
	if errs["code"] != float64(131026) || !strings.Contains(errs["error_data"].(map[string]any)["details"].(string), "time-to-live of 60 seconds") {
		t.Errorf("error: %v", errs)
	}
	if got := statusNames(e.rc.statusesOf(onTime)); got != "sent,delivered" {
		t.Errorf("on time: %s", got)
	}
}

func TestTemplateTTLExpiresBeforeDelivery(t *testing.T) {
	e, clk := reminderEnv(t, Config{DeliveredAfter: 400 * time.Millisecond})
	late := e.sendOK(t, tplSend("16505551234", "reminder", bodyParams("10:00")))
	plain := e.sendOK(t, tplSend("16505551234", "reminder_no_ttl", bodyParams("10:00")))
	waitFor(t, "sent", func() bool {
		msgs := e.sim.Sent(e.num.PhoneNumberID)
		return len(msgs) == 2 && msgs[0].Status == "sent" && msgs[1].Status == "sent"
	})
	clk.Advance(time.Minute) // the phone has not confirmed delivery within the TTL
	waitFor(t, "outcome", func() bool { return len(e.rc.statusesOf(late)) >= 2 && len(e.rc.statusesOf(plain)) >= 2 })
	if got := statusNames(e.rc.statusesOf(late)); got != "sent,failed" {
		t.Errorf("with TTL: %s", got)
	}
	if got := statusNames(e.rc.statusesOf(plain)); got != "sent,delivered" {
		t.Errorf("without TTL: %s", got)
	}
	for _, m := range e.sim.Sent(e.num.PhoneNumberID) {
		if m.ID == late && (m.Status != "failed" || len(m.Errors) != 1 || m.Errors[0].Code != 131026) {
			t.Errorf("sent log: %+v", m)
		}
	}
}

func TestTemplateTTLDeliveredInTime(t *testing.T) {
	e, _ := reminderEnv(t, Config{})
	wamid := e.sendOK(t, tplSend("16505551234", "reminder", bodyParams("10:00")))
	waitFor(t, "delivered", func() bool { return len(e.rc.statusesOf(wamid)) >= 2 })
	if got := statusNames(e.rc.statusesOf(wamid)); got != "sent,delivered" {
		t.Errorf("statuses: %s", got)
	}
}

func TestTemplateTTLPersists(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e, clk := reminderEnv(t, Config{StatePath: path})
	if _, err := e.sim.SetTemplatePacing(e.num.WABAID, "reminder", "en_US", 0); err != nil {
		t.Fatal(err)
	}
	wamid := e.sendOK(t, tplSend("16505551234", "reminder", bodyParams("10:00")))
	e.sim.Close()
	clk.Advance(time.Minute)
	e2 := newEnv(t, Config{StatePath: path, Now: clk.Now})
	if ts := e2.sim.Templates(""); len(ts) != 2 || ts[0].MessageSendTTLSeconds != 60 {
		t.Fatalf("templates after restart: %+v", ts)
	}
	if _, err := e2.sim.SettlePacing(e2.num.WABAID, "reminder", "en_US", "release"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "failed", func() bool { return len(e2.rc.statusesOf(wamid)) >= 1 })
	if got := statusNames(e2.rc.statusesOf(wamid)); got != "failed" {
		t.Errorf("held past its TTL across a restart: %s", got)
	}
}

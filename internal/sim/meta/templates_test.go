package meta

import (
	"encoding/json"
	"path/filepath"
	"testing"
	"time"
)

// mgmt returns the values of every acknowledged webhook change of field,
// checking the management envelope (entry id = WABA, entry time set).
func (e *env) mgmt(t *testing.T, field string) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, p := range e.rc.acked() {
		for _, en := range p.body["entry"].([]any) {
			em := en.(map[string]any)
			for _, c := range em["changes"].([]any) {
				cm := c.(map[string]any)
				if cm["field"] != field {
					continue
				}
				if em["id"] != e.num.WABAID || em["time"] == nil {
					t.Errorf("%s envelope: entry id %v time %v", field, em["id"], em["time"])
				}
				out = append(out, cm["value"].(map[string]any))
			}
		}
	}
	return out
}

func (e *env) waitMgmt(t *testing.T, field string, n int) []map[string]any {
	t.Helper()
	waitFor(t, field+" webhook", func() bool { return len(e.mgmt(t, field)) >= n })
	return e.mgmt(t, field)
}

func (e *env) tplURL(suffix string) string {
	return e.api.URL + "/v24.0/" + e.num.WABAID + "/message_templates" + suffix
}

func mustJSON(v any) string { b, _ := json.Marshal(v); return string(b) }

func tplBody(name, category, body string, extra ...map[string]any) string {
	comps := []map[string]any{{"type": "BODY", "text": body}}
	comps = append(comps, extra...)
	return mustJSON(map[string]any{"name": name, "language": "en_US", "category": category, "components": comps})
}

func TestTemplateCreateValidation(t *testing.T) {
	e := newEnv(t, Config{})
	for _, tc := range []struct {
		name, body string
		sub        float64
	}{
		{"upper-case name", tplBody("Order_Update", "UTILITY", "Hi {{1}}, your order shipped today."), 0},
		{"bad category", tplBody("x", "PROMO", "Hello there"), 0},
		{"trailing param", tplBody("x", "UTILITY", "Your order number is {{1}}"), 2388299},
		{"non-sequential", tplBody("x", "UTILITY", "Hi {{2}}, your order shipped today."), 2388072},
		{"too many vars", tplBody("x", "UTILITY", "Hi {{1}} {{2}} {{3}} ok"), 2388293},
		{"long header", tplBody("x", "MARKETING", "Hello there friend", map[string]any{"type": "HEADER", "format": "TEXT", "text": string(make([]byte, 61))}), 2388040},
		{"footer var", tplBody("x", "MARKETING", "Hello there friend", map[string]any{"type": "FOOTER", "text": "bye {{1}}"}), 2388073},
		{"ungrouped quick replies", tplBody("x", "MARKETING", "Hello there friend", map[string]any{"type": "BUTTONS", "buttons": []any{
			map[string]any{"type": "QUICK_REPLY", "text": "a"}, map[string]any{"type": "URL", "text": "b", "url": "https://x.test"},
			map[string]any{"type": "QUICK_REPLY", "text": "c"}}}), 0},
	} {
		code, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, tc.body)
		er, _ := out["error"].(map[string]any)
		if code != 400 || errCode(out) != 100 || (tc.sub != 0 && er["error_subcode"] != tc.sub) || er["error_user_msg"] == nil {
			t.Errorf("%s: %d %v", tc.name, code, out)
		}
	}
	if code, out := call(t, "POST", e.tplURL(""), "nope", tplBody("ok", "UTILITY", "Hello there friend")); code != 401 {
		t.Errorf("bad token: %d %v", code, out)
	}
}

func TestTemplateReviewAndManagement(t *testing.T) {
	clk := newFakeClock()
	e := newEnv(t, Config{Now: clk.Now, TemplateReviewAfter: time.Hour})
	create := func(body string) string {
		code, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, body)
		if code != 200 || out["status"] != "PENDING" {
			t.Fatalf("create: %d %v", code, out)
		}
		return out["id"].(string)
	}
	okID := create(tplBody("order_update", "UTILITY", "Hi {{1}}, your order {{2}} has shipped today."))
	rejID := create(tplBody("please_reject_me", "MARKETING", "Hello there friend"))
	catID := create(tplBody("big_news", "UTILITY", "Big sale today: 50% discount on everything, come and see"))
	if code, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, tplBody("order_update", "UTILITY", "Another body text here")); code != 400 || out["error"].(map[string]any)["error_subcode"] != float64(2388024) {
		t.Errorf("duplicate: %d %v", code, out)
	}
	_, out := call(t, "GET", e.api.URL+"/v24.0/"+okID+"?fields=status", e.num.AccessToken, "")
	if out["status"] != "PENDING" || out["id"] != okID || len(out) != 2 {
		t.Fatalf("before review: %v", out)
	}
	clk.Advance(time.Hour)
	_, out = call(t, "GET", e.api.URL+"/v24.0/"+okID, e.num.AccessToken, "")
	if out["status"] != "APPROVED" || out["parameter_format"] != "POSITIONAL" {
		t.Fatalf("after review: %v", out)
	}
	got := e.waitMgmt(t, "message_template_status_update", 3)
	byName := map[string]map[string]any{}
	for _, v := range got {
		byName[v["message_template_name"].(string)] = v
	}
	if v := byName["order_update"]; v["event"] != "APPROVED" || v["reason"] != "NONE" || v["message_template_category"] != "UTILITY" || v["message_template_language"] != "en_US" {
		t.Errorf("approved webhook: %v", v)
	}
	for _, p := range e.rc.acked() { // the id is a JSON integer, not a string
		var env struct {
			Entry []struct {
				Changes []struct{ Value map[string]json.RawMessage }
			}
		}
		_ = json.Unmarshal(p.raw, &env)
		if id := env.Entry[0].Changes[0].Value["message_template_id"]; id != nil && id[0] == '"' {
			t.Errorf("message_template_id is a string: %s", id)
		}
	}
	if v := byName["please_reject_me"]; v["event"] != "REJECTED" || v["reason"] != "INVALID_FORMAT" || v["rejection_info"] == nil {
		t.Errorf("rejected webhook: %v", v)
	}
	if v := byName["big_news"]; v["event"] != "REJECTED" || v["reason"] != "INCORRECT_CATEGORY" {
		t.Errorf("category webhook: %v", v)
	}
	_, out = call(t, "GET", e.api.URL+"/v24.0/"+rejID+"?fields=status,rejected_reason", e.num.AccessToken, "")
	if out["rejected_reason"] != "INVALID_FORMAT" {
		t.Errorf("rejected template: %v", out)
	}
	_ = catID

	// List: filter, limit and cursors.
	_, out = call(t, "GET", e.tplURL("?status=REJECTED&limit=1"), e.num.AccessToken, "")
	data := out["data"].([]any)
	paging := out["paging"].(map[string]any)
	if len(data) != 1 || paging["next"] == nil {
		t.Fatalf("list page 1: %v", out)
	}
	after := paging["cursors"].(map[string]any)["after"].(string)
	_, out = call(t, "GET", e.tplURL("?status=REJECTED&limit=1&after="+after), e.num.AccessToken, "")
	data2 := out["data"].([]any)
	if len(data2) != 1 || data2[0].(map[string]any)["name"] == data[0].(map[string]any)["name"] || out["paging"].(map[string]any)["next"] != nil {
		t.Fatalf("list page 2: %v", out)
	}
	_, out = call(t, "GET", e.tplURL("?name=order"), e.num.AccessToken, "")
	if d := out["data"].([]any); len(d) != 1 || d[0].(map[string]any)["status"] != "APPROVED" {
		t.Errorf("list by name: %v", out)
	}

	// Delete by name.
	if code, out := call(t, "DELETE", e.tplURL("?name=big_news"), e.num.AccessToken, ""); code != 200 || out["success"] != true {
		t.Errorf("delete: %d %v", code, out)
	}
	if code, _ := call(t, "DELETE", e.tplURL("?name=big_news"), e.num.AccessToken, ""); code != 400 {
		t.Errorf("delete again: %d", code)
	}
	if n := len(e.sim.Templates(e.num.WABAID)); n != 2 {
		t.Errorf("templates left: %d", n)
	}
}

func tplSend(to, name string, comps ...map[string]any) string {
	tpl := map[string]any{"name": name, "language": map[string]string{"code": "en_US"}}
	if len(comps) > 0 {
		tpl["components"] = comps
	}
	return mustJSON(map[string]any{"messaging_product": "whatsapp", "to": to, "type": "template", "template": tpl})
}

func bodyParams(vals ...any) map[string]any {
	var ps []any
	for _, v := range vals {
		if s, ok := v.(string); ok {
			ps = append(ps, map[string]any{"type": "text", "text": s})
		} else {
			ps = append(ps, v)
		}
	}
	return map[string]any{"type": "body", "parameters": ps}
}

func TestTemplateSendChecks(t *testing.T) {
	e := newEnv(t, Config{})
	// No templates in the WABA: any name is accepted, as before.
	e.sendOK(t, tplSend("16505551234", "anything_goes"))

	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "order_update", Category: "UTILITY", Body: "Hi {{1}}, order {{2}} shipped."})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "named", ParameterFormat: "named", Body: "Hi {{first_name}}, see our news today."})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "promo", Components: []map[string]any{
		{"type": "HEADER", "format": "IMAGE"}, {"type": "BODY", "text": "Hello there, new plants are in."},
		{"type": "BUTTONS", "buttons": []any{map[string]any{"type": "URL", "text": "Shop", "url": "https://shop.test/{{1}}"}}}}})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "pending_one", Status: "PENDING", Body: "Hello there friend"})

	for _, tc := range []struct {
		name string
		body string
		code int
		http int
	}{
		{"unknown", tplSend("16505551234", "nope"), 132001, 404},
		{"not approved", tplSend("16505551234", "pending_one"), 132001, 404},
		{"too few", tplSend("16505551234", "order_update", bodyParams("Ann")), 132000, 400},
		{"missing body", tplSend("16505551234", "order_update"), 132000, 400},
		{"wrong type", tplSend("16505551234", "order_update", bodyParams("Ann", map[string]any{"type": "image", "image": map[string]string{"link": "https://x.test/a.png"}})), 132012, 400},
		{"bad name", tplSend("16505551234", "named", bodyParams(map[string]any{"type": "text", "text": "A", "parameter_name": "last_name"})), 132000, 400},
		{"header type", tplSend("16505551234", "promo", map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "text", "text": "x"}}},
			map[string]any{"type": "button", "sub_type": "url", "index": "0", "parameters": []any{map[string]any{"type": "text", "text": "a"}}}), 132012, 400},
		{"missing button", tplSend("16505551234", "promo", map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "image", "image": map[string]string{"id": "1"}}}}), 132000, 400},
	} {
		code, out := e.send(t, tc.body)
		if code != tc.http || errCode(out) != tc.code {
			t.Errorf("%s: %d %v", tc.name, code, out)
		}
	}
	e.sendOK(t, tplSend("16505551234", "named", bodyParams(map[string]any{"type": "text", "text": "A", "parameter_name": "first_name"})))
	e.sendOK(t, tplSend("16505551234", "promo", map[string]any{"type": "header", "parameters": []any{map[string]any{"type": "image", "image": map[string]string{"id": "1"}}}},
		map[string]any{"type": "button", "sub_type": "url", "index": 0, "parameters": []any{map[string]any{"type": "text", "text": "a"}}}))
	wamid := e.sendOK(t, tplSend("16505551234", "order_update", bodyParams("Ann", "42")))
	waitFor(t, "sent", func() bool { return len(e.rc.statusesOf(wamid)) > 0 })
	if pr := e.rc.statusesOf(wamid)[0]["pricing"].(map[string]any); pr["category"] != "utility" {
		t.Errorf("pricing: %v", pr)
	}

	// Paused / disabled, forced through the control API.
	ctl := func(path string, body any) int {
		code, _ := call(t, "POST", e.api.URL+path, "", mustJSON(body))
		return code
	}
	if c := ctl("/_sim/templates/status", map[string]string{"waba_id": e.num.WABAID, "name": "order_update", "event": "PAUSED"}); c != 200 {
		t.Fatalf("control: %d", c)
	}
	if code, out := e.send(t, tplSend("16505551234", "order_update", bodyParams("Ann", "42"))); errCode(out) != 132015 {
		t.Errorf("paused: %d %v", code, out)
	}
	ctl("/_sim/templates/status", map[string]string{"waba_id": e.num.WABAID, "name": "order_update", "event": "DISABLED"})
	if code, out := e.send(t, tplSend("16505551234", "order_update", bodyParams("Ann", "42"))); errCode(out) != 132016 {
		t.Errorf("disabled: %d %v", code, out)
	}
	ev := e.waitMgmt(t, "message_template_status_update", 2)
	if ev[0]["event"] != "PAUSED" || ev[1]["event"] != "DISABLED" || ev[1]["disable_info"] == nil {
		t.Errorf("status webhooks: %v", ev)
	}
	if c := ctl("/_sim/templates/status", map[string]string{"waba_id": e.num.WABAID, "name": "nope", "event": "PAUSED"}); c != 404 {
		t.Errorf("unknown template: %d", c)
	}
}

func TestTemplateQualityPauses(t *testing.T) {
	clk := newFakeClock()
	e := newEnv(t, Config{Now: clk.Now})
	tp := e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "weekly_news", Body: "Hello there, news of the week."})
	quality := func(score string) {
		code, out := call(t, "POST", e.api.URL+"/_sim/templates/quality", "", mustJSON(map[string]string{
			"waba_id": e.num.WABAID, "name": "weekly_news", "new_quality_score": score}))
		if code != 200 {
			t.Fatalf("quality: %d %v", code, out)
		}
	}
	status := func() string {
		_, out := call(t, "GET", e.api.URL+"/"+tp.ID+"?fields=status", e.num.AccessToken, "")
		return out["status"].(string)
	}
	quality("RED")
	if s := status(); s != "PAUSED" {
		t.Fatalf("after first RED: %s", s)
	}
	clk.Advance(3 * time.Hour)
	if s := status(); s != "APPROVED" {
		t.Fatalf("after 3h: %s", s)
	}
	quality("RED")
	clk.Advance(5 * time.Hour)
	if s := status(); s != "PAUSED" {
		t.Fatalf("second pause ended early: %s", s)
	}
	clk.Advance(time.Hour)
	if s := status(); s != "APPROVED" {
		t.Fatalf("after 6h: %s", s)
	}
	quality("RED")
	if s := status(); s != "DISABLED" {
		t.Fatalf("third RED: %s", s)
	}
	var titles []string
	for _, v := range e.waitMgmt(t, "message_template_status_update", 5) {
		titles = append(titles, v["event"].(string)+"/"+v["other_info"].(map[string]any)["title"].(string))
	}
	want := "[PAUSED/FIRST_PAUSE APPROVED/UNPAUSE PAUSED/SECOND_PAUSE APPROVED/UNPAUSE DISABLED/DISABLED]"
	if got := mustJSON(titles); got != mustJSON([]string{"PAUSED/FIRST_PAUSE", "APPROVED/UNPAUSE", "PAUSED/SECOND_PAUSE", "APPROVED/UNPAUSE", "DISABLED/DISABLED"}) {
		t.Errorf("events %s, want %s", got, want)
	}
	q := e.waitMgmt(t, "message_template_quality_update", 3)
	if q[0]["previous_quality_score"] != "UNKNOWN" || q[0]["new_quality_score"] != "RED" || q[0]["message_template_name"] != "weekly_news" {
		t.Errorf("quality webhook: %v", q[0])
	}
}

func TestTemplateReviewImmediate(t *testing.T) {
	e := newEnv(t, Config{TemplateReviewAfter: -1})
	code, out := call(t, "POST", e.tplURL(""), e.num.AccessToken, tplBody("hello_now", "MARKETING", "Hello there, welcome aboard friend."))
	if code != 200 || out["status"] != "APPROVED" || out["category"] != "MARKETING" {
		t.Fatalf("create: %d %v", code, out)
	}
	e.waitMgmt(t, "message_template_status_update", 1)
}

func TestTemplatesPersist(t *testing.T) {
	path := filepath.Join(t.TempDir(), "state.json")
	e := newEnv(t, Config{StatePath: path})
	e.sim.AddTemplate(e.num.WABAID, TemplateSpec{Name: "kept", Body: "Hello there friend"})
	if err := e.sim.SetPortfolioTier("", e.num.WABAID, "250"); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.SetMarketingPreference(e.num.PhoneNumberID, "16505551234", "stop"); err != nil {
		t.Fatal(err)
	}
	e.sendOK(t, tplSend("16505550000", "kept"))
	e.sim.Close()
	e2 := newEnv(t, Config{StatePath: path})
	if ts := e2.sim.Templates(""); len(ts) != 1 || ts[0].Name != "kept" || ts[0].Status != "APPROVED" {
		t.Fatalf("templates after restart: %+v", ts)
	}
	_, out := call(t, "GET", e2.api.URL+"/"+e2.num.PhoneNumberID+"?fields=whatsapp_business_manager_messaging_limit", e2.num.AccessToken, "")
	if out["whatsapp_business_manager_messaging_limit"] != "TIER_250" {
		t.Errorf("tier after restart: %v", out)
	}
	e2.sim.mu.Lock()
	_, stopped := e2.sim.optedOut[pairKey{e2.num.PhoneNumberID, "16505551234"}]
	n := len(e2.sim.portfolios[e2.num.WABAID].Recipients)
	e2.sim.mu.Unlock()
	if !stopped || n != 1 {
		t.Errorf("opt-out %v, recipients %d", stopped, n)
	}
}

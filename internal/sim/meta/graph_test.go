package meta

import (
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestAuth(t *testing.T) {
	e := newEnv(t, Config{})
	other := e.sim.AddNumber(NumberSpec{})
	url := e.api.URL + "/v24.0/" + e.num.PhoneNumberID + "/messages"
	body := textTo("16505551234", "hi")
	e.sim.SetFaults(Faults{ExpiredTokens: []string{"EAAGexpired"}})
	e.sim.AddNumber(NumberSpec{AccessToken: "EAAGexpired"})

	cases := []struct {
		name, url, token string
		http, code, sub  int
	}{
		{"missing token", url, "", 401, 190, 467},
		{"unknown token", url, "EAAGnope", 401, 190, 467},
		{"expired token", url, "EAAGexpired", 401, 190, 463},
		{"token of another number", url, other.AccessToken, 403, 200, 0},
		{"unknown phone number id", e.api.URL + "/v24.0/999999999999999/messages", e.num.AccessToken, 400, 100, 33},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := call(t, "POST", c.url, c.token, body)
			if code != c.http || errCode(out) != c.code {
				t.Fatalf("got HTTP %d code %d, want %d/%d: %v", code, errCode(out), c.http, c.code, out)
			}
			inner := out["error"].(map[string]any)
			if sub, _ := inner["error_subcode"].(float64); int(sub) != c.sub {
				t.Errorf("subcode %v, want %d", inner["error_subcode"], c.sub)
			}
			if inner["fbtrace_id"] == "" || inner["type"] == nil || inner["message"] == "" {
				t.Errorf("incomplete envelope: %v", inner)
			}
		})
	}
	// The access_token query parameter works like the header, as on all Graph endpoints.
	code, _ := call(t, "GET", e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"?access_token="+e.num.AccessToken, "", "")
	if code != 200 {
		t.Fatalf("access_token query param: %d", code)
	}
}

func TestSendTextResponse(t *testing.T) {
	e := newEnv(t, Config{})
	code, out := e.send(t, textTo("+44 7700 900123", "Hello"))
	if code != 200 {
		t.Fatalf("%d %v", code, out)
	}
	if out["messaging_product"] != "whatsapp" {
		t.Errorf("messaging_product %v", out["messaging_product"])
	}
	c := out["contacts"].([]any)[0].(map[string]any)
	if c["input"] != "+44 7700 900123" || c["wa_id"] != "447700900123" {
		t.Errorf("contacts %v", c)
	}
	m := out["messages"].([]any)[0].(map[string]any)
	id := m["id"].(string)
	raw, ok := strings.CutPrefix(id, "wamid.")
	if !ok {
		t.Fatalf("wamid %q", id)
	}
	if _, err := base64.StdEncoding.DecodeString(raw); err != nil {
		t.Errorf("wamid is not base64: %v", err)
	}
	if _, has := m["message_status"]; has {
		t.Error("message_status is only for templates")
	}
	tmpl := `{"messaging_product":"whatsapp","to":"447700900123","type":"template","template":{"name":"hello_world","language":{"code":"en_US"}}}`
	_, out = e.send(t, tmpl)
	if s := out["messages"].([]any)[0].(map[string]any)["message_status"]; s != "accepted" {
		t.Errorf("template message_status %v", s)
	}
	sent := e.sim.Sent(e.num.PhoneNumberID)
	if len(sent) != 2 || sent[0].ID != id || sent[0].To != "+44 7700 900123" || sent[0].Type != "text" || !strings.Contains(string(sent[0].Request), "Hello") {
		t.Errorf("Sent: %+v", sent)
	}
}

func TestSendValidation(t *testing.T) {
	e := newEnv(t, Config{})
	long := strings.Repeat("x", 4097)
	btn := func(id, title string) string {
		return fmt.Sprintf(`{"type":"reply","reply":{"id":%q,"title":%q}}`, id, title)
	}
	interactive := func(action string) string {
		return `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":[` + action + `]}}}`
	}
	rows := make([]string, 11)
	for i := range rows {
		rows[i] = fmt.Sprintf(`{"id":"r%d","title":"Row %d"}`, i, i)
	}
	cases := []struct {
		name, body string
		code       int
		detail     string
	}{
		{"not json", `{"messaging_product":`, 100, ""},
		{"missing product", `{"to":"16505551234","type":"text","text":{"body":"x"}}`, 131008, "messaging_product"},
		{"missing to", `{"messaging_product":"whatsapp","type":"text","text":{"body":"x"}}`, 131008, "to"},
		{"missing text object", `{"messaging_product":"whatsapp","to":"16505551234","type":"text"}`, 131008, "text"},
		{"missing body", `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{}}`, 131008, "text['body']"},
		{"body too long", textTo("16505551234", long), 131009, "text['body']"},
		{"unknown type", `{"messaging_product":"whatsapp","to":"16505551234","type":"poll","poll":{}}`, 131009, "type"},
		{"bad to", textTo("call me", "x"), 131009, "to"},
		{"to is sender", textTo("+1 555-078-3881", "x"), 131021, ""},
		{"media id and link", `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"id":"1","link":"https://x/y.jpg"}}`, 131009, "image"},
		{"media neither", `{"messaging_product":"whatsapp","to":"16505551234","type":"video","video":{}}`, 131008, "video['id']"},
		{"caption on audio", `{"messaging_product":"whatsapp","to":"16505551234","type":"audio","audio":{"id":"1","caption":"no"}}`, 131009, "audio['caption']"},
		{"caption too long", `{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"id":"1","caption":"` + strings.Repeat("c", 1025) + `"}}`, 131009, "caption"},
		{"location without longitude", `{"messaging_product":"whatsapp","to":"16505551234","type":"location","location":{"latitude":"1"}}`, 131008, "longitude"},
		{"contacts without name", `{"messaging_product":"whatsapp","to":"16505551234","type":"contacts","contacts":[{"phones":[]}]}`, 131008, "contacts[0]['name']"},
		{"four buttons", interactive(strings.Join([]string{btn("a", "A"), btn("b", "B"), btn("c", "C"), btn("d", "D")}, ",")), 131009, "buttons"},
		{"duplicate titles", interactive(btn("a", "Same") + "," + btn("b", "Same")), 131009, "unique"},
		{"title too long", interactive(btn("a", strings.Repeat("t", 21))), 131009, "title"},
		{"list with 11 rows", `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"list","body":{"text":"b"},"action":{"button":"Go","sections":[{"title":"s","rows":[` + strings.Join(rows, ",") + `]}]}}}`, 131009, "10 rows"},
		{"cta without url", `{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"Go"}}}}`, 131008, "url"},
		{"template without language", `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"x"}}`, 131008, "template['language']"},
		{"template param without text", `{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"x","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text"}]}]}}`, 131008, "['text']"},
		{"reaction without message_id", `{"messaging_product":"whatsapp","to":"16505551234","type":"reaction","reaction":{"emoji":"x"}}`, 131008, "reaction['message_id']"},
		{"opaque too long", `{"messaging_product":"whatsapp","to":"16505551234","type":"text","text":{"body":"x"},"biz_opaque_callback_data":"` + strings.Repeat("o", 513) + `"}`, 131009, "biz_opaque_callback_data"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, out := e.send(t, c.body)
			if code != 400 || errCode(out) != c.code {
				t.Fatalf("got HTTP %d code %d, want 400/%d: %v", code, errCode(out), c.code, out)
			}
			if !strings.Contains(errDetails(out), c.detail) {
				t.Errorf("details %q should mention %q", errDetails(out), c.detail)
			}
			msg := out["error"].(map[string]any)["message"].(string)
			if c.code != 100 && !strings.HasPrefix(msg, fmt.Sprintf("(#%d) ", c.code)) {
				t.Errorf("message %q", msg)
			}
		})
	}
	if n := len(e.sim.Sent(e.num.PhoneNumberID)); n != 0 {
		t.Errorf("rejected sends were recorded: %d", n)
	}
}

func TestValidRichSends(t *testing.T) {
	e := newEnv(t, Config{})
	pdf, webp := e.uploadOK(t, "application/pdf", sampleMedia("application/pdf")), e.uploadOK(t, "image/webp", sampleMedia("image/webp"))
	bodies := []string{
		`{"messaging_product":"whatsapp","to":"16505551234","type":"image","image":{"link":"https://example.com/a.jpg","caption":"A"}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"document","document":{"id":"` + pdf + `","filename":"x.pdf"}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"sticker","sticker":{"id":"` + webp + `"}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"location","location":{"latitude":37.44,"longitude":"-122.16","name":"Philz"}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"contacts","contacts":[{"name":{"formatted_name":"Barbara J"}}]}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"button","header":{"type":"image","image":{"id":"1"}},"body":{"text":"When?"},"footer":{"text":"f"},"action":{"buttons":[{"type":"reply","reply":{"id":"a","title":"Now"}},{"type":"reply","reply":{"id":"b","title":"Later"}}]}}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"list","header":{"type":"text","text":"H"},"body":{"text":"b"},"action":{"button":"Options","sections":[{"title":"S1","rows":[{"id":"1","title":"One","description":"d"}]},{"title":"S2","rows":[{"id":"2","title":"Two"}]}]}}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"interactive","interactive":{"type":"cta_url","body":{"text":"b"},"action":{"name":"cta_url","parameters":{"display_text":"See","url":"https://x.example"}}}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"template","template":{"name":"order_confirmation","language":{"code":"en_US","policy":"deterministic"},"components":[{"type":"header","parameters":[{"type":"image","image":{"id":"1"}}]},{"type":"body","parameters":[{"type":"text","text":"Jessica"},{"type":"text","parameter_name":"order","text":"SK-1"},{"type":"currency","currency":{"fallback_value":"$1","code":"USD","amount_1000":1000}}]},{"type":"button","sub_type":"quick_reply","index":"0","parameters":[{"type":"payload","payload":"more"}]},{"type":"button","sub_type":"copy_code","index":0,"parameters":[{"type":"coupon_code","coupon_code":"25OFF"}]}]}}`,
		`{"messaging_product":"whatsapp","to":"16505551234","type":"reaction","reaction":{"message_id":"wamid.x","emoji":"👍"}}`,
		`{"messaging_product":"whatsapp","recipient_type":"individual","to":"16505551234","text":{"body":"type defaults to text"},"context":{"message_id":"wamid.y"}}`,
	}
	for i, b := range bodies {
		if code, out := e.send(t, b); code != 200 {
			t.Errorf("body %d: %d %v", i, code, out)
		}
	}
}

func TestGetPhoneNumber(t *testing.T) {
	e := newEnv(t, Config{})
	for _, prefix := range []string{"/v24.0/", "/v99.9/", "/"} {
		code, out := call(t, "GET", e.api.URL+prefix+e.num.PhoneNumberID, e.num.AccessToken, "")
		if code != 200 {
			t.Fatalf("%s: %d %v", prefix, code, out)
		}
		for _, f := range []string{"id", "display_phone_number", "verified_name", "quality_rating", "code_verification_status",
			"platform_type", "throughput", "name_status", "status", "messaging_limit_tier",
			"whatsapp_business_manager_messaging_limit", "is_official_business_account", "account_mode"} {
			if _, ok := out[f]; !ok {
				t.Errorf("%s: missing %s in %v", prefix, f, out)
			}
		}
		if out["display_phone_number"] != "15550783881" || out["verified_name"] != "Lucky Shrub" {
			t.Errorf("%v", out)
		}
	}
	_, out := call(t, "GET", e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"?fields=throughput,quality_rating", e.num.AccessToken, "")
	if len(out) != 3 || out["throughput"].(map[string]any)["level"] != "STANDARD" || out["quality_rating"] != "GREEN" || out["id"] != e.num.PhoneNumberID {
		t.Errorf("fields=: %v", out)
	}
	code, out := call(t, "GET", e.api.URL+"/v24.0/"+e.num.PhoneNumberID+"?fields=nope", e.num.AccessToken, "")
	if code != 400 || errCode(out) != 100 {
		t.Errorf("unknown field: %d %v", code, out)
	}
}

func TestUnknownPath(t *testing.T) {
	e := newEnv(t, Config{})
	for _, c := range []struct{ method, path string }{
		{"GET", "/v24.0/" + e.num.PhoneNumberID + "/nothing"},
		{"PUT", "/v24.0/" + e.num.PhoneNumberID},
		{"DELETE", "/v24.0/" + e.num.PhoneNumberID + "/messages"},
		{"GET", "/"},
	} {
		code, out := call(t, c.method, e.api.URL+c.path, e.num.AccessToken, "{}")
		msg, _ := out["error"].(map[string]any)["message"].(string)
		if code != http.StatusBadRequest || errCode(out) != 100 || !strings.HasPrefix(msg, "Unsupported "+strings.ToLower(c.method)+" request") {
			t.Errorf("%s %s: %d %v", c.method, c.path, code, out)
		}
	}
}

func TestMarkAsRead(t *testing.T) {
	e := newEnv(t, Config{})
	first := e.inject(t, Inbound{From: "16505551234", Text: "one"})
	second := e.inject(t, Inbound{From: "16505551234", Text: "two"})
	other := e.inject(t, Inbound{From: "16505559999", Text: "elsewhere"})
	code, out := e.send(t, `{"messaging_product":"whatsapp","status":"read","message_id":"`+second+`","typing_indicator":{"type":"text"}}`)
	if code != 200 || out["success"] != true || len(out) != 1 {
		t.Fatalf("%d %v", code, out)
	}
	if !e.sim.ReadByBusiness(e.num.PhoneNumberID, first) || !e.sim.ReadByBusiness(e.num.PhoneNumberID, second) {
		t.Error("marking a message read marks earlier ones in the thread read")
	}
	if e.sim.ReadByBusiness(e.num.PhoneNumberID, other) {
		t.Error("another customer's message was marked read")
	}
	code, out = e.send(t, `{"messaging_product":"whatsapp","status":"read","message_id":"wamid.unknown"}`)
	if code != 400 || errCode(out) != 131009 {
		t.Errorf("unknown wamid: %d %v", code, out)
	}
	code, out = e.send(t, `{"messaging_product":"whatsapp","status":"read"}`)
	if code != 400 || errCode(out) != 131008 {
		t.Errorf("missing message_id: %d %v", code, out)
	}
}

package meta

import (
	"encoding/json"
	"regexp"
	"testing"
	"time"
)

// TestInboundShapes injects every type through the control API and checks
// the webhook message objects against §2.6.
func TestInboundShapes(t *testing.T) {
	e := newEnv(t, Config{})
	e.inject(t, Inbound{From: customer, Text: "open the window"})
	buttons := e.sendOK(t, `{"messaging_product":"whatsapp","to":"`+customer+`","type":"interactive","interactive":{"type":"button","body":{"text":"Pick"},"action":{"buttons":[{"type":"reply","reply":{"id":"change-button","title":"Change"}}]}}}`)
	digits := regexp.MustCompile(`^\d{15}$`)

	cases := []struct {
		name  string
		body  string
		check func(t *testing.T, m map[string]any)
	}{
		{"text", `{"type":"text","text":{"body":"Does it come in another color?"}}`, func(t *testing.T, m map[string]any) {
			if m["text"].(map[string]any)["body"] != "Does it come in another color?" {
				t.Error(m)
			}
		}},
		{"image", `{"type":"image","image":{"caption":"Taj Mahal"}}`, func(t *testing.T, m map[string]any) {
			img := m["image"].(map[string]any)
			if !digits.MatchString(img["id"].(string)) || img["mime_type"] != "image/jpeg" || img["sha256"] == "" || img["caption"] != "Taj Mahal" || img["url"] == nil {
				t.Error(img)
			}
		}},
		{"video", `{"type":"video","video":{}}`, func(t *testing.T, m map[string]any) {
			if m["video"].(map[string]any)["mime_type"] != "video/mp4" {
				t.Error(m)
			}
		}},
		{"audio", `{"type":"audio","audio":{"voice":true}}`, func(t *testing.T, m map[string]any) {
			a := m["audio"].(map[string]any)
			if a["voice"] != true || a["mime_type"] != "audio/ogg; codecs=opus" {
				t.Error(a)
			}
		}},
		{"document", `{"type":"document","document":{"caption":"receipt"}}`, func(t *testing.T, m map[string]any) {
			d := m["document"].(map[string]any)
			if d["filename"] == "" || d["mime_type"] != "application/pdf" {
				t.Error(d)
			}
		}},
		{"sticker", `{"type":"sticker"}`, func(t *testing.T, m map[string]any) {
			s := m["sticker"].(map[string]any)
			if s["animated"] != false || s["mime_type"] != "image/webp" {
				t.Error(s)
			}
		}},
		{"location", `{"type":"location","location":{"latitude":37.44221496582,"longitude":-122.16165924072,"name":"Philz Coffee"}}`, func(t *testing.T, m map[string]any) {
			l := m["location"].(map[string]any)
			if l["latitude"] != 37.44221496582 || l["name"] != "Philz Coffee" {
				t.Error(l)
			}
		}},
		{"contacts", `{"type":"contacts","contacts":[{"name":{"formatted_name":"Barbara J. Johnson"},"phones":[{"phone":"+1 (415) 555-0829","wa_id":"14125550829","type":"MOBILE"}]}]}`, func(t *testing.T, m map[string]any) {
			c := m["contacts"].([]any)[0].(map[string]any)
			if c["name"].(map[string]any)["formatted_name"] != "Barbara J. Johnson" {
				t.Error(c)
			}
		}},
		{"button reply", `{"type":"interactive","interactive":{"type":"button_reply","button_reply":{"id":"change-button","title":"Change"}}}`, func(t *testing.T, m map[string]any) {
			ctx := m["context"].(map[string]any)
			if ctx["id"] != buttons || ctx["from"] != "15550783881" {
				t.Errorf("context defaults to the last interactive message: %v", ctx)
			}
			if m["interactive"].(map[string]any)["button_reply"].(map[string]any)["id"] != "change-button" {
				t.Error(m)
			}
		}},
		{"list reply", `{"type":"interactive","interactive":{"type":"list_reply","list_reply":{"id":"priority_express","title":"Priority","description":"Next Day"}},"context":{"id":"wamid.list"}}`, func(t *testing.T, m map[string]any) {
			if m["context"].(map[string]any)["id"] != "wamid.list" || m["interactive"].(map[string]any)["type"] != "list_reply" {
				t.Error(m)
			}
		}},
		{"template button", `{"type":"button","button":{"text":"Unsubscribe"}}`, func(t *testing.T, m map[string]any) {
			b := m["button"].(map[string]any)
			if b["payload"] != "Unsubscribe" || b["text"] != "Unsubscribe" || m["context"] == nil {
				t.Error(m)
			}
		}},
		{"reaction", `{"type":"reaction","reaction":{"message_id":"` + buttons + `","emoji":"👍"}}`, func(t *testing.T, m map[string]any) {
			if r := m["reaction"].(map[string]any); r["emoji"] != "👍" || r["message_id"] != buttons {
				t.Error(r)
			}
		}},
		{"unsupported", `{"type":"unsupported","unsupported":{"type":"edit"}}`, func(t *testing.T, m map[string]any) {
			er := m["errors"].([]any)[0].(map[string]any)
			if er["code"] != float64(131051) || er["error_data"].(map[string]any)["details"] != "Message type is currently not supported." || m["unsupported"].(map[string]any)["type"] != "edit" {
				t.Error(m)
			}
		}},
		{"request_welcome", `{"type":"request_welcome"}`, func(t *testing.T, m map[string]any) {
			if len(m) != 4 {
				t.Errorf("request_welcome has no body: %v", m)
			}
		}},
		{"system", `{"type":"system","system":{"wa_id":"12195555358"}}`, func(t *testing.T, m map[string]any) {
			s := m["system"].(map[string]any)
			if s["type"] != "user_changed_number" || s["body"] != "User Sheena Nelson changed from 16505551234 to 12195555358" {
				t.Error(s)
			}
		}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var req map[string]any
			if err := json.Unmarshal([]byte(c.body), &req); err != nil {
				t.Fatal(err)
			}
			req["phone_number_id"], req["from"], req["name"], req["timestamp"] = e.num.PhoneNumberID, "+1 650 555 1234", "Sheena Nelson", "1749416383"
			b, _ := json.Marshal(req)
			code, out := call(t, "POST", e.api.URL+"/_sim/inbound", "", string(b))
			if code != 200 {
				t.Fatalf("%d %v", code, out)
			}
			id := out["id"].(string)
			var msg, value map[string]any
			waitFor(t, "webhook", func() bool {
				for _, v := range e.rc.values() {
					for _, m := range asList(v["messages"]) {
						if m["id"] == id {
							msg, value = m, v
						}
					}
				}
				return msg != nil
			})
			if msg["from"] != customer || msg["timestamp"] != "1749416383" || msg["type"] != req["type"] {
				t.Errorf("common fields %v", msg)
			}
			ct := value["contacts"].([]any)[0].(map[string]any)
			if ct["wa_id"] != customer || ct["profile"].(map[string]any)["name"] != "Sheena Nelson" {
				t.Errorf("contacts %v", ct)
			}
			c.check(t, msg)
		})
	}
}

func asList(v any) []map[string]any {
	items, _ := v.([]any)
	out := make([]map[string]any, 0, len(items))
	for _, it := range items {
		out = append(out, it.(map[string]any))
	}
	return out
}

func TestInboundValidation(t *testing.T) {
	e := newEnv(t, Config{})
	for _, body := range []string{
		`{"phone_number_id":"` + e.num.PhoneNumberID + `","from":"abc","type":"text","text":{"body":"x"}}`,
		`{"phone_number_id":"` + e.num.PhoneNumberID + `","from":"16505551234","type":"text","text":{}}`,
		`{"phone_number_id":"` + e.num.PhoneNumberID + `","from":"16505551234","type":"hologram"}`,
		`{"phone_number_id":"` + e.num.PhoneNumberID + `","from":"16505551234","type":"location","location":{}}`,
		`{"phone_number_id":"` + e.num.PhoneNumberID + `","from":"16505551234","type":"interactive","interactive":{"type":"x"}}`,
		`{"phone_number_id":"nope","from":"16505551234","text":{"body":"x"}}`,
	} {
		code, out := call(t, "POST", e.api.URL+"/_sim/inbound", "", body)
		if code != 400 || out["error"].(map[string]any)["code"] != "invalid_argument" {
			t.Errorf("%s: %d %v", body, code, out)
		}
	}
}

func TestInboundRemembersNameAndQuotes(t *testing.T) {
	e := newEnv(t, Config{DeliveredAfter: time.Hour})
	first := e.inject(t, Inbound{From: customer, Name: "Ada", Text: "one"})
	e.inject(t, Inbound{From: customer, Text: "two", Context: first})
	waitFor(t, "two messages", func() bool { return len(e.rc.list("messages")) == 2 })
	for _, v := range e.rc.values() {
		if n := v["contacts"].([]any)[0].(map[string]any)["profile"].(map[string]any)["name"]; n != "Ada" {
			t.Errorf("name %v", n)
		}
	}
	second := e.rc.list("messages")[1]
	if ctx := second["context"].(map[string]any); ctx["id"] != first || ctx["from"] != customer {
		t.Errorf("quoting the customer's own message: %v", ctx)
	}
}

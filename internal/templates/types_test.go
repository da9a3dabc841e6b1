package templates

import (
	"encoding/json"
	"reflect"
	"testing"
)

// createPayload is the §6.2 example without its comments.
const createPayload = `{
  "name": "order_confirmation",
  "language": "en_US",
  "category": "UTILITY",
  "parameter_format": "named",
  "message_send_ttl_seconds": 3600,
  "components": [
    { "type": "HEADER", "format": "TEXT", "text": "Our {{1}} is on!", "example": { "header_text": ["Summer Sale"] } },
    { "type": "BODY", "text": "Thank you, {{first_name}}! Your order number is {{order_number}}.",
      "example": { "body_text_named_params": [
          { "param_name": "first_name", "example": "Pablo" },
          { "param_name": "order_number", "example": "860198-230332" } ] } },
    { "type": "FOOTER", "text": "Lucky Shrub" },
    { "type": "BUTTONS", "buttons": [
        { "type": "QUICK_REPLY", "text": "Unsubscribe" },
        { "type": "URL", "text": "Shop Now", "url": "https://www.luckyshrub.com/shop?promo={{1}}", "example": ["summer2023"] },
        { "type": "PHONE_NUMBER", "text": "Call", "phone_number": "15550051310" },
        { "type": "COPY_CODE", "example": "250FF" } ] }
  ]
}`

func jsonEqual(t *testing.T, got, want []byte) {
	t.Helper()
	var g, w any
	if err := json.Unmarshal(got, &g); err != nil {
		t.Fatalf("unmarshal got: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &w); err != nil {
		t.Fatalf("unmarshal want: %v", err)
	}
	if !reflect.DeepEqual(g, w) {
		t.Errorf("JSON differs\n got: %s\nwant: %s", got, want)
	}
}

func TestCreatePayloadRoundTrip(t *testing.T) {
	var tpl Template
	if err := json.Unmarshal([]byte(createPayload), &tpl); err != nil {
		t.Fatal(err)
	}
	if tpl.format() != FormatNamed || tpl.MessageSendTTLSeconds != 3600 {
		t.Errorf("format %q ttl %d", tpl.ParameterFormat, tpl.MessageSendTTLSeconds)
	}
	bs := tpl.buttons()
	if len(bs) != 4 || bs[1].Example[0] != "summer2023" || bs[3].Example[0] != "250FF" {
		t.Fatalf("buttons %+v", bs)
	}
	out, err := json.Marshal(tpl)
	if err != nil {
		t.Fatal(err)
	}
	jsonEqual(t, out, []byte(createPayload))
}

func TestListItemUnmarshal(t *testing.T) {
	item := `{"name":"coupon_expiration_reminder_number_vars","parameter_format":"POSITIONAL",
	  "components":[{"type":"BODY","text":"Hi {{1}}, your coupon expires soon."}],
	  "language":"en","status":"APPROVED","category":"MARKETING","sub_category":"CUSTOM","id":"1304694804498707",
	  "quality_score":{"score":"GREEN"}}`
	var tpl Template
	if err := json.Unmarshal([]byte(item), &tpl); err != nil {
		t.Fatal(err)
	}
	if tpl.Status != StatusApproved || tpl.ID != "1304694804498707" || tpl.Category != CategoryMarketing || tpl.SubCategory != "CUSTOM" {
		t.Errorf("got %+v", tpl)
	}
	c := tpl.ForCreate()
	if c.ID != "" || c.Status != "" || c.SubCategory != "" || tpl.ID == "" {
		t.Errorf("ForCreate: %+v", c)
	}
	out, _ := json.Marshal(c)
	var m map[string]any
	_ = json.Unmarshal(out, &m)
	for _, k := range []string{"id", "status", "sub_category"} {
		if _, ok := m[k]; ok {
			t.Errorf("create body has %q", k)
		}
	}
}

func TestButtonExampleShapes(t *testing.T) {
	for _, tc := range []struct{ in, out string }{
		{`{"type":"COPY_CODE","example":"X1"}`, `{"type":"COPY_CODE","example":"X1"}`},
		{`{"type":"COPY_CODE","example":["X1"]}`, `{"type":"COPY_CODE","example":"X1"}`},
		{`{"type":"URL","text":"Go","url":"https://a.b/{{1}}","example":["https://a.b/x"]}`, `{"type":"URL","text":"Go","url":"https://a.b/{{1}}","example":["https://a.b/x"]}`},
		{`{"type":"OTP","otp_type":"ONE_TAP","supported_apps":[{"package_name":"com.x","signature_hash":"abc"}]}`, `{"type":"OTP","otp_type":"ONE_TAP","supported_apps":[{"package_name":"com.x","signature_hash":"abc"}]}`},
		{`{"type":"QUICK_REPLY","text":"Yes","example":null}`, `{"type":"QUICK_REPLY","text":"Yes"}`},
	} {
		var b Button
		if err := json.Unmarshal([]byte(tc.in), &b); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		out, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		jsonEqual(t, out, []byte(tc.out))
	}
	var b Button
	if err := json.Unmarshal([]byte(`{"type":"URL","example":5}`), &b); err == nil {
		t.Error("numeric example accepted")
	}
}

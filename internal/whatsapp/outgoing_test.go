package whatsapp

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

func TestOutgoingMarshal(t *testing.T) {
	cases := map[string]struct {
		msg  OutgoingMessage
		want string
	}{
		"text": {
			OutgoingMessage{To: "+16505551234", Type: "text", Text: &Text{PreviewURL: true, Body: "Fish & chips <3"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"text","text":{"preview_url":true,"body":"Fish & chips <3"}}`,
		},
		"reply with context, no opaque data": {
			OutgoingMessage{To: "1", Type: "text", Context: &Context{MessageID: "wamid.X"}, Text: &Text{Body: "hi"}},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"1","type":"text","context":{"message_id":"wamid.X"},"text":{"preview_url":false,"body":"hi"}}`,
		},
		"template with opaque data": {
			OutgoingMessage{To: "+16505551234", Type: "template", BizOpaqueCallbackData: "msg-42",
				Body: json.RawMessage(`{ "name": "order_confirmation", "language": { "code": "en_US" } }`)},
			`{"messaging_product":"whatsapp","recipient_type":"individual","to":"+16505551234","type":"template","biz_opaque_callback_data":"msg-42","template":{"name":"order_confirmation","language":{"code":"en_US"}}}`,
		},
		"reaction to a group": {
			OutgoingMessage{RecipientType: "group", To: "g1", Type: "reaction", Body: json.RawMessage(`{"message_id":"wamid.U","emoji":"\uD83D\uDE00"}`)},
			`{"messaging_product":"whatsapp","recipient_type":"group","to":"g1","type":"reaction","reaction":{"message_id":"wamid.U","emoji":"\uD83D\uDE00"}}`,
		},
	}
	for name, c := range cases {
		// Send uses MarshalJSON directly; json.Marshal would re-escape "&" and "<".
		got, err := c.msg.MarshalJSON()
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if string(got) != c.want {
			t.Errorf("%s:\n got %s\nwant %s", name, got, c.want)
		}
		var back OutgoingMessage
		if err := json.Unmarshal(got, &back); err != nil {
			t.Fatalf("%s: unmarshal: %v", name, err)
		}
		again, _ := back.MarshalJSON()
		if string(again) != c.want {
			t.Errorf("%s: round trip changed it:\n%s", name, again)
		}
	}
}

func TestOutgoingInvalid(t *testing.T) {
	obj := json.RawMessage(`{"id":"1"}`)
	cases := map[string]OutgoingMessage{
		"no recipient":       {Type: "text", Text: &Text{Body: "x"}},
		"no type":            {To: "1", Body: obj},
		"bad type":           {To: "1", Type: "Image", Body: obj},
		"reserved type":      {To: "1", Type: "context", Body: obj},
		"quote in type":      {To: "1", Type: `a"b`, Body: obj},
		"text without body":  {To: "1", Type: "text"},
		"text on image":      {To: "1", Type: "image", Text: &Text{Body: "x"}, Body: obj},
		"text and body":      {To: "1", Type: "text", Text: &Text{Body: "x"}, Body: obj},
		"image without body": {To: "1", Type: "image"},
		"body not json":      {To: "1", Type: "image", Body: json.RawMessage(`{"id":`)},
		"body not object":    {To: "1", Type: "image", Body: json.RawMessage(`["id"]`)},
		"opaque too long":    {To: "1", Type: "image", Body: obj, BizOpaqueCallbackData: strings.Repeat("é", 513)},
	}
	for name, m := range cases {
		if b, err := m.MarshalJSON(); err == nil {
			t.Errorf("%s: marshalled to %s", name, b)
		}
	}
}

func TestOutgoingUnmarshalSpecExample(t *testing.T) {
	in := `{"messaging_product":"whatsapp","to":"+16505551234","type":"document",
	  "document":{"link":"https://example.com/invoice.pdf","caption":"Invoice","filename":"invoice.pdf"}}`
	var m OutgoingMessage
	if err := json.Unmarshal([]byte(in), &m); err != nil {
		t.Fatal(err)
	}
	want := OutgoingMessage{MessagingProduct: "whatsapp", To: "+16505551234", Type: "document",
		Body: json.RawMessage(`{"link":"https://example.com/invoice.pdf","caption":"Invoice","filename":"invoice.pdf"}`)}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got %+v", m)
	}
}

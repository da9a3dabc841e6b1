package whatsapp

import (
	"bytes"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"
)

func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSignKnownVector(t *testing.T) {
	// HMAC-SHA256 test vector (RFC 4231 case 2).
	got := Sign("Jefe", []byte("what do ya want for nothing?"))
	want := "sha256=5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
	if got != want {
		t.Fatalf("Sign = %s, want %s", got, want)
	}
}

func TestVerifySignature(t *testing.T) {
	body := readFixture(t, "messages.json")
	if !bytes.Contains(body, []byte(`Caf\u00e9`)) {
		t.Fatal("fixture must keep Meta's escaped unicode")
	}
	sig := Sign("app-secret", body)
	if !VerifySignature("app-secret", body, sig) {
		t.Fatal("valid signature rejected")
	}
	if !VerifySignature("app-secret", body, "sha256="+strings.ToUpper(sig[7:])) {
		t.Error("uppercase hex rejected")
	}
	tampered := bytes.Replace(body, []byte("Sheena"), []byte("Sheenb"), 1)
	bad := map[string]struct {
		secret, header string
		body           []byte
	}{
		"tampered body":  {"app-secret", sig, tampered},
		"wrong secret":   {"other", sig, body},
		"empty secret":   {"", Sign("", body), body},
		"missing header": {"app-secret", "", body},
		"no prefix":      {"app-secret", sig[7:], body},
		"sha1 prefix":    {"app-secret", "sha1=" + sig[7:], body},
		"short":          {"app-secret", sig[:len(sig)-2], body},
		"not hex":        {"app-secret", "sha256=" + strings.Repeat("zz", 32), body},
	}
	for name, c := range bad {
		if VerifySignature(c.secret, c.body, c.header) {
			t.Errorf("%s: accepted", name)
		}
	}
}

func TestVerifyHandshake(t *testing.T) {
	q := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {"tok"}, "hub.challenge": {"1158201444"}}
	if c, ok := VerifyHandshake(q, "tok"); !ok || c != "1158201444" {
		t.Fatalf("got %q %v", c, ok)
	}
	cases := map[string]func(url.Values){
		"wrong token":   func(v url.Values) { v.Set("hub.verify_token", "tok2") },
		"wrong mode":    func(v url.Values) { v.Set("hub.mode", "unsubscribe") },
		"no challenge":  func(v url.Values) { v.Del("hub.challenge") },
		"missing token": func(v url.Values) { v.Del("hub.verify_token") },
	}
	for name, mutate := range cases {
		v := url.Values{}
		for k, vs := range q {
			v[k] = append([]string(nil), vs...)
		}
		mutate(v)
		if _, ok := VerifyHandshake(v, "tok"); ok {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, ok := VerifyHandshake(url.Values{"hub.mode": {"subscribe"}, "hub.challenge": {"1"}}, ""); ok {
		t.Error("empty configured token accepted an empty one")
	}
}

func TestParseMessages(t *testing.T) {
	p, err := Parse(readFixture(t, "messages.json"))
	if err != nil {
		t.Fatal(err)
	}
	if p.Object != "whatsapp_business_account" || len(p.Entry) != 1 || p.Entry[0].ID != "102290129340398" {
		t.Fatalf("envelope: %+v", p)
	}
	ch := p.Entry[0].Changes[0]
	v, err := ch.DecodeMessages()
	if err != nil {
		t.Fatal(err)
	}
	if v.Metadata.PhoneNumberID != "106540352242922" || v.Contacts[0].Profile.Name != "Sheena Nelson" || v.Contacts[0].WaID != "16505551234" {
		t.Fatalf("value: %+v", v)
	}
	byID := map[string]InboundMessage{}
	for _, m := range v.Messages {
		byID[m.ID] = m
	}
	if len(byID) != 17 {
		t.Fatalf("got %d messages", len(byID))
	}

	want := map[string]string{
		"wamid.text":        "Café äöå? Second line",
		"wamid.image":       "📷 Photo: Taj Mahal",
		"wamid.voice":       "🎤 Voice message",
		"wamid.doc":         "📄 Document: receipt.pdf — My receipt",
		"wamid.sticker":     "🏷️ Sticker",
		"wamid.loc":         "📍 Location: Philz Coffee, 101 Forest Ave, Palo Alto, CA 94301 (37.44221496582,-122.16165924072)",
		"wamid.locstr":      "📍 Location (37.4421,-122.1615)",
		"wamid.contacts":    "👤 Contact: Barbara J. Johnson",
		"wamid.btnreply":    "Change",
		"wamid.listreply":   "Priority Mail Express",
		"wamid.button":      "Unsubscribe",
		"wamid.reaction":    "Reacted 👍",
		"wamid.system":      "User Sheena Nelson changed from 16505551234 to 12195555358",
		"wamid.unsupported": "Unsupported message (edit)",
		"wamid.welcome":     "👋 Opened the chat",
		"wamid.badtypes":    "📷 Photo: still here",
		"wamid.referral":    "Hi from the ad",
	}
	for id, s := range want {
		if got := byID[id].Summary(); got != s {
			t.Errorf("%s: Summary = %q, want %q", id, got, s)
		}
	}

	text := byID["wamid.text"]
	if text.Text.Body != "Café äöå?\nSecond line" || !text.Time().Equal(time.Unix(1749416383, 0)) || text.From != "16505551234" {
		t.Errorf("text: %+v", text)
	}
	if text.FullText() != text.Text.Body || byID["wamid.doc"].FullText() != "📄 Document: receipt.pdf — My receipt" {
		t.Errorf("FullText: %q", text.FullText())
	}
	if !bytes.Contains(text.Raw, []byte(`"new_field"`)) {
		t.Error("Raw lost unknown fields")
	}
	if got := string(text.TypePayload()); !strings.Contains(got, `"body"`) {
		t.Errorf("TypePayload = %s", got)
	}
	img := byID["wamid.image"]
	if img.Image.ID != "1003383421387256" || img.Image.MimeType != "image/jpeg" || img.Image.URL == "" || !img.Context.Forwarded {
		t.Errorf("image: %+v %+v", img.Image, img.Context)
	}
	if byID["wamid.locstr"].Location.Latitude != 37.4421 {
		t.Error("string latitude not parsed")
	}
	if r := byID["wamid.btnreply"]; r.Context.ID != "wamid.buttons" || r.Interactive.ButtonReply.ID != "change-button" {
		t.Errorf("button reply: %+v", r)
	}
	if u := byID["wamid.unsupported"]; len(u.Errors) != 1 || u.Errors[0].Code != 131051 || u.Errors[0].ErrorData.Details == "" {
		t.Errorf("unsupported errors: %+v", u.Errors)
	}
	if w := byID["wamid.welcome"]; w.Timestamp != "1750090703" || w.TypePayload() != nil {
		t.Errorf("numeric timestamp: %+v", w)
	}
	if b := byID["wamid.badtypes"]; b.Image.ID != "" || b.Image.Caption != "still here" {
		t.Errorf("lenient media: %+v", b.Image)
	}
	if len(byID["wamid.referral"].Referral) == 0 {
		t.Error("referral lost")
	}
}

func TestParseStatuses(t *testing.T) {
	p, err := Parse(readFixture(t, "statuses.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := p.Entry[0]
	if e.ID != "102290129340398" || e.Time != 1739321024 {
		t.Fatalf("entry: %+v", e)
	}
	v, err := e.Changes[0].DecodeMessages()
	if err != nil {
		t.Fatal(err)
	}
	if v.Metadata.PhoneNumberID != "106540352242922" || len(v.Statuses) != 2 || len(v.Errors) != 1 {
		t.Fatalf("value: %+v", v)
	}
	sent, failed := v.Statuses[0], v.Statuses[1]
	if sent.Status != "sent" || sent.BizOpaqueCallbackData != "msg-42" || len(sent.Pricing) == 0 || len(sent.Conversation) == 0 {
		t.Errorf("sent: %+v", sent)
	}
	if !failed.Time().Equal(time.Unix(1751142888, 0)) || failed.Errors[0].Code != 131049 || failed.Errors[0].Href == "" {
		t.Errorf("failed: %+v", failed)
	}
	if v.Errors[0].Code != 130429 {
		t.Errorf("value errors: %+v", v.Errors)
	}
}

func TestParseRejectsNonObjects(t *testing.T) {
	for _, body := range []string{"", "null", "[]", `"x"`, "{", `{"entry":[}`} {
		if _, err := Parse([]byte(body)); err == nil {
			t.Errorf("Parse(%q) succeeded", body)
		}
	}
	if _, err := (Change{Field: "messages", Value: []byte("[]")}).DecodeMessages(); err == nil {
		t.Error("array value accepted")
	}
	if _, err := Parse([]byte(`{"object":1,"entry":"x"}`)); err != nil {
		t.Errorf("wrong field types should be tolerated: %v", err)
	}
}

func TestSummaryEdgeCases(t *testing.T) {
	cases := []struct {
		m    InboundMessage
		want string
	}{
		{InboundMessage{Type: "video"}, "🎥 Video"},
		{InboundMessage{Type: "audio", Audio: &Media{}}, "🎵 Audio"},
		{InboundMessage{Type: "location"}, "📍 Location"},
		{InboundMessage{Type: "reaction", Reaction: &Reaction{MessageID: "w"}}, "Removed a reaction"},
		{InboundMessage{Type: "interactive", Interactive: &Interactive{Type: "nfm_reply"}}, "📝 Form submitted"},
		{InboundMessage{Type: "button", Button: &Button{Payload: "p"}}, "p"},
		{InboundMessage{Type: "contacts"}, "👤 Contact"},
		{InboundMessage{Type: "order"}, "🛒 Order"},
		{InboundMessage{Type: "poll"}, "Unsupported message (poll)"},
		{InboundMessage{Type: "text"}, ""},
	}
	for _, c := range cases {
		if got := c.m.Summary(); got != c.want {
			t.Errorf("%s: got %q, want %q", c.m.Type, got, c.want)
		}
	}
	order := InboundMessage{Type: "order", Raw: []byte(`{"type":"order","order":{"product_items":[{},{}]}}`)}
	if got := order.Summary(); got != "🛒 Order: 2 items" {
		t.Errorf("order: %q", got)
	}
}

func FuzzParse(f *testing.F) {
	f.Add(readFixture(f, "messages.json"))
	f.Add(readFixture(f, "statuses.json"))
	f.Add([]byte(`{"entry":[{"changes":[{"value":{"messages":[{"type":"location","location":{"latitude":"NaN"}}]}}]}]}`))
	f.Add([]byte(`{"entry":[{"id":1e400,"time":"-1","changes":[{"value":{"statuses":[{"timestamp":1e99}]}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"field":"message_template_status_update","value":{"event":"DISABLED","message_template_id":1e30,"disable_info":{"disable_date":"x"},"other_info":[]}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"field":"business_capability_update","value":{"max_daily_conversation_per_phone":"-1","max_daily_conversations_per_business":"TIER_"}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"field":"user_preferences","value":{"user_preferences":[{"wa_id":1,"timestamp":-9e18}],"contacts":{}}}]}]}`))
	f.Add([]byte(`{"entry":[{"changes":[{"field":"account_update","value":{"ban_info":{"waba_ban_state":[1,null,"DISABLE"]},"waba_info":{"solution_partner_business_ids":"7"}}}]}]}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		p, err := Parse(body)
		if err != nil {
			return
		}
		for _, e := range p.Entry {
			for _, c := range e.Changes {
				fuzzManagementDecoders(c)
				v, err := c.DecodeMessages()
				if err != nil {
					continue
				}
				for _, m := range v.Messages {
					_ = m.Summary()
					_ = m.TypePayload()
					_ = m.Time()
				}
				for _, s := range v.Statuses {
					_ = s.Time()
				}
			}
		}
	})
}

// fuzzManagementDecoders runs every management decoder on c; none may panic.
func fuzzManagementDecoders(c Change) {
	_ = c.Kind()
	if v, err := c.DecodeTemplateStatusUpdate(); err == nil {
		_ = v.DisableInfo.DisableDate
	}
	_, _ = c.DecodeTemplateQualityUpdate()
	if v, err := c.DecodeTemplateCategoryUpdate(); err == nil {
		_ = v.Impending()
	}
	if v, err := c.DecodePhoneNumberQualityUpdate(); err == nil {
		_, _ = TierLimit(v.Tier())
	}
	if v, err := c.DecodeBusinessCapabilityUpdate(); err == nil {
		_, _ = TierLimit(v.Tier())
	}
	_, _ = c.DecodeAccountUpdate()
	_, _ = c.DecodePhoneNumberNameUpdate()
	if v, err := c.DecodeUserPreferences(); err == nil {
		for _, p := range v.UserPreferences {
			_ = p.Time()
			_ = p.Stop()
		}
	}
}

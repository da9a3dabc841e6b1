package templates

import (
	"strings"
	"testing"
)

// base is a valid UTILITY template: 0 header, 1 body, 2 footer, 3 buttons.
func base() Template {
	return Template{
		Name: "order_update", Language: "en_US", Category: CategoryUtility,
		Components: []Component{
			{Type: ComponentHeader, Format: HeaderText, Text: "Order {{1}} update", Example: &Example{HeaderText: []string{"A123"}}},
			{Type: ComponentBody, Text: "Hi {{1}}, your order {{2}} has shipped and will arrive on {{3}}. Thanks for shopping with us.",
				Example: &Example{BodyText: [][]string{{"Ana", "A123", "Monday"}}}},
			{Type: ComponentFooter, Text: "Lucky Shrub"},
			{Type: ComponentButtons, Buttons: []Button{
				{Type: ButtonQuickReply, Text: "Stop updates"},
				{Type: ButtonQuickReply, Text: "Help"},
				{Type: ButtonURL, Text: "Track", URL: "https://example.com/track/{{1}}", Example: []string{"A123"}},
				{Type: ButtonPhoneNumber, Text: "Call us", PhoneNumber: "15550051310"},
			}},
		},
	}
}

// named is a valid NAMED MARKETING template.
func named() Template {
	return Template{
		Name: "spring_news", Language: "pt_BR", Category: CategoryMarketing, ParameterFormat: "named",
		Components: []Component{
			{Type: ComponentHeader, Format: HeaderText, Text: "News for {{first_name}}",
				Example: &Example{HeaderTextNamedParams: []NamedExample{{"first_name", "Ana"}}}},
			{Type: ComponentBody, Text: "Hello {{first_name}}, our spring catalogue for {{city}} is out. Come and see it in store.",
				Example: &Example{BodyTextNamedParams: []NamedExample{{"first_name", "Ana"}, {"city", "Porto"}}}},
			{Type: ComponentButtons, Buttons: []Button{{Type: ButtonCopyCode, Example: []string{"SPRING25"}}}},
		},
	}
}

// auth is a valid AUTHENTICATION template.
func auth() Template {
	return Template{
		Name: "login_code", Language: "en", Category: CategoryAuthentication,
		Components: []Component{
			{Type: ComponentBody, AddSecurityRecommendation: true},
			{Type: ComponentFooter, CodeExpirationMinutes: 10},
			{Type: ComponentButtons, Buttons: []Button{{Type: ButtonOTP, OTPType: OTPCopyCode}}},
		},
	}
}

func setBody(text string, ex ...string) func(*Template) {
	return func(t *Template) {
		t.Components[1].Text = text
		t.Components[1].Example = &Example{BodyText: [][]string{ex}}
	}
}

func setButtons(bs ...Button) func(*Template) {
	return func(t *Template) { t.Components[3].Buttons = bs }
}

var (
	qr    = Button{Type: ButtonQuickReply, Text: "Yes"}
	link  = Button{Type: ButtonURL, Text: "Open", URL: "https://example.com"}
	phone = Button{Type: ButtonPhoneNumber, Text: "Call", PhoneNumber: "+15550051310"}
	code  = Button{Type: ButtonCopyCode, Example: []string{"SAVE10"}}
)

func TestLintValidBases(t *testing.T) {
	for name, tpl := range map[string]Template{"base": base(), "named": named(), "auth": auth()} {
		r := Lint(tpl)
		if len(r.Errors)+len(r.Warnings) > 0 || !r.OK() {
			t.Errorf("%s: unexpected findings %+v", name, r)
		}
	}
}

func TestLintRules(t *testing.T) {
	cases := []struct {
		code    string
		warning bool
		start   func() Template // nil: base
		good    func(*Template) // nil: start as is
		bad     func(*Template)
	}{
		{code: "name_invalid", good: func(t *Template) { t.Name = "a_1" }, bad: func(t *Template) { t.Name = "Order-Update" }},
		{code: "name_invalid", bad: func(t *Template) { t.Name = strings.Repeat("a", 513) }},
		{code: "language_invalid", good: func(t *Template) { t.Language = "pt_BR" }, bad: func(t *Template) { t.Language = "english" }},
		{code: "category_invalid", good: func(t *Template) { t.Category = "utility" }, bad: func(t *Template) { t.Category = "PROMO" }},
		{code: "parameter_format_invalid", bad: func(t *Template) { t.ParameterFormat = "numbered" }},
		{code: "component_invalid", bad: func(t *Template) { t.Components[2].Type = "SIGNATURE" }},
		{code: "component_duplicate", bad: func(t *Template) { t.Components = append(t.Components, Component{Type: ComponentFooter, Text: "x"}) }},
		{code: "body_count", bad: func(t *Template) { t.Components = append(t.Components, t.Components[1]) }},
		{code: "body_count", bad: func(t *Template) { t.Components = t.Components[2:] }},
		{code: "body_empty", bad: setBody("")},
		{code: "body_too_long", good: setBody(strings.Repeat("a", 1024)), bad: setBody(strings.Repeat("a", 1025))},
		{code: "header_too_long", good: func(t *Template) { t.Components[0].Text = strings.Repeat("é", 53) + " {{1}}" },
			bad: func(t *Template) { t.Components[0].Text = strings.Repeat("a", 61) }},
		{code: "header_text_empty", bad: func(t *Template) { t.Components[0].Text = "" }},
		{code: "header_too_many_params", bad: func(t *Template) {
			t.Components[0].Text, t.Components[0].Example.HeaderText = "{{1}} and {{2}}", []string{"a", "b"}
		}},
		{code: "header_format_invalid", good: func(t *Template) { t.Components[0] = Component{Type: "header", Format: "location"} },
			bad: func(t *Template) { t.Components[0].Format = "GIF" }},
		{code: "footer_too_long", bad: func(t *Template) { t.Components[2].Text = strings.Repeat("a", 61) }},
		{code: "footer_params", bad: func(t *Template) { t.Components[2].Text = "Hi {{1}}" }},
		{code: "footer_empty", bad: func(t *Template) { t.Components[2].Text = "" }},
		{code: "param_invalid", bad: setBody("Hello {{ 1 }} there, how are you doing today?", "a")},
		{code: "params_mixed", bad: setBody("Hello {{1}} there, {{name}} how are you doing today friend?", "a")},
		{code: "param_format_mismatch", bad: setBody("Hello {{name}} there, how are you doing today?")},
		{code: "param_format_mismatch", start: named, bad: func(t *Template) { t.Components[0].Text = "News for {{1}}" }},
		{code: "params_not_sequential", good: setBody("Hi {{1}}, and {{2}}, again {{1}} one more time for the record okay.", "a", "b"),
			bad: setBody("Hi {{1}}, your order {{3}} has shipped and will arrive soon. Thanks for shopping.", "a", "b", "c")},
		{code: "params_not_sequential", bad: setBody("Hi {{2}}, your order has shipped and will arrive soon. Thanks.", "a", "b")},
		{code: "param_at_edge", good: setBody("Hi there, your code is {{1}}.", "a"), bad: setBody("{{1}} is your code, thanks for using the service.", "a")},
		{code: "param_at_edge", bad: setBody("Hi there, thanks for using the service, your code is {{1}}  ", "a")},
		{code: "params_adjacent", good: setBody("Hello, we saw {{1}} on {{2}} in the shop for you today, friend.", "a", "b"),
			bad: setBody("Hello, we saw {{1}} {{2}} in the shop for you today, friend.", "a", "b")},
		{code: "too_many_params", good: setBody("Hi {{1}}, your order is ready.", "a"),
			bad: setBody("Hi {{1}}, {{2}} at {{3}}.", "a", "b", "c")},
		{code: "missing_example", bad: setBody("Hi {{1}}, your order {{2}} is ready for pickup today.", "a")},
		{code: "missing_example", bad: func(t *Template) { t.Components[1].Example = nil }},
		{code: "missing_example", bad: func(t *Template) { t.Components[0].Example.HeaderText = []string{" "} }},
		{code: "missing_example", good: func(t *Template) {
			t.Components[0] = Component{Type: ComponentHeader, Format: HeaderImage, Example: &Example{HeaderHandle: []string{"4::aW"}}}
		}, bad: func(t *Template) { t.Components[0] = Component{Type: ComponentHeader, Format: HeaderImage} }},
		{code: "missing_example", start: named, bad: func(t *Template) {
			t.Components[1].Example.BodyTextNamedParams = t.Components[1].Example.BodyTextNamedParams[:1]
		}},
		{code: "missing_example", bad: func(t *Template) { t.Components[3].Buttons[2].Example = nil }},
		{code: "missing_example", start: named, bad: func(t *Template) { t.Components[2].Buttons[0].Example = nil }},
		{code: "example_mismatch", bad: setBody("Hi {{1}}, your order is ready for pickup today.", "a", "b")},
		{code: "example_mismatch", start: named, bad: func(t *Template) {
			t.Components[1].Example.BodyTextNamedParams = append(t.Components[1].Example.BodyTextNamedParams, NamedExample{"zip", "1"})
		}},
		{code: "buttons_empty", bad: setButtons()},
		{code: "buttons_too_many", good: setButtons(qr, qr, qr, qr, qr, qr, qr, qr, link, phone),
			bad: setButtons(qr, qr, qr, qr, qr, qr, qr, qr, qr, link, phone)},
		{code: "quick_reply_too_many", bad: setButtons(qr, qr, qr, qr, qr, qr, qr, qr, qr, qr, qr)},
		{code: "url_buttons_too_many", good: setButtons(link, link), bad: setButtons(link, link, link)},
		{code: "phone_buttons_too_many", bad: setButtons(phone, phone)},
		{code: "copy_code_too_many", start: named, bad: func(t *Template) { t.Components[2].Buttons = []Button{code, code} }},
		{code: "quick_replies_not_grouped", good: setButtons(link, phone, qr, qr),
			bad: setButtons(qr, link, qr)},
		{code: "quick_replies_not_grouped", bad: setButtons(link, qr, phone)},
		{code: "button_type_invalid", bad: setButtons(Button{Type: "FLOW", Text: "x"})},
		{code: "button_text_empty", bad: setButtons(Button{Type: ButtonQuickReply})},
		{code: "button_text_too_long", good: setButtons(Button{Type: ButtonQuickReply, Text: strings.Repeat("a", 25)}),
			bad: setButtons(Button{Type: ButtonQuickReply, Text: strings.Repeat("a", 26)})},
		{code: "url_invalid", bad: setButtons(Button{Type: ButtonURL, Text: "Go", URL: "example.com/x"})},
		{code: "url_invalid", bad: setButtons(Button{Type: ButtonURL, Text: "Go", URL: "https://e.com/" + strings.Repeat("a", 2000)})},
		{code: "url_param_invalid", bad: setButtons(Button{Type: ButtonURL, Text: "Go", URL: "https://e.com/{{1}}/x", Example: []string{"a"}})},
		{code: "url_param_invalid", bad: setButtons(Button{Type: ButtonURL, Text: "Go", URL: "https://e.com/{{1}}{{2}}", Example: []string{"a"}})},
		{code: "phone_invalid", bad: setButtons(Button{Type: ButtonPhoneNumber, Text: "Call", PhoneNumber: "call me"})},
		{code: "copy_code_too_long", start: named, good: func(t *Template) { t.Components[2].Buttons[0].Example = []string{strings.Repeat("A", 20)} },
			bad: func(t *Template) { t.Components[2].Buttons[0].Example = []string{strings.Repeat("A", 21)} }},
		{code: "otp_outside_auth", bad: setButtons(Button{Type: ButtonOTP, OTPType: OTPCopyCode})},
		{code: "otp_type_invalid", start: auth, bad: func(t *Template) { t.Components[2].Buttons[0].OTPType = "SMS" }},
		{code: "supported_apps_invalid", start: auth, good: func(t *Template) {
			t.Components[2].Buttons[0] = Button{Type: ButtonOTP, OTPType: OTPOneTap, SupportedApps: []SupportedApp{{"com.x", "h"}}}
		}, bad: func(t *Template) { t.Components[2].Buttons[0].OTPType = OTPZeroTap }},
		{code: "code_expiration_invalid", start: auth, bad: func(t *Template) { t.Components[1].CodeExpirationMinutes = 91 }},
		{code: "auth_header", start: auth, bad: func(t *Template) {
			t.Components = append([]Component{{Type: ComponentHeader, Format: HeaderImage, Example: &Example{HeaderHandle: []string{"h"}}}}, t.Components...)
		}},
		{code: "auth_otp_button_required", start: auth, bad: func(t *Template) { t.Components[2].Buttons = []Button{qr} }},
		{code: "auth_otp_button_required", start: auth, bad: func(t *Template) { t.Components = t.Components[:2] }},
		{code: "auth_body_url", start: auth, good: func(t *Template) { t.Components[0].Text = "Your verification code is {{1}}." },
			bad: func(t *Template) { t.Components[0].Text = "Your code is {{1}}, see https://x.io for help." }},
		{code: "auth_body_emoji", start: auth, bad: func(t *Template) { t.Components[0].Text = "Your code is {{1}} 🔐 keep it safe." }},
		// warnings
		{code: "threatening_language", warning: true, bad: setBody("Hi {{1}}, pay your order {{2}} by {{3}} or else we take legal action against you.", "a", "b", "c")},
		{code: "threatening_language", warning: true, bad: func(t *Template) { t.Components[2].Text = "Final warning" }},
		{code: "pressure_language", warning: true, bad: func(t *Template) { t.Components[3].Buttons[0].Text = "Buy now" }},
		{code: "pressure_language", warning: true, start: named, bad: func(t *Template) {
			t.Components[1].Text = "Hello {{first_name}}, last chance: the catalogue for {{city}} is 100% free today."
		}},
		{code: "excessive_punctuation", warning: true, good: func(t *Template) { t.Components[2].Text = "Thanks!" },
			bad: func(t *Template) { t.Components[2].Text = "Thanks!!!" }},
		{code: "all_caps", warning: true, good: func(t *Template) { t.Components[2].Text = "FAQ and PIN help" },
			bad: func(t *Template) { t.Components[2].Text = "URGENT notice" }},
		{code: "promotional_in_utility", warning: true, good: func(t *Template) { t.Components[2].Text = "Feel free to reply" },
			bad: func(t *Template) { t.Components[2].Text = "Get 20% off next time" }},
		{code: "promotional_in_utility", warning: true, bad: setBody("Hi {{1}}, your order {{2}} shipped. Use coupon {{3}} for a discount on your next purchase.", "a", "b", "c")},
		{code: "promotional_in_utility", warning: true, bad: setButtons(code)},
		{code: "auth_non_otp_wording", warning: true, start: auth, good: func(t *Template) { t.Components[0].Text = "Your login code is {{1}}." },
			bad: func(t *Template) { t.Components[0].Text = "Hello {{1}}, welcome to our store, enjoy." }},
	}
	for _, tc := range cases {
		start := tc.start
		if start == nil {
			start = base
		}
		good := start()
		if tc.good != nil {
			tc.good(&good)
		}
		if r := Lint(good); r.Has(tc.code) {
			t.Errorf("%s: passing case flagged: %+v", tc.code, r)
		} else if !tc.warning && !r.OK() {
			t.Errorf("%s: passing case has errors: %+v", tc.code, r.Errors)
		}
		bad := start()
		tc.bad(&bad)
		r := Lint(bad)
		list := r.Errors
		if tc.warning {
			list = r.Warnings
		}
		found := false
		for _, f := range list {
			if f.Code == tc.code {
				found = true
				if f.Field == "" || f.Message == "" || f.Remedy == "" {
					t.Errorf("%s: incomplete finding %+v", tc.code, f)
				}
			}
		}
		if !found {
			t.Errorf("%s: failing case not flagged (warning=%v): %+v", tc.code, tc.warning, r)
		}
		if tc.warning && !r.OK() {
			t.Errorf("%s: warning case has errors: %+v", tc.code, r.Errors)
		}
	}
}

func TestLintFieldPaths(t *testing.T) {
	tpl := base()
	tpl.Components[3].Buttons[1].Text = strings.Repeat("a", 30)
	r := Lint(tpl)
	if len(r.Errors) != 1 || r.Errors[0].Field != "components[3].buttons[1].text" {
		t.Errorf("got %+v", r.Errors)
	}
}

func TestLintMetaAuthBody(t *testing.T) {
	tpl := auth()
	tpl.Components[0].Text = "*{{1}}* is your verification code. For your security, do not share this code."
	if r := Lint(tpl); len(r.Errors)+len(r.Warnings) > 0 {
		t.Errorf("got %+v", r)
	}
}

package templates

import (
	"errors"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

func goodBase() SendParams {
	return SendParams{
		Header:  &HeaderParam{Text: "A123"},
		Body:    []string{"Ana", "A123", "Monday"},
		Buttons: map[int][]string{2: {"A123"}},
	}
}

func goodNamed() SendParams {
	return SendParams{
		Header:    &HeaderParam{Text: "Ana"},
		BodyNamed: map[string]string{"first_name": "Ana", "city": "Porto"},
		Buttons:   map[int][]string{0: {"SPRING25"}},
	}
}

func TestParamsSpec(t *testing.T) {
	s := base().Params()
	if s.Format != FormatPositional || s.HeaderFormat != HeaderText || s.HeaderParam != "1" || s.BodyCount != 3 ||
		len(s.Buttons) != 1 || s.Buttons[0] != (ButtonParam{Index: 2, Type: ButtonURL, Required: true}) ||
		len(s.QuickReplies) != 2 || s.OTP {
		t.Errorf("base spec %+v", s)
	}
	s = named().Params()
	if s.Format != FormatNamed || s.HeaderParam != "first_name" || strings.Join(s.BodyNames, ",") != "first_name,city" ||
		s.Buttons[0].Type != ButtonCopyCode {
		t.Errorf("named spec %+v", s)
	}
	s = auth().Params()
	if !s.OTP || s.BodyCount != 1 || s.Buttons[0] != (ButtonParam{Index: 0, Type: ButtonOTP}) || s.HeaderFormat != "" {
		t.Errorf("auth spec %+v", s)
	}
}

func TestCheck(t *testing.T) {
	media := func(f HeaderFormat) Template {
		tpl := base()
		tpl.Components[0] = Component{Type: ComponentHeader, Format: f, Example: &Example{HeaderHandle: []string{"h"}}}
		return tpl
	}
	cases := []struct {
		name string
		tpl  Template
		p    func(*SendParams)
		want string // substring of the message; "" means valid
	}{
		{"base ok", base(), nil, ""},
		{"named ok", named(), nil, ""},
		{"auth ok", auth(), nil, ""},
		{"auth same code on button", auth(), func(p *SendParams) { p.Buttons = map[int][]string{0: {"123456"}} }, ""},
		{"quick reply payload ok", base(), func(p *SendParams) { p.Buttons[0] = []string{"stop"} }, ""},
		{"too few body", base(), func(p *SendParams) { p.Body = p.Body[:2] }, "expects 3 body parameters, got 2"},
		{"too many body", base(), func(p *SendParams) { p.Body = append(p.Body, "x") }, "got 4"},
		{"empty body value", base(), func(p *SendParams) { p.Body[1] = "" }, "body parameter {{2}} is empty"},
		{"whitespace body value", base(), func(p *SendParams) { p.Body[2] = "  \u00a0 " }, "{{3}} is empty"},
		{"newline", base(), func(p *SendParams) { p.Body[0] = "Ana\nMaria" }, "line break"},
		{"tab", base(), func(p *SendParams) { p.Body[0] = "Ana\tMaria" }, "line break or tab"},
		{"five spaces", base(), func(p *SendParams) { p.Body[0] = "Ana     Maria" }, "more than 4 consecutive spaces"},
		{"four spaces ok", base(), func(p *SendParams) { p.Body[0] = "Ana    Maria" }, ""},
		{"param too long", base(), func(p *SendParams) { p.Body[0] = strings.Repeat("a", 1025) }, "limit is 1024"},
		{"hydrated too long", base(), func(p *SendParams) { p.Body[0] = strings.Repeat("a", 1000) }, "132005"},
		{"named given positional", base(), func(p *SendParams) { p.BodyNamed = map[string]string{"a": "b"} }, "named values were given"},
		{"header missing", base(), func(p *SendParams) { p.Header = nil }, "header parameter {{1}} is missing"},
		{"header empty", base(), func(p *SendParams) { p.Header.Text = " " }, "header parameter {{1}} is empty"},
		{"header too long", base(), func(p *SendParams) { p.Header.Text = strings.Repeat("a", 60) }, "filled header"},
		{"header on headerless", auth(), func(p *SendParams) { p.Header = &HeaderParam{Text: "x"} }, "no header parameter"},
		{"named missing", named(), func(p *SendParams) { delete(p.BodyNamed, "city") }, "{{city}} is missing"},
		{"named unknown", named(), func(p *SendParams) { p.BodyNamed["zip"] = "1" }, "{{zip}} is not in the template"},
		{"named empty", named(), func(p *SendParams) { p.BodyNamed["city"] = "" }, "{{city}} is empty"},
		{"positional given named", named(), func(p *SendParams) { p.Body = []string{"a"} }, "positional values were given"},
		{"url missing", base(), func(p *SendParams) { p.Buttons = nil }, "button 2 (URL) expects 1 value, got 0"},
		{"url empty", base(), func(p *SendParams) { p.Buttons[2] = []string{" "} }, "button 2 (URL) is empty"},
		{"url unsafe", base(), func(p *SendParams) { p.Buttons[2] = []string{"a b"} }, "not URL-safe"},
		{"url bad percent", base(), func(p *SendParams) { p.Buttons[2] = []string{"a%2"} }, "not URL-safe"},
		{"url encoded ok", base(), func(p *SendParams) { p.Buttons[2] = []string{"a%20b?x=1&y=2"} }, ""},
		{"unknown button", base(), func(p *SendParams) { p.Buttons[3] = []string{"x"} }, "button 3 of template"},
		{"coupon too long", named(), func(p *SendParams) { p.Buttons[0] = []string{strings.Repeat("A", 21)} }, "coupon code"},
		{"coupon missing", named(), func(p *SendParams) { p.Buttons = nil }, "button 0 (COPY_CODE) expects 1 value"},
		{"otp too long", auth(), func(p *SendParams) { p.Body = []string{strings.Repeat("1", 16)} }, "longer than 15"},
		{"otp button differs", auth(), func(p *SendParams) { p.Buttons = map[int][]string{0: {"999"}} }, "differs"},
		{"image ok", media(HeaderImage), func(p *SendParams) { p.Header = &HeaderParam{MediaID: "1339522734477770"} }, ""},
		{"image missing", media(HeaderImage), func(p *SendParams) { p.Header = nil }, "header image is missing"},
		{"image id and link", media(HeaderImage), func(p *SendParams) { p.Header = &HeaderParam{MediaID: "1", Link: "https://x.io/a.png"} }, "both"},
		{"image bad link", media(HeaderImage), func(p *SendParams) { p.Header = &HeaderParam{Link: "a.png"} }, "not a URL"},
		{"image filename", media(HeaderImage), func(p *SendParams) { p.Header = &HeaderParam{MediaID: "1", Filename: "a.png"} }, "cannot have a filename"},
		{"image with text", media(HeaderImage), func(p *SendParams) { p.Header = &HeaderParam{MediaID: "1", Text: "x"} }, "not text"},
		{"document ok", media(HeaderDocument), func(p *SendParams) { p.Header = &HeaderParam{Link: "https://x.io/a.pdf", Filename: "a.pdf"} }, ""},
		{"location missing", media(HeaderLocation), func(p *SendParams) { p.Header = &HeaderParam{} }, "location is missing"},
	}
	for _, tc := range cases {
		var p SendParams
		switch tc.tpl.Name {
		case "spring_news":
			p = goodNamed()
		case "login_code":
			p = SendParams{Body: []string{"123456"}}
		default:
			p = goodBase()
		}
		if tc.p != nil {
			tc.p(&p)
		}
		err := Check(tc.tpl, p)
		if tc.want == "" {
			if err != nil {
				t.Errorf("%s: unexpected %v", tc.name, err)
			}
			continue
		}
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != CodeTemplateParams || de.Remedy == "" {
			t.Errorf("%s: want template_params error, got %v", tc.name, err)
			continue
		}
		if !strings.Contains(de.Message, tc.want) {
			t.Errorf("%s: message %q does not contain %q", tc.name, de.Message, tc.want)
		}
	}
}

package templates

import (
	"encoding/json"
	"errors"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

// orderConfirmation has the §3.8 shape: image header, body, quick reply,
// URL button with a suffix variable, copy code.
func orderConfirmation(format ParameterFormat, body string, ex *Example) Template {
	return Template{
		Name: "order_confirmation", Language: "en_US", Category: CategoryMarketing, ParameterFormat: format,
		Components: []Component{
			{Type: ComponentHeader, Format: HeaderImage, Example: &Example{HeaderHandle: []string{"4::aW"}}},
			{Type: ComponentBody, Text: body, Example: ex},
			{Type: ComponentButtons, Buttons: []Button{
				{Type: ButtonQuickReply, Text: "More aloes"},
				{Type: ButtonURL, Text: "Shop", URL: "https://www.luckyshrub.com/shop/{{1}}", Example: []string{"blue-elf"}},
				{Type: ButtonCopyCode, Example: []string{"25OFF"}},
			}},
		},
	}
}

func TestComponentsPositional(t *testing.T) {
	tpl := orderConfirmation("", "Thanks {{1}}, your order {{2}} is confirmed. See you soon.", &Example{BodyText: [][]string{{"Jessica", "SKBUP2-4CPIG9"}}})
	if r := Lint(tpl); !r.OK() {
		t.Fatalf("lint: %+v", r.Errors)
	}
	got, err := Components(tpl, SendParams{
		Header:  &HeaderParam{MediaID: "1339522734477770"},
		Body:    []string{"Jessica", "SKBUP2-4CPIG9"},
		Buttons: map[int][]string{0: {"more-aloes"}, 1: {"blue-elf"}, 2: {"25OFF"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(got)
	jsonEqual(t, out, []byte(`[
      { "type": "header", "parameters": [ { "type": "image", "image": { "id": "1339522734477770" } } ] },
      { "type": "body", "parameters": [ { "type": "text", "text": "Jessica" }, { "type": "text", "text": "SKBUP2-4CPIG9" } ] },
      { "type": "button", "sub_type": "quick_reply", "index": "0", "parameters": [ { "type": "payload", "payload": "more-aloes" } ] },
      { "type": "button", "sub_type": "url", "index": "1", "parameters": [ { "type": "text", "text": "blue-elf" } ] },
      { "type": "button", "sub_type": "copy_code", "index": "2", "parameters": [ { "type": "coupon_code", "coupon_code": "25OFF" } ] }
    ]`))
}

func TestComponentsNamed(t *testing.T) {
	tpl := orderConfirmation(FormatNamed, "Thanks {{first_name}}, your order {{order_number}} is confirmed. See you soon.",
		&Example{BodyTextNamedParams: []NamedExample{{"first_name", "Jessica"}, {"order_number", "SKBUP2-4CPIG9"}}})
	tpl.Components[0] = Component{Type: ComponentHeader, Format: HeaderText, Text: "Hello {{first_name}}",
		Example: &Example{HeaderTextNamedParams: []NamedExample{{"first_name", "Jessica"}}}}
	if r := Lint(tpl); !r.OK() {
		t.Fatalf("lint: %+v", r.Errors)
	}
	got, err := Components(tpl, SendParams{
		Header:    &HeaderParam{Text: "Jessica"},
		BodyNamed: map[string]string{"order_number": "SKBUP2-4CPIG9", "first_name": "Jessica"},
		Buttons:   map[int][]string{1: {"blue-elf"}, 2: {"25OFF"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(got)
	jsonEqual(t, out, []byte(`[
      { "type": "header", "parameters": [ { "type": "text", "parameter_name": "first_name", "text": "Jessica" } ] },
      { "type": "body", "parameters": [
          { "type": "text", "parameter_name": "first_name", "text": "Jessica" },
          { "type": "text", "parameter_name": "order_number", "text": "SKBUP2-4CPIG9" } ] },
      { "type": "button", "sub_type": "url", "index": "1", "parameters": [ { "type": "text", "text": "blue-elf" } ] },
      { "type": "button", "sub_type": "copy_code", "index": "2", "parameters": [ { "type": "coupon_code", "coupon_code": "25OFF" } ] }
    ]`))
}

func TestComponentsAuthAndMedia(t *testing.T) {
	got, err := Components(auth(), SendParams{Body: []string{"123456"}})
	if err != nil {
		t.Fatal(err)
	}
	out, _ := json.Marshal(got)
	jsonEqual(t, out, []byte(`[
      { "type": "body", "parameters": [ { "type": "text", "text": "123456" } ] },
      { "type": "button", "sub_type": "url", "index": "0", "parameters": [ { "type": "text", "text": "123456" } ] }
    ]`))

	doc := base()
	doc.Components[0] = Component{Type: ComponentHeader, Format: HeaderDocument, Example: &Example{HeaderHandle: []string{"h"}}}
	p := goodBase()
	p.Header = &HeaderParam{Link: "https://x.io/invoice.pdf", Filename: "invoice.pdf"}
	got, err = Components(doc, p)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = json.Marshal(got[0])
	jsonEqual(t, out, []byte(`{"type":"header","parameters":[{"type":"document","document":{"link":"https://x.io/invoice.pdf","filename":"invoice.pdf"}}]}`))

	loc := base()
	loc.Components[0] = Component{Type: ComponentHeader, Format: HeaderLocation}
	p.Header = &HeaderParam{Location: &Location{Latitude: "37.48", Longitude: "-122.14", Name: "Shop", Address: "1 Main St"}}
	got, err = Components(loc, p)
	if err != nil {
		t.Fatal(err)
	}
	out, _ = json.Marshal(got[0])
	jsonEqual(t, out, []byte(`{"type":"header","parameters":[{"type":"location","location":{"latitude":"37.48","longitude":"-122.14","name":"Shop","address":"1 Main St"}}]}`))
}

func TestComponentsRefusesBadParams(t *testing.T) {
	p := goodBase()
	p.Body[0] = " "
	got, err := Components(base(), p)
	if got != nil || domain.ErrorCode(err) != CodeTemplateParams {
		t.Errorf("got %v, %v", got, err)
	}
	var de *domain.Error
	if !errors.As(err, &de) {
		t.Fatal("not a domain error")
	}
}

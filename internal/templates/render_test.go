package templates

import (
	"reflect"
	"testing"
)

func TestRender(t *testing.T) {
	got := Render(base(), goodBase())
	want := Rendered{
		HeaderFormat: HeaderText, Header: "Order A123 update",
		Body:    "Hi Ana, your order A123 has shipped and will arrive on Monday. Thanks for shopping with us.",
		Footer:  "Lucky Shrub",
		Buttons: []string{"Stop updates", "Help", "Track", "Call us"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v\nwant %+v", got, want)
	}
}

func TestRenderMissingLeavesVariables(t *testing.T) {
	got := Render(base(), SendParams{Body: []string{"Ana", ""}})
	if got.Header != "Order {{1}} update" ||
		got.Body != "Hi Ana, your order {{2}} has shipped and will arrive on {{3}}. Thanks for shopping with us." {
		t.Errorf("got %+v", got)
	}
	n := Render(named(), SendParams{BodyNamed: map[string]string{"city": "Porto"}})
	if n.Header != "News for {{first_name}}" || n.Body != "Hello {{first_name}}, our spring catalogue for Porto is out. Come and see it in store." ||
		!reflect.DeepEqual(n.Buttons, []string{"Copy offer code"}) {
		t.Errorf("named %+v", n)
	}
}

func TestRenderAuth(t *testing.T) {
	got := Render(auth(), SendParams{Body: []string{"123456"}})
	want := Rendered{
		Body:    "123456 is your verification code. For your security, do not share this code.",
		Footer:  "This code expires in 10 minutes.",
		Buttons: []string{"Copy code"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %+v", got)
	}
}

func TestRenderMediaHeader(t *testing.T) {
	tpl := base()
	tpl.Components[0] = Component{Type: ComponentHeader, Format: HeaderImage}
	if got := Render(tpl, goodBase()); got.HeaderFormat != HeaderImage || got.Header != "" {
		t.Errorf("got %+v", got)
	}
}

package templates

import "testing"

func TestContactVarsWithFill(t *testing.T) {
	vars := ContactVars("Ada Lovelace", "+447700900123", "447700900123", map[string]string{"city": "London", "name": "shadowed", "plan": ""})
	for expr, want := range map[string]string{
		"Thanks {{first_name|there}}!":        "Thanks Ada!",
		"{{name}} / {{contact.phone}}":        "Ada Lovelace / +447700900123",
		"{{city}} {{attributes.city}}":        "London London",
		"{{contact.city}} {{wa_id}}":          "London 447700900123",
		"{{plan|basic}} {{missing|fallback}}": "basic fallback",
		"{{attributes.name}}":                 "shadowed", // attributes keep their own values
		"no expressions":                      "no expressions",
	} {
		if got := Fill(expr, vars); got != want {
			t.Errorf("Fill(%q) = %q, want %q", expr, got, want)
		}
	}
	if got := Fill("Hi {{first_name|there}}", ContactVars("", "", "", nil)); got != "Hi there" {
		t.Errorf("no name: %q", got)
	}
}

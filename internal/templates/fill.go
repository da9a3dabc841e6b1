package templates

import "strings"

// Fill renders a parameter expression such as "{{invitee.first_name|there}}":
// each {{scope.name}} is replaced from vars, or by its fallback after "|"
// when the value is empty; anything else is kept as written. CRM rules and
// Calendly messages map their data onto template parameters with it.
func Fill(expr string, vars map[string]map[string]string) string {
	var b strings.Builder
	for {
		i := strings.Index(expr, "{{")
		if i < 0 {
			b.WriteString(expr)
			return strings.TrimSpace(b.String())
		}
		j := strings.Index(expr[i:], "}}")
		if j < 0 {
			b.WriteString(expr)
			return strings.TrimSpace(b.String())
		}
		b.WriteString(expr[:i])
		ref, fallback, _ := strings.Cut(strings.TrimSpace(expr[i+2:i+j]), "|")
		scope, name, _ := strings.Cut(strings.TrimSpace(ref), ".")
		v := vars[strings.TrimSpace(scope)][strings.TrimSpace(name)]
		if strings.TrimSpace(v) == "" {
			v = strings.TrimSpace(fallback)
		}
		b.WriteString(v)
		expr = expr[i+j+2:]
	}
}

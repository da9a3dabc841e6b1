package templates

import "strings"

// ContactVars are what an expression filled by Fill may name about a
// contact: {{name}}, {{first_name}}, {{phone}}, {{wa_id}} and any attribute
// ({{city}}), each also under "contact." ({{contact.city}}), and attributes
// under "attributes." too. An attribute never shadows the built-in names.
// Broadcasts and canned responses fill from it.
func ContactVars(name, phone, waID string, attributes map[string]string) map[string]map[string]string {
	contact := map[string]string{"name": name, "first_name": FirstName(name), "phone": phone, "wa_id": waID}
	for k, v := range attributes {
		if _, taken := contact[k]; !taken {
			contact[k] = v
		}
	}
	attrs := map[string]string{}
	for k, v := range attributes {
		attrs[k] = v
	}
	out := map[string]map[string]string{"contact": contact, "attributes": attrs}
	for k, v := range contact {
		if _, taken := out[k]; !taken {
			out[k] = map[string]string{"": v}
		}
	}
	return out
}

// FirstName is the first word of a name ("Ada Lovelace" → "Ada").
func FirstName(name string) string {
	f, _, _ := strings.Cut(strings.TrimSpace(name), " ")
	return f
}

package templates

import (
	"encoding/json"

	"github.com/gohavi/gohavi/internal/domain"
)

// FromStored turns a stored template into this package's form, for
// checking, building and previewing sends.
func FromStored(st domain.Template) (Template, error) {
	t := Template{Name: st.Name, Language: st.Language, Category: Category(st.Category), Status: Status(st.Status),
		ParameterFormat: ParameterFormat(st.ParameterFormat), MessageSendTTLSeconds: st.TTLSeconds}
	if len(st.Components) > 0 {
		if err := json.Unmarshal(st.Components, &t.Components); err != nil {
			return t, domain.Errorf(domain.CodeInternal, "Sync the templates again: POST /api/v1/templates/sync.", "stored template %d has unreadable components", st.ID)
		}
	}
	return t, nil
}

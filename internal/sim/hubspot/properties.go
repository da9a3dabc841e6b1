package hubspot

import (
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"
)

// propertyDef is the Properties API's Property.
type propertyDef struct {
	Name                 string          `json:"name"`
	Label                string          `json:"label"`
	Type                 string          `json:"type"`
	FieldType            string          `json:"fieldType"`
	Description          string          `json:"description"`
	GroupName            string          `json:"groupName"`
	Options              []option        `json:"options"`
	DisplayOrder         int             `json:"displayOrder"`
	Calculated           bool            `json:"calculated"`
	ExternalOptions      bool            `json:"externalOptions"`
	HasUniqueValue       bool            `json:"hasUniqueValue"`
	Hidden               bool            `json:"hidden"`
	HubspotDefined       bool            `json:"hubspotDefined,omitempty"`
	ModificationMetadata map[string]bool `json:"modificationMetadata"`
	FormField            bool            `json:"formField"`
	CreatedAt            string          `json:"createdAt,omitempty"`
	UpdatedAt            string          `json:"updatedAt,omitempty"`
	Archived             bool            `json:"archived"`
}

type option struct {
	Label        string `json:"label"`
	Value        string `json:"value"`
	Description  string `json:"description,omitempty"`
	DisplayOrder int    `json:"displayOrder"`
	Hidden       bool   `json:"hidden"`
}

// HubSpot caps unique-value properties per object (10 per object type).
const maxUniqueProps = 10

func opts(values ...string) []option {
	out := make([]option, len(values))
	for i, v := range values {
		out[i] = option{Label: v, Value: v, DisplayOrder: i}
	}
	return out
}

// seed defines the HubSpot properties the product and its tests touch, and
// the default pipelines. Only defined properties can be written (as on
// HubSpot), so anything a mapping may name has to be here or created.
func (s *Server) seed() {
	def := func(typ, name, ptype, field string, o []option) {
		if s.props[typ] == nil {
			s.props[typ] = map[string]*propertyDef{}
		}
		ro := readOnly[name]
		s.props[typ][name] = &propertyDef{
			Name: name, Label: name, Type: ptype, FieldType: field, GroupName: strings.TrimSuffix(typ, "s") + "information",
			Options: o, DisplayOrder: -1, Calculated: ro, HubspotDefined: true, FormField: !ro,
			ModificationMetadata: map[string]bool{"archivable": false, "readOnlyDefinition": true, "readOnlyValue": ro},
		}
	}
	for _, typ := range []string{"contacts", "deals", "communications", "notes"} {
		def(typ, "hs_object_id", "number", "number", nil)
		def(typ, "hubspot_owner_id", "enumeration", "select", nil)
		if typ == "contacts" || typ == "deals" {
			def(typ, "createdate", "datetime", "date", nil)
		} else {
			def(typ, "hs_createdate", "datetime", "date", nil)
			def(typ, "hs_timestamp", "datetime", "date", nil)
		}
		if typ == "contacts" {
			def(typ, "lastmodifieddate", "datetime", "date", nil)
		} else {
			def(typ, "hs_lastmodifieddate", "datetime", "date", nil)
		}
	}
	for _, n := range []string{"email", "firstname", "lastname", "company", "jobtitle", "city", "state", "country", "zip", "address", "website", "message"} {
		def("contacts", n, "string", "text", nil)
	}
	for _, n := range []string{"phone", "mobilephone", "hs_whatsapp_phone_number"} {
		def("contacts", n, "string", "phonenumber", nil)
	}
	def("contacts", "lifecyclestage", "enumeration", "radio", opts("subscriber", "lead", "marketingqualifiedlead", "salesqualifiedlead", "opportunity", "customer", "evangelist", "other"))
	def("contacts", "hs_lead_status", "enumeration", "radio", opts("NEW", "OPEN", "IN_PROGRESS", "OPEN_DEAL", "UNQUALIFIED", "ATTEMPTED_TO_CONTACT", "CONNECTED", "BAD_TIMING"))
	def("deals", "dealname", "string", "text", nil)
	def("deals", "amount", "number", "number", nil)
	def("deals", "closedate", "datetime", "date", nil)
	def("deals", "description", "string", "textarea", nil)
	// pipeline and dealstage are checked against the pipelines instead.
	def("deals", "pipeline", "enumeration", "select", nil)
	def("deals", "dealstage", "enumeration", "radio", nil)
	def("communications", "hs_communication_channel_type", "enumeration", "select", opts("WHATS_APP", "LINKEDIN_MESSAGE", "SMS"))
	def("communications", "hs_communication_logged_from", "enumeration", "select", opts("CRM"))
	def("communications", "hs_communication_body", "string", "html", nil)
	def("notes", "hs_note_body", "string", "html", nil)
	def("notes", "hs_attachment_ids", "enumeration", "checkbox", nil)
}

var propName = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

var validFieldTypes = []string{"text", "textarea", "number", "date", "select", "radio", "checkbox", "booleancheckbox", "phonenumber", "html", "file", "calculation_equation"}

func (s *Server) createProperty(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, ok := normType(r.PathValue("objectType"))
	if !ok {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Unable to infer object type from: "+r.PathValue("objectType"), nil)
		return
	}
	var in propertyDef
	if !readJSON(w, r, &in) {
		return
	}
	var bad []string
	switch {
	case !propName.MatchString(in.Name) || strings.HasPrefix(in.Name, "hs_"):
		bad = append(bad, "name must be lower case letters, digits and underscores, start with a letter and not use the hs_ prefix")
	case in.Label == "":
		bad = append(bad, "label is required")
	case in.GroupName == "":
		bad = append(bad, "groupName is required")
	case !slices.Contains([]string{"string", "number", "date", "datetime", "enumeration", "bool"}, in.Type):
		bad = append(bad, "type must be one of string, number, date, datetime, enumeration, bool")
	case !slices.Contains(validFieldTypes, in.FieldType):
		bad = append(bad, "fieldType is not valid: "+in.FieldType)
	}
	if len(bad) > 0 {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+strings.Join(bad, "; "), nil)
		return
	}
	if in.Type == "bool" && len(in.Options) == 0 {
		in.Options = []option{{Label: "Yes", Value: "true"}, {Label: "No", Value: "false", DisplayOrder: 1}}
	}
	now := hsTime(s.now())
	in.CreatedAt, in.UpdatedAt, in.HubspotDefined, in.Calculated, in.Archived = now, now, false, false, false
	in.FormField = true
	in.ModificationMetadata = map[string]bool{"archivable": true, "readOnlyDefinition": false, "readOnlyValue": false}
	if in.Options == nil {
		in.Options = []option{}
	}
	s.mu.Lock()
	if s.props[typ][in.Name] != nil {
		s.mu.Unlock()
		writeError(w, http.StatusConflict, "OBJECT_ALREADY_EXISTS", fmt.Sprintf("A property named '%s' already exists.", in.Name), nil)
		return
	}
	if in.HasUniqueValue {
		n := 0
		for _, d := range s.props[typ] {
			if d.HasUniqueValue {
				n++
			}
		}
		if n >= maxUniqueProps {
			s.mu.Unlock()
			writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", fmt.Sprintf("Cannot create more than %d unique value properties for this object type.", maxUniqueProps), nil)
			return
		}
	}
	d := in
	s.props[typ][in.Name] = &d
	s.mu.Unlock()
	writeJSON(w, http.StatusCreated, d)
}

func (s *Server) getProperty(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, _ := normType(r.PathValue("objectType"))
	s.mu.Lock()
	d := s.props[typ][r.PathValue("name")]
	var out propertyDef
	if d != nil {
		out = *d
	}
	s.mu.Unlock()
	if d == nil {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", fmt.Sprintf("Unable to find property %s for object type %s", r.PathValue("name"), r.PathValue("objectType")), nil)
		return
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *Server) listProperties(w http.ResponseWriter, r *http.Request, _ *caller) {
	typ, _ := normType(r.PathValue("objectType"))
	s.mu.Lock()
	out := []propertyDef{}
	for _, d := range s.props[typ] {
		out = append(out, *d)
	}
	s.mu.Unlock()
	slices.SortFunc(out, func(a, b propertyDef) int { return strings.Compare(a.Name, b.Name) })
	writeJSON(w, http.StatusOK, map[string]any{"results": out})
}

// valueError is one entry of HubSpot's "Property values were not valid"
// list, which it serialises into the message as well.
type valueError struct {
	IsValid bool   `json:"isValid"`
	Message string `json:"message"`
	Error   string `json:"error"`
	Name    string `json:"name"`
}

// checkValuesLocked validates property values against their definitions.
func (s *Server) checkValuesLocked(typ string, props map[string]string) []valueError {
	var bad []valueError
	add := func(name, code, msg string) {
		bad = append(bad, valueError{Message: msg, Error: code, Name: name})
	}
	for _, name := range slices.Sorted(maps.Keys(props)) {
		v := props[name]
		d := s.props[typ][name]
		switch {
		case d == nil:
			add(name, "PROPERTY_DOESNT_EXIST", fmt.Sprintf("Property \"%s\" does not exist", name))
		case v == "" || d.Calculated:
		case len(v) > 65536:
			add(name, "INVALID_LENGTH", fmt.Sprintf("%s is longer than 65536 characters", name))
		case d.Type == "number":
			if _, err := strconv.ParseFloat(v, 64); err != nil {
				add(name, "INVALID_INTEGER", fmt.Sprintf("%s was not a valid number.", v))
			}
		case d.Type == "bool":
			if v != "true" && v != "false" {
				add(name, "INVALID_BOOLEAN", fmt.Sprintf("%s was not a valid boolean.", v))
			}
		case d.Type == "date" || d.Type == "datetime":
			if _, ok := parseTimestamp(v); !ok {
				add(name, "INVALID_DATE", fmt.Sprintf("%s was not a valid long or ISO 8601 date.", v))
			}
		case d.Type == "enumeration" && len(d.Options) > 0:
			vals := []string{v}
			if d.FieldType == "checkbox" {
				vals = strings.Split(v, ";")
			}
			for _, one := range vals {
				if !slices.ContainsFunc(d.Options, func(o option) bool { return o.Value == one }) {
					add(name, "INVALID_OPTION", fmt.Sprintf("%s was not one of the allowed options: %s", one, optionList(d.Options)))
				}
			}
		}
	}
	return bad
}

func optionList(o []option) string {
	var b []string
	for _, x := range o {
		b = append(b, "[label: \""+x.Label+"\"\nvalue: \""+x.Value+"\"\n]")
	}
	return strings.Join(b, ", ")
}

// parseTimestamp reads HubSpot's two date forms: epoch milliseconds and
// ISO 8601 (with or without time).
func parseTimestamp(v string) (time.Time, bool) {
	if ms, err := strconv.ParseInt(v, 10, 64); err == nil {
		return time.UnixMilli(ms), true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.000Z0700", time.DateOnly} {
		if t, err := time.Parse(layout, v); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// failure is an error for a whole request or for one batch input.
type failure struct {
	status   int
	category string
	message  string
	errors   []errorDetail
	context  map[string][]string
}

func (f *failure) body() apiError {
	e := apiError{Status: "error", Message: f.message, CorrelationID: newUUID(), Category: f.category, Errors: f.errors}
	if len(f.context) > 0 {
		e.Context = map[string]any{}
		for k, v := range f.context {
			e.Context[k] = v
		}
	}
	return e
}

func (f *failure) write(w http.ResponseWriter) { writeJSON(w, f.status, f.body()) }

func invalidValues(bad []valueError) *failure {
	for i := range bad {
		bad[i].IsValid = false
	}
	raw, _ := json.Marshal(bad)
	f := &failure{status: http.StatusBadRequest, category: "VALIDATION_ERROR", message: "Property values were not valid: " + string(raw)}
	for _, b := range bad {
		f.errors = append(f.errors, errorDetail{Message: b.Message, Code: b.Error, Context: map[string][]string{"propertyName": {b.Name}}})
	}
	return f
}

func validation(msg string) *failure {
	return &failure{status: http.StatusBadRequest, category: "VALIDATION_ERROR", message: msg}
}

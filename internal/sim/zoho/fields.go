package zoho

import (
	"fmt"
	"net/http"
	"strings"
)

// Field and module metadata of the simulated org: what GET
// /crm/v7/settings/fields answers and what the record writes validate
// against. It is a fixed "default layout" plus the custom field
// WhatsApp_Number that GoHavi's setup asks admins to create, so the
// simulator behaves like an org that has finished onboarding.

type fieldMeta struct {
	APIName   string
	Label     string
	Type      string // Zoho data_type: text, email, phone, picklist, lookup, ownerlookup, currency, date, datetime, integer, textarea
	Mandatory bool
	Unique    bool // "Do not allow duplicate values"
	ReadOnly  bool
	Custom    bool
	Picklist  []string
}

type moduleMeta struct {
	APIName string
	ID      string // the module's id: resource_id of watch answers, Parent_Id.module.id of notes
	Fields  []fieldMeta
	// DupCheck are the system duplicate-check fields upsert accepts in
	// duplicate_check_fields besides the unique ones (spec §2.2.2).
	DupCheck []string
}

// Zoho's default deal stages (spec §2.2.5; UNCONFIRMED there, kept as the
// spec lists them). display_value and actual_value are equal in a default
// layout, which is what the simulator answers.
var defaultStages = []string{
	"Qualification", "Needs Analysis", "Value Proposition", "Id. Decision Makers",
	"Perception Analysis", "Proposal/Price Quote", "Negotiation/Review",
	"Closed Won", "Closed Lost", "Closed-Lost to Competition",
}

// defaultPipeline is how Zoho names the pipeline of the Standard layout.
const defaultPipeline = "Standard (Standard)"

var leadSources = []string{"-None-", "Advertisement", "Cold Call", "Employee Referral", "External Referral",
	"Online Store", "Partner", "Public Relations", "Seminar Partner", "Trade Show", "Web Download", "Web Research", "Chat"}

func personFields(extra ...fieldMeta) []fieldMeta {
	f := []fieldMeta{
		{APIName: "Owner", Label: "Owner", Type: "ownerlookup"},
		{APIName: "First_Name", Label: "First Name", Type: "text"},
		{APIName: "Last_Name", Label: "Last Name", Type: "text", Mandatory: true},
		{APIName: "Full_Name", Label: "Full Name", Type: "text", ReadOnly: true},
		{APIName: "Email", Label: "Email", Type: "email"},
		{APIName: "Secondary_Email", Label: "Secondary Email", Type: "email"},
		{APIName: "Phone", Label: "Phone", Type: "phone"},
		{APIName: "Mobile", Label: "Mobile", Type: "phone"},
		// A single-line text field with "Do not allow duplicate values", the
		// way GoHavi's setup message tells admins to create it.
		{APIName: "WhatsApp_Number", Label: "WhatsApp Number", Type: "text", Unique: true, Custom: true},
		{APIName: "Lead_Source", Label: "Lead Source", Type: "picklist", Picklist: leadSources},
		{APIName: "Description", Label: "Description", Type: "textarea"},
		{APIName: "Created_Time", Label: "Created Time", Type: "datetime", ReadOnly: true},
		{APIName: "Modified_Time", Label: "Modified Time", Type: "datetime", ReadOnly: true},
	}
	return append(f, extra...)
}

var modules = map[string]*moduleMeta{
	"Contacts": {APIName: "Contacts", ID: "5725767000000002179", DupCheck: []string{"Email"},
		Fields: personFields(fieldMeta{APIName: "Account_Name", Label: "Account Name", Type: "lookup"})},
	"Leads": {APIName: "Leads", ID: "5725767000000002175", DupCheck: []string{"Email"},
		Fields: personFields(fieldMeta{APIName: "Company", Label: "Company", Type: "text"})},
	"Deals": {APIName: "Deals", ID: "5725767000000002181", DupCheck: []string{"Deal_Name"},
		Fields: []fieldMeta{
			{APIName: "Owner", Label: "Deal Owner", Type: "ownerlookup"},
			{APIName: "Deal_Name", Label: "Deal Name", Type: "text", Mandatory: true},
			{APIName: "Stage", Label: "Stage", Type: "picklist", Mandatory: true, Picklist: defaultStages},
			{APIName: "Pipeline", Label: "Pipeline", Type: "picklist", Picklist: []string{defaultPipeline}},
			{APIName: "Amount", Label: "Amount", Type: "currency"},
			{APIName: "Closing_Date", Label: "Closing Date", Type: "date"},
			{APIName: "Probability", Label: "Probability (%)", Type: "integer"},
			{APIName: "Contact_Name", Label: "Contact Name", Type: "lookup"},
			{APIName: "Account_Name", Label: "Account Name", Type: "lookup"},
			{APIName: "Description", Label: "Description", Type: "textarea"},
			{APIName: "Created_Time", Label: "Created Time", Type: "datetime", ReadOnly: true},
			{APIName: "Modified_Time", Label: "Modified Time", Type: "datetime", ReadOnly: true},
		}},
	"Notes": {APIName: "Notes", ID: "5725767000000002195",
		Fields: []fieldMeta{
			{APIName: "Owner", Label: "Note Owner", Type: "ownerlookup"},
			{APIName: "Note_Title", Label: "Note Title", Type: "text"},
			{APIName: "Note_Content", Label: "Note Content", Type: "textarea", Mandatory: true},
			{APIName: "Parent_Id", Label: "Parent ID", Type: "lookup", Mandatory: true},
			{APIName: "Created_Time", Label: "Created Time", Type: "datetime", ReadOnly: true},
			{APIName: "Modified_Time", Label: "Modified Time", Type: "datetime", ReadOnly: true},
		}},
}

// moduleByName resolves a module API name the way Zoho's URLs do,
// case-insensitively.
func moduleByName(name string) *moduleMeta {
	for k, m := range modules {
		if strings.EqualFold(k, name) {
			return m
		}
	}
	return nil
}

func (m *moduleMeta) field(name string) *fieldMeta {
	for i := range m.Fields {
		if m.Fields[i].APIName == name {
			return &m.Fields[i]
		}
	}
	return nil
}

// parentModule reports whether notes can hang off records of m.
func (m *moduleMeta) parentModule() bool { return m.APIName != "Notes" }

// fieldID makes stable field ids from the module id, so answers repeat.
func fieldID(m *moduleMeta, i int) string { return fmt.Sprintf("%s%03d", m.ID[:len(m.ID)-3], 500+i) }

func (m *moduleMeta) fieldsJSON() []map[string]any {
	out := make([]map[string]any, 0, len(m.Fields))
	for i, f := range m.Fields {
		unique := map[string]any{}
		if f.Unique {
			unique["casesensitive"] = "false"
		}
		picks := []map[string]any{}
		for j, v := range f.Picklist {
			picks = append(picks, map[string]any{"display_value": v, "actual_value": v,
				"id": fmt.Sprintf("%s%03d", fieldID(m, i), j), "sequence_number": j + 1})
		}
		out = append(out, map[string]any{
			"api_name": f.APIName, "field_label": f.Label, "display_label": f.Label,
			"data_type": f.Type, "id": fieldID(m, i), "system_mandatory": f.Mandatory,
			"read_only": f.ReadOnly, "custom_field": f.Custom, "unique": unique,
			"pick_list_values": picks, "length": 255,
		})
	}
	return out
}

// serveFields is GET /crm/v7/settings/fields?module=.
func (s *Server) serveFields(c *call) {
	name := c.r.URL.Query().Get("module")
	if name == "" {
		apiError(c.w, http.StatusBadRequest, "REQUIRED_PARAM_MISSING", "One of the expected parameter is missing", map[string]any{"param_name": "module"})
		return
	}
	m := moduleByName(name)
	if m == nil {
		apiError(c.w, http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid", map[string]any{"param_name": "module"})
		return
	}
	writeJSON(c.w, http.StatusOK, map[string]any{"fields": m.fieldsJSON()})
}

// serveOrg is GET /crm/v7/org.
func (s *Server) serveOrg(c *call) {
	writeJSON(c.w, http.StatusOK, map[string]any{"org": []map[string]any{{
		"id": s.cfg.OrgID, "company_name": s.cfg.OrgName, "time_zone": s.cfg.TimeZone,
		"domain_name": "org" + s.cfg.OrgID, "primary_email": "admin@example.com",
		"country_code": "US", "currency": "US Dollar - USD", "iso_code": "USD",
		"zgid": s.cfg.OrgID, "type": "production",
	}}})
}

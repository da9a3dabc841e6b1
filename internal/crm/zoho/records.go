package zoho

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
)

// WhatsAppField is the custom unique field GoHavi upserts by: Zoho can
// only upsert on unique fields (spec §2.2.2), and Phone is not one.
const WhatsAppField = "WhatsApp_Number"

func moduleOr(m string) string {
	if m == "" {
		return "Contacts"
	}
	return m
}

// Account reads GET /org. The org id is a string in Zoho's answers;
// flatten takes a number too.
func (c *Client) Account(ctx context.Context) (crm.Account, error) {
	var out struct {
		Org []map[string]any `json:"org"`
	}
	if _, err := c.do(ctx, http.MethodGet, "/org", nil, nil, &out); err != nil {
		return crm.Account{}, err
	}
	if len(out.Org) == 0 {
		return crm.Account{}, &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "GET /org answered no org"}
	}
	o := out.Org[0]
	return crm.Account{ID: flatten(o["id"]), Name: flatten(o["company_name"]), TimeZone: flatten(o["time_zone"]),
		RecordURL: webBase(c.domain) + "/crm/tab/Contacts/{id}"}, nil
}

// webBase is the CRM web app of the API domain's data centre:
// www.zohoapis.{dc} → crm.zoho.{dc} (Canada: crm.zohocloud.ca). Any other
// host (the simulator) serves the pages itself.
func webBase(apiDomain string) string {
	u, err := url.Parse(apiDomain)
	if err == nil {
		if dc, ok := strings.CutPrefix(u.Hostname(), "www.zohoapis."); ok {
			if dc == "ca" {
				return "https://crm.zohocloud.ca"
			}
			return "https://crm.zoho." + dc
		}
	}
	return apiDomain
}

type fieldMeta struct {
	APIName    string          `json:"api_name"`
	Unique     json.RawMessage `json:"unique"`
	PickValues []struct {
		Display string `json:"display_value"`
		Actual  string `json:"actual_value"`
	} `json:"pick_list_values"`
}

// unique reads the field metadata's "unique": an object with settings
// (e.g. {"casesensitive":"false"}) when duplicates are refused, {} or
// absent when not; a plain true is accepted too.
func (f fieldMeta) unique() bool {
	s := strings.TrimSpace(string(f.Unique))
	return s == "true" || (strings.HasPrefix(s, "{") && s != "{}")
}

func (c *Client) fields(ctx context.Context, module string) ([]fieldMeta, error) {
	var out struct {
		Fields []fieldMeta `json:"fields"`
	}
	_, err := c.do(ctx, http.MethodGet, "/settings/fields", url.Values{"module": {module}}, nil, &out)
	return out.Fields, err
}

// Setup checks that Contacts has WhatsApp_Number as a unique field: the
// upsert GoHavi dedupes by depends on it, and an API client cannot tick
// "Do not allow duplicate values" for the admin.
func (c *Client) Setup(ctx context.Context) error {
	fs, err := c.fields(ctx, "Contacts")
	if err != nil {
		return err
	}
	for _, f := range fs {
		if f.APIName == WhatsAppField {
			if f.unique() {
				return nil
			}
			return &crm.Error{Kind: crm.KindInvalid, Code: "FIELD_NOT_UNIQUE", Message: `In Zoho CRM, open Setup › Modules and Fields › Contacts, edit the field "WhatsApp Number" (WhatsApp_Number) and tick "Do not allow duplicate values"; GoHavi matches WhatsApp customers to contacts by it.`}
		}
	}
	return &crm.Error{Kind: crm.KindInvalid, Code: "FIELD_MISSING", Message: `In Zoho CRM, open Setup › Modules and Fields › Contacts and add a Single Line field named "WhatsApp Number" (API name WhatsApp_Number) with "Do not allow duplicate values" ticked; GoHavi matches WhatsApp customers to contacts by it. Add it to Leads too if new customers go to Leads.`}
}

// escapeCriteria escapes what Zoho's criteria syntax reserves inside a
// value (spec §2.2.3); URL-encoding ("+" as %2B) is left to url.Values.
func escapeCriteria(v string) string {
	r := strings.NewReplacer(`\`, `\\`, `(`, `\(`, `)`, `\)`, `,`, `\,`)
	return r.Replace(v)
}

func digits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

var phoneFields = []string{"Phone", "Mobile", WhatsAppField}

// FindContact searches the phone in Phone, Mobile and WhatsApp_Number.
// Zoho's phone matching is fuzzy, so candidates are checked again on
// their digits; search lags behind writes, so a miss is not proof.
func (c *Client) FindContact(ctx context.Context, phoneE164, module string) (*crm.Contact, error) {
	module = moduleOr(module)
	want := digits(phoneE164)
	if want == "" {
		return nil, &crm.Error{Kind: crm.KindInvalid, Message: "no digits in phone " + strconv.Quote(phoneE164)}
	}
	v := escapeCriteria(phoneE164)
	var parts []string
	for _, f := range phoneFields {
		parts = append(parts, "("+f+":equals:"+v+")")
	}
	q := url.Values{"criteria": {"(" + strings.Join(parts, "or") + ")"}, "per_page": {"20"}}
	var out struct {
		Data []map[string]any `json:"data"`
	}
	status, err := c.do(ctx, http.MethodGet, "/"+module+"/search", q, nil, &out)
	if err != nil || status == http.StatusNoContent {
		return nil, err
	}
	for _, r := range out.Data {
		for _, f := range phoneFields {
			if digits(flatten(r[f])) == want {
				ct := toContact(module, r)
				return &ct, nil
			}
		}
	}
	return nil, nil
}

// splitName makes Zoho's name fields from a WhatsApp profile name: the
// last word is Last_Name (mandatory), the rest First_Name.
func splitName(name string) (first, last string) {
	w := strings.Fields(name)
	if len(w) == 0 {
		return "", ""
	}
	return strings.Join(w[:len(w)-1], " "), w[len(w)-1]
}

// UpsertLead upserts by WhatsApp_Number: under Zoho's unique index two
// calls for one phone never make two records, even at once.
func (c *Client) UpsertLead(ctx context.Context, l crm.Lead) (crm.Contact, bool, error) {
	module := moduleOr(l.Module)
	first, last := splitName(l.Name)
	if last == "" {
		last = l.PhoneE164 // Last_Name is mandatory; the phone is all we know
	}
	rec := map[string]any{"Last_Name": last, "Phone": l.PhoneE164, "Lead_Source": "WhatsApp"}
	if first != "" {
		rec["First_Name"] = first
	}
	for k, v := range l.Fields {
		rec[k] = v // the workspace's field mapping wins over the defaults…
	}
	rec[WhatsAppField] = l.PhoneE164 // …except over the dedupe key
	body := map[string]any{"data": []any{rec}, "duplicate_check_fields": []string{WhatsAppField}, "trigger": []string{"workflow"}}
	var out struct {
		Data []item `json:"data"`
	}
	if _, err := c.do(ctx, http.MethodPost, "/"+module+"/upsert", nil, body, &out); err != nil {
		return crm.Contact{}, false, err
	}
	if len(out.Data) == 0 {
		return crm.Contact{}, false, &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "upsert answered no data"}
	}
	it := out.Data[0]
	if !it.ok() {
		return crm.Contact{}, false, itemError(it)
	}
	id := flatten(it.details()["id"])
	props := map[string]string{}
	for k, v := range rec {
		props[k] = flatten(v)
	}
	ct := crm.Contact{ID: id, Module: module, Phone: l.PhoneE164, FirstName: first, LastName: last, Properties: props}
	return ct, it.Action == "insert", nil
}

// getRecord reads one record; Zoho answers 204 for an id it does not have.
func (c *Client) getRecord(ctx context.Context, module, id string) (map[string]any, error) {
	var out struct {
		Data []map[string]any `json:"data"`
	}
	status, err := c.do(ctx, http.MethodGet, "/"+module+"/"+url.PathEscape(id), nil, nil, &out)
	if err != nil {
		return nil, err
	}
	if status == http.StatusNoContent || len(out.Data) == 0 {
		return nil, &crm.Error{Kind: crm.KindNotFound, Status: status, Message: fmt.Sprintf("%s %s not found", module, id)}
	}
	return out.Data[0], nil
}

// Contact reads every field of a contact (or lead); props need no
// special request since a GET by id answers them all.
func (c *Client) Contact(ctx context.Context, id, module string, props []string) (crm.Contact, error) {
	module = moduleOr(module)
	r, err := c.getRecord(ctx, module, id)
	if err != nil {
		return crm.Contact{}, err
	}
	return toContact(module, r), nil
}

func toContact(module string, r map[string]any) crm.Contact {
	ct := crm.Contact{ID: flatten(r["id"]), Module: module, FirstName: flatten(r["First_Name"]),
		LastName: flatten(r["Last_Name"]), Email: flatten(r["Email"]), Properties: flattenAll(r)}
	// The number GoHavi messages: its own field first, then the mobile.
	for _, f := range []string{WhatsAppField, "Mobile", "Phone"} {
		if ct.Phone = flatten(r[f]); ct.Phone != "" {
			break
		}
	}
	return ct
}

// Deal reads a deal; its contact is the Contact_Name lookup.
func (c *Client) Deal(ctx context.Context, id string, props []string) (crm.Deal, error) {
	r, err := c.getRecord(ctx, "Deals", id)
	if err != nil {
		return crm.Deal{}, err
	}
	d := crm.Deal{ID: flatten(r["id"]), Name: flatten(r["Deal_Name"]), Pipeline: flatten(r["Pipeline"]),
		Stage: flatten(r["Stage"]), Properties: flattenAll(r)}
	if cn, ok := r["Contact_Name"].(map[string]any); ok {
		if cid := flatten(cn["id"]); cid != "" {
			d.ContactIDs = []string{cid}
		}
	}
	return d, nil
}

// Pipelines lists one pipeline per value of Deals' Pipeline picklist (a
// single unnamed one when pipelines are off), each with every Stage
// value: Zoho's field metadata does not say which stages a pipeline uses.
func (c *Client) Pipelines(ctx context.Context) ([]crm.Pipeline, error) {
	fs, err := c.fields(ctx, "Deals")
	if err != nil {
		return nil, err
	}
	var stages []crm.Stage
	var pipes []crm.Pipeline
	for _, f := range fs {
		for _, v := range f.PickValues {
			if v.Actual == "-None-" || v.Display == "-None-" {
				continue
			}
			switch f.APIName {
			case "Stage":
				stages = append(stages, crm.Stage{ID: v.Actual, Label: v.Display})
			case "Pipeline":
				pipes = append(pipes, crm.Pipeline{ID: v.Actual, Label: v.Display})
			}
		}
	}
	if len(pipes) == 0 {
		pipes = []crm.Pipeline{{ID: "", Label: "Deals"}}
	}
	for i := range pipes {
		pipes[i].Stages = append([]crm.Stage(nil), stages...)
	}
	return pipes, nil
}

// flatten writes a field value as text: lookups by their name, numbers
// as sent, lists comma-separated.
func flatten(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	case json.Number:
		return t.String()
	case float64:
		return strconv.FormatFloat(t, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(t)
	case map[string]any:
		if n := flatten(t["name"]); n != "" {
			return n
		}
		if id := flatten(t["id"]); id != "" {
			return id
		}
	case []any:
		parts := make([]string, 0, len(t))
		for _, x := range t {
			parts = append(parts, flatten(x))
		}
		return strings.Join(parts, ", ")
	}
	b, _ := json.Marshal(v)
	return string(b)
}

func flattenAll(r map[string]any) map[string]string {
	out := make(map[string]string, len(r))
	for k, v := range r {
		out[k] = flatten(v)
	}
	return out
}

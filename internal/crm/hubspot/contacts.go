package hubspot

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// Properties GoHavi adds to the portal (Setup).
const (
	PropWAPhone = "gohavi_wa_phone"        // contacts, unique: the upsert key
	PropOptIn   = "gohavi_whatsapp_opt_in" // contacts, bool
	PropKey     = "gohavi_key"             // communications, unique: Activity.Key
)

// phoneProps are where a portal may keep a contact's WhatsApp number.
var phoneProps = []string{"phone", "mobilephone", "hs_whatsapp_phone_number", PropWAPhone}

// contactProps are read with every contact.
var contactProps = []string{"firstname", "lastname", "email", "phone", "mobilephone", "hs_whatsapp_phone_number", PropWAPhone, "createdate"}

// hsObject is SimplePublicObject(WithAssociations) and the upsert result.
type hsObject struct {
	ID           string             `json:"id"`
	Properties   map[string]*string `json:"properties"`
	New          *bool              `json:"new"`
	Associations map[string]struct {
		Results []struct {
			ID   string `json:"id"`
			Type string `json:"type"`
		} `json:"results"`
		Paging *struct {
			Next struct {
				After string `json:"after"`
			} `json:"next"`
		} `json:"paging"`
	} `json:"associations"`
}

// props drops the nulls HubSpot answers for requested properties that
// have no value.
func (o hsObject) props() map[string]string {
	out := make(map[string]string, len(o.Properties))
	for k, v := range o.Properties {
		if v != nil {
			out[k] = *v
		}
	}
	return out
}

type batchResponse struct {
	Status  string       `json:"status"`
	Results []hsObject   `json:"results"`
	Errors  []batchError `json:"errors"`
}

// Account reads the portal behind the token.
func (c *Client) Account(ctx context.Context) (crm.Account, error) {
	var d struct {
		PortalID int64  `json:"portalId"`
		TimeZone string `json:"timeZone"`
		UIDomain string `json:"uiDomain"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: "/account-info/v3/details"}, &d); err != nil {
		return crm.Account{}, err
	}
	if d.UIDomain == "" {
		d.UIDomain = "app.hubspot.com"
	}
	if loc, err := time.LoadLocation(d.TimeZone); err == nil && d.TimeZone != "" {
		c.tz.Store(loc)
	}
	id := strconv.FormatInt(d.PortalID, 10)
	return crm.Account{
		ID:        id,
		Name:      "HubSpot portal " + id, // account-info has no name
		TimeZone:  d.TimeZone,
		RecordURL: fmt.Sprintf("https://%s/contacts/%s/record/0-1/{id}", d.UIDomain, id),
	}, nil
}

// Setup creates the unique properties the idempotent writes rely on. A
// property that exists is fine, unless a unique one exists without
// hasUniqueValue: upserts would then fail, so that is reported. The
// communications key is optional: without it Log falls back to notes.
func (c *Client) Setup(ctx context.Context) error {
	if err := c.ensureProperty(ctx, "contacts", map[string]any{
		"name": PropWAPhone, "label": "WhatsApp number (GoHavi)", "type": "string", "fieldType": "text",
		"groupName": "contactinformation", "hasUniqueValue": true,
		"description": "The contact's WhatsApp number in E.164, kept by GoHavi. Unique.",
	}); err != nil {
		return err
	}
	if err := c.ensureProperty(ctx, "contacts", map[string]any{
		"name": PropOptIn, "label": "WhatsApp opt-in (GoHavi)", "type": "bool", "fieldType": "booleancheckbox",
		"groupName": "contactinformation",
		"options":   []map[string]any{{"label": "Yes", "value": "true", "displayOrder": 0}, {"label": "No", "value": "false", "displayOrder": 1}},
	}); err != nil {
		return err
	}
	err := c.ensureProperty(ctx, "communications", map[string]any{
		"name": PropKey, "label": "GoHavi key", "type": "string", "fieldType": "text",
		"groupName": "communicationinformation", "hasUniqueValue": true,
		"description": "Identifies the GoHavi message this entry logs. Unique.",
	})
	if isKind(err, crm.KindForbidden, crm.KindInvalid) {
		return nil
	}
	return err
}

func (c *Client) ensureProperty(ctx context.Context, typ string, def map[string]any) error {
	name := def["name"].(string)
	_, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/properties/" + typ, body: def}, nil)
	if !isKind(err, crm.KindConflict) {
		return err
	}
	if unique, _ := def["hasUniqueValue"].(bool); !unique {
		return nil
	}
	var got struct {
		HasUniqueValue bool `json:"hasUniqueValue"`
	}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: pathf("/crm/v3/properties/%s/%s", typ, name)}, &got); err != nil {
		return err
	}
	if !got.HasUniqueValue {
		return &crm.Error{Kind: crm.KindInvalid, Code: "PROPERTY_NOT_UNIQUE",
			Message: fmt.Sprintf("the %s property %s exists but is not unique; delete it in HubSpot so GoHavi can create it", typ, name)}
	}
	return nil
}

// FindContact searches the phone properties for the E.164 number, oldest
// contact first. Search matches exact strings, so the candidates are
// checked again by digits.
func (c *Client) FindContact(ctx context.Context, phoneE164, module string) (*crm.Contact, error) {
	want := digits(phoneE164)
	if want == "" {
		return nil, &crm.Error{Kind: crm.KindInvalid, Message: "no digits in phone " + strconv.Quote(phoneE164)}
	}
	var groups []map[string]any
	for _, p := range phoneProps {
		groups = append(groups, map[string]any{"filters": []map[string]any{{"propertyName": p, "operator": "EQ", "value": phoneE164}}})
	}
	var res struct {
		Results []hsObject `json:"results"`
	}
	_, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/objects/contacts/search", search: true, body: map[string]any{
		"filterGroups": groups,
		"properties":   contactProps,
		"sorts":        []map[string]string{{"propertyName": "createdate", "direction": "ASCENDING"}},
		"limit":        20,
	}}, &res)
	if err != nil {
		return nil, err
	}
	for _, o := range res.Results {
		p := o.props()
		for _, name := range phoneProps {
			if p[name] != "" && digits(p[name]) == want {
				ct := toContact(o.ID, p)
				return &ct, nil
			}
		}
	}
	return nil, nil
}

// UpsertLead creates or updates the contact whose gohavi_wa_phone is the
// number, in one batch/upsert: HubSpot creates at most one contact per
// unique value, however many calls race. lifecyclestage is left alone so
// an existing contact's stage is never overwritten.
func (c *Client) UpsertLead(ctx context.Context, l crm.Lead) (crm.Contact, bool, error) {
	if digits(l.PhoneE164) == "" {
		return crm.Contact{}, false, &crm.Error{Kind: crm.KindInvalid, Message: "lead has no phone"}
	}
	props := map[string]string{}
	for k, v := range l.Fields {
		props[k] = v
	}
	props["phone"], props[PropWAPhone] = l.PhoneE164, l.PhoneE164
	if first, last := splitName(l.Name); first != "" {
		props["firstname"] = first
		if last != "" {
			props["lastname"] = last
		}
	}
	if l.OptIn {
		props[PropOptIn] = "true"
	}
	var res batchResponse
	_, err := c.do(ctx, call{method: http.MethodPost, path: "/crm/v3/objects/contacts/batch/upsert", body: map[string]any{
		"inputs": []map[string]any{{"id": l.PhoneE164, "idProperty": PropWAPhone, "properties": props}},
	}}, &res)
	if err != nil {
		return crm.Contact{}, false, err
	}
	if len(res.Results) == 0 {
		if len(res.Errors) > 0 {
			return crm.Contact{}, false, classifyItem(res.Errors[0])
		}
		return crm.Contact{}, false, &crm.Error{Kind: crm.KindTransient, Status: http.StatusOK, Message: "upsert answered no result"}
	}
	o := res.Results[0]
	created := o.New != nil && *o.New
	return toContact(o.ID, o.props()), created, nil
}

// Contact reads one contact with the named properties and GoHavi's own.
func (c *Client) Contact(ctx context.Context, id, module string, props []string) (crm.Contact, error) {
	var o hsObject
	q := url.Values{"properties": {strings.Join(union(contactProps, props), ",")}}
	if _, err := c.do(ctx, call{method: http.MethodGet, path: pathf("/crm/v3/objects/contacts/%s", id), query: q}, &o); err != nil {
		return crm.Contact{}, err
	}
	return toContact(o.ID, o.props()), nil
}

func toContact(id string, p map[string]string) crm.Contact {
	phone := p["phone"]
	for _, alt := range phoneProps[1:] {
		if phone == "" {
			phone = p[alt]
		}
	}
	return crm.Contact{ID: id, Module: "contacts", Phone: phone, FirstName: p["firstname"], LastName: p["lastname"], Email: p["email"], Properties: p}
}

// splitName puts the first word of a WhatsApp profile name in firstname
// and the rest in lastname.
func splitName(name string) (string, string) {
	f := strings.Fields(name)
	if len(f) == 0 {
		return "", ""
	}
	return f[0], strings.Join(f[1:], " ")
}

func digits(s string) string {
	var b strings.Builder
	for _, r := range s {
		if r >= '0' && r <= '9' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

// union is a followed by the names of b it lacks.
func union(a, b []string) []string {
	out := append([]string(nil), a...)
	seen := map[string]bool{}
	for _, x := range a {
		seen[x] = true
	}
	for _, x := range b {
		if x != "" && !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}

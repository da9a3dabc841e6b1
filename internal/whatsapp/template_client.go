package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"

	"github.com/gohavi/gohavi/internal/templates"
)

// maxTemplatePages bounds AllTemplates: 100 pages of 100 is 40 times the
// 250 templates Meta allows per WABA, so hitting it means a paging loop.
const maxTemplatePages = 100

// allTemplatesPageSize is the page size AllTemplates asks for.
const allTemplatesPageSize = 100

// ErrTooManyPages is returned by AllTemplates, with the templates read so
// far, when Graph still reports a next page after maxTemplatePages pages.
var ErrTooManyPages = errors.New("whatsapp: template list did not end after 100 pages")

// CreatedTemplate is Meta's answer to a template create (§6.1). Status is
// PENDING until review decides; the outcome arrives as a
// message_template_status_update webhook.
type CreatedTemplate struct {
	ID       string `json:"id"`
	Status   string `json:"status"`
	Category string `json:"category"`
}

// UnmarshalJSON accepts the id as a string or number.
func (ct *CreatedTemplate) UnmarshalJSON(b []byte) error {
	type alias CreatedTemplate
	var aux struct {
		*alias
		ID flexString `json:"id"`
	}
	aux.alias = (*alias)(ct)
	err := json.Unmarshal(b, &aux)
	ct.ID = string(aux.ID)
	return tolerate(err)
}

// CreateTemplate submits t for review: POST /{waba_id}/message_templates
// with t.ForCreate() as the body. Meta's review errors come back as
// *GraphError with Code 100, a 2388xxx Subcode and UserTitle/UserMessage
// written for the business user.
func (c *Client) CreateTemplate(ctx context.Context, token, wabaID string, t templates.Template) (CreatedTemplate, error) {
	var out CreatedTemplate
	path, err := c.wabaPath(wabaID, "/message_templates")
	if err != nil {
		return out, err
	}
	body, err := json.Marshal(t.ForCreate())
	if err != nil {
		return out, fmt.Errorf("whatsapp: encode template: %w", err)
	}
	if err := c.do(ctx, http.MethodPost, path, token, body, &out); err != nil {
		return CreatedTemplate{}, err
	}
	if out.ID == "" {
		return out, &CallError{Method: http.MethodPost, Path: path, Sent: true, Err: errors.New("response carries no template id")}
	}
	return out, nil
}

// ListTemplatesOptions filters and pages GET /{waba_id}/message_templates.
// Zero values are left out of the query.
type ListTemplatesOptions struct {
	Limit    int    // page size; Graph's default when 0
	After    string // cursor from TemplatePage.After
	Name     string // Graph matches names containing it
	Status   string // e.g. "APPROVED"; several as "APPROVED,PAUSED"
	Category string // MARKETING, UTILITY or AUTHENTICATION
	Language string // e.g. "en_US"
}

// TemplatePage is one page of templates. More pages follow when Next is
// set; pass After as ListTemplatesOptions.After to read the next one.
type TemplatePage struct {
	Templates []templates.Template
	Before    string
	After     string
	Next      string // Graph's URL of the next page; only its presence matters
}

// HasNext reports whether Graph has another page after this one.
func (p TemplatePage) HasNext() bool { return p.Next != "" && p.After != "" }

type templatePageWire struct {
	Data   []json.RawMessage `json:"data"`
	Paging struct {
		Cursors struct {
			Before string `json:"before"`
			After  string `json:"after"`
		} `json:"cursors"`
		Next string `json:"next"`
	} `json:"paging"`
}

// UnmarshalJSON tolerates odd types in the envelope (items are decoded one
// by one by ListTemplates).
func (w *templatePageWire) UnmarshalJSON(b []byte) error {
	type alias templatePageWire
	return tolerate(json.Unmarshal(b, (*alias)(w)))
}

// ListTemplates reads one page of the WABA's templates.
func (c *Client) ListTemplates(ctx context.Context, token, wabaID string, opts ListTemplatesOptions) (TemplatePage, error) {
	path, err := c.wabaPath(wabaID, "/message_templates")
	if err != nil {
		return TemplatePage{}, err
	}
	q := url.Values{}
	if opts.Limit > 0 {
		q.Set("limit", strconv.Itoa(opts.Limit))
	}
	for k, v := range map[string]string{"after": opts.After, "name": opts.Name, "status": opts.Status,
		"category": opts.Category, "language": opts.Language} {
		if v != "" {
			q.Set(k, v)
		}
	}
	if len(q) > 0 {
		path += "?" + q.Encode()
	}
	var w templatePageWire
	if err := c.do(ctx, http.MethodGet, path, token, nil, &w); err != nil {
		return TemplatePage{}, err
	}
	page := TemplatePage{Before: w.Paging.Cursors.Before, After: w.Paging.Cursors.After, Next: w.Paging.Next}
	for _, raw := range w.Data {
		if t, ok := decodeTemplate(raw); ok {
			page.Templates = append(page.Templates, t)
		}
	}
	return page, nil
}

// decodeTemplate reads one list item, tolerating fields of unexpected
// types; an item that is not an object is skipped.
func decodeTemplate(raw json.RawMessage) (templates.Template, bool) {
	var t templates.Template
	if !isObject(raw) {
		return t, false
	}
	if tolerate(json.Unmarshal(raw, &t)) != nil {
		return templates.Template{}, false
	}
	var id struct {
		ID flexString `json:"id"`
	}
	if json.Unmarshal(raw, &id) == nil && t.ID == "" {
		t.ID = string(id.ID) // Meta sends a string; accept a number too
	}
	return t, true
}

// AllTemplates pages through every template of the WABA, at most
// maxTemplatePages pages. It stops early if a cursor repeats.
func (c *Client) AllTemplates(ctx context.Context, token, wabaID string) ([]templates.Template, error) {
	var all []templates.Template
	opts := ListTemplatesOptions{Limit: allTemplatesPageSize}
	for range maxTemplatePages {
		page, err := c.ListTemplates(ctx, token, wabaID, opts)
		if err != nil {
			return all, err
		}
		all = append(all, page.Templates...)
		if !page.HasNext() || page.After == opts.After {
			return all, nil
		}
		opts.After = page.After
	}
	return all, ErrTooManyPages
}

// DeleteTemplate deletes the template name in all its languages:
// DELETE /{waba_id}/message_templates?name=…
func (c *Client) DeleteTemplate(ctx context.Context, token, wabaID, name string) error {
	return c.deleteTemplate(ctx, token, wabaID, name, "")
}

// DeleteTemplateByID deletes one language version of name, identified by
// its template id (hsm_id).
func (c *Client) DeleteTemplateByID(ctx context.Context, token, wabaID, name, templateID string) error {
	if templateID == "" {
		return errors.New("whatsapp: delete template: empty template id")
	}
	return c.deleteTemplate(ctx, token, wabaID, name, templateID)
}

func (c *Client) deleteTemplate(ctx context.Context, token, wabaID, name, hsmID string) error {
	if name == "" {
		return errors.New("whatsapp: delete template: empty name")
	}
	path, err := c.wabaPath(wabaID, "/message_templates")
	if err != nil {
		return err
	}
	q := url.Values{"name": {name}}
	if hsmID != "" {
		q.Set("hsm_id", hsmID)
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, http.MethodDelete, path+"?"+q.Encode(), token, nil, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return &CallError{Method: http.MethodDelete, Path: path, Sent: true, Err: errors.New(`response lacks "success": true`)}
	}
	return nil
}

// TemplateEdit is the body of a template edit (§6.6); zero fields are
// left out, so Meta keeps them. Components replace the template's
// wholesale. TTL is a pointer because -1 (30 days) and every positive
// value are meaningful; nil leaves it unchanged.
type TemplateEdit struct {
	Category   templates.Category    `json:"category,omitempty"`
	Components []templates.Component `json:"components,omitempty"`
	TTLSeconds *int                  `json:"message_send_ttl_seconds,omitempty"`
}

// EditTemplate changes a template: POST /{template_id}. Meta allows it
// only for APPROVED, REJECTED and PAUSED templates, never changes the
// category of an approved one, and limits approved templates to one edit
// per 24 hours and ten per 30 days; each refusal is a *GraphError.
func (c *Client) EditTemplate(ctx context.Context, token, templateID string, edit TemplateEdit) error {
	if templateID == "" {
		return errors.New("whatsapp: edit template: empty template id")
	}
	if edit.Category == "" && len(edit.Components) == 0 && edit.TTLSeconds == nil {
		return errors.New("whatsapp: edit template: nothing to change")
	}
	path, err := c.path(templateID, "")
	if err != nil {
		return err
	}
	body, err := json.Marshal(edit)
	if err != nil {
		return fmt.Errorf("whatsapp: encode template edit: %w", err)
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, http.MethodPost, path, token, body, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return &CallError{Method: http.MethodPost, Path: path, Sent: true, Err: errors.New(`response lacks "success": true`)}
	}
	return nil
}

func (c *Client) wabaPath(wabaID, edge string) (string, error) {
	if wabaID == "" {
		return "", errors.New("whatsapp: empty WhatsApp Business Account id")
	}
	return c.path(wabaID, edge)
}

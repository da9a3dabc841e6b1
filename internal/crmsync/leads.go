package crmsync

import (
	"context"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templates"
)

// ensureLink returns the CRM contact behind a phone, finding or creating
// it. Three guards keep it to one contact per phone:
//   - the local link row (connection, phone) is claimed first, so GoHavi
//     asks the CRM about a phone once, whatever the number of messages;
//   - a contact the CRM already has is found by search and linked;
//   - a new one is created by an upsert keyed on a unique CRM field, so a
//     retry after a crash, or a search that has not caught up with a
//     contact created a moment ago, updates it instead of duplicating it.
func (p *pass) ensureLink(ctx context.Context, phone, name string) (string, string, error) {
	if phone == "" {
		return "", "", &crm.Error{Kind: crm.KindInvalid, Message: "the message has no customer phone"}
	}
	l, err := p.e.DB.ClaimCRMLink(ctx, p.conn.ID, phone)
	if err != nil || l.CRMID != "" {
		return l.CRMID, l.Module, err
	}
	module := p.settings.module(p.conn.Provider)
	found, err := p.cl.FindContact(ctx, phone, module)
	if err != nil {
		return "", "", err
	}
	if found != nil {
		l.CRMID, l.Module = found.ID, module
		if err := p.e.DB.SetCRMLink(ctx, l); err != nil {
			return "", "", err
		}
		p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "contact", Status: "ok", Subject: phone, Detail: "linked to existing CRM contact " + found.ID})
		return found.ID, module, nil
	}
	if !p.settings.CreateLeads {
		return "", "", nil
	}
	lead, err := p.lead(ctx, phone, name, module)
	if err != nil {
		return "", "", err
	}
	c, created, err := p.cl.UpsertLead(ctx, lead)
	if err != nil {
		if permanent(err) {
			p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "contact", Status: "failed", Subject: phone, Detail: "could not create the CRM contact", Error: err.Error()})
		}
		return "", "", err
	}
	l.CRMID, l.Module, l.CreatedByUs = c.ID, module, created
	if err := p.e.DB.SetCRMLink(ctx, l); err != nil {
		return "", "", err
	}
	detail := "created CRM contact " + c.ID
	if !created {
		detail = "linked to CRM contact " + c.ID + " (it already had this WhatsApp number)"
	}
	p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "contact", Status: "ok", Subject: phone, Detail: detail})
	return c.ID, module, nil
}

// lead gathers what GoHavi knows of the customer, with the mapped fields.
func (p *pass) lead(ctx context.Context, phone, name, module string) (crm.Lead, error) {
	l := crm.Lead{PhoneE164: phone, Name: name, Module: module, Fields: map[string]string{}}
	vars := map[string]string{"name": name, "phone": phone, "opt_in": "false"}
	if c, err := p.e.DB.ContactByWaID(ctx, p.conn.WorkspaceID, strings.TrimPrefix(phone, "+")); err == nil {
		cs, err := p.e.DB.ContactConsent(ctx, p.conn.WorkspaceID, c.ID)
		if err != nil {
			return l, err
		}
		// A customer who wrote first asked to talk on WhatsApp; an explicit
		// opt-out overrides it.
		l.OptIn = !cs.OptedOut
		if l.Name == "" {
			l.Name = c.Name
			vars["name"] = c.Name
		}
	} else if !domain.IsNotFound(err) {
		return l, err
	}
	if l.OptIn {
		vars["opt_in"] = "true"
	}
	for field, expr := range p.settings.Fields {
		if v := templates.Fill(expr, map[string]map[string]string{"contact": vars}); v != "" {
			l.Fields[field] = v
		}
	}
	return l, nil
}

// refs lists the property names expressions read from a scope, so the CRM
// is asked for them.
func refs(exprs []string, scope string) []string {
	var out []string
	for _, e := range exprs {
		for {
			i := strings.Index(e, "{{")
			if i < 0 {
				break
			}
			j := strings.Index(e[i:], "}}")
			if j < 0 {
				break
			}
			ref, _, _ := strings.Cut(strings.TrimSpace(e[i+2:i+j]), "|")
			if s, name, ok := strings.Cut(strings.TrimSpace(ref), "."); ok && strings.TrimSpace(s) == scope {
				out = append(out, strings.TrimSpace(name))
			}
			e = e[i+j+2:]
		}
	}
	return out
}

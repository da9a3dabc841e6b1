package crmsync

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templates"
)

// RuleParams is a rule's parameter expressions.
func RuleParams(r store.CRMRule) []string {
	var ps []string
	_ = json.Unmarshal([]byte(r.Parameters), &ps)
	return ps
}

func (p *pass) rules(ctx context.Context) ([]store.CRMRule, error) {
	return p.e.DB.CRMRules(ctx, p.conn.ID)
}

// deal reads a deal once per pass, with every property the rules use.
func (p *pass) deal(ctx context.Context, id string, rules []store.CRMRule) (crm.Deal, error) {
	if d, ok := p.deals[id]; ok {
		return d, nil
	}
	var exprs []string
	for _, r := range rules {
		exprs = append(exprs, RuleParams(r)...)
	}
	d, err := p.cl.Deal(ctx, id, refs(exprs, "deal"))
	if err == nil {
		if p.deals == nil {
			p.deals = map[string]crm.Deal{}
		}
		p.deals[id] = d
	}
	return d, err
}

// events acts on stored CRM webhooks. A webhook only says that a deal may
// have moved: the deal is read again (webhooks come late, twice, out of
// order), and its stage compared with the last one seen. Only a real
// transition into a rule's stage queues sends, in the same commit that
// records the new stage and closes the event, so a redelivered webhook, a
// retried pass or a second node finds nothing left to do.
func (p *pass) events(ctx context.Context) error {
	evs, err := p.e.DB.PendingCRMEvents(ctx, p.conn.ID, 20)
	if err != nil || len(evs) == 0 {
		return err
	}
	rules, err := p.rules(ctx)
	if err != nil {
		return err
	}
	for _, ev := range evs {
		if len(rules) == 0 {
			if err := p.finishEvent(ctx, ev.ID, ""); err != nil {
				return err
			}
			continue
		}
		d, err := p.deal(ctx, ev.ObjectID, rules)
		if err != nil {
			if !permanent(err) {
				return err
			}
			p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "deal", Status: "failed", Subject: ev.ObjectID, Detail: "could not read the deal",
				Error: err.Error(), RefKind: "event", RefID: ev.ID})
			if err := p.finishEvent(ctx, ev.ID, err.Error()); err != nil {
				return err
			}
			continue
		}
		if err := p.transition(ctx, ev, d, rules); err != nil {
			return err
		}
	}
	return nil
}

func (p *pass) finishEvent(ctx context.Context, id int64, errText string) error {
	return p.e.DB.WithTx(ctx, func(tx *store.Tx) error { return tx.FinishCRMEvent(ctx, id, errText) })
}

func (p *pass) transition(ctx context.Context, ev store.CRMEvent, d crm.Deal, rules []store.CRMRule) error {
	var queued int
	var moved bool
	err := p.e.DB.WithTx(ctx, func(tx *store.Tx) error {
		queued = 0
		last, err := tx.DealStage(ctx, p.conn.ID, d.ID)
		if err != nil {
			return err
		}
		moved = last != d.Stage
		if moved {
			if err := tx.SetDealStage(ctx, p.conn.ID, d.ID, d.Pipeline, d.Stage); err != nil {
				return err
			}
			var sends []store.CRMSend
			for _, r := range rules {
				if r.StageID != d.Stage || (r.PipelineID != "" && d.Pipeline != "" && r.PipelineID != d.Pipeline) {
					continue
				}
				for _, c := range d.ContactIDs {
					sends = append(sends, store.CRMSend{ConnectionID: p.conn.ID, RuleID: r.ID, DealID: d.ID, EventID: ev.ID, ContactCRMID: c})
				}
			}
			queued = len(sends)
			if err := tx.AddCRMSends(ctx, sends); err != nil {
				return err
			}
		}
		return tx.FinishCRMEvent(ctx, ev.ID, "")
	})
	if err != nil || !moved {
		return err
	}
	detail := fmt.Sprintf("deal %q is now in stage %s", d.Name, d.Stage)
	if queued > 0 {
		detail += fmt.Sprintf("; %d template send(s) queued", queued)
	}
	p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "deal", Status: "ok", Subject: d.ID, Detail: detail})
	return nil
}

// sends turns queued stage sends into messages through the send pipeline.
// A send is marked sent in the commit that stores its message, so a crash
// either leaves it pending (and nothing was queued) or sent (once).
func (p *pass) sends(ctx context.Context) error {
	ss, err := p.e.DB.PendingCRMSends(ctx, p.conn.ID, 20)
	if err != nil || len(ss) == 0 {
		return err
	}
	rules, err := p.rules(ctx)
	if err != nil {
		return err
	}
	byID := map[int64]store.CRMRule{}
	for _, r := range rules {
		byID[r.ID] = r
	}
	for _, s := range ss {
		r, ok := byID[s.RuleID]
		if !ok {
			if err := p.e.DB.FinishCRMSend(ctx, s.ID, "failed", 0, "the rule was deleted"); err != nil {
				return err
			}
			continue
		}
		if err := p.send(ctx, s, r, rules); err != nil {
			return err
		}
	}
	return nil
}

// prepared is a rule's send for one contact, rendered but not yet sent.
type prepared struct {
	Request outbound.Request
	Contact crm.Contact
	Deal    crm.Deal
	Params  []string
}

// prepare reads the deal and the contact and renders the rule's template.
func (p *pass) prepare(ctx context.Context, r store.CRMRule, dealID, contactID string, rules []store.CRMRule) (prepared, error) {
	d, err := p.deal(ctx, dealID, rules)
	if err != nil {
		return prepared{}, err
	}
	exprs := RuleParams(r)
	c, err := p.cl.Contact(ctx, contactID, "", refs(exprs, "contact"))
	if err != nil {
		return prepared{}, err
	}
	vars := map[string]map[string]string{"deal": withBasics(d.Properties, map[string]string{"name": d.Name, "id": d.ID, "stage": d.Stage}),
		"contact": withBasics(c.Properties, map[string]string{"firstname": c.FirstName, "lastname": c.LastName, "phone": c.Phone, "email": c.Email,
			"name": joinName(c.FirstName, c.LastName)})}
	params := make([]string, len(exprs))
	for i, e := range exprs {
		params[i] = templates.Fill(e, vars)
	}
	body, _ := json.Marshal(map[string]any{"name": r.TemplateName, "language": r.TemplateLanguage, "parameters": params})
	num := r.NumberID
	if num == 0 {
		num = p.settings.NumberID
	}
	req := outbound.Request{WorkspaceID: p.conn.WorkspaceID, NumberID: num, To: c.Phone, Type: "template", Body: body, Source: "crm"}
	return prepared{Request: req, Contact: c, Deal: d, Params: params}, nil
}

func withBasics(props, basics map[string]string) map[string]string {
	out := make(map[string]string, len(props)+len(basics))
	for k, v := range basics {
		if v != "" {
			out[k] = v
		}
	}
	for k, v := range props {
		out[k] = v
	}
	return out
}

func joinName(first, last string) string {
	switch {
	case first == "":
		return last
	case last == "":
		return first
	}
	return first + " " + last
}

func (p *pass) send(ctx context.Context, s store.CRMSend, r store.CRMRule, rules []store.CRMRule) error {
	pr, err := p.prepare(ctx, r, s.DealID, s.ContactCRMID, rules)
	if err != nil {
		if !permanent(err) {
			return err
		}
		p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "send", Status: "failed", Subject: s.DealID, Detail: "could not read the deal or contact for " + r.TemplateName,
			Error: err.Error(), RefKind: "send", RefID: s.ID})
		return p.e.DB.FinishCRMSend(ctx, s.ID, "failed", 0, err.Error())
	}
	pr.Request.InTx = func(ctx context.Context, tx *store.Tx, msg domain.Message) error {
		return tx.FinishCRMSend(ctx, s.ID, "sent", msg.ID, "")
	}
	msg, err := p.e.Send.Submit(ctx, pr.Request)
	var de *domain.Error
	if err != nil && !errors.As(err, &de) {
		return err // the database, not the rules: try again next pass
	}
	if err != nil {
		return p.refused(ctx, s, r, pr, de)
	}
	if phone := "+" + waIDOf(pr.Request.To); phone != "+" {
		// The template's timeline entry goes to the deal's contact.
		if l, err := p.e.DB.ClaimCRMLink(ctx, p.conn.ID, phone); err == nil && l.CRMID == "" {
			l.CRMID, l.Module = s.ContactCRMID, p.settings.module(p.conn.Provider)
			_ = p.e.DB.SetCRMLink(ctx, l)
		}
	}
	p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "send", Status: "ok", Subject: pr.Contact.Phone,
		Detail: fmt.Sprintf("deal %s entered %s: template %s queued as message %d", s.DealID, r.StageID, r.TemplateName, msg.ID)})
	return nil
}

func waIDOf(to string) string {
	w, err := outbound.NormalizeRecipient(to)
	if err != nil {
		return ""
	}
	return w
}

// refused records a send the rules (or the data) refused: on the send, in
// the sync log, and as a notice on the contact's CRM timeline, so the
// person who moved the deal sees why no WhatsApp went out.
func (p *pass) refused(ctx context.Context, s store.CRMSend, r store.CRMRule, pr prepared, de *domain.Error) error {
	why := de.Message
	if de.Remedy != "" {
		why += ". " + de.Remedy
	}
	if err := p.e.DB.FinishCRMSend(ctx, s.ID, "refused", 0, string(de.Code)+": "+why); err != nil {
		return err
	}
	p.e.log(ctx, p.conn.ID, store.CRMLogEntry{Kind: "send", Status: "refused", Subject: cmp.Or(pr.Contact.Phone, s.ContactCRMID),
		Detail: fmt.Sprintf("deal %s entered %s: template %s not sent", s.DealID, r.StageID, r.TemplateName), Error: string(de.Code) + ": " + why})
	notice := store.CRMTimelineEntry{Key: "send-" + strconv.FormatInt(s.ID, 10), Phone: pr.Contact.Phone, ContactCRMID: s.ContactCRMID,
		Title: "WhatsApp template not sent", At: p.e.Clock.Now(),
		Body: fmt.Sprintf("GoHavi did not send the WhatsApp template %s for deal %q: %s", r.TemplateName, pr.Deal.Name, why)}
	return p.e.DB.QueueCRMTimeline(ctx, p.conn.ID, []store.CRMTimelineEntry{notice}, 0)
}

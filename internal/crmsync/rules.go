package crmsync

import (
	"context"
	"encoding/json"
	"errors"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// Rule is a stage rule as people write it.
type Rule struct {
	PipelineID string   `json:"pipeline_id"`
	StageID    string   `json:"stage_id"`
	NumberID   int64    `json:"number_id,omitempty"`
	Template   RuleTmpl `json:"template"`
}

// RuleTmpl names the template and its parameter expressions, such as
// "{{contact.firstname|there}}" or "{{deal.amount}}".
type RuleTmpl struct {
	Name       string   `json:"name"`
	Language   string   `json:"language"`
	Parameters []string `json:"parameters"`
}

// connection is a workspace's connection to provider, as an API error
// when there is none.
func (e *Engine) connection(ctx context.Context, workspaceID int64, provider string) (store.CRMConnection, error) {
	c, err := e.DB.CRMConnection(ctx, workspaceID, provider)
	if domain.IsNotFound(err) {
		return c, domain.Errorf(domain.CodeNotFound, "Connect it first on the Integrations page (POST /api/v1/integrations/"+provider+").", "%s is not connected", providerName(provider))
	}
	return c, err
}

// AddRule validates and stores a stage rule.
func (e *Engine) AddRule(ctx context.Context, workspaceID int64, provider string, r Rule) (store.CRMRule, error) {
	c, err := e.connection(ctx, workspaceID, provider)
	if err != nil {
		return store.CRMRule{}, err
	}
	r.StageID, r.PipelineID = strings.TrimSpace(r.StageID), strings.TrimSpace(r.PipelineID)
	r.Template.Name, r.Template.Language = strings.TrimSpace(r.Template.Name), strings.TrimSpace(r.Template.Language)
	switch {
	case r.StageID == "" || len(r.StageID) > 200 || len(r.PipelineID) > 200:
		return store.CRMRule{}, invalid("stage_id is required (the stage's id in HubSpot, its value in Zoho; list them with GET /api/v1/integrations/%s/pipelines)", provider)
	case r.Template.Name == "" || r.Template.Language == "":
		return store.CRMRule{}, invalid(`template needs "name" and "language"`)
	case len(r.Template.Parameters) > 20:
		return store.CRMRule{}, invalid("at most 20 template parameters")
	}
	for i, p := range r.Template.Parameters {
		if strings.TrimSpace(p) == "" || len(p) > 500 {
			return store.CRMRule{}, invalid("parameter %d is empty or longer than 500 characters", i+1)
		}
		if strings.Count(p, "{{") != strings.Count(p, "}}") {
			return store.CRMRule{}, invalid("parameter %d has unbalanced {{ }}", i+1)
		}
	}
	if r.NumberID != 0 {
		if _, err := e.DB.NumberByID(ctx, workspaceID, r.NumberID); err != nil {
			if domain.IsNotFound(err) {
				return store.CRMRule{}, invalid("number %d is not one of this workspace's numbers", r.NumberID)
			}
			return store.CRMRule{}, err
		}
	}
	params, _ := json.Marshal(append([]string{}, r.Template.Parameters...))
	return e.DB.AddCRMRule(ctx, store.CRMRule{ConnectionID: c.ID, PipelineID: r.PipelineID, StageID: r.StageID, TemplateName: r.Template.Name,
		TemplateLanguage: r.Template.Language, Parameters: string(params), NumberID: r.NumberID})
}

// TestResult is what a rule would do for one deal, without sending.
type TestResult struct {
	DealID   string          `json:"deal_id"`
	DealName string          `json:"deal_name"`
	Stage    string          `json:"stage"`
	Matches  bool            `json:"matches"` // the deal is in the rule's stage now
	Contacts []TestRecipient `json:"contacts"`
}

// TestRecipient is one contact of the deal and the decision for them.
type TestRecipient struct {
	ContactID  string   `json:"contact_id"`
	Phone      string   `json:"phone"`
	Parameters []string `json:"parameters"`
	Allowed    bool     `json:"allowed"`
	Code       string   `json:"code,omitempty"`
	Message    string   `json:"message,omitempty"`
	Remedy     string   `json:"remedy,omitempty"`
}

// TestRule reads a deal and says, for each of its contacts, what the rule
// would send and whether the rules of WhatsApp allow it now. Nothing is
// sent or stored.
func (e *Engine) TestRule(ctx context.Context, workspaceID int64, provider string, ruleID int64, dealID string) (TestResult, error) {
	c, err := e.connection(ctx, workspaceID, provider)
	if err != nil {
		return TestResult{}, err
	}
	r, err := e.DB.CRMRule(ctx, c.ID, ruleID)
	if err != nil {
		return TestResult{}, err
	}
	if strings.TrimSpace(dealID) == "" {
		return TestResult{}, invalid("deal_id is required")
	}
	cl, err := e.client(c)
	if err != nil {
		return TestResult{}, err
	}
	p := &pass{e: e, conn: c, cl: cl, settings: parseSettings(c.Settings)}
	d, err := p.deal(ctx, dealID, []store.CRMRule{r})
	if err != nil {
		return TestResult{}, crmAnswer(provider, err)
	}
	res := TestResult{DealID: d.ID, DealName: d.Name, Stage: d.Stage, Matches: d.Stage == r.StageID, Contacts: []TestRecipient{}}
	for _, cid := range d.ContactIDs {
		pr, err := p.prepare(ctx, r, d.ID, cid, []store.CRMRule{r})
		if err != nil {
			return res, crmAnswer(provider, err)
		}
		tr := TestRecipient{ContactID: cid, Phone: pr.Contact.Phone, Parameters: pr.Params}
		dec, err := e.Send.Check(ctx, pr.Request)
		var de *domain.Error
		switch {
		case err != nil && errors.As(err, &de):
			tr.Code, tr.Message, tr.Remedy = string(de.Code), de.Message, de.Remedy
		case err != nil:
			return res, err
		default:
			tr.Allowed = dec.Allowed
			if !dec.Allowed {
				tr.Code, tr.Message, tr.Remedy = string(dec.Code), dec.Message, dec.Remedy
			}
		}
		res.Contacts = append(res.Contacts, tr)
	}
	return res, nil
}

// crmAnswer turns a CRM failure into an API answer.
func crmAnswer(provider string, err error) error {
	var de *domain.Error
	if errors.As(err, &de) {
		return err
	}
	if crm.KindOf(err) == crm.KindNotFound {
		return domain.Errorf(domain.CodeNotFound, "Check the id in the CRM.", "%s has no such record: %v", providerName(provider), err)
	}
	return connectError(provider, err)
}

// Pipelines lists the CRM's deal pipelines and stages, for picking a rule's stage.
func (e *Engine) Pipelines(ctx context.Context, workspaceID int64, provider string) ([]crm.Pipeline, error) {
	c, err := e.connection(ctx, workspaceID, provider)
	if err != nil {
		return nil, err
	}
	cl, err := e.client(c)
	if err != nil {
		return nil, err
	}
	ps, err := cl.Pipelines(ctx)
	if err != nil {
		return nil, crmAnswer(provider, err)
	}
	return ps, nil
}

// SaveSettings validates and stores a connection's mapping.
func (e *Engine) SaveSettings(ctx context.Context, workspaceID int64, provider string, s Settings) (Settings, error) {
	c, err := e.connection(ctx, workspaceID, provider)
	if err != nil {
		return s, err
	}
	if s.Fields == nil {
		s.Fields = map[string]string{}
	}
	if err := s.validate(provider); err != nil {
		return s, err
	}
	if s.NumberID != 0 {
		if _, err := e.DB.NumberByID(ctx, workspaceID, s.NumberID); err != nil {
			return s, invalid("number %d is not one of this workspace's numbers", s.NumberID)
		}
	}
	b, _ := json.Marshal(s)
	return s, e.DB.SetCRMSettings(ctx, c.ID, string(b))
}

// SettingsOf reads a connection's mapping.
func SettingsOf(c store.CRMConnection) Settings { return parseSettings(c.Settings) }

// Retry puts what a log entry refers to back in its queue.
func (e *Engine) Retry(ctx context.Context, workspaceID int64, provider string, logID int64) error {
	c, err := e.connection(ctx, workspaceID, provider)
	if err != nil {
		return err
	}
	l, err := e.DB.CRMLogByID(ctx, c.ID, logID)
	if err != nil {
		return err
	}
	switch l.RefKind {
	case "event":
		err = e.DB.RetryCRMEvent(ctx, c.ID, l.RefID)
	case "send":
		err = e.DB.RetryCRMSend(ctx, c.ID, l.RefID)
	case "timeline":
		err = e.DB.RetryCRMTimeline(ctx, c.ID, l.RefID)
	default:
		return domain.Errorf(domain.CodeConflict, "Only failed items can be retried.", "log entry %d has nothing to retry", logID)
	}
	if domain.IsNotFound(err) {
		return domain.Errorf(domain.CodeConflict, "It may have been retried already; reload the log.", "log entry %d is not waiting for a retry", logID)
	}
	if err == nil {
		e.log(ctx, c.ID, store.CRMLogEntry{Kind: l.Kind, Status: "retrying", Subject: l.Subject, Detail: "retry requested"})
		e.Wake()
	}
	return err
}

// Package templating submits message templates to Meta, syncs them back
// and keeps the workspace's copy in the store. Lint runs before anything
// leaves the process: a template Meta would reject is never sent.
package templating

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Graph is the part of the Graph API client templating needs.
type Graph interface {
	CreateTemplate(ctx context.Context, token, wabaID string, t templates.Template) (whatsapp.CreatedTemplate, error)
	AllTemplates(ctx context.Context, token, wabaID string) ([]templates.Template, error)
	EditTemplate(ctx context.Context, token, templateID string, edit whatsapp.TemplateEdit) error
}

// Service submits, syncs and looks up templates.
type Service struct {
	DB    *store.DB
	Graph Graph
	Box   *secret.Box
	Clock domain.Clock
}

// Create lints t and, when it has no errors, submits it to the WABA of
// number numberID (0: the workspace's first number) and stores Meta's
// answer. The report is returned in every case; warnings never block.
func (s *Service) Create(ctx context.Context, workspaceID, numberID int64, t templates.Template) (domain.Template, templates.Report, error) {
	rep := templates.Lint(t)
	if !rep.OK() {
		return domain.Template{}, rep, LintError(rep)
	}
	num, err := s.number(ctx, workspaceID, numberID)
	if err != nil {
		return domain.Template{}, rep, err
	}
	token, err := s.token(num)
	if err != nil {
		return domain.Template{}, rep, err
	}
	created, err := s.Graph.CreateTemplate(ctx, token, num.WABAID, t)
	if err != nil {
		return domain.Template{}, rep, whatsapp.Refusal("submit the template", err)
	}
	sent := t.ForCreate()
	components, err := json.Marshal(sent.Components)
	if err != nil {
		return domain.Template{}, rep, err
	}
	category := created.Category
	if category == "" {
		category = string(sent.Category)
	}
	status := created.Status
	if status == "" {
		status = string(templates.StatusPending)
	}
	out, err := s.DB.UpsertTemplate(ctx, domain.Template{
		WorkspaceID: workspaceID, WABAID: num.WABAID, MetaID: created.ID, Name: sent.Name, Language: sent.Language,
		Category: strings.ToUpper(category), Status: strings.ToUpper(status), Components: components,
		ParameterFormat: string(sent.ParameterFormat), TTLSeconds: sent.MessageSendTTLSeconds,
	})
	return out, rep, err
}

// Sync reads every template of each distinct WABA of the workspace's
// numbers from Meta and upserts them; it returns how many were stored.
func (s *Service) Sync(ctx context.Context, workspaceID int64) (int, error) {
	nums, err := s.DB.ConnectedNumbers(ctx, workspaceID)
	if err != nil {
		return 0, err
	}
	n, seen := 0, map[string]bool{}
	for _, num := range nums {
		if seen[num.WABAID] {
			continue
		}
		seen[num.WABAID] = true
		token, err := s.token(num)
		if err != nil {
			return n, err
		}
		list, err := s.Graph.AllTemplates(ctx, token, num.WABAID)
		if err != nil {
			return n, whatsapp.Refusal("read the templates", err)
		}
		for _, t := range list {
			components, err := json.Marshal(t.Components)
			if err != nil {
				return n, err
			}
			if _, err := s.DB.UpsertTemplate(ctx, domain.Template{
				WorkspaceID: workspaceID, WABAID: num.WABAID, MetaID: t.ID, Name: t.Name, Language: t.Language,
				Category: strings.ToUpper(string(t.Category)), Status: strings.ToUpper(string(t.Status)),
				Components: components, ParameterFormat: strings.ToUpper(string(t.ParameterFormat)),
				TTLSeconds: t.MessageSendTTLSeconds,
			}); err != nil {
				return n, err
			}
			n++
		}
	}
	return n, nil
}

// Get returns one template of the workspace.
func (s *Service) Get(ctx context.Context, workspaceID, id int64) (domain.Template, error) {
	return s.DB.TemplateByID(ctx, workspaceID, id)
}

// List returns the workspace's templates.
func (s *Service) List(ctx context.Context, workspaceID int64) ([]domain.Template, error) {
	return s.DB.ListTemplates(ctx, workspaceID)
}

// LintError turns a report's errors into one invalid_argument error.
func LintError(rep templates.Report) *domain.Error {
	msgs := make([]string, 0, len(rep.Errors))
	for _, f := range rep.Errors {
		msgs = append(msgs, f.Field+": "+f.Message)
	}
	remedy := ""
	if len(rep.Errors) > 0 {
		remedy = rep.Errors[0].Remedy
	}
	return &domain.Error{Code: domain.CodeInvalidArgument, Remedy: remedy,
		Message: fmt.Sprintf("the template has %d problem(s) Meta would reject: %s", len(rep.Errors), strings.Join(msgs, "; "))}
}

func (s *Service) number(ctx context.Context, workspaceID, numberID int64) (domain.Number, error) {
	if numberID != 0 {
		return s.DB.NumberByID(ctx, workspaceID, numberID)
	}
	nums, err := s.DB.ConnectedNumbers(ctx, workspaceID)
	if err != nil {
		return domain.Number{}, err
	}
	if len(nums) == 0 {
		return domain.Number{}, domain.Errorf(domain.CodeInvalidArgument, "Connect a WhatsApp number first (POST /api/v1/whatsapp/numbers).", "the workspace has no WhatsApp number, so there is no WhatsApp Business Account to submit the template to")
	}
	return nums[0], nil
}

func (s *Service) token(num domain.Number) (string, error) {
	tok, err := numbers.OpenToken(s.Box, num)
	if err != nil {
		return "", fmt.Errorf("open the access token of number %d: %w", num.ID, err)
	}
	return tok, nil
}

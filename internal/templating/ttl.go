package templating

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// SetTTL changes a template's time-to-live (message_send_ttl_seconds) at
// Meta, then in the store, and returns the stored template. The range is
// checked here first, so a value Meta would refuse costs no Graph call
// and no one of the approved template's few edits (§6.6).
func (s *Service) SetTTL(ctx context.Context, workspaceID, id int64, ttl int) (domain.Template, error) {
	tpl, err := s.DB.TemplateByID(ctx, workspaceID, id)
	if err != nil {
		return domain.Template{}, err
	}
	if ttl == 0 {
		// Meta's edit has no "back to default"; 0 is only our mark for
		// a template that never had a TTL.
		return domain.Template{}, domain.Errorf(domain.CodeInvalidArgument, templates.TTLRemedy(tpl.Category),
			"message_send_ttl_seconds must be given and not 0")
	}
	if err := templates.CheckTTL(tpl.Category, ttl); err != nil {
		return domain.Template{}, err
	}
	switch templates.Status(tpl.Status) {
	case templates.StatusApproved, templates.StatusRejected, templates.StatusPaused:
	default:
		return domain.Template{}, domain.Errorf(domain.CodeConflict,
			"Wait until Meta's review decides, then try again (sync templates if the status looks stale).",
			"Meta edits only APPROVED, REJECTED or PAUSED templates; template %q is %s", tpl.Name, tpl.Status)
	}
	if tpl.MetaID == "" {
		return domain.Template{}, domain.Errorf(domain.CodeConflict, "Sync templates (POST /api/v1/templates/sync) so GoHavi learns Meta's id.",
			"template %q has no Meta id yet", tpl.Name)
	}
	num, err := s.wabaNumber(ctx, workspaceID, tpl.WABAID)
	if err != nil {
		return domain.Template{}, err
	}
	token, err := s.token(num)
	if err != nil {
		return domain.Template{}, err
	}
	if err := s.Graph.EditTemplate(ctx, token, tpl.MetaID, whatsapp.TemplateEdit{TTLSeconds: &ttl}); err != nil {
		return domain.Template{}, whatsapp.Refusal("change the template's time-to-live", err)
	}
	return s.DB.SetTemplateTTL(ctx, workspaceID, id, ttl)
}

// wabaNumber is a connected number of the workspace in the WABA, whose
// token reaches the WABA's templates.
func (s *Service) wabaNumber(ctx context.Context, workspaceID int64, wabaID string) (domain.Number, error) {
	nums, err := s.DB.ConnectedNumbers(ctx, workspaceID)
	if err != nil {
		return domain.Number{}, err
	}
	for _, n := range nums {
		if n.WABAID == wabaID {
			return n, nil
		}
	}
	return domain.Number{}, domain.Errorf(domain.CodeConflict, "Reconnect a number of that WhatsApp Business Account.",
		"no connected number of the workspace belongs to WhatsApp Business Account %s", wabaID)
}

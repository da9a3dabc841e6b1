package numbers

import (
	"cmp"
	"context"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// applyPhoneNumber copies what Graph said about a number onto n. Fields
// Graph left out keep their value: an answer is partial, not a reset.
func applyPhoneNumber(n *domain.Number, pn whatsapp.PhoneNumber, w *whatsapp.WABA, now time.Time) {
	n.DisplayPhoneNumber = cmp.Or(pn.DisplayPhoneNumber, n.DisplayPhoneNumber)
	n.VerifiedName = cmp.Or(pn.VerifiedName, n.VerifiedName)
	n.QualityRating = cmp.Or(pn.QualityRating, n.QualityRating)
	h := &n.Health
	h.NameStatus = cmp.Or(pn.NameStatus, h.NameStatus)
	h.NewNameStatus, h.NewDisplayName = pn.NewNameStatus, pn.NewDisplayName
	if pn.Status != "" {
		h.Status, h.Registered = pn.Status, registeredStatus(pn.Status)
	}
	h.CodeVerification = cmp.Or(pn.CodeVerificationStatus, h.CodeVerification)
	h.Throughput = cmp.Or(pn.Throughput.Level, h.Throughput)
	h.PlatformType = cmp.Or(pn.PlatformType, h.PlatformType)
	h.AccountMode = cmp.Or(pn.AccountMode, h.AccountMode)
	h.OfficialBusiness = pn.IsOBA
	h.OBAStatus = cmp.Or(pn.OBA.Status, h.OBAStatus)
	h.PinEnabled = pn.PinEnabled
	if pn.HealthStatus.CanSendMessage != "" {
		h.CanSend, h.Issues = pn.HealthStatus.CanSendMessage, healthIssues(pn.HealthStatus)
	}
	if w != nil {
		h.BusinessVerification = cmp.Or(w.BusinessVerificationStatus, h.BusinessVerification)
	}
	h.RefreshedAt = now
}

// registeredStatus tells from Meta's status whether the number is
// registered for the Cloud API: it becomes CONNECTED on registration and
// stays registered while flagged or restricted.
func registeredStatus(status string) bool {
	switch status {
	case "PENDING", "UNVERIFIED", "DISCONNECTED", "DELETED", "MIGRATED", "UNKNOWN":
		return false
	}
	return true
}

// healthIssues flattens health_status into the reasons to show, the number's
// own first.
func healthIssues(hs whatsapp.HealthStatus) []domain.HealthIssue {
	var out []domain.HealthIssue
	for _, e := range hs.Entities {
		for _, er := range e.Errors {
			out = append(out, domain.HealthIssue{Entity: e.EntityType, Code: er.ErrorCode, Description: er.ErrorDescription, Solution: er.PossibleSolution})
		}
	}
	return out
}

// Refresh reads a number's details from Meta again — names, quality,
// health, Official Business Account state and the portfolio's messaging
// limit, which webhooks report only when they change — and records what
// changed in its history.
func (s *Service) Refresh(ctx context.Context, num domain.Number) (domain.Number, error) {
	token, err := s.token(num)
	if err != nil {
		return num, err
	}
	pn, err := s.Graph.GetPhoneNumber(ctx, token, num.PhoneNumberID)
	if err != nil {
		return num, whatsapp.Refusal("read the number from Meta", err)
	}
	var w *whatsapp.WABA
	if got, err := s.Graph.GetWABA(ctx, token, num.WABAID); err == nil {
		w = &got // the verification badge only; the number's own state matters more
	}
	updated, events, err := s.DB.UpdateNumber(ctx, num.ID, "refresh", func(n *domain.Number) { applyPhoneNumber(n, pn, w, s.now()) })
	if err != nil {
		return num, err
	}
	if len(events) > 0 { // the periodic refresh mostly finds nothing new
		s.announce(ctx, updated, events)
	}
	return updated, s.recordTier(ctx, updated, pn)
}

// announce tells the workspace's open pages that a number changed.
func (s *Service) announce(ctx context.Context, n domain.Number, events []domain.NumberEvent) {
	if s.Hub == nil {
		return
	}
	if events == nil {
		events = []domain.NumberEvent{}
	}
	ev := view.Event(n.WorkspaceID, domain.EventNumberUpdated, domain.NumberUpdate{ID: n.ID, Events: events})
	if _, err := s.Hub.Publish(ctx, ev); err != nil && s.Log != nil {
		s.Log.Warn("realtime publish failed", "type", ev.Type, "err", err)
	}
}

func (s *Service) now() time.Time {
	if s.Clock == nil {
		return time.Now()
	}
	return s.Clock.Now()
}

package numbers

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Check states on the green tick checklist.
const (
	CheckDone    = "done"
	CheckMissing = "missing"
	CheckUnknown = "unknown" // GoHavi cannot see it; Meta judges
)

// Check is one thing Meta looks at before granting an Official Business
// Account, with what GoHavi can see of it.
type Check struct {
	Key    string `json:"key"`
	Label  string `json:"label"`
	State  string `json:"state"`
	Detail string `json:"detail"`
}

// GreenTick is a number's Official Business Account readiness.
type GreenTick struct {
	Official    bool        `json:"official"`
	OBAStatus   string      `json:"oba_status"`
	Checklist   []Check     `json:"checklist"`
	CanRequest  bool        `json:"can_request"`
	Why         string      `json:"why,omitempty"` // why a request cannot be made now
	LastRequest *OBARequest `json:"last_request"`
}

// OBARequest is a request GoHavi submitted, as kept in the history.
type OBARequest struct {
	At     time.Time           `json:"at"`
	Fields whatsapp.OBARequest `json:"fields"`
}

// minAgeForOBA: Meta wants a number registered on the platform for 30 days.
const minAgeForOBA = 30 * 24 * time.Hour

const kindOBARequest = "oba_request"

// GreenTickFor builds the checklist from the number's recorded standing
// (refresh it first for the latest) and its request history.
func (s *Service) GreenTickFor(ctx context.Context, num domain.Number) (GreenTick, error) {
	events, err := s.DB.NumberEvents(ctx, num.WorkspaceID, num.ID, 500)
	if err != nil {
		return GreenTick{}, err
	}
	g := GreenTick{Official: num.Health.OfficialBusiness, OBAStatus: num.Health.OBAStatus}
	for _, e := range events {
		if e.Kind == kindOBARequest {
			r := OBARequest{At: e.At}
			_ = json.Unmarshal([]byte(e.Detail), &r.Fields)
			g.LastRequest = &r
			break
		}
	}
	g.Checklist = checklist(num, s.now())
	g.CanRequest, g.Why = canRequest(num, g)
	return g, nil
}

func checklist(num domain.Number, now time.Time) []Check {
	h, known := num.Health, !num.Health.RefreshedAt.IsZero()
	state := func(ok bool, seen bool) string {
		switch {
		case ok:
			return CheckDone
		case seen:
			return CheckMissing
		}
		return CheckUnknown
	}
	age := now.Sub(num.CreatedAt)
	eligible := num.CreatedAt.Add(minAgeForOBA)
	ageDetail := fmt.Sprintf("Connected %d days ago.", int(age.Hours()/24))
	if age < minAgeForOBA {
		ageDetail += " Meta wants 30 days on the platform: eligible from " + eligible.UTC().Format("2 January 2006") + "."
	}
	return []Check{
		{"business_verification", "Business portfolio verified", state(strings.EqualFold(h.BusinessVerification, "verified"), h.BusinessVerification != ""),
			cmp.Or(h.BusinessVerification, "Not reported yet.") + " Verify the business in Meta Business Suite → Security Center."},
		{"display_name", "Display name approved", state(h.NameStatus == "APPROVED", h.NameStatus != ""),
			"Display name \"" + num.VerifiedName + "\": " + cmp.Or(h.NameStatus, "review status not reported yet") + "."},
		{"two_step", "Two-step verification on", state(h.PinEnabled, known), "A six-digit PIN protects the number's registration."},
		{"age", "Registered for 30 days", state(age >= minAgeForOBA, true), ageDetail},
		{"quality", "Messaging quality not low", state(num.QualityRating != "RED", num.QualityRating != ""),
			"Quality " + cmp.Or(num.QualityRating, "not reported") + "; Meta expects a business that follows its messaging policy."},
		{"notability", "Notable brand", CheckUnknown,
			"Meta looks for coverage in sizable news outlets (paid or promotional content does not count): add up to 5 such links to the request."},
	}
}

// canRequest applies what Meta states as hard requirements; the rest is
// Meta's judgement and only advised.
func canRequest(num domain.Number, g GreenTick) (bool, string) {
	switch {
	case !num.Connected():
		return false, "The number is disconnected."
	case g.Official:
		return false, "This number already has the green tick."
	case strings.EqualFold(g.OBAStatus, "PENDING"):
		return false, "A request is being reviewed by Meta."
	}
	for _, c := range g.Checklist {
		if c.State == CheckMissing && (c.Key == "business_verification" || c.Key == "display_name" || c.Key == "two_step") {
			return false, c.Label + " is required first."
		}
	}
	return true, ""
}

// RequestGreenTick submits the Official Business Account request to Meta,
// keeps it in the number's history and marks the request pending.
func (s *Service) RequestGreenTick(ctx context.Context, num domain.Number, r whatsapp.OBARequest, actor string) (GreenTick, error) {
	if err := validateOBA(&r); err != nil {
		return GreenTick{}, err
	}
	g, err := s.GreenTickFor(ctx, num)
	if err != nil {
		return g, err
	}
	if !g.CanRequest {
		return g, domain.Errorf(domain.CodeConflict, "See the green tick checklist on the Numbers page.", "an Official Business Account request cannot be made now: %s", g.Why)
	}
	token, err := s.token(num)
	if err != nil {
		return g, err
	}
	if err := s.Graph.RequestOBA(ctx, token, num.PhoneNumberID, r); err != nil {
		return g, whatsapp.Refusal("submit the Official Business Account request", err)
	}
	fields, _ := json.Marshal(r)
	var updated domain.Number
	var events []domain.NumberEvent
	err = s.DB.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if updated, events, err = tx.UpdateNumber(ctx, num.ID, actor, func(n *domain.Number) { n.Health.OBAStatus = "PENDING" }); err != nil {
			return err
		}
		return tx.AddNumberEvent(ctx, updated, domain.NumberEvent{Kind: kindOBARequest, To: "submitted", Detail: string(fields), Source: actor})
	})
	if err != nil {
		return g, err
	}
	s.announce(ctx, updated, events)
	return s.GreenTickFor(ctx, updated)
}

func validateOBA(r *whatsapp.OBARequest) error {
	r.BusinessWebsiteURL, r.PrimaryCountryOfOperation, r.PrimaryLanguage = strings.TrimSpace(r.BusinessWebsiteURL), strings.TrimSpace(r.PrimaryCountryOfOperation), strings.TrimSpace(r.PrimaryLanguage)
	remedy := "Fill in the request form completely."
	switch {
	case r.BusinessWebsiteURL == "":
		return domain.Errorf(domain.CodeInvalidArgument, remedy, "business_website_url is required")
	case r.PrimaryCountryOfOperation == "":
		return domain.Errorf(domain.CodeInvalidArgument, remedy, "primary_country_of_operation is required")
	case r.PrimaryLanguage == "":
		return domain.Errorf(domain.CodeInvalidArgument, remedy, "primary_language is required")
	}
	if err := checkURL("business_website_url", r.BusinessWebsiteURL, 2048); err != nil {
		return err
	}
	var links []string
	for _, l := range r.SupportingLinks {
		if l = strings.TrimSpace(l); l != "" {
			if err := checkURL("supporting_links", l, 2048); err != nil {
				return err
			}
			links = append(links, l)
		}
	}
	if len(links) > 5 {
		return domain.Errorf(domain.CodeInvalidArgument, "Keep the five strongest articles.", "supporting_links has %d links; Meta takes at most 5", len(links))
	}
	if len(links) == 0 {
		return domain.Errorf(domain.CodeInvalidArgument, "Add links to articles about the business in news outlets (not paid or promotional).", "supporting_links needs at least one link: Meta grants the green tick to notable brands")
	}
	r.SupportingLinks = links
	return nil
}

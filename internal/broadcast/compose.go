package broadcast

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/nyaruka/phonenumbers"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// prepared is a broadcast with everything a decision needs that does not
// depend on the recipient: loaded once per batch or plan.
type prepared struct {
	b        domain.Broadcast
	num      domain.Number
	stored   domain.Template
	tpl      templates.Template
	pt       *policy.Template // nil: GoHavi does not know the template
	settings store.Settings
	tier     policy.Tier // the portfolio's limit, without use (the caller counts)
}

func (s *Service) prepare(ctx context.Context, b domain.Broadcast) (*prepared, error) {
	num, err := s.DB.NumberByID(ctx, b.WorkspaceID, b.NumberID)
	if err != nil {
		return nil, err
	}
	p := &prepared{b: b, num: num}
	if p.settings, err = s.DB.WorkspaceSettings(ctx, b.WorkspaceID); err != nil {
		return nil, err
	}
	p.stored, err = s.DB.TemplateByName(ctx, b.WorkspaceID, num.WABAID, b.TemplateName, b.TemplateLanguage)
	switch {
	case domain.IsNotFound(err):
	case err != nil:
		return nil, err
	default:
		p.pt = &policy.Template{Name: p.stored.Name, Language: p.stored.Language, Category: p.stored.Category, Status: p.stored.Status, PausedUntil: p.stored.PausedUntil}
		if p.tpl, err = templates.FromStored(p.stored); err != nil {
			return nil, err
		}
	}
	tier, err := s.DB.PortfolioTier(ctx, num.Portfolio())
	if err != nil {
		return nil, err
	}
	if tier != "" {
		p.tier.Limit, p.tier.Unlimited = whatsapp.TierLimit(tier)
		p.tier.Known = p.tier.Unlimited || p.tier.Limit > 0
	}
	return p, nil
}

// vars are what parameter expressions may name about the contact.
func vars(c store.AudienceContact) map[string]map[string]string {
	return templates.ContactVars(c.Name, c.Phone, c.WaID, c.Attributes)
}

// verdict is what the rules say about one recipient now.
type verdict struct {
	d    policy.Decision
	body json.RawMessage // Meta's template object, when allowed
	text string          // the rendered body, for the inbox
}

// judge applies the rules to one recipient. tier carries the portfolio's
// use so far (Used, Counted); a plan passes an unknown tier and counts
// slots itself.
func (p *prepared) judge(c store.AudienceContact, tier policy.Tier, now time.Time) verdict {
	req := policy.Request{Type: "template"}
	var sp templates.SendParams
	var pt *policy.Template
	if p.pt != nil {
		cp := *p.pt
		pt = &cp
		sp = sendParams(p.b, vars(c))
		if err := templates.Check(p.tpl, sp); err != nil {
			pt.ParamsErr = err
		}
	}
	req.Template = pt
	f := policy.Facts{Now: now, WindowExpiresAt: c.WindowExpiresAt, RecipientE164: "+" + c.WaID, Consent: policy.ConsentOf(c.Consent, c.NumberInboundAt),
		Tier: tier, Quality: p.num.QualityRating, BlockRedMarket: p.settings.BlockMarketingOnRed,
		Number: policy.NumberState{Disconnected: !p.num.Connected(), CanSend: p.num.Health.CanSend, Issues: p.num.Health.Issues}}
	v := verdict{d: policy.Decide(req, f)}
	if !v.d.Allowed {
		return v
	}
	comps, err := templates.Components(p.tpl, sp)
	if err != nil { // Check passed, so this cannot happen; refuse rather than send something odd
		v.d = policy.Decision{Code: domain.CodeTemplateParams, Message: err.Error(), Remedy: "Fix the broadcast's parameters."}
		return v
	}
	v.body, _ = json.Marshal(map[string]any{"name": p.stored.Name, "language": map[string]string{"code": p.stored.Language}, "components": comps})
	v.text = templates.Render(p.tpl, sp).Body
	return v
}

// perRecipient are the refusals that concern one recipient only: they
// skip that recipient. Any other refusal (the number, the template, the
// quality) concerns the whole broadcast and stops it.
func perRecipient(code domain.Code) bool {
	switch code {
	case domain.CodeNotOptedIn, domain.CodeOptedOut, domain.CodeMarketingUS, domain.CodeTemplateParams:
		return true
	}
	return false
}

// numberKey is the customer's number in E.164, the key duplicates are
// found by; "" when it is not a possible phone number.
func numberKey(waID string) string {
	num, err := phonenumbers.Parse("+"+waID, "")
	if err != nil || !phonenumbers.IsPossibleNumber(num) {
		return ""
	}
	return phonenumbers.Format(num, phonenumbers.E164)
}

// problem is a refusal as the API shows it.
type problem struct {
	Code    domain.Code `json:"code"`
	Message string      `json:"message"`
	Remedy  string      `json:"remedy,omitempty"`
}

func problemOf(d policy.Decision) *problem {
	return &problem{Code: d.Code, Message: d.Message, Remedy: d.Remedy}
}

func (p *problem) err() error {
	if p == nil {
		return nil
	}
	return &domain.Error{Code: p.Code, Message: p.Message, Remedy: p.Remedy}
}

func invalid(format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, "Fix the broadcast and try again.", format, args...)
}

func describeSkip(code string) string {
	switch code {
	case SkipNoOptIn:
		return "no opt-in recorded"
	case SkipOptedOut:
		return "opted out"
	case SkipMarketingUS:
		return "US number (Meta does not deliver marketing templates there)"
	case SkipParams:
		return "a template parameter is empty for this contact"
	case domain.SkipInvalidNumber:
		return "not a valid phone number"
	case domain.SkipDuplicate:
		return "same phone number as another recipient"
	}
	return fmt.Sprint(code)
}

// Skip reasons, as the plan and the recipient list name them.
const (
	SkipNoOptIn     = string(domain.CodeNotOptedIn)
	SkipOptedOut    = string(domain.CodeOptedOut)
	SkipMarketingUS = string(domain.CodeMarketingUS)
	SkipParams      = string(domain.CodeTemplateParams)
)

// sendParams fills a broadcast's parameter expressions for one contact.
func sendParams(b domain.Broadcast, vs map[string]map[string]string) templates.SendParams {
	fill := func(e string) string { return templates.Fill(e, vs) }
	return fillArgs(b, fill)
}

// fillArgs maps fill over every parameter expression of b.
func fillArgs(b domain.Broadcast, fill func(string) string) templates.SendParams {
	var sp templates.SendParams
	if len(b.Parameters) > 0 {
		sp.Body = make([]string, len(b.Parameters))
		for i, e := range b.Parameters {
			sp.Body[i] = fill(e)
		}
	}
	if h := b.Args.Header; h != nil {
		sp.Header = &templates.HeaderParam{Text: fill(h.Text), MediaID: fill(h.MediaID), Link: fill(h.Link), Filename: fill(h.Filename)}
	}
	if len(b.Args.BodyNamed) > 0 {
		sp.BodyNamed = make(map[string]string, len(b.Args.BodyNamed))
		for k, e := range b.Args.BodyNamed {
			sp.BodyNamed[k] = fill(e)
		}
	}
	if len(b.Args.Buttons) > 0 {
		sp.Buttons = make(map[int][]string, len(b.Args.Buttons))
		for i, es := range b.Args.Buttons {
			for _, e := range es {
				sp.Buttons[i] = append(sp.Buttons[i], fill(e))
			}
		}
	}
	return sp
}

// fieldRef is a contact field in an expression, "{{city|all}}".
var fieldRef = regexp.MustCompile(`\{\{[^}]*\}\}`)

// probeArgs checks a draft's expressions against the template's
// parameters before any contact fills them: their count and shape, with
// each field standing in as "x" (and a placeholder link for a link made
// wholly from a field).
func probeArgs(p *prepared, b domain.Broadcast) error {
	for i, e := range b.Parameters {
		if strings.TrimSpace(e) == "" {
			return invalid("template parameter %d is empty: give a value, a field such as {{name}}, or a field with a fallback such as {{name|there}}", i+1)
		}
	}
	sp := fillArgs(b, func(e string) string { return strings.TrimSpace(fieldRef.ReplaceAllString(e, "x")) })
	if h := sp.Header; h != nil && strings.Contains(b.Args.Header.Link, "{{") && !strings.HasPrefix(h.Link, "http") {
		h.Link = "https://probe.invalid/x" // the whole link comes from a contact field
	}
	if err := templates.Check(p.tpl, sp); err != nil {
		var de *domain.Error
		if errors.As(err, &de) {
			return &domain.Error{Code: domain.CodeInvalidArgument, Message: de.Message, Remedy: de.Remedy}
		}
		return invalid("%v", err)
	}
	return nil
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

package broadcast

import (
	"context"
	"math"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/pricing"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templates"
)

// Plan is what a launch would do now.
type Plan struct {
	Audience int            `json:"audience"` // contacts the audience selects
	Eligible int            `json:"eligible"`
	Skipped  map[string]int `json:"skipped"` // reason → count
	// SendNow fit in the messaging limit now; Deferred wait for slots that
	// free as earlier customers leave the 24-hour window, from NextSlotAt.
	SendNow            int        `json:"send_now"`
	Deferred           int        `json:"deferred"`
	NextSlotAt         *time.Time `json:"next_slot_at"`
	CompletesBy        *time.Time `json:"completes_by,omitempty"` // estimate for the last deferred recipient
	EstimatedDurationS float64    `json:"estimated_duration_s"`   // sending what fits now at the number's throughput
	ThroughputMPS      float64    `json:"throughput_mps"`
	Tier               TierPlan   `json:"tier"`
	EstimatedCost      Cost       `json:"estimated_cost"`
	Blocked            *problem   `json:"blocked,omitempty"` // why it cannot launch now
	StartsAt           *time.Time `json:"starts_at,omitempty"`
}

// TierPlan is the portfolio's messaging limit as the plan saw it.
type TierPlan struct {
	Known     bool `json:"known"`
	Unlimited bool `json:"unlimited"`
	Limit     int  `json:"limit"`
	Used      int  `json:"used"`
	NeedSlots int  `json:"need_slots"` // eligible recipients the limit counts
}

// Cost is the estimate from a versioned rate table.
type Cost struct {
	Amount    float64                       `json:"amount"`
	Currency  string                        `json:"currency"`
	RateTable string                        `json:"rate_table"`
	Effective string                        `json:"rate_table_date"`
	Category  string                        `json:"category"`
	ByMarket  map[string]pricing.MarketCost `json:"by_market"`
	Note      string                        `json:"note"`
}

// Plan judges the audience now and says what a launch would do.
func (s *Service) Plan(ctx context.Context, workspaceID, id int64) (Plan, error) {
	s.init()
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return Plan{}, err
	}
	p, err := s.prepare(ctx, b)
	if err != nil {
		return Plan{}, err
	}
	now := s.Clock.Now()
	plan := Plan{Skipped: map[string]int{}, ThroughputMPS: s.mps(p.num)}
	plan.Blocked = p.blocker(now)
	est := s.Rates.NewEstimate()
	category := ""
	if p.pt != nil {
		category = p.pt.Category
	}
	err = s.each(ctx, p, func(j judged) error {
		plan.Audience++
		if j.skip != "" {
			plan.Skipped[j.skip]++
			return nil
		}
		plan.Eligible++
		if j.needsSlot {
			plan.Tier.NeedSlots++
		}
		est.Add(j.c.Phone, category, j.windowOpen)
		return nil
	})
	if err != nil {
		return Plan{}, err
	}
	if err := s.planTier(ctx, p, now, &plan); err != nil {
		return Plan{}, err
	}
	plan.EstimatedDurationS = math.Ceil(float64(plan.SendNow)/plan.ThroughputMPS*10) / 10
	amount, byMarket := est.Total()
	plan.EstimatedCost = Cost{Amount: amount, Currency: s.Rates.Currency, RateTable: s.Rates.Version, Effective: s.Rates.Effective.Format("2006-01-02"),
		Category: category, ByMarket: byMarket,
		Note: "Meta charges delivered template messages by category and the recipient's market; utility templates inside an open service window are free. Volume discounts are not included."}
	if !b.ScheduleAt.IsZero() && b.ScheduleAt.After(now) {
		at := b.ScheduleAt
		plan.StartsAt = &at
	}
	return plan, nil
}

// planTier splits the eligible recipients into those the messaging limit
// admits now and those that wait for slots to free.
func (s *Service) planTier(ctx context.Context, p *prepared, now time.Time, plan *Plan) error {
	plan.Tier.Known, plan.Tier.Unlimited, plan.Tier.Limit = p.tier.Known, p.tier.Unlimited, p.tier.Limit
	plan.SendNow = plan.Eligible
	if !p.tier.Known || p.tier.Unlimited {
		return nil
	}
	used, _, nextSlot, err := s.DB.TierUsage(ctx, p.num.Portfolio(), "", now)
	if err != nil {
		return err
	}
	plan.Tier.Used = used
	free := max(0, p.tier.Limit-used)
	if plan.Tier.NeedSlots <= free {
		return nil
	}
	plan.Deferred = plan.Tier.NeedSlots - free
	plan.SendNow = plan.Eligible - plan.Deferred
	next := now.Add(store.TierWindow) // this broadcast's own first sends free the slots
	if !nextSlot.IsZero() {
		next = nextSlot
	}
	plan.NextSlotAt = &next
	// Each 24 hours the limit admits up to Limit new customers again.
	waves := (plan.Deferred + p.tier.Limit - 1) / max(1, p.tier.Limit)
	last := next.Add(time.Duration(waves-1) * store.TierWindow).Add(time.Duration(float64(min(plan.Deferred, p.tier.Limit)) / plan.ThroughputMPS * float64(time.Second)))
	plan.CompletesBy = &last
	return nil
}

// mps is the number's throughput the sender paces to.
func (s *Service) mps(num domain.Number) float64 {
	if s.MaxMPS > 0 {
		return s.MaxMPS
	}
	return policy.Throughput(num.Health.Throughput)
}

// PreviewItem is one recipient's message as they will receive it.
type PreviewItem struct {
	ContactID int64              `json:"contact_id"`
	Name      string             `json:"name"`
	Phone     string             `json:"phone"`
	Message   templates.Rendered `json:"message"`
	Skip      string             `json:"skip,omitempty"`
	Detail    string             `json:"detail,omitempty"`
}

// Preview renders the first n recipients' messages (skipped ones say why).
func (s *Service) Preview(ctx context.Context, workspaceID, id int64, n int) ([]PreviewItem, error) {
	s.init()
	b, err := s.Get(ctx, workspaceID, id)
	if err != nil {
		return nil, err
	}
	p, err := s.prepare(ctx, b)
	if err != nil {
		return nil, err
	}
	out := []PreviewItem{}
	stop := errStop{}
	err = s.each(ctx, p, func(j judged) error {
		sp := sendParams(p.b, vars(j.c))
		out = append(out, PreviewItem{ContactID: j.c.ID, Name: j.c.Name, Phone: j.c.Phone, Message: templates.Render(p.tpl, sp), Skip: j.skip, Detail: j.detail})
		if len(out) >= n {
			return stop
		}
		return nil
	})
	if err == stop {
		err = nil
	}
	return out, err
}

type errStop struct{}

func (errStop) Error() string { return "enough" }

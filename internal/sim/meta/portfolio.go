package meta

import (
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// defaultMessagingLimitCode is the async error of a business-initiated
// message over the portfolio's messaging limit. Meta documents no code
// for it (§4.2, §12.3 rule 6); 131048 "Spam rate limit hit" is the
// closest documented one. Config.MessagingLimitCode changes it.
const defaultMessagingLimitCode = 131048

// portfolio is a business portfolio's messaging limit (§5.1): unique
// users reached with business-initiated messages over a rolling 24 h,
// shared by all its numbers.
type portfolio struct {
	Tier       string               `json:"tier"`                 // TIER_250 | TIER_2K | TIER_10K | TIER_100K | TIER_UNLIMITED
	Recipients map[string]time.Time `json:"recipients,omitempty"` // wa_id → last business-initiated message

	// Business node (oba.go): name, Business Verification ("" means
	// verified: seeded portfolios are the operator's own) and health.
	Name               string          `json:"name,omitempty"`
	VerificationStatus string          `json:"verification_status,omitempty"`
	Health             *healthOverride `json:"health,omitempty"`

	// reaches lists Recipients' entries in the order they were made, so
	// the window expires from the front instead of scanning every user
	// on every send; rebuilt from Recipients after a load.
	reaches []reach
}

type reach struct {
	waID string
	at   time.Time
}

// expire forgets the users whose last business-initiated message left
// the rolling 24-hour window.
func (p *portfolio) expire(now time.Time) {
	if len(p.reaches) == 0 && len(p.Recipients) > 0 {
		for id, at := range p.Recipients {
			p.reaches = append(p.reaches, reach{id, at})
		}
		sort.Slice(p.reaches, func(i, j int) bool { return p.reaches[i].at.Before(p.reaches[j].at) })
	}
	for len(p.reaches) > 0 && now.Sub(p.reaches[0].at) >= windowLen {
		r := p.reaches[0]
		p.reaches = p.reaches[1:]
		if at, ok := p.Recipients[r.waID]; ok && at.Equal(r.at) {
			delete(p.Recipients, r.waID)
		}
	}
}

// reach counts waID as reached at now.
func (p *portfolio) reach(waID string, now time.Time) {
	if p.Recipients == nil {
		p.Recipients = map[string]time.Time{}
	}
	p.Recipients[waID] = now
	p.reaches = append(p.reaches, reach{waID, now})
}

var tierLimits = map[string]int{"TIER_250": 250, "TIER_2K": 2000, "TIER_10K": 10000, "TIER_100K": 100000, "TIER_UNLIMITED": -1}

// parseTier accepts 250|2000|10000|100000|unlimited and the TIER_* names.
func parseTier(v string) (string, bool) {
	v = strings.ToUpper(strings.TrimSpace(v))
	switch v {
	case "250":
		v = "TIER_250"
	case "2000", "2K":
		v = "TIER_2K"
	case "10000", "10K":
		v = "TIER_10K"
	case "100000", "100K":
		v = "TIER_100K"
	case "UNLIMITED", "-1":
		v = "TIER_UNLIMITED"
	}
	_, ok := tierLimits[v]
	return v, ok
}

func portfolioID(ns *numberState) string {
	if ns.PortfolioID != "" {
		return ns.PortfolioID
	}
	return ns.WABAID
}

// portfolioOf returns (creating) the number's portfolio. Callers hold s.mu.
func (s *Server) portfolioOf(ns *numberState) *portfolio { return s.businessOf(portfolioID(ns)) }

// businessOf returns (creating) a portfolio by id. Callers hold s.mu.
func (s *Server) businessOf(id string) *portfolio {
	p := s.portfolios[id]
	if p == nil {
		tier, ok := parseTier(s.cfg.DefaultTier)
		if !ok {
			tier = "TIER_UNLIMITED"
		}
		p = &portfolio{Tier: tier}
		s.portfolios[id] = p
	}
	return p
}

// templatePolicy decides the asynchronous fate of a template send
// (nil: delivered normally): 131050 for a customer who stopped marketing
// messages, 131049 from the per_user_marketing_cap fault, and the
// portfolio's messaging limit for business-initiated messages (outside
// the customer-service window). Callers hold s.mu.
func (s *Server) templatePolicy(ns *numberState, req *sendRequest, waID string, windowOpen bool, now time.Time) *AsyncError {
	if req.typ != "template" {
		return nil
	}
	cat := req.templateCat
	if cat == "" {
		cat = templateCategory(req.templateName)
	}
	if cat == "marketing" {
		if _, stopped := s.optedOut[pairKey{ns.PhoneNumberID, waID}]; stopped {
			e := asyncError(131050, "This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.")
			return &e
		}
		if s.faults.PerUserMarketingCap > 0 {
			s.faults.PerUserMarketingCap--
			e := asyncError(131049, "")
			return &e
		}
	}
	if windowOpen {
		return nil
	}
	p := s.portfolioOf(ns)
	p.expire(now)
	_, counted := p.Recipients[waID]
	if limit := tierLimits[p.Tier]; !counted && limit >= 0 && len(p.Recipients) >= limit {
		e := asyncError(s.cfg.MessagingLimitCode, fmt.Sprintf(
			"Messaging limit (%s) of business portfolio %s reached: %d unique users in the last 24 hours.",
			p.Tier, portfolioID(ns), len(p.Recipients)))
		return &e
	}
	p.reach(waID, now)
	s.changed()
	return nil
}

// SetPortfolioTier changes the messaging limit of a portfolio (by id, or
// the portfolio of wabaID's numbers when portfolioID is empty) and sends
// business_capability_update to each of its WABAs and
// phone_number_quality_update (UPGRADE/DOWNGRADE) for each of its numbers.
func (s *Server) SetPortfolioTier(pid, wabaID, tier string) error {
	t, ok := parseTier(tier)
	if !ok {
		return fmt.Errorf("%w: tier must be 250, 2000, 10000, 100000 or unlimited", ErrInvalidInbound)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var members []*numberState
	for _, id := range s.order {
		ns := s.numbers[id]
		if pid == "" && ns.WABAID == wabaID {
			pid = portfolioID(ns)
		}
	}
	for _, id := range s.order {
		if ns := s.numbers[id]; portfolioID(ns) == pid {
			members = append(members, ns)
		}
	}
	if len(members) == 0 {
		return fmt.Errorf("%w: no number in portfolio %q / WABA %q", ErrNotFound, pid, wabaID)
	}
	p := s.portfolioOf(members[0])
	old := p.Tier
	p.Tier = t
	s.changed()
	event := "UPGRADE"
	if l, o := tierLimits[t], tierLimits[old]; l >= 0 && (o < 0 || l < o) {
		event = "DOWNGRADE"
	}
	wabas := map[string]bool{}
	for _, ns := range members {
		if !wabas[ns.WABAID] {
			wabas[ns.WABAID] = true
			s.emitField(ns, "business_capability_update", capabilityValue(t))
		}
		s.emitField(ns, "phone_number_quality_update", map[string]string{
			"display_phone_number": ns.DisplayPhoneNumber, "event": event, "old_limit": old,
			"current_limit": t, "max_daily_conversations_per_business": t,
		})
	}
	return nil
}

// capabilityValue is the business_capability_update value (§2.8).
func capabilityValue(tier string) map[string]any {
	v := map[string]any{"max_daily_conversation_per_phone": tierLimits[tier], "max_daily_conversations_per_business": tier}
	if tier == "TIER_250" {
		v["max_phone_numbers_per_business"] = 2
	} else {
		v["max_phone_numbers_per_waba"] = 25
	}
	return v
}

func (s *Server) ctlPortfolio(w http.ResponseWriter, r *http.Request) {
	var in struct {
		PortfolioID string `json:"portfolio_id"`
		WABAID      string `json:"waba_id"`
		Tier        string `json:"tier"`
	}
	if !simctl.Body(w, r, &in) {
		return
	}
	if err := s.SetPortfolioTier(in.PortfolioID, in.WABAID, in.Tier); err != nil {
		ctlErr(w, err)
		return
	}
	simctl.JSON(w, http.StatusOK, map[string]any{"success": true, "tier": in.Tier})
}

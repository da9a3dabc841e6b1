package web

import (
	"net/http"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

type tierView struct {
	NumberID           int64   `json:"number_id"`
	DisplayPhoneNumber string  `json:"display_phone_number"`
	Quality            string  `json:"quality_rating"`
	Portfolio          string  `json:"portfolio"`
	Tier               string  `json:"tier"` // "" until Meta reported it
	Limit              int     `json:"limit"`
	Unlimited          bool    `json:"unlimited"`
	Used               int     `json:"used"`
	Remaining          int     `json:"remaining"`
	NextSlotAt         *string `json:"next_slot_at"`
}

type denialView struct {
	At       *string `json:"at"`
	WaID     string  `json:"wa_id"`
	Type     string  `json:"type"`
	Template string  `json:"template,omitempty"`
	Code     string  `json:"code"`
	Message  string  `json:"message"`
	Source   string  `json:"source"`
}

// compliance is the workspace's standing with Meta's rules: each number's
// tier use and quality, templates Meta paused or disabled, and the recent
// refusals by reason.
func (s *server) compliance(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ctx, now := r.Context(), s.Clock.Now()
	nums, err := s.DB.ListNumbers(ctx, p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	tiers := make([]tierView, 0, len(nums))
	for _, n := range nums {
		tv := tierView{NumberID: n.ID, DisplayPhoneNumber: n.DisplayPhoneNumber, Quality: n.QualityRating, Portfolio: n.WABAID}
		if tv.Tier, err = s.DB.PortfolioTier(ctx, n.WABAID); err != nil {
			writeError(w, r, err)
			return
		}
		tv.Limit, tv.Unlimited = whatsapp.TierLimit(tv.Tier)
		var next time.Time
		if tv.Used, _, next, err = s.DB.TierUsage(ctx, n.WABAID, "", now); err != nil {
			writeError(w, r, err)
			return
		}
		tv.NextSlotAt = view.Time(next)
		if tv.Tier != "" && !tv.Unlimited {
			tv.Remaining = max(tv.Limit-tv.Used, 0)
		}
		tiers = append(tiers, tv)
	}
	tpls, err := s.DB.ListTemplates(ctx, p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	held := []map[string]any{}
	for _, t := range tpls {
		if st := strings.ToUpper(t.Status); st == "PAUSED" || st == "DISABLED" {
			held = append(held, map[string]any{"id": t.ID, "name": t.Name, "language": t.Language, "status": t.Status, "paused_until": view.Time(t.PausedUntil), "quality": t.Quality})
		}
	}
	since := now.Add(-7 * 24 * time.Hour)
	counts, err := s.DB.DenialCounts(ctx, p.WorkspaceID, since)
	if err != nil {
		writeError(w, r, err)
		return
	}
	recent, err := s.DB.RecentDenials(ctx, p.WorkspaceID, since, 50)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rv := make([]denialView, 0, len(recent))
	for _, d := range recent {
		rv = append(rv, denialView{At: view.Time(d.CreatedAt), WaID: d.WaID, Type: d.Type, Template: d.Template, Code: string(d.Code), Message: d.Message, Source: d.Source})
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"numbers": tiers, "held_templates": held,
		"denials": map[string]any{"since": view.Time(since), "by_code": counts, "recent": rv},
	})
}

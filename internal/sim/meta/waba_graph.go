package meta

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
)

// The WABA node (§8.2), its phone_numbers edge (§8.1) and the business
// (portfolio) node with its Business Verification status.

var (
	wabaDefaultFields = []string{"name", "timezone_id", "message_template_namespace"}
	wabaFields        = []string{"name", "status", "currency", "country", "timezone_id", "message_template_namespace",
		"account_review_status", "ownership_type", "business_verification_status", "health_status",
		"whatsapp_business_manager_messaging_limit", "on_behalf_of_business_info", "owner_business_info"}
	businessDefaultFields = []string{"name"}
	businessFields        = []string{"name", "verification_status", "health_status",
		"whatsapp_business_manager_messaging_limit"}
)

// getAccountNode answers GET /{waba_id} and GET /{business_id}; false for
// any other id, which serveGraph then tries as a template or a number.
func (s *Server) getAccountNode(w http.ResponseWriter, r *http.Request, id string) bool {
	s.mu.Lock()
	isNumber, isTemplate := s.numbers[id] != nil, s.templates[id] != nil
	isWABA := !isNumber && !isTemplate && s.wabaKnown(id)
	isBiz := !isNumber && !isTemplate && !isWABA && s.businessKnown(id)
	s.mu.Unlock()
	switch {
	case isWABA:
		if gerr := s.authorizeWABA(r, id, "get"); gerr != nil {
			writeGraphError(w, gerr)
			return true
		}
		s.mu.Lock()
		body, gerr := s.wabaNode(id, wantFields(r, wabaDefaultFields))
		s.mu.Unlock()
		answer(w, body, gerr)
		return true
	case isBiz:
		s.mu.Lock()
		grants, gerr := s.tokenGrants(bearer(r))
		if gerr == nil && !s.grantedBusiness(grants, id) {
			gerr = newGraphError(200, "The access token does not have permission to access business "+id+".")
		}
		var body map[string]any
		if gerr == nil {
			body, gerr = s.businessNode(id, wantFields(r, businessDefaultFields))
		}
		s.mu.Unlock()
		answer(w, body, gerr)
		return true
	}
	return false
}

func answer(w http.ResponseWriter, body map[string]any, gerr *graphError) {
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	writeGraphJSON(w, http.StatusOK, body)
}

// wabaNode renders a WABA. Callers hold s.mu.
func (s *Server) wabaNode(id string, want []string) (map[string]any, *graphError) {
	biz := s.businessOfWABA(id)
	out := map[string]any{"id": id}
	for _, f := range want {
		switch f {
		case "name":
			out[f] = s.wabaName(id)
		case "status":
			out[f] = "ACTIVE"
		case "currency":
			out[f] = "USD"
		case "country":
			out[f] = "US"
		case "timezone_id":
			out[f] = "1"
		case "message_template_namespace":
			out[f] = templateNamespace(id)
		case "account_review_status":
			out[f] = "APPROVED"
		case "ownership_type":
			out[f] = "CLIENT_OWNED"
		case "business_verification_status":
			out[f] = s.verificationOf(biz)
		case "health_status":
			out[f] = s.wabaHealth(id)
		case "whatsapp_business_manager_messaging_limit":
			out[f] = s.businessOf(biz).Tier
		case "on_behalf_of_business_info", "owner_business_info":
			out[f] = map[string]string{"name": s.businessName(biz), "id": biz}
		default:
			return nil, errUnknownFieldOn(f, "WhatsAppBusinessAccount")
		}
	}
	return out, nil
}

func (s *Server) businessName(id string) string {
	if p := s.portfolios[id]; p != nil && p.Name != "" {
		return p.Name
	}
	for _, ns := range s.numbers {
		if portfolioID(ns) == id {
			return ns.VerifiedName
		}
	}
	return "Business"
}

// businessNode renders a business portfolio. Callers hold s.mu.
func (s *Server) businessNode(id string, want []string) (map[string]any, *graphError) {
	out := map[string]any{"id": id}
	for _, f := range want {
		switch f {
		case "name":
			out[f] = s.businessName(id)
		case "verification_status":
			out[f] = s.verificationOf(id)
		case "whatsapp_business_manager_messaging_limit":
			out[f] = s.businessOf(id).Tier
		case "health_status":
			var h *healthOverride
			if p := s.portfolios[id]; p != nil {
				h = p.Health
			}
			out[f] = healthStatus([]healthEntity{entityOf("BUSINESS", id, h), entityOf("APP", s.appID(), s.appHealth)})
		default:
			return nil, errUnknownFieldOn(f, "Business")
		}
	}
	return out, nil
}

// listPhoneNumbers is GET /{waba_id}/phone_numbers (§8.1): newest
// onboarded first unless sort=["last_onboarded_time_ascending"], with
// filtering on account_mode and cursor paging.
func (s *Server) listPhoneNumbers(w http.ResponseWriter, r *http.Request, wabaID string) {
	if gerr := s.authorizeWABA(r, wabaID, "get"); gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	q := r.URL.Query()
	fields := strings.Join(wantFields(r, []string{"verified_name", "code_verification_status", "display_phone_number",
		"quality_rating", "platform_type", "throughput", "last_onboarded_time"}), ",")
	mode := ""
	if f := q.Get("filtering"); f != "" {
		var filters []struct{ Field, Operator, Value string }
		if json.Unmarshal([]byte(f), &filters) != nil {
			writeGraphError(w, errParam("filtering", "must be a JSON array of {field, operator, value}"))
			return
		}
		for _, fl := range filters {
			if fl.Field != "account_mode" || fl.Operator != "EQUAL" {
				writeGraphError(w, errParam("filtering", "supports only account_mode EQUAL"))
				return
			}
			mode = fl.Value
		}
	}
	limit := 25
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 100)
	}
	s.mu.Lock()
	nums := s.wabaNumbers(wabaID)
	slices.SortStableFunc(nums, func(a, b *numberState) int { return b.info.OnboardedAt.Compare(a.info.OnboardedAt) })
	if strings.Contains(q.Get("sort"), "last_onboarded_time_ascending") {
		slices.Reverse(nums)
	}
	nums = slices.DeleteFunc(nums, func(ns *numberState) bool { return mode != "" && ns.info.AccountMode != mode })
	start := 0
	if after := q.Get("after"); after != "" {
		if b, err := base64.RawURLEncoding.DecodeString(after); err == nil {
			if i := slices.IndexFunc(nums, func(ns *numberState) bool { return ns.PhoneNumberID == string(b) }); i >= 0 {
				start = i + 1
			}
		}
	}
	page := nums[start:min(start+limit, len(nums))]
	data := make([]map[string]any, 0, len(page))
	for _, ns := range page {
		row, gerr := s.phoneNumberFields(ns, fields)
		if gerr != nil {
			s.mu.Unlock()
			writeGraphError(w, gerr)
			return
		}
		data = append(data, row)
	}
	more := start+limit < len(nums)
	s.mu.Unlock()
	out := map[string]any{"data": data}
	if len(page) > 0 {
		cur := func(ns *numberState) string { return base64.RawURLEncoding.EncodeToString([]byte(ns.PhoneNumberID)) }
		paging := map[string]any{"cursors": map[string]string{"before": cur(page[0]), "after": cur(page[len(page)-1])}}
		if more {
			nq := r.URL.Query()
			nq.Set("after", cur(page[len(page)-1]))
			paging["next"] = baseURL(r) + r.URL.Path + "?" + nq.Encode()
		}
		out["paging"] = paging
	}
	writeGraphJSON(w, http.StatusOK, out)
}

package ingest

import (
	"cmp"
	"context"
	"reflect"
	"slices"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Values of NumberHealth this file writes (§5.2, §8.1, §8.5).
const (
	canSendAvailable = "AVAILABLE"
	canSendLimited   = "LIMITED"
	canSendBlocked   = "BLOCKED"
	statusConnected  = "CONNECTED"
	statusFlagged    = "FLAGGED"
	statusBanned     = "BANNED"
)

// numberChanged queues an EventNumberUpdated for a number that changed:
// its history grew, or only something history does not keep (its issues)
// moved, which an open Numbers page still has to show. A replay that
// changed nothing tells no one.
func (c *applyCtx) numberChanged(n domain.Number, events []domain.NumberEvent, changed bool) {
	if !changed && len(events) == 0 {
		return
	}
	if events == nil {
		events = []domain.NumberEvent{}
	}
	c.out = append(c.out, view.Event(n.WorkspaceID, domain.EventNumberUpdated, domain.NumberUpdate{ID: n.ID, Events: events}))
}

// phoneDigits drops the formatting Meta sometimes adds ("+1 555-…").
func phoneDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return r
		}
		return -1
	}, s)
}

// withDisplay keeps the numbers whose display number has the digits of
// display; a display number without digits matches none.
func withDisplay(nums []domain.Number, display string) []domain.Number {
	want := phoneDigits(display)
	var out []domain.Number
	for _, n := range nums {
		if want != "" && phoneDigits(n.DisplayPhoneNumber) == want {
			out = append(out, n)
		}
	}
	return out
}

// named keeps the numbers ref names, as a phone_number_id or a display
// number: Meta's docs do not say which account_update's phone_number is.
func named(nums []domain.Number, ref string) []domain.Number {
	out := withDisplay(nums, ref)
	for _, n := range nums {
		if n.PhoneNumberID == ref && !slices.ContainsFunc(out, func(m domain.Number) bool { return m.ID == n.ID }) {
			out = append(out, n)
		}
	}
	return out
}

// updateNumber applies mutate to n (read in this transaction, so current)
// and returns the history it added and whether the number changed at all.
// A mutation that changes nothing skips the write, so a replayed webhook
// costs a read only.
func updateNumber(ctx context.Context, ac *applyCtx, n domain.Number, source string, mutate func(*domain.Number)) ([]domain.NumberEvent, bool, error) {
	probe := n
	probe.Health.Issues = slices.Clone(n.Health.Issues)
	mutate(&probe)
	if reflect.DeepEqual(probe, n) {
		return nil, false, nil
	}
	_, events, err := ac.tx.UpdateNumber(ctx, n.ID, source, mutate)
	return events, true, err
}

// tierEvent records that the messaging limit n shares with its portfolio
// became tier. The limit is not a field of the number row, so UpdateNumber
// cannot see it change: the number's last tier event is the value to
// compare with, else the portfolio's recorded tier, else Meta's old_limit.
func tierEvent(ctx context.Context, ac *applyCtx, n domain.Number, tier, metaOld, source string) ([]domain.NumberEvent, error) {
	if tier == "" {
		return nil, nil
	}
	last, found, err := ac.tx.LastNumberEvent(ctx, n.ID, domain.NumberTier)
	if err != nil {
		return nil, err
	}
	from := last.To
	if !found {
		if from, err = ac.tx.PortfolioTier(ctx, n.WABAID); err != nil {
			return nil, err
		}
		from = cmp.Or(from, whatsapp.NormalizeTier(metaOld))
	}
	if from == tier {
		return nil, nil
	}
	ev, err := ac.tx.RecordNumberEvent(ctx, n, domain.NumberEvent{Kind: domain.NumberTier, From: from, To: tier, Source: source})
	if err != nil {
		return nil, err
	}
	return []domain.NumberEvent{ev}, nil
}

// applyCapability keeps the portfolio's limit and notes it on every number
// of the WABA: they all share it (§5.1).
func (a *Applier) applyCapability(ctx context.Context, ac *applyCtx, e whatsapp.Entry, v whatsapp.BusinessCapabilityUpdate) error {
	tier := v.Tier()
	ac.after.setTier(e.ID, tier)
	if tier == "" {
		return nil
	}
	nums, err := ac.tx.NumbersByWABA(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, n := range nums {
		events, err := tierEvent(ctx, ac, n, tier, "", whatsapp.FieldBusinessCapabilityUpdate)
		if err != nil {
			return err
		}
		ac.numberChanged(n, events, false)
	}
	return nil
}

// applyNumberQuality: the limit it carries is the portfolio's (every
// number of the WABA notes it); the event is about the one number.
func (a *Applier) applyNumberQuality(ctx context.Context, ac *applyCtx, e whatsapp.Entry, v whatsapp.PhoneNumberQualityUpdate) error {
	tier := v.Tier()
	ac.after.setTier(e.ID, tier)
	nums, err := ac.tx.NumbersByWABA(ctx, e.ID)
	if err != nil {
		return err
	}
	mine := withDisplay(nums, v.DisplayPhoneNumber)
	for _, n := range nums {
		events, err := tierEvent(ctx, ac, n, tier, v.OldLimit, whatsapp.FieldPhoneNumberQualityUpdate)
		if err != nil {
			return err
		}
		changed := false
		if slices.ContainsFunc(mine, func(m domain.Number) bool { return m.ID == n.ID }) {
			var more []domain.NumberEvent
			more, changed, err = updateNumber(ctx, ac, n, whatsapp.FieldPhoneNumberQualityUpdate, func(n *domain.Number) { qualityEvent(n, v.Event) })
			if err != nil {
				return err
			}
			events = append(events, more...)
		}
		ac.numberChanged(n, events, changed)
	}
	return nil
}

// qualityEvent applies what a phone_number_quality_update event says of
// the number. The payload carries no quality rating, so none is guessed:
// FLAGGED (legacy, §2.8) is the number status of that name (§5.2), and
// UNFLAGGED ends it — back to CONNECTED, the status a number that was
// sending had. Limit events (UPGRADE, DOWNGRADE, ONBOARDING) are the
// portfolio's, handled by tierEvent.
func qualityEvent(n *domain.Number, event string) {
	switch strings.ToUpper(event) {
	case "FLAGGED":
		n.Health.Status = statusFlagged
	case "UNFLAGGED":
		if n.Health.Status == statusFlagged {
			n.Health.Status = statusConnected
		}
	case "THROUGHPUT_UPGRADE":
		n.Health.Throughput = "HIGH"
	}
}

func (a *Applier) applyNameUpdate(ctx context.Context, ac *applyCtx, e whatsapp.Entry, v whatsapp.PhoneNumberNameUpdate) error {
	if v.Decision == "" {
		return nil
	}
	nums, err := ac.tx.NumbersByWABA(ctx, e.ID)
	if err != nil {
		return err
	}
	for _, n := range withDisplay(nums, v.DisplayPhoneNumber) {
		events, changed, err := updateNumber(ctx, ac, n, whatsapp.FieldPhoneNumberNameUpdate, func(n *domain.Number) { nameDecision(n, v) })
		if err != nil {
			return err
		}
		// A decision on a requested rename changes new_name_status, which
		// is not among the fields NumberChanges diffs; it goes in by hand,
		// only when it moved, so a replay adds nothing.
		after := n
		nameDecision(&after, v)
		if after.Health.NewNameStatus != "" && after.Health.NewNameStatus != n.Health.NewNameStatus {
			detail := "requested name " + after.Health.NewDisplayName
			if after.Health.NameRejection != "" {
				detail += ": " + after.Health.NameRejection
			}
			ev, err := ac.tx.RecordNumberEvent(ctx, n, domain.NumberEvent{Kind: domain.NumberNameStatus, From: n.Health.NewNameStatus,
				To: after.Health.NewNameStatus, Detail: detail, Source: whatsapp.FieldPhoneNumberNameUpdate})
			if err != nil {
				return err
			}
			events = append(events, ev)
		}
		ac.numberChanged(n, events, changed)
	}
	return nil
}

// nameStatus maps a display-name decision to name_status (§8.4): DEFERRED
// and PENDING leave the name under review.
func nameStatus(decision string) string {
	switch strings.ToUpper(decision) {
	case "APPROVED":
		return "APPROVED"
	case "REJECTED":
		return "DECLINED"
	}
	return "PENDING_REVIEW"
}

// nameDecision applies a display-name decision. While a rename is pending
// (new_display_name, §8.4) the decision is on the new name, and the name
// in use keeps its status until the new one is approved.
func nameDecision(n *domain.Number, v whatsapp.PhoneNumberNameUpdate) {
	h := &n.Health
	status := nameStatus(v.Decision)
	reason := ""
	if status == "DECLINED" {
		reason = v.RejectionReason
	}
	if h.NewDisplayName != "" && (v.RequestedVerifiedName == "" || v.RequestedVerifiedName == h.NewDisplayName) {
		if status == "APPROVED" {
			n.VerifiedName, h.NameStatus, h.NameRejection = h.NewDisplayName, status, ""
			h.NewDisplayName, h.NewNameStatus = "", ""
			return
		}
		h.NewNameStatus, h.NameRejection = status, reason
		return
	}
	h.NameStatus, h.NameRejection = status, reason
	if status == "APPROVED" && v.RequestedVerifiedName != "" {
		n.VerifiedName = v.RequestedVerifiedName
	}
}

// applyAccountAlert records Meta's Official Business Account decision
// (§8.5) on the number the alert names; other alerts change no number.
func (a *Applier) applyAccountAlert(ctx context.Context, ac *applyCtx, e whatsapp.Entry, v whatsapp.AccountAlert) error {
	var mutate func(*domain.Number)
	switch strings.ToUpper(v.AlertInfo.AlertType) {
	case whatsapp.AlertOBAApproved:
		mutate = func(n *domain.Number) { n.Health.OfficialBusiness, n.Health.OBAStatus = true, "APPROVED" }
	case whatsapp.AlertOBARejected:
		mutate = func(n *domain.Number) { n.Health.OBAStatus = "REJECTED" }
	default:
		return nil
	}
	if !strings.EqualFold(v.EntityType, "PHONE_NUMBER") || v.EntityID == "" {
		return nil // OBA is per number: a portfolio-wide alert names none
	}
	nums, err := ac.tx.NumbersByWABA(ctx, e.ID)
	if err != nil {
		return err
	}
	nums = named(nums, v.EntityID)
	if len(nums) == 0 {
		// The entity is the number itself: its id finds it even if the
		// entry is not its WABA's.
		n, err := ac.tx.NumberByPhoneNumberID(ctx, v.EntityID)
		if domain.IsNotFound(err) {
			return nil
		}
		if err != nil {
			return err
		}
		nums = []domain.Number{n}
	}
	for _, n := range nums {
		events, changed, err := updateNumber(ctx, ac, n, whatsapp.FieldAccountAlerts, mutate)
		if err != nil {
			return err
		}
		ac.numberChanged(n, events, changed)
	}
	return nil
}

// applyAccountUpdate applies the account_update events that bear on a
// number's standing (§2.8) to every number of the WABA, or to the one its
// phone_number names. The others — partner, pricing, location, terms —
// change no number; PARTNER_* entries are not even keyed by the WABA.
func (a *Applier) applyAccountUpdate(ctx context.Context, ac *applyCtx, e whatsapp.Entry, ch whatsapp.Change, v whatsapp.AccountUpdate) error {
	var mutate func(*domain.Number)
	phone := v.PhoneNumber
	switch strings.ToUpper(v.Event) {
	case "ACCOUNT_VIOLATION":
		if vt := v.ViolationInfo.ViolationType; vt != "" {
			mutate = func(n *domain.Number) { n.Health.Violation = vt }
		}
	case "DISABLED_UPDATE":
		mutate = banMutation(v.BanInfo)
	case "ACCOUNT_RESTRICTION":
		r, err := ch.DecodeAccountRestriction()
		if err != nil {
			return nil
		}
		phone = cmp.Or(phone, r.PhoneNumber)
		mutate = restrictionMutation(r)
	case "ACCOUNT_DELETED":
		issue := accountIssue("Meta deleted this WhatsApp Business Account.", "Connect a number of an active WhatsApp Business Account.")
		mutate = func(n *domain.Number) { setAccountIssue(&n.Health, canSendBlocked, &issue) }
	}
	if mutate == nil {
		return nil
	}
	nums, err := ac.tx.NumbersByWABA(ctx, e.ID)
	if err != nil {
		return err
	}
	if phone != "" {
		nums = named(nums, phone)
	}
	for _, n := range nums {
		events, changed, err := updateNumber(ctx, ac, n, whatsapp.FieldAccountUpdate, mutate)
		if err != nil {
			return err
		}
		ac.numberChanged(n, events, changed)
	}
	return nil
}

const reviewAccount = "Review the account in WhatsApp Manager (Account quality) and request a review if you think Meta is wrong."

// banMutation: DISABLE bans the WABA's numbers and blocks sending;
// SCHEDULE_FOR_DISABLE warns (sending still works until the date);
// REINSTATE lifts both.
func banMutation(bi whatsapp.BanInfo) func(*domain.Number) {
	if len(bi.WABABanState) == 0 {
		return nil
	}
	on := ""
	if bi.WABABanDate != "" {
		on = " on " + bi.WABABanDate
	}
	switch strings.ToUpper(bi.WABABanState[len(bi.WABABanState)-1]) {
	case "DISABLE":
		issue := accountIssue("Meta disabled this WhatsApp Business Account"+on+".", reviewAccount)
		return func(n *domain.Number) {
			n.Health.Status = statusBanned
			setAccountIssue(&n.Health, canSendBlocked, &issue)
		}
	case "SCHEDULE_FOR_DISABLE":
		issue := accountIssue("Meta scheduled this WhatsApp Business Account to be disabled"+on+".", reviewAccount)
		return func(n *domain.Number) { setAccountIssue(&n.Health, canSendLimited, &issue) }
	case "REINSTATE":
		return func(n *domain.Number) {
			if n.Health.Status == statusBanned {
				n.Health.Status = statusConnected
			}
			setAccountIssue(&n.Health, canSendAvailable, nil)
		}
	}
	return nil
}

// restrictionMutation: a WABA that may not start conversations, or not
// answer, is LIMITED; one that may do neither is BLOCKED. A restriction on
// adding numbers does not touch sending.
func restrictionMutation(r whatsapp.AccountRestriction) func(*domain.Number) {
	var biz, customer bool
	var what []string
	for _, x := range r.RestrictionInfo {
		until := ""
		if t := x.Until(); !t.IsZero() {
			until = " until " + t.Format("2006-01-02 15:04 UTC")
		} else if x.Expiration != "" {
			until = " until " + x.Expiration
		}
		switch strings.ToUpper(x.RestrictionType) {
		case whatsapp.RestrictedBusinessInitiated:
			biz = true
			what = append(what, "no business-initiated messages"+until)
		case whatsapp.RestrictedCustomerInitiated:
			customer = true
			what = append(what, "no replies to customers"+until)
		}
	}
	if !biz && !customer {
		return nil
	}
	canSend := canSendLimited
	if biz && customer {
		canSend = canSendBlocked
	}
	issue := accountIssue("Meta restricted this WhatsApp Business Account: "+strings.Join(what, "; ")+".", reviewAccount)
	return func(n *domain.Number) { setAccountIssue(&n.Health, canSend, &issue) }
}

// accountIssue is a health issue an account_update implies. Meta's health
// report (health_status, read on refresh) gives every issue an error code;
// these have none, which is how the next account_update finds and replaces
// them without touching what the report said.
func accountIssue(description, solution string) domain.HealthIssue {
	return domain.HealthIssue{Entity: "WABA", Description: description, Solution: solution}
}

func fromAccountUpdate(i domain.HealthIssue) bool { return i.Entity == "WABA" && i.Code == 0 }

var sendRank = map[string]int{canSendLimited: 1, canSendBlocked: 2}

// setAccountIssue replaces the issue an earlier account_update left with
// issue (nil: none) and sets can_send to what it implies, but not below
// what the issues of Meta's health report still imply: the can_send it
// came with, or, once an account_update had raised it, LIMITED (how
// badly they limit the number alone, only the next refresh can tell).
func setAccountIssue(h *domain.NumberHealth, canSend string, issue *domain.HealthIssue) {
	kept := slices.DeleteFunc(slices.Clone(h.Issues), fromAccountUpdate)
	floor := h.CanSend
	if len(kept) < len(h.Issues) {
		floor = canSendLimited
	}
	if len(kept) > 0 && sendRank[floor] > sendRank[canSend] {
		canSend = floor
	}
	if issue != nil {
		kept = append(kept, *issue)
	}
	if len(kept) == 0 {
		kept = nil
	}
	h.Issues, h.CanSend = kept, canSend
}

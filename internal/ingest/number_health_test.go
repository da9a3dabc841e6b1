package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// wabaHook is a management webhook of any WABA with one change.
func wabaHook(waba, field, value string) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":%q,"time":1751247548,"changes":[{"field":%q,"value":%s}]}]}`, waba, field, value)
}

// second adds another number to waba1, stored with a formatted display
// number as Meta's list endpoint writes it (§8.1).
func (e *env) second(t *testing.T, health domain.NumberHealth) domain.Number {
	t.Helper()
	n, err := e.db.CreateNumber(context.Background(), domain.Number{WorkspaceID: e.ws.ID, WABAID: "waba1", PhoneNumberID: "206540352242922",
		DisplayPhoneNumber: "+1 631-555-5555", VerifiedName: "Second", QualityRating: "GREEN", AccessTokenEnc: []byte{1}, Health: health})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// deliver stores and applies body; replaying it is deliver with the same
// body again (see env.replay: the writer dedupes identical bytes).
func (e *env) deliver(t *testing.T, body string) {
	t.Helper()
	e.store(t, body)
	e.apply(t)
}

func (e *env) number(t *testing.T, id int64) domain.Number {
	t.Helper()
	n, err := e.db.NumberByID(context.Background(), e.ws.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// history is the number's history oldest first, as "kind:from>to@source",
// leaving out what connecting it recorded.
func (e *env) history(t *testing.T, id int64) []string {
	t.Helper()
	evs, err := e.db.NumberEvents(context.Background(), e.ws.ID, id, 100)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for i := len(evs) - 1; i >= 0; i-- {
		ev := evs[i]
		if ev.Source == "connect" {
			continue
		}
		out = append(out, ev.Kind+":"+ev.From+">"+ev.To+"@"+ev.Source)
	}
	return out
}

// updates drains the number.updated events published so far: number id →
// the events each announced, in order (none: it changed, its history not).
func updates(t *testing.T, sub *realtime.Subscription) map[int64][]domain.NumberEvent {
	t.Helper()
	out := map[int64][]domain.NumberEvent{}
	for {
		select {
		case ev := <-sub.C:
			if ev.Type != domain.EventNumberUpdated {
				continue
			}
			var u domain.NumberUpdate
			if err := json.Unmarshal(ev.Data, &u); err != nil || u.ID == 0 || u.Events == nil {
				t.Fatalf("number.updated data %s: %v", ev.Data, err)
			}
			out[u.ID] = append(out[u.ID], u.Events...)
		default:
			return out
		}
	}
}

func same(t *testing.T, what string, got []string, want ...string) {
	t.Helper()
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("%s:\n got %q\nwant %q", what, got, want)
	}
}

func TestNameUpdateSetsNameStatusOncePerDecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		other := e.second(t, domain.NumberHealth{NameStatus: "APPROVED"})
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		const src = "@phone_number_name_update"

		// Formatted in the webhook, digits in our row.
		rejected := wabaHook("waba1", "phone_number_name_update",
			`{"display_phone_number":"+1 555-078-3881","decision":"REJECTED","requested_verified_name":"Lucky Shrub","rejection_reason":"NAME_FORMAT_UNACCEPTABLE"}`)
		e.deliver(t, rejected)
		n := e.number(t, e.num.ID)
		if n.Health.NameStatus != "DECLINED" || n.Health.NameRejection != "NAME_FORMAT_UNACCEPTABLE" || n.VerifiedName != "" {
			t.Fatalf("after rejection: %+v", n)
		}
		got := updates(t, sub)
		if len(got) != 1 || len(got[e.num.ID]) != 1 || got[e.num.ID][0].Kind != domain.NumberNameStatus ||
			got[e.num.ID][0].Detail != "NAME_FORMAT_UNACCEPTABLE" || got[e.num.ID][0].ID == 0 {
			t.Fatalf("published %+v", got)
		}
		e.replay(t, rejected)
		if got := updates(t, sub); len(got) != 0 {
			t.Fatalf("replay published %+v", got)
		}

		e.deliver(t, wabaHook("waba1", "phone_number_name_update", `{"display_phone_number":"15550783881","decision":"DEFERRED","requested_verified_name":"Lucky Shrub","rejection_reason":null}`))
		e.deliver(t, wabaHook("waba1", "phone_number_name_update", `{"display_phone_number":"15550783881","decision":"APPROVED","requested_verified_name":"Lucky Shrub","rejection_reason":null}`))
		n = e.number(t, e.num.ID)
		if n.Health.NameStatus != "APPROVED" || n.VerifiedName != "Lucky Shrub" || n.Health.NameRejection != "" {
			t.Fatalf("after approval: %+v", n)
		}
		same(t, "history", e.history(t, e.num.ID),
			"name_status:>DECLINED"+src, "name_status:DECLINED>PENDING_REVIEW"+src,
			"display_name:>Lucky Shrub"+src, "name_status:PENDING_REVIEW>APPROVED"+src)
		same(t, "the WABA's other number", e.history(t, other.ID))

		// A rename under review: the decision is on the new name; the name
		// in use stays approved until the new one is.
		if _, _, err := db.UpdateNumber(context.Background(), e.num.ID, "owner", func(n *domain.Number) {
			n.Health.NewDisplayName, n.Health.NewNameStatus = "Lucky Shrub Co", "PENDING_REVIEW"
		}); err != nil {
			t.Fatal(err)
		}
		updates(t, sub)
		renameRejected := wabaHook("waba1", "phone_number_name_update",
			`{"display_phone_number":"15550783881","decision":"REJECTED","requested_verified_name":"Lucky Shrub Co","rejection_reason":"NAME_NOT_CONSISTENT"}`)
		e.deliver(t, renameRejected)
		e.replay(t, renameRejected)
		n = e.number(t, e.num.ID)
		if n.Health.NameStatus != "APPROVED" || n.VerifiedName != "Lucky Shrub" || n.Health.NewNameStatus != "DECLINED" || n.Health.NameRejection != "NAME_NOT_CONSISTENT" {
			t.Fatalf("after rename rejected: %+v", n)
		}
		if got := updates(t, sub)[e.num.ID]; len(got) != 1 || got[0].From != "PENDING_REVIEW" || got[0].To != "DECLINED" ||
			got[0].Detail != "requested name Lucky Shrub Co: NAME_NOT_CONSISTENT" {
			t.Fatalf("rename rejection published %+v", got)
		}
		e.deliver(t, wabaHook("waba1", "phone_number_name_update", `{"display_phone_number":"15550783881","decision":"APPROVED","requested_verified_name":"Lucky Shrub Co"}`))
		n = e.number(t, e.num.ID)
		if n.VerifiedName != "Lucky Shrub Co" || n.Health.NameStatus != "APPROVED" || n.Health.NewDisplayName != "" || n.Health.NewNameStatus != "" || n.Health.NameRejection != "" {
			t.Fatalf("after rename approved: %+v", n)
		}
		h := e.history(t, e.num.ID)
		same(t, "rename history", h[4:], "name_status:PENDING_REVIEW>DECLINED"+src, "display_name:Lucky Shrub>Lucky Shrub Co"+src)
		if got := updates(t, sub)[e.num.ID]; len(got) != 1 || got[0].Kind != domain.NumberName {
			t.Fatalf("rename approval published %+v", got)
		}

		// Digits only: a display number matching none of the WABA's, or
		// another WABA, changes nothing.
		e.deliver(t, wabaHook("waba1", "phone_number_name_update", `{"display_phone_number":"+1 555-000-0000","decision":"REJECTED"}`))
		e.deliver(t, wabaHook("waba2", "phone_number_name_update", `{"display_phone_number":"15550783881","decision":"REJECTED"}`))
		if got := updates(t, sub); len(got) != 0 {
			t.Fatalf("unmatched numbers published %+v", got)
		}
	})
}

func TestQualityUpdateFlagsThroughputAndTierPerNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		other := e.second(t, domain.NumberHealth{Status: "CONNECTED", Throughput: "STANDARD"})
		if err := db.SetPortfolioTier(ctx, "waba1", "TIER_250"); err != nil {
			t.Fatal(err)
		}
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		const q, c = "@phone_number_quality_update", "@business_capability_update"

		// Meta sends both fields for one change of the portfolio's limit;
		// each number notes it once.
		capability := wabaHook("waba1", "business_capability_update", `{"max_daily_conversation_per_phone":2000,"max_daily_conversations_per_business":"TIER_2K","max_phone_numbers_per_waba":25}`)
		e.deliver(t, capability)
		e.deliver(t, wabaHook("waba1", "phone_number_quality_update",
			`{"display_phone_number":"15550783881","event":"UPGRADE","old_limit":"TIER_250","current_limit":"TIER_2K","max_daily_conversations_per_business":"TIER_2K"}`))
		e.replay(t, capability)
		for _, id := range []int64{e.num.ID, other.ID} {
			same(t, "tier history", e.history(t, id), "messaging_limit:TIER_250>TIER_2K"+c)
		}
		got := updates(t, sub)
		if len(got) != 2 || len(got[e.num.ID]) != 1 || len(got[other.ID]) != 1 || got[other.ID][0].To != "TIER_2K" {
			t.Fatalf("tier published %+v", got)
		}

		// FLAGGED names the formatted number by digits; it carries no
		// rating, so the rating stays.
		flagged := wabaHook("waba1", "phone_number_quality_update", `{"display_phone_number":"16315555555","event":"FLAGGED","current_limit":"TIER_2K"}`)
		e.deliver(t, flagged)
		e.replay(t, flagged)
		if n := e.number(t, other.ID); n.Health.Status != "FLAGGED" || n.QualityRating != "GREEN" {
			t.Fatalf("after FLAGGED: %+v", n)
		}
		if got := updates(t, sub); len(got) != 1 || len(got[other.ID]) != 1 || got[other.ID][0].Kind != domain.NumberStatus {
			t.Fatalf("FLAGGED published %+v", got)
		}
		e.deliver(t, wabaHook("waba1", "phone_number_quality_update", `{"display_phone_number":"16315555555","event":"UNFLAGGED"}`))
		if n := e.number(t, other.ID); n.Health.Status != "CONNECTED" {
			t.Fatalf("after UNFLAGGED: %+v", n.Health)
		}
		updates(t, sub)

		// Meta's example: a throughput upgrade with the limit raised.
		upgrade := wabaHook("waba1", "phone_number_quality_update", `{"display_phone_number":"15550783881","event":"THROUGHPUT_UPGRADE","current_limit":"TIER_UNLIMITED"}`)
		e.deliver(t, upgrade)
		e.replay(t, upgrade)
		if n := e.number(t, e.num.ID); n.Health.Throughput != "HIGH" {
			t.Fatalf("after THROUGHPUT_UPGRADE: %+v", n.Health)
		}
		if n := e.number(t, other.ID); n.Health.Throughput != "STANDARD" {
			t.Fatalf("the other number's throughput changed: %+v", n.Health)
		}
		same(t, "upgraded number", e.history(t, e.num.ID),
			"messaging_limit:TIER_250>TIER_2K"+c, "messaging_limit:TIER_2K>TIER_UNLIMITED"+q, "throughput:>HIGH"+q)
		same(t, "other number", e.history(t, other.ID),
			"messaging_limit:TIER_250>TIER_2K"+c, "status:CONNECTED>FLAGGED"+q, "status:FLAGGED>CONNECTED"+q, "messaging_limit:TIER_2K>TIER_UNLIMITED"+q)
		if tier, _ := db.PortfolioTier(ctx, "waba1"); tier != "TIER_UNLIMITED" {
			t.Fatalf("portfolio tier %q", tier)
		}
		got = updates(t, sub)
		if len(got[e.num.ID]) != 2 || len(got[other.ID]) != 1 {
			t.Fatalf("upgrade published %+v", got)
		}

		// Tierless ONBOARDING changes nothing.
		e.deliver(t, wabaHook("waba1", "phone_number_quality_update", `{"display_phone_number":"15550783881","event":"ONBOARDING"}`))
		if got := updates(t, sub); len(got) != 0 {
			t.Fatalf("ONBOARDING published %+v", got)
		}
	})
}

func TestAccountUpdateCoversTheWABAOrTheNamedNumber(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		// The second number has a problem of its own, from Meta's health report.
		own := domain.HealthIssue{Entity: "PHONE_NUMBER", Code: 141006, Description: "payment method missing", Solution: "add one"}
		other := e.second(t, domain.NumberHealth{Status: "CONNECTED", CanSend: "LIMITED", Issues: []domain.HealthIssue{own}})
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		const src = "@account_update"
		both := []int64{e.num.ID, other.ID}

		violation := wabaHook("waba1", "account_update", `{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ADULT"}}`)
		e.deliver(t, violation)
		e.replay(t, violation)
		for _, id := range both {
			if n := e.number(t, id); n.Health.Violation != "ADULT" {
				t.Fatalf("violation: %+v", n.Health)
			}
		}
		if got := updates(t, sub); len(got) != 2 || len(got[e.num.ID]) != 1 || len(got[other.ID]) != 1 {
			t.Fatalf("violation published %+v", got)
		}

		ban := func(state string) string {
			return wabaHook("waba1", "account_update", `{"event":"DISABLED_UPDATE","ban_info":{"waba_ban_state":["`+state+`"],"waba_ban_date":"April 17, 2025"}}`)
		}
		e.deliver(t, ban("SCHEDULE_FOR_DISABLE"))
		if n := e.number(t, e.num.ID); n.Health.CanSend != "LIMITED" || len(n.Health.Issues) != 1 || n.Health.Issues[0].Description !=
			"Meta scheduled this WhatsApp Business Account to be disabled on April 17, 2025." {
			t.Fatalf("scheduled: %+v", n.Health)
		}
		e.deliver(t, ban("DISABLE"))
		e.replay(t, ban("DISABLE"))
		for _, id := range both {
			n := e.number(t, id)
			last := n.Health.Issues[len(n.Health.Issues)-1]
			if n.Health.Status != "BANNED" || n.Health.CanSend != "BLOCKED" || last.Entity != "WABA" || last.Description != "Meta disabled this WhatsApp Business Account on April 17, 2025." {
				t.Fatalf("disabled: %+v", n.Health)
			}
		}
		if n := e.number(t, other.ID); len(n.Health.Issues) != 2 || n.Health.Issues[0] != own {
			t.Fatalf("the number's own issue was lost: %+v", n.Health.Issues)
		}
		e.deliver(t, ban("REINSTATE"))
		if n := e.number(t, e.num.ID); n.Health.Status != "CONNECTED" || n.Health.CanSend != "AVAILABLE" || len(n.Health.Issues) != 0 {
			t.Fatalf("reinstated: %+v", n.Health)
		}
		if n := e.number(t, other.ID); n.Health.Status != "CONNECTED" || n.Health.CanSend != "LIMITED" || len(n.Health.Issues) != 1 || n.Health.Issues[0] != own {
			t.Fatalf("reinstated, own issue kept: %+v", n.Health)
		}
		same(t, "history", e.history(t, e.num.ID), "violation:>ADULT"+src, "can_send:>LIMITED"+src,
			"status:>BANNED"+src, "can_send:LIMITED>BLOCKED"+src, "status:BANNED>CONNECTED"+src, "can_send:BLOCKED>AVAILABLE"+src)
		updates(t, sub)

		// A restriction naming one number (formatted) touches that one only.
		restriction := wabaHook("waba1", "account_update", `{"event":"ACCOUNT_RESTRICTION","phone_number":"+1 631-555-5555",
			"restriction_info":[{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING","expiration":1751247548}]}`)
		e.deliver(t, restriction)
		e.replay(t, restriction)
		n := e.number(t, other.ID)
		if n.Health.CanSend != "LIMITED" || len(n.Health.Issues) != 2 ||
			n.Health.Issues[1].Description != "Meta restricted this WhatsApp Business Account: no business-initiated messages until 2025-06-30 01:39 UTC." {
			t.Fatalf("restricted: %+v", n.Health)
		}
		if got, ok := updates(t, sub)[other.ID]; !ok || len(got) != 0 {
			// LIMITED already: a new issue only, which history does not keep.
			t.Fatalf("restriction on a LIMITED number published %+v", got)
		}
		e.deliver(t, wabaHook("waba1", "account_update", `{"event":"ACCOUNT_RESTRICTION","phone_number":"15550783881","restriction_info":[
			{"restriction_type":"RESTRICTED_BIZ_INITIATED_MESSAGING"},{"restriction_type":"RESTRICTED_CUSTOMER_INITIATED_MESSAGING"}]}`))
		if n := e.number(t, e.num.ID); n.Health.CanSend != "BLOCKED" {
			t.Fatalf("fully restricted: %+v", n.Health)
		}
		if got := updates(t, sub); len(got) != 1 || len(got[e.num.ID]) != 1 {
			t.Fatalf("restriction published %+v", got)
		}

		// Events that say nothing about a number's standing, and other WABAs.
		before := e.history(t, e.num.ID)
		for _, v := range []string{`{"event":"PARTNER_APP_INSTALLED","waba_info":{"waba_id":"waba1","owner_business_id":"1"}}`,
			`{"event":"BUSINESS_PRIMARY_LOCATION_COUNTRY_UPDATE","country":"US"}`, `{"event":"ACCOUNT_VIOLATION"}`,
			`{"event":"DISABLED_UPDATE"}`, `{"event":"ACCOUNT_RESTRICTION","restriction_info":[{"restriction_type":"RESTRICTED_ADD_PHONE_NUMBER_ACTION"}]}`} {
			e.deliver(t, wabaHook("waba1", "account_update", v))
		}
		e.deliver(t, wabaHook("waba2", "account_update", `{"event":"ACCOUNT_VIOLATION","violation_info":{"violation_type":"ALCOHOL"}}`))
		same(t, "history after unrelated events", e.history(t, e.num.ID), before...)

		e.deliver(t, wabaHook("waba1", "account_update", `{"event":"ACCOUNT_DELETED"}`))
		if n := e.number(t, other.ID); n.Health.CanSend != "BLOCKED" || n.Health.Issues[len(n.Health.Issues)-1].Description != "Meta deleted this WhatsApp Business Account." {
			t.Fatalf("deleted: %+v", n.Health)
		}
	})
}

func TestAccountAlertsRecordOBADecision(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		other := e.second(t, domain.NumberHealth{OBAStatus: "PENDING"})
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		const src = "@account_alerts"
		alert := func(waba, entityType, entityID, alertType string) string {
			return wabaHook(waba, "account_alerts", fmt.Sprintf(`{"entity_type":%q,"entity_id":%s,"alert_info":{"alert_severity":"INFORMATIONAL",
				"alert_status":"ACTIVE","alert_type":%q,"alert_description":"…"}}`, entityType, entityID, alertType))
		}

		approved := alert("waba1", "PHONE_NUMBER", "106540352242922", "OBA_APPROVED") // a JSON number, as ids sometimes are
		e.deliver(t, approved)
		e.replay(t, approved)
		if n := e.number(t, e.num.ID); !n.Health.OfficialBusiness || n.Health.OBAStatus != "APPROVED" {
			t.Fatalf("approved: %+v", n.Health)
		}
		same(t, "history", e.history(t, e.num.ID), "oba_status:>APPROVED"+src, "official_business:no>yes"+src)
		if got := updates(t, sub); len(got) != 1 || len(got[e.num.ID]) != 2 {
			t.Fatalf("approval published %+v", got)
		}

		// Found by its id even when the entry is not its WABA's.
		e.deliver(t, alert("502290129340398", "PHONE_NUMBER", `"206540352242922"`, "OBA_REJECTED"))
		if n := e.number(t, other.ID); n.Health.OfficialBusiness || n.Health.OBAStatus != "REJECTED" {
			t.Fatalf("rejected: %+v", n.Health)
		}
		same(t, "rejected history", e.history(t, other.ID), "oba_status:PENDING>REJECTED"+src)

		// Alerts that name no number, or are not OBA decisions.
		e.deliver(t, alert("waba1", "BUSINESS", `"506914307656634"`, "OBA_APPROVED"))
		e.deliver(t, alert("waba1", "PHONE_NUMBER", `"206540352242922"`, "PROFILE_PICTURE_LOST"))
		e.deliver(t, alert("waba1", "PHONE_NUMBER", `"999"`, "OBA_APPROVED"))
		if got := updates(t, sub); len(got) != 1 || len(got[other.ID]) != 1 {
			t.Fatalf("published %+v", got)
		}
		if n := e.number(t, other.ID); n.Health.OBAStatus != "REJECTED" {
			t.Fatalf("a business-wide alert changed the number: %+v", n.Health)
		}
	})
}

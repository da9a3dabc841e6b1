package ingest_test

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// mgmt is a management webhook of WABA waba1 with one change.
func mgmt(field, value string, at int64) string {
	return fmt.Sprintf(`{"object":"whatsapp_business_account","entry":[{"id":"waba1","time":%d,"changes":[{"field":%q,"value":%s}]}]}`, at, field, value)
}

// replay stores body again as a byte-different delivery (the writer
// deduplicates identical bytes) and applies it.
func (e *env) replay(t *testing.T, body string) {
	t.Helper()
	e.store(t, " "+body)
	e.apply(t)
}

func (e *env) template(t *testing.T, metaID, name string) domain.Template {
	t.Helper()
	tpl, err := e.db.UpsertTemplate(context.Background(), domain.Template{WorkspaceID: e.ws.ID, WABAID: "waba1", MetaID: metaID,
		Name: name, Language: "en", Category: "MARKETING", Status: "APPROVED"})
	if err != nil {
		t.Fatal(err)
	}
	return tpl
}

func TestTemplateStatusUpdatePausesAndPublishes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		tpl := e.template(t, "1689556908129835", "abandoned_cart")
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		at := clock.Now().Add(-time.Minute).Unix()
		body := mgmt("message_template_status_update", `{"event":"PAUSED","message_template_id":1689556908129835,"message_template_name":"abandoned_cart",
			"message_template_language":"en","reason":"NONE","other_info":{"title":"FIRST_PAUSE","description":"low quality"}}`, at)
		e.store(t, body)
		e.apply(t)
		got, _ := db.TemplateByID(ctx, e.ws.ID, tpl.ID)
		want := time.Unix(at, 0).Add(3 * time.Hour)
		if got.Status != "PAUSED" || !got.PausedUntil.Equal(want) {
			t.Fatalf("after first pause: %s until %v, want %v", got.Status, got.PausedUntil, want)
		}
		select {
		case ev := <-sub.C:
			var u ingest.TemplateUpdate
			if ev.Type != ingest.EventTemplateUpdated || json.Unmarshal(ev.Data, &u) != nil || u.ID != tpl.ID || u.Status != "PAUSED" ||
				u.Name != "abandoned_cart" || u.Language != "en" || u.PausedUntil == nil || !u.PausedUntil.Equal(want) {
				t.Fatalf("event %s %s", ev.Type, ev.Data)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no template.updated event")
		}
		e.replay(t, body)
		if again, _ := db.TemplateByID(ctx, e.ws.ID, tpl.ID); again.Status != "PAUSED" || !again.PausedUntil.Equal(want) {
			t.Fatalf("after replay: %+v", again)
		}
		// A second pause lasts 6 h; approval clears it.
		e.store(t, mgmt("message_template_status_update", `{"event":"PAUSED","message_template_id":"1689556908129835","message_template_name":"abandoned_cart",
			"message_template_language":"en","other_info":{"title":"SECOND_PAUSE"}}`, at+10))
		e.apply(t)
		if got, _ := db.TemplateByID(ctx, e.ws.ID, tpl.ID); !got.PausedUntil.Equal(time.Unix(at+10, 0).Add(6 * time.Hour)) {
			t.Fatalf("second pause until %v", got.PausedUntil)
		}
		e.store(t, mgmt("message_template_status_update", `{"event":"REJECTED","message_template_id":1689556908129835,"message_template_name":"abandoned_cart",
			"message_template_language":"en","reason":"INVALID_FORMAT"}`, at+20))
		e.apply(t)
		if got, _ := db.TemplateByID(ctx, e.ws.ID, tpl.ID); got.Status != "REJECTED" || got.Reason != "INVALID_FORMAT" || !got.PausedUntil.IsZero() {
			t.Fatalf("after rejection: %+v", got)
		}
	})
}

func TestTemplateQualityUpdateAndUnknownTemplate(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		tpl := e.template(t, "806312974732579", "welcome_template")
		e.store(t, mgmt("message_template_quality_update", `{"previous_quality_score":"GREEN","new_quality_score":"YELLOW",
			"message_template_id":806312974732579,"message_template_name":"welcome_template","message_template_language":"en"}`, clock.Now().Unix()))
		e.apply(t)
		if got, _ := db.TemplateByID(ctx, e.ws.ID, tpl.ID); got.Quality != "YELLOW" || got.Status != "APPROVED" {
			t.Fatalf("after quality update: %+v", got)
		}
		// Meta's documentation example: a quality update under the status field.
		e.store(t, mgmt("message_template_status_update", `{"previous_quality_score":"YELLOW","new_quality_score":"RED",
			"message_template_id":806312974732579,"message_template_name":"welcome_template","message_template_language":"en"}`, clock.Now().Unix()))
		e.apply(t)
		if got, _ := db.TemplateByID(ctx, e.ws.ID, tpl.ID); got.Quality != "RED" || got.Status != "APPROVED" {
			t.Fatalf("after mislabelled quality update: %+v", got)
		}
		// Unknown templates are ignored without error.
		e.store(t, mgmt("message_template_status_update", `{"event":"APPROVED","message_template_id":42,"message_template_name":"nope","message_template_language":"en"}`, 1))
		e.store(t, mgmt("message_template_quality_update", `{"new_quality_score":"RED","message_template_id":43,"message_template_name":"nope","message_template_language":"en"}`, 1))
		if n := e.apply(t); n != 2 {
			t.Fatalf("applied %d", n)
		}
		if _, unapplied, _ := db.CountWebhookEvents(ctx); unapplied != 0 {
			t.Fatalf("unapplied %d", unapplied)
		}
	})
}

func TestCapabilityAndQualityUpdatesSetPortfolioTier(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := setup(t, db, clock)
		ctx := context.Background()
		tier := func() string { s, _ := db.PortfolioTier(ctx, "waba1"); return s }
		e.store(t, mgmt("business_capability_update", `{"max_daily_conversation_per_phone":2000,"max_daily_conversations_per_business":"TIER_2K","max_phone_numbers_per_waba":25}`, 1))
		e.apply(t)
		if got := tier(); got != "TIER_2K" {
			t.Fatalf("after capability update: %q", got)
		}
		e.store(t, mgmt("phone_number_quality_update", `{"display_phone_number":"15550783881","event":"THROUGHPUT_UPGRADE","current_limit":"TIER_UNLIMITED"}`, 2))
		e.apply(t)
		if got := tier(); got != "TIER_UNLIMITED" {
			t.Fatalf("after quality update: %q", got)
		}
		// No usable tier: unchanged.
		e.store(t, mgmt("phone_number_quality_update", `{"display_phone_number":"15550783881","event":"ONBOARDING"}`, 3))
		e.apply(t)
		if got := tier(); got != "TIER_UNLIMITED" {
			t.Fatalf("after tierless update: %q", got)
		}
	})
}

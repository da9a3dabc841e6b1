package broadcast_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func saleInput(numberID int64, tags ...string) broadcast.Input {
	return broadcast.Input{Name: "Spring sale", NumberID: numberID,
		Template: broadcast.TemplateInput{Name: "spring_sale", Language: "en", Parameters: []string{"{{first_name|there}}", "{{city|your town}}"}},
		Audience: domain.Audience{Tags: tags}}
}

// TestBroadcastSendsEachOnce: the plan explains every skip, the launch
// sends each eligible recipient exactly one message paced at 80 per
// second, and the counters follow the status webhooks.
func TestBroadcastSendsEachOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		e.template(t, "spring_sale", "MARKETING")
		eligible := e.contacts(t, "vip", 0, 250, true)
		e.contacts(t, "vip", 1000, 7, false) // no opt-in
		e.contacts(t, "other", 2000, 5, true)
		if _, _, err := db.ImportContacts(ctx, e.ws.ID, []store.ContactImport{{WaID: "12025550100", Phone: "+12025550100", Name: "US", Tags: []string{"vip"},
			OptInFrom: "form", Evidence: "x"}}, "test"); err != nil {
			t.Fatal(err)
		}

		b, err := e.svc.Create(ctx, e.ws.ID, 0, saleInput(e.num.ID, "VIP"))
		if err != nil {
			t.Fatal(err)
		}
		plan, err := e.svc.Plan(ctx, e.ws.ID, b.ID)
		if err != nil {
			t.Fatal(err)
		}
		if plan.Eligible != 250 || plan.Skipped[broadcast.SkipNoOptIn] != 7 || plan.Skipped[broadcast.SkipMarketingUS] != 1 || plan.SendNow != 250 || plan.Deferred != 0 {
			t.Fatalf("plan: %+v", plan)
		}
		if plan.EstimatedDurationS < 3 || plan.EstimatedCost.Amount <= 0 || plan.EstimatedCost.RateTable == "" || plan.Blocked != nil {
			t.Fatalf("plan estimates: %+v", plan)
		}
		preview, err := e.svc.Preview(ctx, e.ws.ID, b.ID, 3)
		if err != nil || len(preview) != 3 || preview[0].Message.Body != "Hi Customer, our spring sale starts today in Lisbon." {
			t.Fatalf("preview: %+v %v", preview, err)
		}

		if _, err := e.svc.Launch(ctx, e.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := e.svc.Launch(ctx, e.ws.ID, b.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("second launch: %v", err)
		}
		// One pass at a frozen clock sends one second's worth: 80.
		e.svc.Pass(ctx)
		if n := len(e.sim.Sent(phoneID)); n != 80 {
			t.Fatalf("sent in the first second: %d, want 80", n)
		}
		e.runUntil(t, time.Second, func() bool {
			got, _ := e.status(t, b.ID)
			return got.Status == domain.BroadcastCompleted
		})
		e.settled(t, "all delivered", func() bool { _, c := e.status(t, b.ID); return c.Delivered == 250 })
		counts := e.sim.SentCounts(phoneID)
		if len(counts) != 250 {
			t.Fatalf("recipients reached: %d", len(counts))
		}
		for _, wa := range eligible {
			if counts[wa] != 1 {
				t.Fatalf("%s got %d messages", wa, counts[wa])
			}
		}
		_, c := e.status(t, b.ID)
		if c.Total != 258 || c.Sent != 250 || c.Delivered != 250 || c.Skipped != 8 || c.Failed != 0 || c.Pending != 0 {
			t.Fatalf("counts: %+v", c)
		}
		failed, err := e.svc.Recipients(ctx, e.ws.ID, b.ID, "skipped", 0, 100)
		if err != nil || len(failed) != 8 || failed[0].Reason == "" || failed[0].Detail == "" {
			t.Fatalf("skipped list: %+v %v", failed, err)
		}
	})
}

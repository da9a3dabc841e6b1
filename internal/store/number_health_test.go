package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestNumberHealthAndHistory: health is kept whole, every change lands in
// the history once with its source, and a disconnected number keeps its
// history and can be connected again by the same workspace only.
func TestNumberHealthAndHistory(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		n, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: a.ID, WABAID: "w1", PhoneNumberID: "p1", DisplayPhoneNumber: "15550001",
			VerifiedName: "Shop", QualityRating: "GREEN", AccessTokenEnc: []byte{1},
			Health: domain.NumberHealth{NameStatus: "PENDING_REVIEW", Status: "CONNECTED", Throughput: "STANDARD", Registered: true}})
		if err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		got, events, err := db.UpdateNumber(ctx, n.ID, "phone_number_quality_update", func(n *domain.Number) {
			n.QualityRating = "YELLOW"
			n.Health.CanSend = "LIMITED"
			n.Health.Issues = []domain.HealthIssue{{Entity: "PHONE_NUMBER", Code: 141006, Description: "payment method missing", Solution: "Add one in WhatsApp Manager"}}
		})
		if err != nil || got.QualityRating != "YELLOW" || got.Health.Status != "CONNECTED" || len(events) != 2 {
			t.Fatalf("update: %+v %+v %v", got, events, err)
		}
		// Nothing changed: nothing recorded.
		if _, events, _ := db.UpdateNumber(ctx, n.ID, "refresh", func(n *domain.Number) { n.QualityRating = "YELLOW" }); len(events) != 0 {
			t.Fatalf("no-op update recorded %+v", events)
		}
		read, _ := db.NumberByID(ctx, a.ID, n.ID)
		if read.Health.CanSend != "LIMITED" || len(read.Health.Issues) != 1 || read.Health.Issues[0].Code != 141006 || !read.Health.Registered {
			t.Fatalf("health read back: %+v", read.Health)
		}

		// Disconnect: kept, with history; another workspace still cannot take it.
		if _, _, err := db.UpdateNumber(ctx, n.ID, "owner@a", func(n *domain.Number) { n.DisconnectedAt = clock.Now(); n.Health.Registered = false }); err != nil {
			t.Fatal(err)
		}
		if got, _ := db.NumberByID(ctx, a.ID, n.ID); got.Connected() {
			t.Fatal("still connected after disconnect")
		}
		if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: b.ID, WABAID: "w1", PhoneNumberID: "p1", AccessTokenEnc: []byte{2}}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("another workspace took a disconnected number: %v", err)
		}
		back, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: a.ID, WABAID: "w1", PhoneNumberID: "p1", DisplayPhoneNumber: "15550001",
			VerifiedName: "Shop", QualityRating: "GREEN", AccessTokenEnc: []byte{3}, Health: domain.NumberHealth{Registered: true}})
		if err != nil || back.ID != n.ID || !back.Connected() {
			t.Fatalf("reconnect: %+v %v", back, err)
		}
		if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: a.ID, WABAID: "w1", PhoneNumberID: "p1", AccessTokenEnc: []byte{3}}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("connecting a connected number twice: %v", err)
		}

		hist, err := db.NumberEvents(ctx, a.ID, n.ID, 50)
		if err != nil {
			t.Fatal(err)
		}
		kinds := map[string]int{}
		for _, e := range hist {
			kinds[e.Kind+":"+e.To]++
		}
		for _, want := range []string{"connection:connected", "quality:YELLOW", "can_send:LIMITED", "connection:disconnected", "registration:not registered", "quality:GREEN"} {
			if kinds[want] == 0 {
				t.Errorf("history lacks %s: %+v", want, hist)
			}
		}
		if kinds["connection:connected"] != 2 {
			t.Errorf("connected %d times in history, want 2", kinds["connection:connected"])
		}
		if hist[0].At.Before(hist[len(hist)-1].At) {
			t.Error("history not newest first")
		}
		if other, _ := db.NumberEvents(ctx, b.ID, n.ID, 50); len(other) != 0 {
			t.Fatalf("another workspace reads the history: %+v", other)
		}
	})
}

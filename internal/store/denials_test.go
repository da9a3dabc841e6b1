package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestDenialsAndMessagePolicy(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, b, na, _ := inboxFixture(t, db)
		for _, code := range []domain.Code{domain.CodeWindowClosed, domain.CodeWindowClosed, domain.CodeNotOptedIn} {
			if err := db.RecordDenial(ctx, store.Denial{WorkspaceID: a.ID, NumberID: na.ID, WaID: "447700900123", Type: "text", Code: code, Message: "no", Source: "api"}); err != nil {
				t.Fatal(err)
			}
			clock.Advance(time.Second)
		}
		list, err := db.RecentDenials(ctx, a.ID, storetest.T0, 10)
		if err != nil || len(list) != 3 || list[0].Code != domain.CodeNotOptedIn || list[0].WaID != "447700900123" {
			t.Fatalf("recent: %v %+v", err, list)
		}
		if later, _ := db.RecentDenials(ctx, a.ID, storetest.T0.Add(2*time.Second), 10); len(later) != 1 {
			t.Fatalf("since filter: %+v", later)
		}
		counts, err := db.DenialCounts(ctx, a.ID, storetest.T0)
		if err != nil || counts[domain.CodeWindowClosed] != 2 || counts[domain.CodeNotOptedIn] != 1 {
			t.Fatalf("counts: %v %v", counts, err)
		}
		if other, _ := db.RecentDenials(ctx, b.ID, storetest.T0, 10); len(other) != 0 {
			t.Fatalf("another workspace sees denials: %+v", other)
		}
		// An allowed send keeps its decision.
		var m domain.Message
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			c, _ := tx.UpsertContact(ctx, a.ID, "447700900123", "+447700900123", "")
			conv, _ := tx.EnsureConversation(ctx, a.ID, na.ID, c.ID)
			var err error
			m, _, err = tx.InsertMessage(ctx, domain.Message{WorkspaceID: a.ID, ConversationID: conv, NumberID: na.ID, ContactID: c.ID, Direction: domain.Outbound,
				Type: "template", Status: domain.StatusQueued, Policy: []byte(`{"business_initiated":true}`)})
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.MessageByID(ctx, a.ID, m.ID)
		if err != nil || string(got.Policy) != `{"business_initiated":true}` {
			t.Fatalf("policy kept: %q %v", got.Policy, err)
		}
	})
}

package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func TestCreateContact(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		c, err := db.CreateContact(ctx, a.ID, "447700900123", "+447700900123", "Ada")
		if err != nil || c.ID == 0 || c.WorkspaceID != a.ID || c.Name != "Ada" || c.Phone != "+447700900123" || !c.CreatedAt.Equal(t0) {
			t.Fatalf("create: %v %+v", err, c)
		}
		again, err := db.CreateContact(ctx, a.ID, "447700900123", "", "Other")
		if domain.ErrorCode(err) != domain.CodeConflict || again.ID != c.ID || again.Name != "Ada" {
			t.Fatalf("duplicate: %v %+v", err, again)
		}
		if cb, err := db.CreateContact(ctx, b.ID, "447700900123", "", ""); err != nil || cb.ID == c.ID {
			t.Fatalf("same wa_id in another workspace: %v %+v", err, cb)
		}
		if _, err := db.CreateContact(ctx, a.ID, "", "", ""); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("empty wa_id: %v", err)
		}
	})
}

func TestConsentLedger(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, _ := db.CreateWorkspace(ctx, "a", "A")
		b, _ := db.CreateWorkspace(ctx, "b", "B")
		c, _ := db.CreateContact(ctx, a.ID, "15550001", "+15550001", "")
		other, _ := db.CreateContact(ctx, a.ID, "15550002", "+15550002", "")

		if st, err := db.ContactConsent(ctx, a.ID, c.ID); err != nil || st != (domain.ConsentState{}) {
			t.Fatalf("no events: %v %+v", err, st)
		}
		if evs, err := db.ConsentEvents(ctx, a.ID, c.ID); err != nil || len(evs) != 0 {
			t.Fatalf("no events list: %v %+v", err, evs)
		}
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: c.ID, Action: "subscribe", Source: "api"}); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("bad action: %v", err)
		}
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: c.ID, Action: domain.ConsentOptIn}); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("no source: %v", err)
		}
		// Another workspace cannot write to, or read, this contact's ledger.
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: b.ID, ContactID: c.ID, Action: domain.ConsentOptOut, Source: "api"}); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace add: %v", err)
		}

		e1, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: c.ID, Action: domain.ConsentOptIn, Source: "website",
			Wording: "Send me order updates on WhatsApp", Evidence: "https://shop.example/checkout", Actor: "system"})
		if err != nil || e1.ID == 0 || !e1.CreatedAt.Equal(t0) || e1.Wording != "Send me order updates on WhatsApp" {
			t.Fatalf("add: %v %+v", err, e1)
		}
		clock.Advance(time.Hour)
		var e2 domain.ConsentEvent
		err = db.WithTx(ctx, func(tx *store.Tx) (err error) {
			e2, err = tx.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: c.ID, Action: domain.ConsentOptOutMarketing, Source: "keyword", Evidence: "wamid.stop", Actor: "system"})
			return err
		})
		if err != nil || !e2.CreatedAt.Equal(t0.Add(time.Hour)) {
			t.Fatalf("add in tx: %v %+v", err, e2)
		}
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: other.ID, Action: domain.ConsentOptOut, Source: "meta_131050"}); err != nil {
			t.Fatal(err)
		}

		st, err := db.ContactConsent(ctx, a.ID, c.ID)
		if err != nil || st != (domain.ConsentState{OptedIn: true, MarketingOptOut: true, Since: t0}) {
			t.Fatalf("state: %v %+v", err, st)
		}
		clock.Advance(time.Hour)
		if _, err := db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: a.ID, ContactID: c.ID, Action: domain.ConsentOptOut, Source: "keyword", Actor: "system"}); err != nil {
			t.Fatal(err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			st, err = tx.ContactConsent(ctx, a.ID, c.ID)
			return err
		})
		if err != nil || st != (domain.ConsentState{OptedOut: true, MarketingOptOut: true, Since: t0.Add(2 * time.Hour)}) {
			t.Fatalf("state after opt out: %v %+v", err, st)
		}
		if st, _ := db.ContactConsent(ctx, a.ID, other.ID); st != (domain.ConsentState{OptedOut: true, Since: t0.Add(time.Hour)}) {
			t.Fatalf("other contact: %+v", st)
		}

		evs, err := db.ConsentEvents(ctx, a.ID, c.ID)
		if err != nil || len(evs) != 3 || evs[0].ID != e1.ID || evs[1].ID != e2.ID || evs[2].Action != domain.ConsentOptOut ||
			evs[0].Source != "website" || evs[0].Evidence != "https://shop.example/checkout" || evs[0].Actor != "system" || evs[1].ContactID != c.ID || evs[1].WorkspaceID != a.ID {
			t.Fatalf("events: %v %+v", err, evs)
		}
		if _, err := db.ConsentEvents(ctx, b.ID, c.ID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace events: %v", err)
		}
		if _, err := db.ContactConsent(ctx, b.ID, c.ID); !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace consent: %v", err)
		}
		err = db.WithTx(ctx, func(tx *store.Tx) error { _, err := tx.ContactConsent(ctx, b.ID, c.ID); return err })
		if !domain.IsNotFound(err) {
			t.Fatalf("cross-workspace consent in tx: %v", err)
		}
	})
}

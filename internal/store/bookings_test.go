package store_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// The Calendly tables: a connection, deduplicated deliveries, bookings by
// invitee, and booking messages leased one node at a time and settled only
// by the node holding the lease.
func TestBookingsAndLeases(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, err := db.CreateWorkspace(ctx, "w", "W")
		if err != nil {
			t.Fatal(err)
		}
		c, err := db.SaveCalendlyConnection(ctx, store.CalendlyConnection{WorkspaceID: ws.ID, Auth: "pat", UserURI: "u", OrganizationURI: "o",
			TokensEnc: []byte("t"), SigningKeyEnc: []byte("k"), HookKey: "hook1", Settings: `{"a":1}`})
		if err != nil {
			t.Fatal(err)
		}
		// A reconnect replaces tokens and the hook but keeps settings given none.
		c2, err := db.SaveCalendlyConnection(ctx, store.CalendlyConnection{WorkspaceID: ws.ID, Auth: "oauth", UserURI: "u", OrganizationURI: "o",
			TokensEnc: []byte("t2"), SigningKeyEnc: []byte{}, HookKey: "hook2"})
		if err != nil || c2.ID != c.ID || c2.Settings != `{"a":1}` || c2.Auth != "oauth" {
			t.Fatalf("reconnect %+v %v", c2, err)
		}
		if got, err := db.CalendlyConnectionByHookKey(ctx, "hook2"); err != nil || got.ID != c.ID {
			t.Fatalf("by hook %v", err)
		}
		if _, err := db.CalendlyConnectionByHookKey(ctx, "hook1"); !domain.IsNotFound(err) {
			t.Fatalf("old hook still resolves: %v", err)
		}
		ok, err := db.ClaimCalendlyRefresh(ctx, c.ID, domain.Millis(clock.Now().Add(time.Minute)))
		if !ok || err != nil {
			t.Fatal("first refresh claim refused", err)
		}
		if ok, _ := db.ClaimCalendlyRefresh(ctx, c.ID, domain.Millis(clock.Now().Add(time.Minute))); ok {
			t.Fatal("second refresh claim granted")
		}

		for range 2 {
			if _, err := db.InsertCalendlyEvent(ctx, store.CalendlyEvent{ConnectionID: c.ID, DedupeKey: "k1", Event: "invitee.created", Body: "{}"}); err != nil {
				t.Fatal(err)
			}
		}
		evs, err := db.PendingCalendlyEvents(ctx, 10)
		if err != nil || len(evs) != 1 {
			t.Fatalf("pending %v %v", evs, err)
		}

		start := clock.Now().Add(48 * time.Hour)
		var b store.Booking
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			if ok, err := tx.ClaimCalendlyEvent(ctx, evs[0].ID, ""); !ok || err != nil {
				return errors.New("claim failed")
			}
			if b, err = tx.SaveBooking(ctx, store.Booking{WorkspaceID: ws.ID, ConnectionID: c.ID, InviteeURI: "inv1", EventURI: "ev1",
				StartAt: start, EndAt: start.Add(time.Hour), Status: store.BookingActive, Phone: "+15550001111"}); err != nil {
				return err
			}
			msgs := []store.BookingMessage{{Kind: "confirmation", DueAt: clock.Now()}, {Kind: "reminder_24h", DueAt: start.Add(-24 * time.Hour)}}
			if err := tx.AddBookingMessages(ctx, b.ID, msgs); err != nil {
				return err
			}
			return tx.AddBookingMessages(ctx, b.ID, msgs) // a replay schedules nothing twice
		})
		if err != nil {
			t.Fatal(err)
		}
		if evs, _ := db.PendingCalendlyEvents(ctx, 10); len(evs) != 0 {
			t.Fatalf("claimed event still pending")
		}

		due, err := db.DueBookingMessages(ctx, 10)
		if err != nil || len(due) != 1 || due[0].Kind != "confirmation" {
			t.Fatalf("due %+v %v", due, err)
		}
		id := due[0].ID
		if ok, _ := db.LeaseBookingMessage(ctx, id, "a", domain.Millis(clock.Now().Add(time.Minute))); !ok {
			t.Fatal("lease refused")
		}
		if ok, _ := db.LeaseBookingMessage(ctx, id, "b", domain.Millis(clock.Now().Add(time.Minute))); ok {
			t.Fatal("a second node leased a leased message")
		}
		if due, _ := db.DueBookingMessages(ctx, 10); len(due) != 0 {
			t.Fatalf("a leased message is listed as due")
		}
		clock.Advance(time.Minute + time.Millisecond)
		if ok, _ := db.LeaseBookingMessage(ctx, id, "b", domain.Millis(clock.Now().Add(time.Minute))); !ok {
			t.Fatal("an expired lease was not taken over")
		}
		if err := db.FinishBookingMessage(ctx, id, "a", store.MsgSent, ""); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("the old holder settled it: %v", err)
		}
		if err := db.FinishBookingMessage(ctx, id, "b", store.MsgSkipped, "why"); err != nil {
			t.Fatal(err)
		}
		if err := db.FinishBookingMessage(ctx, id, "b", store.MsgSent, ""); !errors.Is(err, store.ErrLeaseLost) {
			t.Fatalf("a settled message was settled again: %v", err)
		}

		err = db.WithTx(ctx, func(tx *store.Tx) error { return tx.CancelBookingMessages(ctx, b.ID, "canceled") })
		if err != nil {
			t.Fatal(err)
		}
		got, err := db.BookingByID(ctx, ws.ID, b.ID)
		if err != nil || len(got.Messages) != 2 || got.Messages[0].State != store.MsgSkipped || got.Messages[0].Reason != "why" || got.Messages[1].State != store.MsgCanceled {
			t.Fatalf("booking %+v %v", got, err)
		}
		if _, err := db.BookingByID(ctx, ws.ID+1, b.ID); !domain.IsNotFound(err) {
			t.Fatalf("another workspace read the booking: %v", err)
		}
		list, err := db.Bookings(ctx, ws.ID, clock.Now(), 10)
		if err != nil || len(list) != 1 {
			t.Fatalf("list %v %v", list, err)
		}
		if err := db.DeleteCalendlyConnection(ctx, ws.ID); err != nil {
			t.Fatal(err)
		}
		if list, _ := db.Bookings(ctx, ws.ID, time.Time{}, 10); len(list) != 0 {
			t.Fatalf("bookings outlived their connection")
		}
	})
}

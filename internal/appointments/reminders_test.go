package appointments_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	simcalendly "github.com/gohavi/gohavi/internal/sim/calendly"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// A booking three days ahead: the confirmation now, a reminder at exactly
// T-24h and at exactly T-1h, each once, with the time in the invitee's
// zone and language.
func TestBookingThreeDaysAhead(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(72 * time.Hour) // 2026-11-27 09:00 UTC = 06:00 in São Paulo
		e.book(t, start)
		e.pass(t)
		got := e.sent(t, waID(1))
		want := "demo_confirmed:Ana|Friday, November 27, 2026 at 6:00 AM (GMT-3)|https://meet.google.com/abc-defg-hij"
		if len(got) != 1 || got[0] != want {
			t.Fatalf("after booking: %q, want [%q]", got, want)
		}
		a := e.appointment(t, "+"+waID(1))
		if a.StartTime != "2026-11-27T09:00:00.000Z" || a.kinds()["reminder_24h"] != "scheduled" || a.kinds()["reminder_1h"] != "scheduled" {
			t.Fatalf("appointment = %+v", a)
		}

		clock.Set(start.Add(-24*time.Hour - time.Second))
		e.pass(t)
		if n := len(e.sent(t, waID(1))); n != 1 {
			t.Fatalf("a second before T-24h: %d messages", n)
		}
		clock.Set(start.Add(-24 * time.Hour))
		e.pass(t)
		e.pass(t)
		got = e.sent(t, waID(1))
		if len(got) != 2 || got[1] != "demo_reminder:Ana|Friday, November 27, 2026 at 6:00 AM (GMT-3)" {
			t.Fatalf("at T-24h: %q", got)
		}
		clock.Set(start.Add(-time.Hour - time.Second))
		e.pass(t)
		if n := len(e.sent(t, waID(1))); n != 2 {
			t.Fatalf("a second before T-1h: %d messages", n)
		}
		clock.Set(start.Add(-time.Hour))
		e.pass(t)
		if got := names(e.sent(t, waID(1))); !slices.Equal(got, []string{"demo_confirmed", "demo_reminder", "demo_reminder"}) {
			t.Fatalf("at T-1h: %v", got)
		}
		clock.Set(start.Add(time.Hour))
		e.pass(t)
		if n := len(e.sent(t, waID(1))); n != 3 {
			t.Fatalf("after the meeting: %d messages", n)
		}
		for _, m := range e.appointments(t)[0].Messages {
			if m.Status != "queued" {
				t.Errorf("%s is %q, want queued (the WhatsApp message's status)", m.Kind, m.Status)
			}
		}
	})
}

// Booked two hours ahead: the confirmation and T-1h only; the T-24h
// reminder is recorded as skipped with why. Booked 30 minutes ahead: the
// confirmation only.
func TestBookingShortNotice(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(2 * time.Hour)
		e.book(t, start)
		e.book(t, clock.Now().Add(30*time.Minute))
		e.pass(t)
		a := e.appointment(t, "+"+waID(1))
		if k := a.kinds(); k["confirmation"] != "queued" || k["reminder_24h"] != "skipped" || k["reminder_1h"] != "scheduled" {
			t.Fatalf("2h ahead: %v", k)
		}
		for _, m := range a.Messages {
			if m.Kind == "reminder_24h" && !strings.Contains(m.Reason, "less than 24 hours") {
				t.Errorf("skip reason %q", m.Reason)
			}
		}
		if k := e.appointment(t, "+"+waID(2)).kinds(); k["confirmation"] != "queued" || k["reminder_24h"] != "skipped" || k["reminder_1h"] != "skipped" {
			t.Fatalf("30 min ahead: %v", k)
		}
		clock.Set(start.Add(-time.Hour))
		e.pass(t)
		if got := names(e.sent(t, waID(1))); !slices.Equal(got, []string{"demo_confirmed", "demo_reminder"}) {
			t.Fatalf("2h ahead: %v", got)
		}
		if got := names(e.sent(t, waID(2))); !slices.Equal(got, []string{"demo_confirmed"}) {
			t.Fatalf("30 min ahead: %v", got)
		}
	})
}

// A cancellation between the reminders stops the rest and sends the
// cancellation template once.
func TestCancellationStopsReminders(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(72 * time.Hour)
		inv := e.book(t, start)
		e.pass(t)
		clock.Set(start.Add(-24 * time.Hour))
		e.pass(t)
		clock.Advance(2 * time.Hour)
		if err := e.cal.Cancel(context.Background(), inv.URI, "invitee", "Can't make it"); err != nil {
			t.Fatal(err)
		}
		e.pass(t)
		clock.Set(start.Add(-time.Hour))
		e.pass(t)
		got := e.sent(t, waID(1))
		if !slices.Equal(names(got), []string{"demo_confirmed", "demo_reminder", "demo_canceled"}) {
			t.Fatalf("sent %v", got)
		}
		a := e.appointments(t)[0]
		if a.Status != "canceled" || a.kinds()["reminder_1h"] != "canceled" {
			t.Fatalf("appointment %+v", a)
		}
	})
}

// A reschedule, in either order of its two webhooks, moves the reminders to
// the new time and sends "rescheduled" instead of a cancellation or a
// second confirmation.
func TestRescheduleEitherOrder(t *testing.T) {
	for _, createdFirst := range []bool{false, true} {
		name := map[bool]string{false: "cancel_first", true: "create_first"}[createdFirst]
		t.Run(name, func(t *testing.T) {
			storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
				e := newEnv(t, db, clock)
				e.connect(t, settings())
				start := clock.Now().Add(72 * time.Hour)
				inv := e.book(t, start)
				e.pass(t)
				newStart := start.Add(48 * time.Hour)
				clock.Advance(time.Hour)
				if _, err := e.cal.Reschedule(context.Background(), inv.URI, newStart, createdFirst); err != nil {
					t.Fatal(err)
				}
				e.pass(t)
				clock.Set(start.Add(-time.Hour)) // the old reminders' times pass: nothing
				e.pass(t)
				clock.Set(newStart.Add(-24 * time.Hour))
				e.pass(t)
				clock.Set(newStart.Add(-time.Hour))
				e.pass(t)
				got := e.sent(t, waID(1))
				want := []string{"demo_confirmed", "demo_rescheduled", "demo_reminder", "demo_reminder"}
				if !slices.Equal(names(got), want) {
					t.Fatalf("sent %v, want %v", got, want)
				}
				if !strings.Contains(got[1], "Sunday, November 29, 2026 at 6:00 AM") {
					t.Errorf("rescheduled message %q does not name the new time", got[1])
				}
				var statuses []string
				for _, a := range e.appointments(t) {
					statuses = append(statuses, a.Status)
				}
				if !slices.Equal(statuses, []string{"rescheduled", "active"}) {
					t.Fatalf("appointments %v", statuses)
				}
			})
		})
	}
}

// The same webhook delivered three times sends one confirmation.
func TestDuplicateDeliveries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		e.cal.SetDuplicates(3)
		e.book(t, clock.Now().Add(72*time.Hour))
		e.pass(t)
		e.pass(t)
		if got := names(e.sent(t, waID(1))); !slices.Equal(got, []string{"demo_confirmed"}) {
			t.Fatalf("sent %v", got)
		}
		var stored int
		if err := db.R.QueryRow(`SELECT COUNT(*) FROM calendly_events`).Scan(&stored); err != nil || stored != 1 {
			t.Fatalf("stored %d deliveries (%v), want 1", stored, err)
		}
		if len(e.cal.Deliveries()) < 3 {
			t.Fatalf("the simulator made %d deliveries", len(e.cal.Deliveries()))
		}
	})
}

// A restart between booking and reminder: a new engine on the same
// database sends each reminder once. A node that died holding a reminder's
// lease delays it by at most the lease, and it still goes once.
func TestRestartSendsEachReminderOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(72 * time.Hour)
		e.book(t, start)
		e.pass(t)

		clock.Set(start.Add(-24 * time.Hour))
		// The first node leases the due reminder and dies before sending.
		due, err := db.DueBookingMessages(context.Background(), 10)
		if err != nil || len(due) != 1 {
			t.Fatalf("due %v %v", due, err)
		}
		if ok, err := db.LeaseBookingMessage(context.Background(), due[0].ID, "node-a", domain.Millis(clock.Now().Add(time.Minute))); !ok || err != nil {
			t.Fatalf("lease %v %v", ok, err)
		}
		restarted := e.engine("node-a-restarted")
		e.pass(t, restarted)
		if n := len(e.sent(t, waID(1))); n != 1 {
			t.Fatalf("sent during the dead node's lease: %d", n)
		}
		clock.Advance(time.Minute + time.Second)
		e.pass(t, restarted)
		e.pass(t, e.engine("node-b"))
		clock.Set(start.Add(-time.Hour))
		e.pass(t, e.engine("node-c"))
		e.pass(t, restarted)
		if got := names(e.sent(t, waID(1))); !slices.Equal(got, []string{"demo_confirmed", "demo_reminder", "demo_reminder"}) {
			t.Fatalf("sent %v", got)
		}
	})
}

// Two nodes working the same database at the same moment send each
// message once.
func TestTwoNodesSendOnce(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(72 * time.Hour)
		const bookings = 12
		for range bookings {
			e.book(t, start)
		}
		a, b := e.engine("node-a"), e.engine("node-b")
		race := func() {
			done := make(chan struct{})
			for _, en := range []interface{ Pass(context.Context) int }{a, b} {
				go func() {
					defer func() { done <- struct{}{} }()
					for range 3 {
						en.Pass(context.Background())
					}
				}()
			}
			<-done
			<-done
		}
		race()
		clock.Set(start.Add(-24 * time.Hour))
		race()
		clock.Set(start.Add(-time.Hour))
		race()
		for i := int64(1); i <= bookings; i++ {
			if got := names(e.sent(t, waID(i))); !slices.Equal(got, []string{"demo_confirmed", "demo_reminder", "demo_reminder"}) {
				t.Fatalf("booking %d: sent %v", i, got)
			}
		}
	})
}

// A booking without a usable number is recorded with the reason and
// nothing is sent; one without WhatsApp consent is refused by the rules,
// and the page says so.
func TestNoPhoneAndNoConsent(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		e.book(t, clock.Now().Add(72*time.Hour), func(b *simcalendly.Booking) { b.TextReminderNumber = "" })
		e.book(t, clock.Now().Add(72*time.Hour), func(b *simcalendly.Booking) { b.Questions = nil })
		e.pass(t)
		as := e.appointments(t)
		if len(as) != 2 {
			t.Fatalf("appointments %+v", as)
		}
		if as[0].Invitee.Phone != "" || !strings.Contains(as[0].PhoneProblem, "no phone number") {
			t.Fatalf("no-phone booking %+v", as[0])
		}
		for _, m := range as[0].Messages {
			if m.Status != "skipped" || m.Reason != as[0].PhoneProblem {
				t.Fatalf("no-phone message %+v", m)
			}
		}
		if k := as[1].kinds(); k["confirmation"] != "skipped" || !strings.Contains(as[1].Messages[0].Reason, "not_opted_in") {
			t.Fatalf("no-consent booking %+v", as[1])
		}
		if n := len(e.sent(t, waID(2))); n != 0 {
			t.Fatalf("sent %d without consent", n)
		}
	})
}

// When Calendly cannot confirm the event is still on, the reminder waits
// and asks again (a 429 for as long as Calendly says, an outage a few
// times), then goes once.
func TestRecheckWaitsForCalendly(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(72 * time.Hour)
		e.book(t, start)
		e.pass(t)
		clock.Set(start.Add(-24 * time.Hour))
		e.cal.FailAPI(1, 429)
		e.pass(t)
		if n := len(e.sent(t, waID(1))); n != 1 {
			t.Fatalf("sent while throttled: %d", n)
		}
		clock.Advance(2 * time.Second) // the simulator's X-RateLimit-Reset is 1 s
		e.cal.FailAPI(2, 503)
		e.pass(t)
		clock.Advance(31 * time.Second)
		e.pass(t)
		if n := len(e.sent(t, waID(1))); n != 1 {
			t.Fatalf("sent during the outage: %d", n)
		}
		clock.Advance(31 * time.Second)
		e.pass(t)
		if got := names(e.sent(t, waID(1))); !slices.Equal(got, []string{"demo_confirmed", "demo_reminder"}) {
			t.Fatalf("after the outage: %v", got)
		}
	})
}

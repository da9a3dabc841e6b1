package simcalendly

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestSignVector(t *testing.T) {
	body := `{"event":"invitee.created","created_at":"2026-01-05T10:00:00.000000Z","created_by":"https://api.calendly.com/users/AAAA","payload":{"uri":"https://api.calendly.com/scheduled_events/EEEE/invitees/IIII","status":"active"}}`
	if got := Sign("test_signing_key_123", 1767607200, []byte(body)); got != "f95f402391f8c85b26a7bdac6217e2ebd559f991d571eeb460b230f4c1b12953" {
		t.Fatalf("Sign = %s", got)
	}
}

func TestSignedDelivery(t *testing.T) {
	e := newEnv(t, Config{AppSigningKey: "app-key"})
	rc := newReceiver(t)
	sub := e.subscribe(e.user.Token, rc.srv.URL+"/pat", map[string]any{"signing_key": "sub-key"})

	inv := e.book(Booking{
		Name: "Ana Silva", Email: "ana@example.com", Timezone: "America/Sao_Paulo", TextReminderNumber: "+55 11 99999-0000",
		Questions:  []QA{{Question: "WhatsApp number", Answer: "+55 11 99999-0000"}},
		Location:   &Location{Type: "google_conference", JoinURL: "https://meet.google.com/abc-defg-hij"},
		UTMContent: "lead_8f1c",
	})
	got := rc.hooks() // the first attempt is made before Book returns
	if len(got) != 1 {
		t.Fatalf("%d deliveries", len(got))
	}
	h := got[0]
	want := fmt.Sprintf("t=%d,v1=%s", e.clock.Now().Unix(), Sign("sub-key", e.clock.Now().Unix(), h.raw))
	if h.sig != want || h.ct != "application/json" {
		t.Fatalf("signature %q content-type %q, want %q", h.sig, h.ct, want)
	}
	if h.event() != "invitee.created" || str(h.body, "created_at") != "2026-01-05T10:00:00.000000Z" || str(h.body, "created_by") != e.user.URI {
		t.Fatalf("envelope: %s", h.raw)
	}
	p := h.payload()
	ev := obj(p, "scheduled_event")
	if str(p, "uri") != inv.URI || str(p, "status") != "active" || str(p, "text_reminder_number") != "+55 11 99999-0000" ||
		str(p, "timezone") != "America/Sao_Paulo" || p["rescheduled"] != false || p["old_invitee"] != nil || p["cancellation"] != nil ||
		str(obj(p, "tracking"), "utm_content") != "lead_8f1c" || str(p, "event") != inv.EventURI ||
		!strings.HasPrefix(str(p, "cancel_url"), "https://calendly.com/cancellations/") || p["first_name"] != nil {
		t.Fatalf("payload: %s", h.raw)
	}
	if qa := p["questions_and_answers"].([]any); len(qa) != 1 || str(qa[0].(map[string]any), "answer") != "+55 11 99999-0000" {
		t.Fatalf("questions: %v", qa)
	}
	if str(ev, "uri") != inv.EventURI || str(ev, "start_time") != "2026-01-08T14:00:00.000000Z" || str(ev, "end_time") != "2026-01-08T14:30:00.000000Z" ||
		str(obj(ev, "location"), "join_url") != "https://meet.google.com/abc-defg-hij" || str(obj(ev, "location"), "status") != "pushed" ||
		str(ev, "event_type") != e.sim.EventTypes("")[0].URI {
		t.Fatalf("scheduled_event: %v", ev)
	}
	if m := ev["event_memberships"].([]any); len(m) != 1 || str(m[0].(map[string]any), "user") != e.user.URI {
		t.Fatalf("memberships: %v", m)
	}
	d := e.sim.Deliveries()
	if len(d) != 1 || d[0].Subscription != str(sub, "uri") || d[0].Event != "invitee.created" || d[0].Invitee != inv.URI || d[0].Attempt != 1 || d[0].Status != 200 {
		t.Fatalf("deliveries: %+v", d)
	}

	// A subscription made with an OAuth token is signed with the app key;
	// a PAT one without its own key falls back to it.
	e.clock.Advance(time.Minute)
	tok := oauthLogin(t, e)
	e.subscribe(tok.str("access_token"), rc.srv.URL+"/oauth", map[string]any{"signing_key": "ignored"})
	e.subscribe(e.user.Token, rc.srv.URL+"/pat-no-key", nil)
	e.book(Booking{})
	keys := map[string]string{"/pat": "sub-key", "/oauth": "app-key", "/pat-no-key": "app-key"}
	later := rc.hooks()[1:]
	if len(later) != 3 {
		t.Fatalf("%d deliveries, want 3", len(later))
	}
	ts := e.clock.Now().Unix()
	for _, h := range later {
		if h.sig != fmt.Sprintf("t=%d,v1=%s", ts, Sign(keys[h.path], ts, h.raw)) {
			t.Fatalf("%s: signature %q is not by %s", h.path, h.sig, keys[h.path])
		}
	}
}

func TestUnsignedWithoutKey(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	e.subscribe(e.user.Token, rc.srv.URL, nil)
	e.book(Booking{})
	if h := rc.hooks(); len(h) != 1 || h[0].sig != "" {
		t.Fatalf("hooks: %+v", h)
	}
}

func TestScopes(t *testing.T) {
	e := newEnv(t, Config{})
	mine, org, theirs := newReceiver(t), newReceiver(t), newReceiver(t)
	e.subscribe(e.user.Token, mine.srv.URL, nil)
	r := e.call("POST", "/webhook_subscriptions", e.user.Token, map[string]any{
		"url": org.srv.URL, "events": []string{"invitee.canceled"}, "organization": e.user.OrganizationURI, "scope": "organization"})
	e.want(r, http.StatusCreated)
	other := e.sim.AddUser("Other", "o@example.com", "")
	r = e.call("POST", "/webhook_subscriptions", other.Token, map[string]any{
		"url": theirs.srv.URL, "events": []string{"invitee.created"}, "organization": other.OrganizationURI, "user": other.URI, "scope": "user"})
	e.want(r, http.StatusCreated)

	inv := e.book(Booking{})
	if err := e.sim.Cancel(t.Context(), inv.URI, "", "no time"); err != nil {
		t.Fatal(err)
	}
	if len(mine.hooks()) != 2 || len(org.hooks()) != 1 || org.hooks()[0].event() != "invitee.canceled" || len(theirs.hooks()) != 0 {
		t.Fatalf("mine %d, org %d, theirs %d", len(mine.hooks()), len(org.hooks()), len(theirs.hooks()))
	}
	c := obj(org.hooks()[0].payload(), "cancellation")
	if str(c, "canceled_by") != "Ana Silva" || str(c, "reason") != "no time" || str(c, "canceler_type") != "invitee" {
		t.Fatalf("cancellation: %v", c)
	}
	if ev := obj(org.hooks()[0].payload(), "scheduled_event"); str(ev, "status") != "canceled" || obj(ev, "cancellation") == nil {
		t.Fatalf("the last invitee's cancellation cancels the event: %v", ev)
	}
	e.sim.AddEventType(other.URI, "Intro", 15*time.Minute)
	e.book(Booking{User: other.URI})
	if len(theirs.hooks()) != 1 || len(mine.hooks()) != 2 {
		t.Fatalf("other user's booking: theirs %d mine %d", len(theirs.hooks()), len(mine.hooks()))
	}
}

func TestRetriesThenSuccess(t *testing.T) {
	e := newEnv(t, Config{RetryDelays: []time.Duration{20 * time.Millisecond, 20 * time.Millisecond, 20 * time.Millisecond}})
	rc := newReceiver(t)
	rc.setFail(2)
	sub := e.subscribe(e.user.Token, rc.srv.URL, map[string]any{"signing_key": "k"})
	e.book(Booking{})
	r := e.call("GET", str(sub, "uri"), e.user.Token, nil)
	if str(r.res(), "retry_started_at") != "2026-01-05T10:00:00.000000Z" || str(r.res(), "state") != "active" {
		t.Fatalf("while failing: %s", r.raw)
	}
	e.flush()
	hooks := rc.hooks()
	if len(hooks) != 3 || string(hooks[0].raw) != string(hooks[2].raw) {
		t.Fatalf("%d POSTs (want 3, same body)", len(hooks))
	}
	d := e.sim.Deliveries()
	if len(d) != 3 || d[0].Attempt != 1 || d[0].Status != 500 || d[2].Attempt != 3 || d[2].Status != 200 {
		t.Fatalf("deliveries: %+v", d)
	}
	r = e.call("GET", str(sub, "uri"), e.user.Token, nil)
	if r.res()["retry_started_at"] != nil || str(r.res(), "state") != "active" {
		t.Fatalf("after success: %s", r.raw)
	}
}

func TestExhaustedRetriesDisable(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	rc.setFail(-1)
	sub := e.subscribe(e.user.Token, rc.srv.URL, nil)
	e.book(Booking{})
	e.flush()
	if n := len(rc.hooks()); n != 4 { // the first try and 3 retries
		t.Fatalf("%d POSTs", n)
	}
	r := e.call("GET", str(sub, "uri"), e.user.Token, nil)
	if str(r.res(), "state") != "disabled" || r.res()["retry_started_at"] == nil {
		t.Fatalf("after the schedule: %s", r.raw)
	}
	if s := e.sim.Subscriptions(); len(s) != 1 || s[0].State != "disabled" || s[0].RetryStartedAt == nil {
		t.Fatalf("Subscriptions: %+v", s)
	}
	rc.setFail(0)
	e.book(Booking{})
	if n := len(rc.hooks()); n != 4 {
		t.Fatalf("a disabled subscription got a delivery (%d)", n)
	}
}

func TestDisableSubscription(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	sub := e.subscribe(e.user.Token, rc.srv.URL, nil)
	if err := e.sim.DisableSubscription(str(sub, "uri")); err != nil {
		t.Fatal(err)
	}
	e.book(Booking{})
	if len(rc.hooks()) != 0 || e.sim.Subscriptions()[0].State != "disabled" {
		t.Fatal("disabled subscription delivered")
	}
	if err := e.sim.DisableSubscription(e.srv.URL + "/webhook_subscriptions/NOPE"); err == nil {
		t.Fatal("unknown subscription disabled")
	}
}

func TestDuplicates(t *testing.T) {
	e := newEnv(t, Config{AppSigningKey: "k"})
	rc := newReceiver(t)
	e.subscribe(e.user.Token, rc.srv.URL, nil)
	e.sim.SetDuplicates(3)
	e.book(Booking{})
	h := rc.hooks()
	if len(h) != 3 {
		t.Fatalf("%d POSTs", len(h))
	}
	for _, x := range h[1:] {
		if string(x.raw) != string(h[0].raw) || x.sig != h[0].sig || x.sig == "" {
			t.Fatal("duplicates differ")
		}
	}
	e.sim.SetDuplicates(0)
	e.book(Booking{})
	if len(rc.hooks()) != 4 {
		t.Fatalf("after SetDuplicates(0): %d", len(rc.hooks()))
	}
}

func TestReschedulePair(t *testing.T) {
	for _, createdFirst := range []bool{true, false} {
		t.Run(fmt.Sprint("createdFirst=", createdFirst), func(t *testing.T) {
			e := newEnv(t, Config{})
			rc := newReceiver(t)
			e.subscribe(e.user.Token, rc.srv.URL, nil)
			old := e.book(Booking{TextReminderNumber: "+55 11 90000-0000", Questions: []QA{{Question: "Q", Answer: "A"}}})
			e.clock.Advance(time.Hour)
			newStart := time.Date(2026, 1, 9, 15, 0, 0, 0, time.UTC)
			inv, err := e.sim.Reschedule(t.Context(), old.URI, newStart, createdFirst)
			if err != nil {
				t.Fatal(err)
			}
			if inv.URI == old.URI || inv.EventURI == old.EventURI || !inv.StartTime.Equal(newStart) || inv.Status != "active" {
				t.Fatalf("new invitee: %+v", inv)
			}
			h := rc.hooks()[1:]
			if len(h) != 2 {
				t.Fatalf("%d deliveries", len(h))
			}
			created, canceled := h[0], h[1]
			if !createdFirst {
				created, canceled = h[1], h[0]
			}
			if created.event() != "invitee.created" || canceled.event() != "invitee.canceled" {
				t.Fatalf("order: %s then %s", h[0].event(), h[1].event())
			}
			cp, xp := created.payload(), canceled.payload()
			if str(cp, "uri") != inv.URI || str(cp, "old_invitee") != old.URI || cp["new_invitee"] != nil || cp["rescheduled"] != false ||
				str(cp, "text_reminder_number") != "+55 11 90000-0000" || str(obj(cp, "scheduled_event"), "start_time") != "2026-01-09T15:00:00.000000Z" {
				t.Fatalf("created: %s", created.raw)
			}
			if str(xp, "uri") != old.URI || str(xp, "status") != "canceled" || xp["rescheduled"] != true || str(xp, "new_invitee") != inv.URI ||
				str(obj(xp, "cancellation"), "canceler_type") != "invitee" || str(obj(xp, "scheduled_event"), "status") != "canceled" ||
				str(xp, "updated_at") != "2026-01-05T11:00:00.000000Z" {
				t.Fatalf("canceled: %s", canceled.raw)
			}
			r := e.call("GET", old.EventURI, e.user.Token, nil)
			if str(r.res(), "status") != "canceled" {
				t.Fatalf("old event: %s", r.raw)
			}
			if _, err := e.sim.Reschedule(t.Context(), old.URI, newStart.Add(time.Hour), createdFirst); err == nil {
				t.Fatal("a canceled invitee was rescheduled")
			}
		})
	}
}

func TestCancelGroupEvent(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	e.subscribe(e.user.Token, rc.srv.URL, nil)
	et := e.sim.AddGroupEventType("", "Workshop", time.Hour, 2)
	a := e.book(Booking{EventType: et.URI, Name: "Ana", Email: "ana@example.com"})
	b := e.book(Booking{EventType: et.URI, Name: "Bia", Email: "bia@example.com"})
	if a.EventURI != b.EventURI {
		t.Fatal("group bookings at one time share an event")
	}
	if _, err := e.sim.Book(t.Context(), Booking{EventType: et.URI, Name: "Cris", Email: "c@example.com", StartTime: a.StartTime}); err == nil {
		t.Fatal("booked a full group event")
	}
	cnt := obj(rc.hooks()[1].payload()["scheduled_event"].(map[string]any), "invitees_counter")
	if cnt["total"].(float64) != 2 || cnt["active"].(float64) != 2 || cnt["limit"].(float64) != 2 {
		t.Fatalf("counter: %v", cnt)
	}
	e.clock.Advance(time.Minute)
	if err := e.sim.CancelEvent(t.Context(), a.EventURI, "host is ill"); err != nil {
		t.Fatal(err)
	}
	h := rc.hooks()[2:]
	if len(h) != 2 || str(h[0].payload(), "uri") != a.URI || str(h[1].payload(), "uri") != b.URI {
		t.Fatalf("%d cancellations", len(h))
	}
	for _, x := range h {
		p := x.payload()
		c := obj(p, "cancellation")
		if x.event() != "invitee.canceled" || str(p, "status") != "canceled" || p["rescheduled"] != false ||
			str(c, "canceler_type") != "host" || str(c, "canceled_by") != "Sim Host" || str(c, "reason") != "host is ill" ||
			str(obj(p, "scheduled_event"), "status") != "canceled" {
			t.Fatalf("cancellation: %s", x.raw)
		}
	}
	if err := e.sim.CancelEvent(t.Context(), a.EventURI, ""); err == nil {
		t.Fatal("canceled twice")
	}
}

func TestCancelOneOfGroupKeepsEvent(t *testing.T) {
	e := newEnv(t, Config{})
	et := e.sim.AddGroupEventType("", "Workshop", time.Hour, 5)
	a := e.book(Booking{EventType: et.URI})
	e.book(Booking{EventType: et.URI})
	if err := e.sim.Cancel(t.Context(), a.URI, "invitee", ""); err != nil {
		t.Fatal(err)
	}
	r := e.call("GET", a.EventURI, e.user.Token, nil)
	if ev := r.res(); str(ev, "status") != "active" || obj(ev, "invitees_counter")["active"].(float64) != 1 {
		t.Fatalf("event: %s", r.raw)
	}
	if err := e.sim.Cancel(t.Context(), a.URI, "invitee", ""); err == nil {
		t.Fatal("canceled twice")
	}
	if err := e.sim.Cancel(t.Context(), a.URI, "robot", ""); err == nil {
		t.Fatal("bad canceler_type accepted")
	}
}

func TestNoShow(t *testing.T) {
	e := newEnv(t, Config{})
	rc := newReceiver(t)
	e.subscribe(e.user.Token, rc.srv.URL, map[string]any{"events": []string{"invitee_no_show.created", "invitee_no_show.deleted"}})
	inv := e.book(Booking{})
	if err := e.sim.MarkNoShow(t.Context(), inv.URI); err != nil {
		t.Fatal(err)
	}
	if err := e.sim.MarkNoShow(t.Context(), inv.URI); err == nil {
		t.Fatal("marked twice")
	}
	if err := e.sim.UnmarkNoShow(t.Context(), inv.URI); err != nil {
		t.Fatal(err)
	}
	h := rc.hooks()
	if len(h) != 2 || h[0].event() != "invitee_no_show.created" || h[1].event() != "invitee_no_show.deleted" {
		t.Fatalf("hooks: %d", len(h))
	}
	ns := obj(h[0].payload(), "no_show")
	if !strings.HasPrefix(str(ns, "uri"), e.srv.URL+"/invitee_no_shows/") || !calTimeRE.MatchString(str(ns, "created_at")) || h[1].payload()["no_show"] != nil {
		t.Fatalf("no_show: %s / %s", h[0].raw, h[1].raw)
	}
}

func TestFlushAndClose(t *testing.T) {
	e := newEnv(t, Config{RetryDelays: []time.Duration{time.Hour}})
	rc := newReceiver(t)
	rc.setFail(-1)
	e.subscribe(e.user.Token, rc.srv.URL, nil)
	e.book(Booking{})
	ctx, cancel := contextWithTimeout(20 * time.Millisecond)
	defer cancel()
	if err := e.sim.Flush(ctx); err == nil {
		t.Fatal("Flush returned while a retry waits an hour")
	}
	e.sim.Close() // stops the waiting retry
	if err := e.sim.Flush(t.Context()); err != nil {
		t.Fatal(err)
	}
}

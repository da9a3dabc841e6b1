package appointments_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// Connecting calls GET /users/me and creates a signed subscription whose
// callback is GoHavi's delivery URL; the view shows it active.
func TestConnectCreatesSignedSubscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		subs := e.cal.Subscriptions()
		if len(subs) != 1 || subs[0].State != "active" || subs[0].Scope != "user" || !strings.HasPrefix(subs[0].CallbackURL, e.url+"/webhooks/calendly/hook/") {
			t.Fatalf("subscriptions %+v", subs)
		}
		if !slices.Contains(subs[0].Events, "invitee.created") || !slices.Contains(subs[0].Events, "invitee.canceled") {
			t.Fatalf("events %v", subs[0].Events)
		}
		if e.cal.Calls("GET /users/me") != 1 {
			t.Fatalf("GET /users/me called %d times", e.cal.Calls("GET /users/me"))
		}
		var view struct {
			Subscription struct{ State string } `json:"subscription"`
			WebhookURL   string                 `json:"webhook_url"`
			Warnings     []string               `json:"warnings"`
		}
		if code := e.call(t, "GET", "/api/v1/integrations/calendly", nil, &view); code != 200 || view.Subscription.State != "active" || view.WebhookURL != subs[0].CallbackURL {
			t.Fatalf("view %d %+v", code, view)
		}
		// A bad token is refused with what to do.
		var out struct {
			Error struct{ Code, Message, Remedy string } `json:"error"`
		}
		e.cal.FailAPI(1, http.StatusUnauthorized)
		if code := e.call(t, "POST", "/api/v1/integrations/calendly", map[string]any{"token": "nope", "confirmation_template": map[string]string{"name": "demo_confirmed", "language": "en_US"},
			"reminder_template": map[string]string{"name": "demo_reminder", "language": "en_US"}}, &out); code != 400 || out.Error.Remedy == "" {
			t.Fatalf("bad token: %d %+v", code, out)
		}
		if code := e.call(t, "POST", "/api/v1/integrations/calendly", map[string]any{"token": "x"}, &out); code != 400 || !strings.Contains(out.Error.Message, "confirmation_template") {
			t.Fatalf("no templates: %d %+v", code, out)
		}
	})
}

// Deliveries with a wrong or stale signature are refused and not stored.
func TestWebhookSignatureChecked(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		hook := e.cal.Subscriptions()[0].CallbackURL
		body := []byte(`{"event":"invitee.created","created_at":"2026-11-24T09:00:00.000000Z","payload":{"uri":"https://api.calendly.com/scheduled_events/E/invitees/I","status":"active","updated_at":"2026-11-24T09:00:00.000000Z"}}`)
		post := func(sig string) int {
			req, _ := http.NewRequest("POST", hook, bytes.NewReader(body))
			req.Header.Set("Calendly-Webhook-Signature", sig)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			return resp.StatusCode
		}
		ts := clock.Now().Unix()
		for name, sig := range map[string]string{
			"none":      "",
			"wrong key": "t=" + strconv.FormatInt(ts, 10) + ",v1=" + calendly.Sign("not-the-key", ts, body),
			"stale":     "t=" + strconv.FormatInt(ts-600, 10) + ",v1=" + calendly.Sign("not-the-key", ts-600, body),
		} {
			if code := post(sig); code != http.StatusUnauthorized && code != http.StatusBadRequest {
				t.Errorf("%s: %d", name, code)
			}
		}
		var n int
		if err := db.R.QueryRow(`SELECT COUNT(*) FROM calendly_events`).Scan(&n); err != nil || n != 0 {
			t.Fatalf("stored %d (%v)", n, err)
		}
		u, _ := url.Parse(hook)
		req, _ := http.NewRequest("POST", e.url+strings.Replace(u.Path, "/hook/", "/hook/x", 1), bytes.NewReader(body))
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != http.StatusNotFound {
			t.Fatalf("unknown hook key: %v %v", resp.StatusCode, err)
		}
		resp.Body.Close()
	})
}

// Calendly disables a subscription after 24 hours of failed deliveries: the
// state is seen, a cancel made meanwhile is caught by the check before the
// reminder, and re-creating the subscription brings deliveries back.
func TestDisabledSubscription(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		start := clock.Now().Add(72 * time.Hour)
		inv := e.book(t, start)
		e.pass(t)
		sub := e.cal.Subscriptions()[0]
		if err := e.cal.DisableSubscription(sub.URI); err != nil {
			t.Fatal(err)
		}
		if err := e.cal.Cancel(context.Background(), inv.URI, "invitee", "no longer needed"); err != nil {
			t.Fatal(err)
		}
		clock.Advance(11 * time.Minute)
		e.pass(t)
		var view struct {
			Subscription struct{ State, Error string } `json:"subscription"`
			Warnings     []string                      `json:"warnings"`
		}
		e.call(t, "GET", "/api/v1/integrations/calendly", nil, &view)
		if view.Subscription.State != "disabled" || len(view.Warnings) == 0 || !strings.Contains(view.Warnings[0], "Re-create") {
			t.Fatalf("view after disabling: %+v", view)
		}
		clock.Set(start.Add(-24 * time.Hour))
		e.pass(t)
		if got := names(e.sent(t, waID(1))); !slices.Equal(got, []string{"demo_confirmed"}) {
			t.Fatalf("sent %v: the reminder of a canceled event went out", got)
		}
		a := e.appointments(t)[0]
		if a.Status != "canceled" || a.kinds()["reminder_24h"] != "canceled" || a.kinds()["reminder_1h"] != "canceled" {
			t.Fatalf("appointment %+v", a)
		}

		// Booked while the subscription was down: no webhook reaches GoHavi,
		// but re-creating the subscription catches up on it.
		missed := e.book(t, clock.Now().Add(30*time.Hour))
		if code := e.call(t, "POST", "/api/v1/integrations/calendly/subscription", nil, &view); code != 200 || view.Subscription.State != "active" {
			t.Fatalf("re-create: %d %+v", code, view)
		}
		if subs := e.cal.Subscriptions(); len(subs) != 1 || subs[0].URI == sub.URI || subs[0].State != "active" {
			t.Fatalf("subscriptions after re-create %+v", subs)
		}
		e.book(t, clock.Now().Add(48*time.Hour))
		e.pass(t)
		if got := names(e.sent(t, waID(2))); !slices.Equal(got, []string{"demo_confirmed"}) {
			t.Fatalf("the booking missed while down: %v (%s)", got, missed.URI)
		}
		if got := names(e.sent(t, waID(3))); !slices.Equal(got, []string{"demo_confirmed"}) {
			t.Fatalf("after re-create: %v", got)
		}
		if a := e.appointment(t, "+"+waID(2)); a.kinds()["reminder_1h"] != "scheduled" {
			t.Fatalf("caught-up booking %+v", a)
		}
	})
}

// A reply to a booking message lands in the same conversation; "1" or a 👍
// reaction marks the booking confirmed when the workspace asks for it.
func TestReplyConfirmsBooking(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		s := settings()
		s.ConfirmOnReply = true
		e.connect(t, s)
		e.book(t, clock.Now().Add(72*time.Hour))
		e.book(t, clock.Now().Add(72*time.Hour))
		e.pass(t)
		e.inbound(t, waID(1), `"type":"text","text":{"body":"hello, what's this?"}`)
		e.pass(t)
		if a := e.appointment(t, "+"+waID(1)); a.ConfirmedAt != "" {
			t.Fatalf("confirmed by an unrelated reply: %+v", a)
		}
		e.inbound(t, waID(1), `"type":"text","text":{"body":" 1 "}`)
		e.inbound(t, waID(2), `"type":"reaction","reaction":{"message_id":"wamid.x","emoji":"👍🏽"}`)
		e.pass(t)
		for i := int64(1); i <= 2; i++ {
			if a := e.appointment(t, "+"+waID(i)); a.ConfirmedAt == "" {
				t.Fatalf("booking %d not confirmed: %+v", i, a)
			}
		}
		// Both messages are in the conversation the confirmation went to.
		var convs int
		if err := db.R.QueryRow(`SELECT COUNT(DISTINCT m.conversation_id) FROM messages m JOIN contacts c ON c.id = m.contact_id WHERE c.wa_id = $1`, waID(1)).Scan(&convs); err != nil || convs != 1 {
			t.Fatalf("%d conversations (%v)", convs, err)
		}
	})
}

// OAuth: PKCE code exchange, then the single-use refresh token is rotated
// and the new one saved, so the next refresh works too.
func TestOAuthRefreshRotation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		u, err := e.eng.AuthorizeURL(e.ws.ID, "user", settings())
		if err != nil {
			t.Fatal(err)
		}
		c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := c.Get(u)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, _ := url.Parse(resp.Header.Get("Location"))
		if _, err := e.eng.CompleteOAuth(context.Background(), loc.Query().Get("state"), loc.Query().Get("code")); err != nil {
			t.Fatal(err)
		}
		for round := range 3 {
			clock.Advance(110 * time.Minute) // inside the refresh margin of a 2-hour token
			e.book(t, clock.Now().Add(72*time.Hour))
			e.pass(t)
			conn, err := db.CalendlyConnection(context.Background(), e.ws.ID)
			if err != nil || conn.Status != "active" {
				t.Fatalf("round %d: connection %+v %v", round, conn, err)
			}
			if n := len(e.sent(t, waID(int64(round+1)))); n != 1 {
				t.Fatalf("round %d: %d messages", round, n)
			}
		}
		if e.cal.Calls("POST /oauth/token") < 3 {
			t.Fatalf("token endpoint called %d times", e.cal.Calls("POST /oauth/token"))
		}
	})
}

// The reminder template's time-to-live is checked: Meta's 30-day default
// would let a reminder reach a phone switched back on after the meeting.
func TestReminderTTLWarning(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		e.connect(t, settings())
		warnings := func() []string {
			var view struct{ Warnings []string }
			e.call(t, "GET", "/api/v1/integrations/calendly", nil, &view)
			return view.Warnings
		}
		if w := warnings(); len(w) != 1 || !strings.Contains(w[0], "demo_reminder") || !strings.Contains(w[0], "3600 seconds") {
			t.Fatalf("warnings %q", w)
		}
		tpl, err := db.TemplateByName(context.Background(), e.ws.ID, wabaID, "demo_reminder", "en_US")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.SetTemplateTTL(context.Background(), e.ws.ID, tpl.ID, 7200); err != nil {
			t.Fatal(err)
		}
		if w := warnings(); len(w) != 1 || !strings.Contains(w[0], "longer than the shortest reminder") {
			t.Fatalf("warnings %q", w)
		}
		if _, err := db.SetTemplateTTL(context.Background(), e.ws.ID, tpl.ID, 3600); err != nil {
			t.Fatal(err)
		}
		if w := warnings(); len(w) != 0 {
			t.Fatalf("warnings %q", w)
		}
	})
}

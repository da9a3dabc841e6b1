package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// appointmentTemplate creates a UTILITY template whose body takes the
// parameters appointment messages fill by default (first name, start,
// link), has the simulated reviewer approve it and syncs it back.
func appointmentTemplate(t *testing.T, a api, sim simCtl, wabaID, name, body string) {
	t.Helper()
	examples := []string{"Ada", "Monday 9:00", "https://meet.example/x"}
	a.do(t, "POST", "/api/v1/templates", map[string]any{
		"name": name, "language": "en_US", "category": "UTILITY",
		"components": []map[string]any{{"type": "BODY", "text": body,
			"example": map[string]any{"body_text": [][]string{examples[:strings.Count(body, "{{")]}}}},
	}, http.StatusCreated, nil)
	sim.post(t, "/_sim/templates/status", map[string]string{"waba_id": wabaID, "name": name, "language": "en_US", "event": "APPROVED"}, nil)
	a.do(t, "POST", "/api/v1/templates/sync", nil, http.StatusOK, nil)
}

// TestAppointmentsInBrowser: on a sandbox node the owner connects Calendly
// from the Integrations page with a token (the simulator takes any) and
// the workspace's approved templates, after the page refused a connect
// without them; edits the settings. A booking made in the simulated
// Calendly shows on the Appointments page with its confirmation on its
// way and both reminders scheduled; its cancellation shows without a
// reload, the reminders canceled. A test booking from the page's sandbox
// form, without the WhatsApp opt-in, shows the confirmation refused by
// the rules. An agent sees it all read-only. The owner disconnects and
// connects again through OAuth.
//
// Not covered: a disabled webhook subscription. The engine reads the
// subscription's state ten minutes after a connect and every ten
// minutes after that, and nothing starts a read sooner, so the disabled
// state cannot be made to show within a test.
func TestAppointmentsInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	env, srv, a, num, sim := app.env, app.srv, app.a, app.num, app.sim

	// The sandbox seeds no template: two UTILITY ones, approved.
	const confirmTpl, remindTpl = "visit_confirmed_browser", "visit_reminder_browser"
	appointmentTemplate(t, a, sim, num.WABAID, confirmTpl, "Hi {{1}}, your visit is confirmed for {{2}}. Join at {{3}} when it is time.")
	appointmentTemplate(t, a, sim, num.WABAID, remindTpl, "Reminder: {{1}}, your visit is on {{2}}. See you then!")

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.do("open the integrations page", chromedp.Navigate(srv.URL+"/integrations"))
	const card = `document.querySelector("#calendly")`
	owner.until("the Calendly card, not connected, with its form", fmt.Sprintf(`%[1]s.dataset.connected === "false" &&
		%[1]s.querySelector(".calendly-status").dataset.status === "none" &&
		document.querySelector("#calendly-connect-token").placeholder.includes("any token works") &&
		[...document.querySelectorAll("#calendly-connect-confirmation option")].some(o => o.value === %[2]s) &&
		document.querySelector("#calendly-connect-reminders").value === "24h, 1h" &&
		document.querySelector("#calendly-connect-confirm-on-reply").checked && !!%[1]s.querySelector(".calendly-oauth")`,
		card, js(confirmTpl+"|en_US")))
	choose := func(tb *tab, id, value string) {
		t.Helper()
		_ = eval[bool](tb, fmt.Sprintf(`(s => { s.value = %s; s.dispatchEvent(new Event("change")); return s.value !== "" })(document.getElementById(%s))`, js(value), js(id)))
	}

	// Without templates the page refuses, before asking the server.
	owner.do("connect without templates",
		chromedp.SendKeys(chromedp.ID("calendly-connect-token"), "any-token"),
		chromedp.Click(chromedp.CSS("#calendly .calendly-connect-submit")))
	owner.until("the templates marked", `document.querySelector("#calendly-connect-form .panel-status").textContent.startsWith("Not connected") &&
		document.querySelector("#calendly-connect-confirmation").getAttribute("aria-invalid") === "true" &&
		!document.querySelector("#calendly-connect-confirmation-error").hidden`)

	choose(owner, "calendly-connect-confirmation", confirmTpl+"|en_US")
	choose(owner, "calendly-connect-reminder", remindTpl+"|en_US")
	owner.do("connect", chromedp.Click(chromedp.CSS("#calendly .calendly-connect-submit")))
	// The reminder template keeps Meta's 30-day time-to-live: a warning.
	owner.until("connected, the subscription active, the reminder's TTL in the warnings", fmt.Sprintf(`%[1]s.dataset.connected === "true" &&
		%[1]s.querySelector(".calendly-status").dataset.status === "active" &&
		%[1]s.querySelector(".calendly-subscription").dataset.state === "active" &&
		%[1]s.querySelector(".calendly-user").textContent.length > 2 && %[1]s.querySelector(".calendly-auth").textContent === "Personal access token" &&
		(ws => ws.length === 1 && ws[0].textContent.includes("time-to-live"))(%[1]s.querySelectorAll(".calendly-warning")) &&
		!%[1]s.querySelector(".calendly-ready, .calendly-subscription-problem") &&
		%[1]s.querySelector(".panel-status").textContent.startsWith("Connected to Calendly") &&
		document.querySelector("#calendly-settings-confirmation").value === %[2]s &&
		document.querySelector("#calendly-settings-reminder").value === %[3]s`, card, js(confirmTpl+"|en_US"), js(remindTpl+"|en_US")))

	type calendlyView struct {
		Auth         string `json:"auth"`
		Subscription struct {
			URI   string `json:"uri"`
			State string `json:"state"`
		} `json:"subscription"`
		Settings struct {
			Confirmation     struct{ Name, Language string } `json:"confirmation_template"`
			Reminder         struct{ Name, Language string } `json:"reminder_template"`
			RemindersMinutes []int                           `json:"reminders_minutes"`
			OptInQuestion    string                          `json:"opt_in_question"`
			DefaultCountry   string                          `json:"default_country"`
			ConfirmOnReply   bool                            `json:"confirm_on_reply"`
		} `json:"settings"`
		Warnings []string `json:"warnings"`
	}
	var cv calendlyView
	a.do(t, "GET", "/api/v1/integrations/calendly", nil, http.StatusOK, &cv)
	if cv.Auth != "pat" || cv.Subscription.State != "active" || cv.Settings.Confirmation.Name != confirmTpl || cv.Settings.Reminder.Name != remindTpl ||
		fmt.Sprint(cv.Settings.RemindersMinutes) != "[1440 60]" || !cv.Settings.ConfirmOnReply || len(cv.Warnings) != 1 {
		t.Fatalf("connection after connecting from the page: %+v", cv)
	}
	var tpls struct {
		Data []struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"data"`
	}
	a.do(t, "GET", "/api/v1/templates", nil, http.StatusOK, &tpls)
	for _, tp := range tpls.Data {
		if tp.Name == remindTpl {
			a.do(t, "POST", fmt.Sprintf("/api/v1/templates/%d/ttl", tp.ID), map[string]int{"message_send_ttl_seconds": 3600}, http.StatusOK, nil)
		}
	}

	// Settings: a reminder too close to the start is refused in the page;
	// the opt-in question and the country are saved.
	owner.do("set the settings, one reminder out of range",
		chromedp.SetValue(chromedp.ID("calendly-settings-reminders"), "24h, 3m"),
		chromedp.SendKeys(chromedp.ID("calendly-settings-optin-question"), "WhatsApp"),
		chromedp.SendKeys(chromedp.ID("calendly-settings-country"), "gb"),
		chromedp.Click(chromedp.CSS("#calendly .calendly-settings-save")))
	owner.until("the reminders refused", `document.querySelector("#calendly-settings-reminders").getAttribute("aria-invalid") === "true" &&
		document.querySelector(".calendly-settings .panel-status").textContent.startsWith("Not saved")`)
	owner.do("fix the reminders and save",
		chromedp.SetValue(chromedp.ID("calendly-settings-reminders"), "24h, 1h"),
		chromedp.Click(chromedp.CSS("#calendly .calendly-settings-save")))
	owner.until("saved, with nothing in the way any more", fmt.Sprintf(`%[1]s.querySelector(".panel-status").textContent.startsWith("Saved") &&
		document.querySelector("#calendly-settings-country").value === "GB" &&
		!!%[1]s.querySelector(".calendly-ready") && !%[1]s.querySelector(".calendly-warnings")`, card))
	a.do(t, "GET", "/api/v1/integrations/calendly", nil, http.StatusOK, &cv)
	if cv.Settings.OptInQuestion != "WhatsApp" || cv.Settings.DefaultCountry != "GB" || fmt.Sprint(cv.Settings.RemindersMinutes) != "[1440 60]" ||
		cv.Settings.Confirmation.Name != confirmTpl {
		t.Fatalf("settings after saving: %+v", cv.Settings)
	}

	// A booking in the simulated Calendly, as an invitee would make it.
	const grace, graceWaID = "Grace Hopper", "447911123456"
	var inv struct {
		URI string `json:"uri"`
	}
	sim.post(t, "/calendly/_sim/book", map[string]any{
		"start_time": time.Now().Add(26 * time.Hour).UTC().Truncate(time.Minute).Format(time.RFC3339),
		"name":       grace, "email": "grace@example.com", "timezone": "America/New_York", "text_reminder_number": "+44 7911 123456",
		"questions_and_answers": []map[string]any{{"question": "Send my confirmation and reminders on WhatsApp", "answer": "Yes", "position": 0}},
		"location":              map[string]string{"type": "zoom", "join_url": "https://zoom.example/j/42"},
	}, &inv)
	if inv.URI == "" {
		t.Fatal("the simulator answered no invitee URI")
	}

	href := eval[string](owner, `document.querySelector("a#nav-appointments").getAttribute("href")`)
	owner.do("open the appointments page", chromedp.Navigate(srv.URL+href))
	booking := func(name string) string {
		return fmt.Sprintf(`[...document.querySelectorAll("#appointments-list li.appointment")].find(li => li.querySelector(".appt-name").textContent === %s)`, js(name))
	}
	msg := func(kind string) string { return fmt.Sprintf(`b.querySelector('.appt-message[data-kind="%s"]')`, kind) }
	owner.until("the booking, its confirmation on its way and both reminders scheduled", fmt.Sprintf(`location.pathname === "/appointments" &&
		(b => !!b && b.dataset.status === "active" && b.querySelector(".appt-status").textContent === "Active" &&
		b.querySelector(".appt-phone").textContent === "+%[2]s" &&
		b.querySelector("a.appt-location").href === "https://zoom.example/j/42" &&
		b.querySelector(".appt-zone").dataset.timezone === "America/New_York" && b.querySelector(".appt-zone").textContent.includes("for the invitee") &&
		b.querySelector(".appt-local time").dateTime !== "" &&
		["queued", "sending", "sent", "delivered", "read"].includes(%[3]s.dataset.status) &&
		%[4]s.dataset.status === "scheduled" && !!%[4]s.querySelector(".appt-message-due time") &&
		%[5]s.dataset.status === "scheduled" && !!%[5]s.querySelector(".appt-message-due time"))(%[1]s) &&
		document.querySelector("#appointments-connect").hidden && document.querySelector("#appointments-problems").hidden`,
		booking(grace), graceWaID, msg("confirmation"), msg("reminder_24h"), msg("reminder_1h")))
	conv := a.conversationWith(t, graceWaID)
	owner.until("the link to the conversation", fmt.Sprintf(`(b => b.querySelector("a.appt-conversation").getAttribute("href") === "/#c=%d")(%s)`, conv.ID, booking(grace)))
	owner.until("the confirmation delivered", fmt.Sprintf(`(b => %s.dataset.status === "delivered")(%s)`, msg("confirmation"), booking(grace)))

	// Canceled in Calendly: the page follows without a reload.
	_ = eval[bool](owner, `window.e2eNoReload = true`)
	sim.post(t, "/calendly/_sim/cancel", map[string]string{"invitee": inv.URI, "canceler_type": "invitee", "reason": "Something came up"}, nil)
	owner.until("the booking canceled, its reminders too", fmt.Sprintf(`window.e2eNoReload === true &&
		(b => !!b && b.dataset.status === "canceled" && b.querySelector(".appt-status").textContent === "Canceled" &&
		b.querySelector(".appt-cancel").textContent.includes("Something came up") &&
		%[2]s.dataset.status === "canceled" && %[2]s.querySelector(".appt-message-reason").textContent.startsWith("Canceled in Calendly") &&
		%[3]s.dataset.status === "canceled" && %[4]s.dataset.status === "delivered")(%[1]s)`,
		booking(grace), msg("reminder_24h"), msg("reminder_1h"), msg("confirmation")))

	// The sandbox form books a test appointment; without the opt-in the
	// rules refuse the confirmation, and the page says why.
	const alan = "Alan Turing"
	owner.until("the sandbox booking form", `!document.querySelector("#sandbox-book").hidden`)
	owner.do("book without the opt-in",
		chromedp.SetValue(chromedp.ID("book-name"), alan),
		chromedp.SetValue(chromedp.ID("book-email"), "alan@example.com"),
		chromedp.SetValue(chromedp.ID("book-phone"), "+91 98765 43210"),
		chromedp.SetValue(chromedp.ID("book-timezone"), "Asia/Kolkata"),
		chromedp.SetValue(chromedp.ID("book-hours"), "30"),
		chromedp.Click(chromedp.ID("book-optin")),
		chromedp.Click(chromedp.ID("book-submit")))
	owner.until("the booking, its confirmation refused", fmt.Sprintf(`document.querySelector("#book-status").textContent.startsWith("Booked") &&
		(b => !!b && b.dataset.status === "active" && b.querySelector(".appt-zone").dataset.timezone === "Asia/Kolkata" &&
		%[2]s.dataset.status === "skipped" && %[2]s.querySelector(".appt-message-reason").textContent.includes("not_opted_in") &&
		%[3]s.dataset.status === "scheduled")(%[1]s) && window.e2eNoReload === true`, booking(alan), msg("confirmation"), msg("reminder_24h")))
	owner.noExceptions()

	// An agent sees the connection and the bookings, read-only.
	const email, password = "agent.appointments@example.com", "agent password 1"
	mustRun(t, env, "user", "create", "--email", email, "--password", password, "--name", "Agent Smith", "--role", "agent")
	agent := newTab(t, browser, "agent", chromedp.WithNewBrowserContext())
	agent.login(srv.URL, email, password)
	agent.do("open the integrations page", chromedp.Navigate(srv.URL+"/integrations"))
	agent.until("the connection without its controls", fmt.Sprintf(`%[1]s.dataset.connected === "true" &&
		document.querySelector("#calendly-settings-form fieldset").disabled &&
		document.querySelector("#calendly-settings-confirmation").value === %[2]s &&
		!%[1]s.querySelector(".calendly-disconnect, .calendly-settings-save, .calendly-resubscribe, .calendly-connect-form")`, card, js(confirmTpl+"|en_US")))
	agent.do("open the appointments page", chromedp.Navigate(srv.URL+"/appointments"))
	agent.until("both bookings", fmt.Sprintf(`!!%s && !!%s`, booking(grace), booking(alan)))
	agent.noExceptions()

	// Disconnecting (confirmed) forgets the bookings; OAuth connects again
	// (the simulator consents by itself and sends the browser back).
	owner.do("back to the integrations page", chromedp.Navigate(srv.URL+"/integrations"))
	owner.until("the connected card", fmt.Sprintf(`%[1]s.dataset.connected === "true" && !!%[1]s.querySelector(".calendly-disconnect")`, card))
	_ = eval[bool](owner, `(window.confirm = (m) => { window.e2eConfirmed = m; return true }, true)`)
	owner.do("disconnect", chromedp.Click(chromedp.CSS("#calendly .calendly-disconnect")))
	owner.until("not connected again", fmt.Sprintf(`%[1]s.dataset.connected === "false" && window.e2eConfirmed.startsWith("Disconnect Calendly?") &&
		%[1]s.querySelector(".panel-status").textContent === "Disconnected Calendly." && !!document.querySelector("#calendly-connect-form")`, card))
	a.do(t, "GET", "/api/v1/integrations/calendly", nil, http.StatusNotFound, nil)
	for _, s := range calendlySubscriptions(t, srv.URL) {
		if s.URI == cv.Subscription.URI {
			t.Errorf("the subscription outlived the disconnect: %+v", s)
		}
	}

	choose(owner, "calendly-connect-confirmation", confirmTpl+"|en_US")
	choose(owner, "calendly-connect-reminder", remindTpl+"|en_US")
	owner.do("connect with OAuth", chromedp.Click(chromedp.CSS("#calendly .calendly-oauth")), chromedp.WaitVisible(chromedp.ID("integrations-notice")))
	owner.until("back, connected through OAuth", fmt.Sprintf(`location.pathname === "/integrations" && location.search === "" &&
		(n => !n.hidden && n.dataset.provider === "calendly" && n.textContent.startsWith("Connected to Calendly"))(document.querySelector("#integrations-notice")) &&
		%[1]s.dataset.connected === "true" && %[1]s.querySelector(".calendly-auth").textContent === "OAuth" &&
		document.querySelector("#calendly-settings-reminder").value === %[2]s`, card, js(remindTpl+"|en_US")))
	owner.do("open the appointments page", chromedp.Navigate(srv.URL+"/appointments"))
	owner.until("no booking left", `document.querySelector("main.appointments").dataset.loaded === "true" &&
		document.querySelectorAll("#appointments-list li.appointment").length === 0 && !document.querySelector("#appointments-empty").hidden`)
	owner.noExceptions()
}

// calendlySubscriptions lists the simulated Calendly's webhook
// subscriptions.
func calendlySubscriptions(t *testing.T, base string) []struct{ URI, State string } {
	t.Helper()
	code, b := call(t, "GET", base+"/sim/calendly/_sim/subscriptions", "", nil)
	var subs []struct{ URI, State string }
	if code != http.StatusOK || !decodes(b, &subs) {
		t.Fatalf("sim subscriptions: %d %s", code, b)
	}
	return subs
}

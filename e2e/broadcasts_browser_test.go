package e2e

import (
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// broadcastPageTemplate creates a MARKETING template with a header, two
// body variables and a footer, has the simulated reviewer approve it and
// syncs it back.
func broadcastPageTemplate(t *testing.T, a api, sim simCtl, wabaID, name string) {
	t.Helper()
	a.do(t, "POST", "/api/v1/templates", map[string]any{
		"name": name, "language": "en_US", "category": "MARKETING",
		"components": []map[string]any{
			{"type": "HEADER", "format": "TEXT", "text": "Autumn sale"},
			{"type": "BODY", "text": "Hi {{1}}, the autumn sale in {{2}} starts today.", "example": map[string]any{"body_text": [][]string{{"Ada", "London"}}}},
			{"type": "FOOTER", "text": "Reply STOP to opt out"},
		},
	}, http.StatusCreated, nil)
	sim.post(t, "/_sim/templates/status", map[string]string{"waba_id": wabaID, "name": name, "language": "en_US", "event": "APPROVED"}, nil)
	a.do(t, "POST", "/api/v1/templates/sync", nil, http.StatusOK, nil)
}

// broadcastPageCSV is 20 opted-in customers tagged autumn, two tagged
// autumn without an opt-in, one outside the audience and one row that is
// not a phone number (line 25).
func broadcastPageCSV(t *testing.T) string {
	t.Helper()
	first := []string{"Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John", "Margaret", "Dennis",
		"Ken", "Radia", "Tim", "Hedy", "Claude", "Niklaus", "Sophie", "Katherine", "Linus", "Guido"}
	var b strings.Builder
	b.WriteString("phone,name,tags,opt_in_source,city\n")
	for i, f := range first {
		fmt.Fprintf(&b, "+4479111230%02d,%s Test,autumn;vip,website form,%s\n", i+10, f, []string{"London", "Leeds"}[i%2])
	}
	b.WriteString("07911 123090,No Consent,autumn,,London\n")
	b.WriteString("07911 123091,Also Nothing,autumn,,\n")
	b.WriteString("+447911123092,Someone Else,spring,website form,London\n")
	b.WriteString("12345,Broken Row,autumn,,\n")
	path := filepath.Join(t.TempDir(), "contacts.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestBroadcastsInBrowser: the owner imports a CSV of contacts through
// the Broadcasts page (a bad default country refused by the server, shown
// under its field), composes a broadcast to a tag, sees the plan's
// numbers and the preview as chat bubbles, launches it after a confirm
// with the eligible count and the cost, and watches the counters climb to
// the end without a reload; filters the recipients to the skipped and
// the failed (Meta's code, meaning and remedy shown), exports the failed
// as CSV, and creates a follow-up draft to those failed with a retryable
// code in one click. The follow-up, scheduled, is paused, resumed and
// canceled from the page. An agent sees it all without the controls, and
// the page fits a phone's width.
func TestBroadcastsInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	// Paced so that sending takes a few seconds and the counters can be
	// seen moving.
	app := startSandbox(t, "GOHAVI_BROADCAST_MAX_MPS=4")
	env, srv, a, num, sim := app.env, app.srv, app.a, app.num, app.sim
	const tpl = "autumn_sale_browser"
	broadcastPageTemplate(t, a, sim, num.WABAID, tpl)
	csv := broadcastPageCSV(t)

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	href := eval[string](owner, `document.querySelector("a#nav-broadcasts").getAttribute("href")`)
	owner.do("open the broadcasts page", chromedp.Navigate(srv.URL+href))
	owner.until("the empty list, live", `location.pathname === "/broadcasts" && document.querySelector("main.broadcasts").dataset.loaded === "true" &&
		!document.querySelector("#broadcasts-empty").hidden && document.querySelector("#live-status").dataset.state === "live"`)
	_ = eval[bool](owner, `window.e2eNoReload = true`)
	choose := func(id, value string) {
		t.Helper()
		_ = eval[bool](owner, fmt.Sprintf(`(s => { s.value = %s; s.dispatchEvent(new Event("change")); return true })(document.getElementById(%s))`, js(value), js(id)))
	}

	// The import: a country code the server does not know is refused, and
	// the page says so under the field.
	owner.do("import with a bad default country",
		chromedp.SetUploadFiles(chromedp.ID("import-file"), []string{csv}),
		chromedp.SendKeys(chromedp.ID("import-country"), "zz"),
		chromedp.Click(chromedp.ID("import-submit")))
	owner.until("the country refused with the server's words", `document.querySelector("#import-country").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#import-country-error").textContent.includes("not a country code") &&
		document.querySelector("#import-status").textContent.startsWith("Not imported") && document.querySelector("#import-result").hidden`)
	owner.do("import with GB",
		chromedp.SetValue(chromedp.ID("import-country"), "gb"),
		chromedp.Click(chromedp.ID("import-submit")))
	owner.until("23 imported, the broken row listed", `(r => !r.hidden && r.dataset.imported === "23" && r.dataset.updated === "0" && r.dataset.rejected === "1")(document.querySelector("#import-result")) &&
		document.querySelector('#import-rejected tr[data-row="25"]').textContent.includes("not a valid phone number") &&
		document.querySelector("#import-country").getAttribute("aria-invalid") === null`)

	// Compose: the template's two variables, the tag, any consent.
	owner.do("start a broadcast", chromedp.Click(chromedp.ID("broadcast-new")))
	owner.until("the form with the approved template", fmt.Sprintf(`location.hash === "#new" && !document.querySelector("#compose-form").hidden &&
		[...document.querySelectorAll("#bc-template option")].some(o => o.value === %s && !o.disabled) &&
		document.querySelector("#bc-consent").value === "opted_in"`, js(tpl+"|en_US")))
	choose("bc-template", tpl+"|en_US")
	owner.until("a row per variable", `document.querySelectorAll("#bc-param-rows input.bc-param").length === 2 &&
		document.querySelector("#bc-template-body").textContent.includes("autumn sale in {{2}}")`)
	owner.do("save without the variables", chromedp.Click(chromedp.ID("compose-save")))
	owner.until("the variables marked", `document.querySelector("#bc-param-1").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#compose-status").textContent.startsWith("Not saved") && location.hash === "#new"`)
	owner.do("fill in the form",
		chromedp.SetValue(chromedp.ID("bc-name"), "Autumn sale"),
		chromedp.SendKeys(chromedp.ID("bc-param-1"), "{{first_name|there}}"),
		chromedp.SendKeys(chromedp.ID("bc-param-2"), "{{city|your town}}"),
		chromedp.SendKeys(chromedp.ID("bc-tags"), "autumn"))
	choose("bc-consent", "")
	owner.do("save the draft", chromedp.Click(chromedp.ID("compose-save")))
	fact := func(key string) string {
		return fmt.Sprintf(`document.querySelector('#plan-body dd[data-fact="%s"]')`, key)
	}
	owner.until("the draft's plan", fmt.Sprintf(`/^#b=\d+$/.test(location.hash) && document.querySelector("#detail-status").dataset.status === "draft" &&
		document.querySelector("#plan").dataset.loaded === "true" && document.querySelector("#plan-blocked").hidden &&
		%s.textContent === "22 contacts" && %s.textContent === "20" && %s.textContent === "20" && %s.textContent === "None" &&
		(s => s.firstChild.textContent === "2" && s.querySelector('li[data-reason="not_opted_in"]').textContent === "No opt-in recorded: 2")(%s) &&
		%s.querySelector(".bc-rate-table").dataset.rateTable !== "" && %s.textContent.includes("for marketing messages") &&
		!document.querySelector("#broadcast-launch").disabled && document.querySelector("#compose-status").textContent.startsWith("Draft saved")`,
		fact("audience"), fact("eligible"), fact("send_now"), fact("deferred"), fact("skipped"), fact("cost"), fact("cost")))
	id := strings.TrimPrefix(eval[string](owner, `location.hash`), "#b=")
	var plan struct {
		Eligible int `json:"eligible"`
		Cost     struct {
			RateTable string `json:"rate_table"`
			Date      string `json:"rate_table_date"`
		} `json:"estimated_cost"`
	}
	a.do(t, "GET", "/api/v1/broadcasts/"+id+"/plan", nil, http.StatusOK, &plan)
	if plan.Eligible != 20 || plan.Cost.RateTable == "" {
		t.Fatalf("plan from the API: %+v", plan)
	}
	owner.until("the rate table named with its date", fmt.Sprintf(`%s.querySelector(".bc-rate-table").textContent === %s`,
		fact("cost"), js("Rate table "+plan.Cost.RateTable+", effective "+plan.Cost.Date)))
	owner.until("the preview as chat bubbles", `(items => items.length === 5 &&
		items[0].querySelector(".bc-preview-who strong").textContent === "Ada Test" &&
		items[0].querySelector(".bc-bubble-header").textContent === "Autumn sale" &&
		items[0].querySelector(".bc-bubble-body").textContent === "Hi Ada, the autumn sale in London starts today." &&
		items[0].querySelector(".bc-bubble-footer").textContent === "Reply STOP to opt out" &&
		items[1].querySelector(".bc-bubble-body").textContent === "Hi Grace, the autumn sale in Leeds starts today.")
		([...document.querySelectorAll("#preview-list li.bc-preview-item")])`)

	// Launch: the simulator fails the first two marketing sends with
	// Meta's per-user limit (131049, worth a retry later).
	sim.post(t, "/_sim/faults", map[string]any{"per_user_marketing_cap": 2}, nil)
	_ = eval[bool](owner, `(window.confirm = (m) => { window.e2eConfirm = m; return true }, true)`)
	// Every value the sent counter shows, to see it move.
	_ = eval[bool](owner, `(window.e2eSent = [], new MutationObserver(() => window.e2eSent.push(document.querySelector("#count-sent").textContent))
		.observe(document.querySelector("#count-sent"), { childList: true, characterData: true, subtree: true }), true)`)
	owner.do("launch", chromedp.Click(chromedp.ID("broadcast-launch")))
	owner.until("the confirmation asked with the eligible count and the cost", fmt.Sprintf(`window.e2eConfirm.startsWith("Launch “Autumn sale”?") &&
		window.e2eConfirm.includes("20 recipients get the message; 2 skipped") && window.e2eConfirm.includes(%s)`, js("(rate table "+plan.Cost.RateTable)))
	owner.until("sending, then completed, the counters at the end without a reload", `window.e2eNoReload === true &&
		document.querySelector("#detail-status").dataset.status === "completed" && document.querySelector("#compose-form").hidden && document.querySelector("#plan").hidden &&
		document.querySelector("#count-sent").textContent === "18" && document.querySelector("#count-failed").textContent === "2" &&
		document.querySelector("#count-skipped").textContent === "2" && document.querySelector("#count-pending").textContent === "0" &&
		document.querySelector("#bc-progress").value === 22 && document.querySelector("#bc-progress-text").textContent.startsWith("22 of 22 done")`)
	owner.until("the sent counter seen on its way", `window.e2eSent.some(v => Number(v) > 0 && Number(v) < 18)`)
	owner.until("deliveries counted as they come", `document.querySelector("#count-delivered").textContent === "18" && !document.querySelector("#bc-followups").hidden`)

	// The recipients: everyone, then the skipped, then the failed.
	owner.until("everyone listed", `document.querySelectorAll("#recipients tbody tr").length === 22`)
	choose("rcpt-state", "skipped")
	owner.until("the two skipped, with why", `(rows => rows.length === 2 && rows.every(r => r.dataset.outcome === "skipped" &&
		r.querySelector(".bc-rcpt-reason").textContent === "No opt-in recorded"))([...document.querySelectorAll("#recipients tbody tr")]) &&
		document.querySelector("#recipients").dataset.group === "skipped"`)
	choose("rcpt-state", "failed")
	var failed struct {
		Data []struct {
			Phone string `json:"phone"`
			Error *struct {
				Code    int    `json:"code"`
				Title   string `json:"title"`
				Meaning string `json:"meaning"`
				Remedy  string `json:"remedy"`
			} `json:"error"`
		} `json:"data"`
	}
	a.do(t, "GET", "/api/v1/broadcasts/"+id+"/recipients?state=failed", nil, http.StatusOK, &failed)
	if len(failed.Data) != 2 || failed.Data[0].Error == nil || failed.Data[0].Error.Code != 131049 {
		t.Fatalf("failed recipients from the API: %+v", failed.Data)
	}
	e := failed.Data[0].Error
	owner.until("the two failed with Meta's code, title, meaning and remedy", fmt.Sprintf(`(rows => rows.length === 2 &&
		rows.every(r => r.dataset.outcome === "failed" && r.querySelector('.bc-error[data-code="131049"]')) &&
		rows[0].querySelector(".bc-rcpt-phone").textContent === %s &&
		rows[0].querySelector(".bc-error-title").textContent === %s &&
		rows[0].querySelector(".bc-error-meaning").textContent === %s &&
		rows[0].querySelector(".bc-error-remedy").textContent === %s)([...document.querySelectorAll("#recipients tbody tr")])`,
		js(failed.Data[0].Phone), js(fmt.Sprintf("Meta error %d: %s", e.Code, e.Title)), js(e.Meaning), js("What to do: "+e.Remedy)))
	csvHref := eval[string](owner, `document.querySelector("#rcpt-csv").getAttribute("href")`)
	if csvHref != "/api/v1/broadcasts/"+id+"/recipients.csv?state=failed" {
		t.Fatalf("CSV link %q", csvHref)
	}
	code, body := call(t, "GET", srv.URL+csvHref, a.key, nil)
	if lines := strings.Split(strings.TrimSpace(string(body)), "\n"); code != http.StatusOK || len(lines) != 3 || !strings.HasPrefix(lines[0], "phone,name,outcome") ||
		!strings.Contains(lines[1], "131049") {
		t.Fatalf("CSV export: %d %s", code, body)
	}

	// A follow-up to the retryable failures, in one click.
	owner.do("follow up the retryable failures", chromedp.Click(chromedp.CSS(`.bc-followup[data-group="failed_retryable"]`)))
	owner.until("the follow-up draft open, its audience the two", fmt.Sprintf(`location.hash !== "#b=%[1]s" && /^#b=\d+$/.test(location.hash) &&
		document.querySelector("#detail-status").dataset.status === "draft" && !document.querySelector("#compose-form").hidden &&
		!document.querySelector("#bc-followup-note").hidden && document.querySelector("#bc-audience-fields").hidden &&
		document.querySelector("#detail-parent a").getAttribute("href") === "#b=%[1]s" &&
		document.querySelector("#bc-template").value === %[2]s && document.querySelector("#bc-param-2").value === "{{city|your town}}" &&
		document.querySelector("#plan").dataset.loaded === "true" && %[3]s.textContent === "2"`, id, js(tpl+"|en_US"), fact("eligible")))

	// Scheduled for later in London: paused, resumed, canceled.
	choose("bc-timezone", "Europe/London")
	owner.do("schedule it", chromedp.SetValue(chromedp.ID("bc-schedule"), "2031-03-02T09:30"), chromedp.Click(chromedp.ID("compose-save")))
	owner.until("the plan's start, the button says Schedule", fmt.Sprintf(`document.querySelector("#compose-status").textContent.startsWith("Draft saved") &&
		document.querySelector("#plan").dataset.loaded === "true" && !!%s && document.querySelector("#broadcast-launch").textContent === "Schedule" &&
		!document.querySelector("#broadcast-launch").disabled`, fact("starts_at")))
	owner.do("schedule", chromedp.Click(chromedp.ID("broadcast-launch")))
	owner.until("scheduled, with pause and cancel", `document.querySelector("#detail-status").dataset.status === "scheduled" &&
		document.querySelector('#detail-summary dd[data-fact="schedule"]').textContent.includes("Mar 2, 2031") &&
		!document.querySelector("#broadcast-pause").hidden && !document.querySelector("#broadcast-cancel").hidden &&
		document.querySelector("#broadcast-resume").hidden && document.querySelector("#results-live").hidden &&
		document.querySelector("#results-note").textContent.startsWith("Recipients are chosen when sending starts")`)
	owner.do("pause", chromedp.Click(chromedp.ID("broadcast-pause")))
	owner.until("paused, the reason and the remedy shown", `document.querySelector("#detail-status").dataset.status === "paused" &&
		(r => !r.hidden && r.dataset.code === "paused" && r.querySelector(".remedy").textContent.startsWith("Resume it"))(document.querySelector("#detail-reason")) &&
		!document.querySelector("#broadcast-resume").hidden && document.querySelector("#broadcast-pause").hidden`)
	owner.do("resume", chromedp.Click(chromedp.ID("broadcast-resume")))
	owner.until("scheduled again", `document.querySelector("#detail-status").dataset.status === "scheduled" && document.querySelector("#detail-reason").hidden`)
	owner.do("cancel", chromedp.Click(chromedp.ID("broadcast-cancel")))
	owner.until("canceled after a confirm, nothing left to steer", `document.querySelector("#detail-status").dataset.status === "canceled" &&
		window.e2eConfirm.startsWith("Cancel “") && document.querySelector("#detail-reason").dataset.code === "canceled" &&
		document.querySelector("#broadcast-pause").hidden && document.querySelector("#broadcast-resume").hidden && document.querySelector("#broadcast-cancel").hidden`)

	_ = eval[bool](owner, fmt.Sprintf(`(location.hash = "#b=%s", true)`, id))
	owner.until("the first broadcast again", `document.querySelector("#detail-status").dataset.status === "completed"`)

	// Back to the list: both, with their counts.
	owner.do("back to the list", chromedp.Click(chromedp.ID("back-to-list")))
	owner.until("the list", fmt.Sprintf(`!document.querySelector("#list-view").hidden &&
		(li => !!li && li.dataset.status === "completed" && li.querySelector(".bc-item-counts").textContent.startsWith("18 of 20 sent"))(document.querySelector('#broadcast-list li[data-id="%s"]')) &&
		document.querySelectorAll("#broadcast-list li.bc-item").length === 2 && window.e2eNoReload === true`, id))

	// At a phone's width nothing runs off the side.
	owner.do("a phone's width", chromedp.EmulateViewport(375, 800))
	owner.until("the list fits", `document.documentElement.scrollWidth <= 375`)
	_ = eval[bool](owner, fmt.Sprintf(`(location.hash = "#b=%s", true)`, id))
	owner.until("the results fit", `document.querySelector("#recipients").dataset.loaded === "true" && document.querySelectorAll("#recipients tbody tr").length === 22 &&
		document.documentElement.scrollWidth <= 375`)
	owner.noExceptions()

	// An agent follows the broadcast without any control.
	const email, password = "agent.broadcasts@example.com", "agent password 1"
	mustRun(t, env, "user", "create", "--email", email, "--password", password, "--name", "Agent Smith", "--role", "agent")
	agent := newTab(t, browser, "agent", chromedp.WithNewBrowserContext())
	agent.login(srv.URL, email, password)
	agent.do("open the broadcast", chromedp.Navigate(srv.URL+"/broadcasts#b="+id))
	agent.until("its results, read-only", `document.querySelector("#detail-status").dataset.status === "completed" &&
		document.querySelector("#count-sent").textContent === "18" && !document.querySelector("#detail-summary").hidden &&
		document.querySelectorAll("#recipients tbody tr").length === 22 &&
		!document.querySelector("#compose-form, #broadcast-launch, #broadcast-pause, #broadcast-cancel, .bc-followup, #import-form, #broadcast-new")`)
	agent.do("open the list", chromedp.Click(chromedp.ID("back-to-list")))
	agent.until("the list without the import", `!document.querySelector("#list-view").hidden && document.querySelectorAll("#broadcast-list li.bc-item").length === 2 &&
		!document.querySelector("#contact-import")`)
	agent.noExceptions()
}

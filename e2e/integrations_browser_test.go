package e2e

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestIntegrationsBrowserHubSpot: on a sandbox node the owner's private
// app token is refused by HubSpot (shown on the page, which stays); the
// owner then connects HubSpot through OAuth (the simulator consents by
// itself and sends the browser back) and sees the card active with a sync
// log that records the connection; saves the field mapping and finds it again after a reload;
// adds a stage rule picked from HubSpot's pipelines, listed with the
// stage's name, and tests it against a deal HubSpot does not have. A
// customer's first message makes a HubSpot contact, which the inbox links
// to. An agent sees all of it without the controls that change it; the
// owner disconnects and the card offers to connect again.
func TestIntegrationsBrowserHubSpot(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	env := sqliteEnv(t)
	srv := startServer(t, "serve", env...)
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	sandboxNumber(t, a)

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	href := eval[string](owner, `document.querySelector("a#nav-integrations").getAttribute("href")`)
	owner.do("open the integrations page", chromedp.Navigate(srv.URL+href))
	const hubspot, zoho = `document.querySelector("#crm-hubspot")`, `document.querySelector("#crm-zoho")`
	owner.until("both CRMs, not connected", fmt.Sprintf(`location.pathname === "/integrations" &&
		document.querySelector("main.integrations").getAttribute("aria-busy") === "false" &&
		%[1]s.dataset.connected === "false" && %[2]s.dataset.connected === "false" &&
		%[1]s.querySelector(".crm-status").dataset.status === "none" && !!%[1]s.querySelector(".crm-oauth") &&
		!!%[2]s.querySelector(".crm-oauth") && !!%[1]s.querySelector(".crm-manual-form") &&
		document.querySelector("#integrations-readonly").hidden && document.querySelector("#integrations-notice").hidden`, hubspot, zoho))

	// A token HubSpot refuses (the sandbox takes any "pat-…" token, as a
	// stand-in for private apps must): the page stays and shows HubSpot's
	// refusal with its remedy.
	owner.do("try a bogus private app token",
		chromedp.Click(chromedp.CSS("#crm-hubspot .crm-manual summary")),
		chromedp.SendKeys(chromedp.ID("hubspot-token"), "na1-not-a-private-app-token"),
		chromedp.Click(chromedp.CSS("#crm-hubspot .crm-manual-submit")))
	owner.until("HubSpot's refusal, on the page", fmt.Sprintf(`location.pathname === "/integrations" &&
		(b => !b.hidden && b.textContent.includes("HubSpot") && b.querySelector(".remedy").textContent !== "")(%[1]s.querySelector(".crm-manual-form .alert")) &&
		%[1]s.querySelector(".crm-manual-form .panel-status").textContent.startsWith("Not connected") && %[1]s.dataset.connected === "false"`, hubspot))

	// OAuth: out to the simulated HubSpot and back with ?connected=hubspot.
	// The notice is hidden until the page comes back: waiting for it
	// outlasts the navigations, which a poll in the page would not.
	owner.do("connect with OAuth", chromedp.Click(chromedp.CSS("#crm-hubspot .crm-oauth")), chromedp.WaitVisible(chromedp.ID("integrations-notice")))
	owner.until("back on the page with HubSpot active", fmt.Sprintf(`location.pathname === "/integrations" && location.search === "" &&
		(n => !n.hidden && n.dataset.kind === "success" && n.dataset.provider === "hubspot" && n.textContent.startsWith("Connected to HubSpot"))(document.querySelector("#integrations-notice")) &&
		%[1]s.dataset.connected === "true" && %[1]s.querySelector(".crm-status").dataset.status === "active" &&
		%[1]s.querySelector(".crm-auth").textContent === "OAuth" && %[1]s.querySelector(".crm-account").textContent.length > 2 &&
		%[1]s.querySelector(".queue-events").textContent !== "" &&
		%[1]s.querySelector("#hubspot-workflow-url").value.includes("/webhooks/hubspot/workflow?key=") &&
		%[1]s.querySelector("#hubspot-webhook-url").value.endsWith("/webhooks/hubspot") &&
		%[2]s.dataset.connected === "false"`, hubspot, zoho))
	var list struct {
		Data []map[string]any `json:"data"`
	}
	a.do(t, "GET", "/api/v1/integrations", nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0]["provider"] != "hubspot" || list.Data[0]["auth"] != "oauth" || list.Data[0]["status"] != "active" {
		t.Fatalf("connections after OAuth: %+v", list.Data)
	}
	if got, want := eval[string](owner, `document.querySelector("#crm-hubspot .crm-account").textContent`), fmt.Sprint(list.Data[0]["account_id"]); !strings.Contains(got, want) {
		t.Errorf("account shown as %q, want it to include the portal id %q", got, want)
	}

	// The sync log records the connection.
	owner.do("refresh the log", chromedp.Click(chromedp.CSS("#crm-hubspot .crm-log-refresh")))
	owner.until("the connection in the sync log", `[...document.querySelectorAll("#crm-hubspot .crm-log-row")].some(r =>
		r.dataset.kind === "connection" && r.dataset.status === "ok" && r.querySelector(".log-status").textContent === "Ok")`)

	// Field mapping: saved, refused, kept across reloads.
	settings := `document.querySelector("#crm-hubspot .crm-settings")`
	// Right after a reload the card is still being filled in: no section yet.
	settingsLoaded := fmt.Sprintf(`(s => !!s && s.dataset.loaded === "true" && !s.querySelector("fieldset").disabled)(%s)`, settings)
	owner.until("the settings, with the defaults", settingsLoaded+` &&
		document.querySelector("#hubspot-settings-create-leads").checked && document.querySelector("#hubspot-settings-log-messages").checked &&
		!document.querySelector("#crm-hubspot .crm-settings select")`)
	save := chromedp.Click(chromedp.CSS("#crm-hubspot .crm-settings-save"))
	settingsStatus := settings + `.querySelector(".panel-status").textContent`
	setRow := func(i int, name, value string) {
		t.Helper()
		_ = eval[bool](owner, fmt.Sprintf(`(r => { const [k, v] = r.querySelectorAll("input"); k.value = %s; v.value = %s; return true })(%s.querySelectorAll(".crm-field-row")[%d])`,
			js(name), js(value), settings, i))
	}
	owner.do("untick logging and map two fields",
		chromedp.Click(chromedp.ID("hubspot-settings-log-messages")),
		chromedp.Click(chromedp.CSS("#crm-hubspot .crm-field-add")),
		chromedp.Click(chromedp.CSS("#crm-hubspot .crm-field-add")))
	setRow(0, "lifecyclestage", "lead")
	setRow(1, "", "{{contact.opt_in}}")
	owner.do("save with a nameless field", save)
	owner.until("the nameless field refused in the page", fmt.Sprintf(`%s.startsWith("Not saved") &&
		%s.querySelectorAll(".crm-field-row")[1].querySelector("input").getAttribute("aria-invalid") === "true" &&
		!document.querySelector("#hubspot-settings-fields-error").hidden`, settingsStatus, settings))
	setRow(1, "whatsapp_opt_in", "{{contact.opt_in}}")
	owner.do("save", save)
	owner.until("saved", fmt.Sprintf(`%s.startsWith("Saved") && document.querySelector("#hubspot-settings-fields-error").hidden`, settingsStatus))
	var st struct {
		CreateLeads bool              `json:"create_leads"`
		LogMessages bool              `json:"log_messages"`
		Fields      map[string]string `json:"fields"`
	}
	a.do(t, "GET", "/api/v1/integrations/hubspot/settings", nil, http.StatusOK, &st)
	if !st.CreateLeads || st.LogMessages || st.Fields["lifecyclestage"] != "lead" || st.Fields["whatsapp_opt_in"] != "{{contact.opt_in}}" || len(st.Fields) != 2 {
		t.Fatalf("settings after saving: %+v", st)
	}
	owner.do("reload", chromedp.Navigate(srv.URL+"/integrations"))
	owner.until("the saved settings after a reload", settingsLoaded+fmt.Sprintf(` && %s.querySelectorAll(".crm-field-row").length === 2 &&
		!document.querySelector("#hubspot-settings-log-messages").checked && document.querySelector("#hubspot-settings-create-leads").checked &&
		[...%s.querySelectorAll(".crm-field-row input")].map(i => i.value).join("|").includes("lifecyclestage|lead")`, settings, settings))
	owner.do("tick logging again, drop a field and save",
		chromedp.Click(chromedp.ID("hubspot-settings-log-messages")),
		chromedp.Click(chromedp.CSS("#crm-hubspot .crm-field-row:nth-child(2) .crm-field-remove")),
		save)
	owner.until("saved again", settingsStatus+`.startsWith("Saved")`)
	owner.do("reload", chromedp.Navigate(srv.URL+"/integrations"))
	owner.until("logging on and one field after a reload", settingsLoaded+fmt.Sprintf(` && %s.querySelectorAll(".crm-field-row").length === 1 &&
		document.querySelector("#hubspot-settings-log-messages").checked`, settings))

	// A stage rule, picked from HubSpot's pipelines.
	rules := `document.querySelector("#crm-hubspot .crm-rules")`
	owner.until("the pipelines and an empty rule list", fmt.Sprintf(`%[1]s.dataset.loaded === "true" && %[1]s.dataset.pipelines === "loaded" &&
		!%[1]s.querySelector(".rules-empty").hidden && !%[1]s.querySelector(".rule-form fieldset").disabled &&
		[...document.querySelectorAll("#hubspot-rule-pipeline option")].some(o => o.value === "default" && o.textContent === "Sales Pipeline")`, rules))
	_ = eval[bool](owner, `(s => { s.value = "default"; s.dispatchEvent(new Event("change")); return true })(document.querySelector("#hubspot-rule-pipeline"))`)
	owner.until("the stages of the Sales Pipeline", `[...document.querySelectorAll("#hubspot-rule-stage option")].some(o => o.value === "qualifiedtobuy" && o.textContent === "Qualified To Buy")`)
	_ = eval[bool](owner, `(s => { s.value = "qualifiedtobuy"; s.dispatchEvent(new Event("change")); return true })(document.querySelector("#hubspot-rule-stage"))`)

	// Any approved template is offered; without one, any name will do
	// (rules do not check that the template exists).
	var tpls struct {
		Data []struct{ Name, Language, Status string } `json:"data"`
	}
	a.do(t, "GET", "/api/v1/templates", nil, http.StatusOK, &tpls)
	tplName, tplLang := "deal_qualified", "en_US"
	for _, tp := range tpls.Data {
		if tp.Status == "APPROVED" {
			tplName, tplLang = tp.Name, tp.Language
			owner.until("the approved template offered", fmt.Sprintf(`[...document.querySelectorAll("#hubspot-rule-templates option")].some(o => o.value === %s)`, js(tplName)))
			break
		}
	}
	const param = "{{contact.firstname|there}}"
	owner.do("describe the rule",
		chromedp.SendKeys(chromedp.ID("hubspot-rule-template"), tplName),
		chromedp.SetValue(chromedp.ID("hubspot-rule-language"), tplLang),
		chromedp.SetValue(chromedp.ID("hubspot-rule-params"), param))
	owner.do("add the rule", chromedp.Click(chromedp.CSS("#crm-hubspot .rule-add")))
	rule := `[...document.querySelectorAll("#crm-hubspot tr.crm-rule")].find(r => r.dataset.stage === "qualifiedtobuy")`
	owner.until("the rule listed with the stage's name", fmt.Sprintf(`(r => !!r && r.querySelector(".rule-stage-label").textContent === "Qualified To Buy" &&
		r.querySelector(".rule-pipeline").textContent.includes("Sales Pipeline") &&
		r.querySelector(".rule-template-name").textContent === %s && r.querySelector(".rule-param").textContent === %s)(%s) &&
		%s.querySelector(".panel-status").textContent.startsWith("Added") && document.querySelector("#hubspot-rule-template").value === ""`,
		js(tplName), js(param), rule, rules))
	var rl struct {
		Data []struct {
			ID         int64  `json:"id"`
			PipelineID string `json:"pipeline_id"`
			StageID    string `json:"stage_id"`
			Template   struct {
				Name, Language string
				Parameters     []string
			} `json:"template"`
		} `json:"data"`
	}
	a.do(t, "GET", "/api/v1/integrations/hubspot/rules", nil, http.StatusOK, &rl)
	if len(rl.Data) != 1 || rl.Data[0].PipelineID != "default" || rl.Data[0].StageID != "qualifiedtobuy" || rl.Data[0].Template.Name != tplName ||
		rl.Data[0].Template.Language != tplLang || len(rl.Data[0].Template.Parameters) != 1 || rl.Data[0].Template.Parameters[0] != param {
		t.Fatalf("rules after adding one: %+v", rl.Data)
	}

	// Testing it against a deal HubSpot does not have: the refusal is
	// shown in the rule's test box, and nothing is sent.
	testRow := fmt.Sprintf(`document.querySelector('#crm-hubspot tr.crm-rule[data-id="%d"]').nextElementSibling`, rl.Data[0].ID)
	owner.do("open the test form", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#crm-hubspot tr.crm-rule[data-id="%d"] .rule-test`, rl.Data[0].ID))))
	owner.until("the deal id field", fmt.Sprintf(`!%s.hidden && document.activeElement === document.getElementById("hubspot-rule-%d-deal")`, testRow, rl.Data[0].ID))
	owner.do("test with an unknown deal",
		chromedp.SendKeys(chromedp.ID("hubspot-rule-"+strconv.FormatInt(rl.Data[0].ID, 10)+"-deal"), "999999999"),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`#crm-hubspot tr.crm-rule[data-id="%d"] + tr .rule-test-run`, rl.Data[0].ID))))
	owner.until("the CRM's answer", fmt.Sprintf(`(r => r.querySelector(".panel-status").textContent.startsWith("Not tested") &&
		(r.querySelector(".alert:not([hidden])") || r.querySelector(".field-error:not([hidden])")) !== null)(%s)`, testRow))

	// A customer's first message makes a HubSpot contact; the inbox links
	// to it.
	sim := simCtl{base: srv.URL + "/sim"}
	const ada, adaWaID = "Ada Lovelace", "447700900404"
	sim.text(t, sandboxPhoneID, adaWaID, ada, "Hello, is my quote ready?")
	var contactID, convID int64
	if !eventually(waitTimeout, func() bool {
		var cs struct {
			Data []struct {
				ID      int64 `json:"id"`
				Contact struct {
					ID   int64  `json:"id"`
					WaID string `json:"wa_id"`
				} `json:"contact"`
			} `json:"data"`
		}
		a.do(t, "GET", "/api/v1/conversations?limit=200", nil, http.StatusOK, &cs)
		for _, c := range cs.Data {
			if c.Contact.WaID == adaWaID {
				contactID, convID = c.Contact.ID, c.ID
			}
		}
		return contactID != 0
	}) {
		t.Fatal("no conversation with the customer")
	}
	var recs struct {
		Data []struct{ Provider, ID, URL string } `json:"data"`
	}
	if !eventually(3*waitTimeout, func() bool {
		a.do(t, "GET", fmt.Sprintf("/api/v1/contacts/%d/crm", contactID), nil, http.StatusOK, &recs)
		return len(recs.Data) > 0 && recs.Data[0].URL != ""
	}) {
		t.Fatalf("the customer never became a HubSpot contact: %+v", recs.Data)
	}
	owner.do("open the inbox", chromedp.Navigate(srv.URL+"/"))
	owner.until("Ada's conversation", fmt.Sprintf(`!!%s`, convItem(ada)))
	owner.do("open it", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, convID))))
	owner.until("the link to the HubSpot contact", fmt.Sprintf(`(a => !!a && a.textContent === "Open in HubSpot" && a.getAttribute("href") === %s &&
		a.target === "_blank" && a.rel === "noopener")(document.querySelector('#conv-crm a[data-provider="hubspot"]'))`, js(recs.Data[0].URL)))

	// An agent sees the connection, its settings and rules, read-only.
	const email, password = "agent@example.com", "agent password 1"
	mustRun(t, env, "user", "create", "--email", email, "--password", password, "--name", "Agent Smith", "--role", "agent")
	agent := newTab(t, browser, "agent", chromedp.WithNewBrowserContext())
	agent.login(srv.URL, email, password)
	agent.do("open the integrations page", chromedp.Navigate(srv.URL+"/integrations"))
	agent.until("everything, without the controls", fmt.Sprintf(`(h => h.dataset.connected === "true" &&
		h.querySelector(".crm-settings").dataset.loaded === "true" && h.querySelector(".crm-settings fieldset").disabled &&
		h.querySelector(".crm-rules").dataset.loaded === "true" && h.querySelectorAll("tr.crm-rule").length === 1 &&
		h.querySelector(".rule-stage-label").textContent === "Qualified To Buy" &&
		h.querySelector(".crm-log").dataset.loaded === "true" &&
		!h.querySelector(".crm-disconnect, .crm-settings-save, .rule-form, .rule-test, .rule-delete, .crm-log-retry, #hubspot-workflow-url"))(%s) &&
		%s.dataset.connected === "false" && !document.querySelector("#crm-zoho .crm-oauth, #crm-zoho form") &&
		!document.querySelector("#integrations-readonly").hidden`, hubspot, zoho))
	agent.noExceptions()

	// Disconnecting (confirmed) brings back the offer to connect.
	owner.do("back to the integrations page", chromedp.Navigate(srv.URL+"/integrations"))
	owner.until("the connected card", fmt.Sprintf(`%[1]s.dataset.connected === "true" && !!%[1]s.querySelector(".crm-disconnect")`, hubspot))
	_ = eval[bool](owner, `(window.confirm = (m) => { window.e2eConfirmed = m; return true }, true)`)
	owner.do("disconnect", chromedp.Click(chromedp.CSS("#crm-hubspot .crm-disconnect")))
	owner.until("HubSpot not connected again", fmt.Sprintf(`%[1]s.dataset.connected === "false" && %[1]s.querySelector(".crm-status").dataset.status === "none" &&
		!!%[1]s.querySelector(".crm-oauth") && !%[1]s.querySelector(".crm-settings, .crm-rules, .crm-log") &&
		window.e2eConfirmed.startsWith("Disconnect HubSpot?") &&
		document.querySelector("#integrations-status").textContent === "Disconnected HubSpot."`, hubspot))
	a.do(t, "GET", "/api/v1/integrations", nil, http.StatusOK, &list)
	if len(list.Data) != 0 {
		t.Errorf("connections after disconnecting: %+v", list.Data)
	}
	owner.noExceptions()
}

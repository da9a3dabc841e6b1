package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// approvedTemplate creates a UTILITY template with two body parameters,
// has the simulated reviewer approve it and syncs it back.
func approvedTemplate(t *testing.T, a api, sim simCtl, wabaID, name string) {
	t.Helper()
	a.do(t, "POST", "/api/v1/templates", map[string]any{
		"name": name, "language": "en_US", "category": "UTILITY",
		"components": []map[string]any{{
			"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped and will arrive soon.",
			"example": map[string]any{"body_text": [][]string{{"Ada", "A-1234"}}},
		}},
	}, http.StatusCreated, nil)
	sim.post(t, "/_sim/templates/status", map[string]string{"waba_id": wabaID, "name": name, "language": "en_US", "event": "APPROVED"}, nil)
	a.do(t, "POST", "/api/v1/templates/sync", nil, http.StatusOK, nil)
}

// TestClosedWindowInBrowser: a customer who opted in on a website but
// never wrote has a closed window. The composer's free text gives way to
// the template picker, a template goes out from it, and each message
// shows why the rules let it out.
func TestClosedWindowInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, num, sim := app.srv, app.a, app.num, app.sim
	const tplName = "order_shipped_window_e2e"
	approvedTemplate(t, a, sim, num.WABAID, tplName)

	const bo, boPhone, boWaID = "Bo Window", "+447700900404", "447700900404"
	var contact struct{ ID int64 }
	a.do(t, "POST", "/api/v1/contacts", map[string]string{"phone": boPhone, "name": bo}, http.StatusCreated, &contact)
	a.do(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/consent", contact.ID), map[string]string{
		"action": "opt_in", "source": "website", "evidence": "signup form, checkbox 'WhatsApp updates'",
	}, http.StatusCreated, nil)
	// Free text is refused outright; a template starts the conversation.
	code, body := call(t, "POST", srv.URL+"/api/v1/messages", a.key, map[string]any{"to": boWaID, "type": "text", "text": map[string]string{"body": "hi"}})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("free text to a closed window: %d %s", code, body)
	}
	a.do(t, "POST", "/api/v1/messages", map[string]any{
		"to": boWaID, "type": "template", "template": map[string]any{"name": tplName, "language": "en_US", "parameters": []string{"Bo", "B-1"}},
	}, http.StatusAccepted, nil)

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.until("Bo's conversation", fmt.Sprintf(`!!%s`, convItem(bo)))
	conv := a.conversationWith(t, boWaID)
	owner.do("open Bo's conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, conv.ID))))
	owner.until("the closed window: picker shown, free text gone", `document.querySelector("#window-state").dataset.open === "false" &&
		document.querySelector("#window-state").textContent.includes("only approved templates") &&
		!document.querySelector("#template-picker").hidden && document.querySelector("#composer-free").hidden`)
	owner.until("the first template with why it was sent", `[...document.querySelectorAll('#thread div.message[data-type="template"] details.decision')].some(d =>
		d.querySelector("summary").textContent.includes("business-initiated") && d.textContent.includes("opted in") && d.textContent.includes("approved"))`)

	label := tplName + " (en_US, UTILITY)"
	owner.until("the template in the picker", fmt.Sprintf(`[...document.querySelectorAll("#template-select option")].some(o => o.textContent === %s)`, js(label)))
	_ = eval[bool](owner, fmt.Sprintf(`(s => { s.value = [...s.options].find(o => o.textContent === %s).value; s.dispatchEvent(new Event("change")); return true })(document.querySelector("#template-select"))`, js(label)))
	owner.until("two parameter fields", `document.querySelectorAll("input.template-param").length === 2`)
	_ = eval[bool](owner, `(i => { i.value = ""; i.dispatchEvent(new Event("input")); return true })(document.querySelector('input.template-param[data-index="1"]'))`)
	owner.do("fill the parameters",
		chromedp.SendKeys(chromedp.CSS(`input.template-param[data-index="1"]`), "Bo"),
		chromedp.SendKeys(chromedp.CSS(`input.template-param[data-index="2"]`), "B-2"),
	)
	owner.until("the live preview", `document.querySelector("#template-preview").textContent.includes("Hello Bo, your order B-2 has shipped")`)
	owner.do("send the template", chromedp.Click(chromedp.ID("template-send")))
	owner.until("two templates in the thread, and the picker still in place", `document.querySelectorAll('#thread div.message[data-type="template"]').length === 2 &&
		!document.querySelector("#template-picker").hidden && document.querySelector("#composer-free").hidden`)

	// Bo answers: the window opens and free text comes back.
	sim.text(t, sandboxPhoneID, boWaID, bo, "Thanks!")
	owner.until("the window open again", `document.querySelector("#window-state").dataset.open === "true" && !document.querySelector("#composer-free").hidden &&
		document.querySelector("#template-picker").hidden`)
	owner.noExceptions()
}

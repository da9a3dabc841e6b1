package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTemplatePickerAndComplianceInBrowser: an approved template synced
// from the simulator is sent from the composer's template picker (chosen,
// filled in, previewed live), and a send the API refused shows up on the
// compliance page under its code; on the same page the owner edits the
// opt-out keywords.
func TestTemplatePickerAndComplianceInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, num, sim := app.srv, app.a, app.num, app.sim

	// An approved template: submitted, approved by the simulated reviewer,
	// synced back.
	const tplName = "order_shipped_e2e"
	var created struct{ ID int64 }
	a.do(t, "POST", "/api/v1/templates", map[string]any{
		"name": tplName, "language": "en_US", "category": "UTILITY",
		"components": []map[string]any{{
			"type": "BODY", "text": "Hello {{1}}, your order {{2}} has shipped and will arrive soon.",
			"example": map[string]any{"body_text": [][]string{{"Ada", "A-1234"}}},
		}},
	}, http.StatusCreated, &created)
	sim.post(t, "/_sim/templates/status", map[string]string{"waba_id": num.WABAID, "name": tplName, "language": "en_US", "event": "APPROVED"}, nil)
	a.do(t, "POST", "/api/v1/templates/sync", nil, http.StatusOK, nil)

	// A customer writes: the window is open.
	const ada, adaWaID = "Ada Lovelace", "447700900303"
	sim.text(t, sandboxPhoneID, adaWaID, ada, "Where is my order?")

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.until("Ada's conversation", fmt.Sprintf(`!!%s`, convItem(ada)))
	conv := a.conversationWith(t, adaWaID)
	owner.do("open Ada's conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, conv.ID))))
	owner.until("the open window with its template toggle", `document.querySelector("#window-state").dataset.open === "true" &&
		!document.querySelector("#template-toggle").hidden && document.querySelector("#template-picker").hidden`)

	// Pick the template.
	owner.do("reveal the picker", chromedp.Click(chromedp.ID("template-toggle")))
	label := tplName + " (en_US, UTILITY)"
	owner.until("the approved template in the picker", fmt.Sprintf(`!document.querySelector("#template-picker").hidden &&
		[...document.querySelectorAll("#template-select option")].some(o => o.textContent === %s)`, js(label)))
	_ = eval[bool](owner, fmt.Sprintf(`(s => { s.value = [...s.options].find(o => o.textContent === %s).value; s.dispatchEvent(new Event("change")); return true })(document.querySelector("#template-select"))`, js(label)))
	owner.until("two parameters, the first suggesting the customer's name", fmt.Sprintf(`document.querySelectorAll("input.template-param").length === 2 &&
		document.querySelector('input.template-param[data-index="1"]').value === %s &&
		document.querySelector('input.template-param[data-index="2"]').classList.contains("empty")`, js(ada)))
	owner.until("the preview with the gap visible", `document.querySelector("#template-preview").textContent.includes("your order {{2}} has shipped")`)

	// The empty parameter blocks the send.
	owner.do("try to send with a gap", chromedp.Click(chromedp.ID("template-send")))
	owner.until("the gap reported", `!document.querySelector("#template-status").hidden && document.querySelector("#template-status").classList.contains("error")`)

	_ = eval[bool](owner, `(i => { i.value = ""; i.dispatchEvent(new Event("input")); return true })(document.querySelector('input.template-param[data-index="1"]'))`)
	owner.do("fill the parameters",
		chromedp.SendKeys(chromedp.CSS(`input.template-param[data-index="1"]`), "Ada"),
		chromedp.SendKeys(chromedp.CSS(`input.template-param[data-index="2"]`), "A-1234"),
	)
	owner.until("the live preview", `document.querySelector("#template-preview").textContent.includes("Hello Ada, your order A-1234 has shipped")`)
	owner.do("send the template", chromedp.Click(chromedp.ID("template-send")))
	owner.until("the template message in the thread", fmt.Sprintf(`[...document.querySelectorAll('#thread div.message[data-direction="outbound"][data-type="template"]')].some(m =>
		m.querySelector(".text").textContent.includes(%s))`, js(tplName)))
	owner.until("the picker closed again", `document.querySelector("#template-picker").hidden && !document.querySelector("#composer-free").hidden`)

	// A send the API refuses (a parameter missing) is listed on the
	// compliance page.
	code, body := call(t, "POST", srv.URL+"/api/v1/messages", a.key, map[string]any{
		"to": adaWaID, "type": "template", "template": map[string]any{"name": tplName, "language": "en_US", "parameters": []string{"Ada"}},
	})
	if code != http.StatusUnprocessableEntity {
		t.Fatalf("refused send: %d %s", code, body)
	}
	var refused apiError
	if !decodes(body, &refused) || refused.Error.Code == "" {
		t.Fatalf("refusal body %s", body)
	}
	href := eval[string](owner, `document.querySelector("a#nav-compliance").getAttribute("href")`)
	owner.do("open the compliance page", chromedp.Navigate(srv.URL+href))
	owner.until("the refusal's code", fmt.Sprintf(`location.pathname === "/compliance" &&
		!!document.querySelector('#compliance-denials .denial-code[data-code=%s]') &&
		document.querySelector('#compliance-numbers .number-card') !== null &&
		[...document.querySelectorAll('#compliance-recent tr.denial')].some(r => r.dataset.code === %s)`, js(refused.Error.Code), js(refused.Error.Code)))

	// The owner adds an opt-out word of her own and switches off a
	// built-in one; both show in the lists.
	owner.until("the keyword lists", `document.querySelector("#keywords").getAttribute("aria-busy") === "false" &&
		!!document.querySelector('#keyword-languages .keyword[data-word="stop"][data-builtin="true"]')`)
	owner.do("add a Hindi opt-out word",
		chromedp.SetValue(chromedp.ID("keyword-language"), "hi"),
		chromedp.SendKeys(chromedp.ID("keyword-word"), "Bas"),
		chromedp.Click(chromedp.ID("keyword-add-submit")),
	)
	owner.until("the word under Hindi", `!!document.querySelector('#keyword-languages .keyword-language[data-language="hi"] .keyword[data-word="bas"][data-builtin="false"][data-enabled="true"]') &&
		document.querySelector("#keyword-word").value === ""`)
	owner.do("switch END off", chromedp.Click(chromedp.CSS(`#keyword-languages .keyword[data-word="end"] .keyword-toggle`)))
	owner.until("END switched off", `document.querySelector('#keyword-languages .keyword[data-word="end"]').dataset.enabled === "false"`)
	owner.noExceptions()
}

package e2e

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// approveTemplateJSON creates a template through the API, has the simulated
// reviewer approve it and syncs it back.
func approveTemplateJSON(t *testing.T, a api, sim simCtl, wabaID string, tpl map[string]any) {
	t.Helper()
	a.do(t, "POST", "/api/v1/templates", tpl, http.StatusCreated, nil)
	sim.post(t, "/_sim/templates/status", map[string]string{"waba_id": wabaID, "name": tpl["name"].(string), "language": tpl["language"].(string), "event": "APPROVED"}, nil)
	a.do(t, "POST", "/api/v1/templates/sync", nil, http.StatusOK, nil)
}

// sentTemplate is the template object of a send, as the simulator got it.
type sentTemplate struct {
	Name       string `json:"name"`
	Components []struct {
		Type       string `json:"type"`
		SubType    string `json:"sub_type"`
		Index      string `json:"index"`
		Parameters []struct {
			Type          string `json:"type"`
			ParameterName string `json:"parameter_name"`
			Text          string `json:"text"`
			Image         *struct {
				Link string `json:"link"`
				ID   string `json:"id"`
			} `json:"image"`
		} `json:"parameters"`
	} `json:"components"`
}

// TestBroadcastsMediaTemplateInBrowser: a template with an image header,
// a named body variable and a dynamic URL button behind a quick reply is
// offered for broadcasts (one with a location header is listed, disabled,
// with why). The owner fills the header link with a field and a fallback,
// the named variable and the button's link ending from contact fields (a
// link ending the server refuses is marked on its input); the draft comes
// back into those inputs, the preview shows the image's
// place, and once launched every recipient's send carries their own
// link, name and link ending.
func TestBroadcastsMediaTemplateInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, num, sim := app.srv, app.a, app.num, app.sim
	const tpl, located = "city_lookbook", "store_map_invite"
	approveTemplateJSON(t, a, sim, num.WABAID, map[string]any{
		"name": tpl, "language": "en_US", "category": "MARKETING", "parameter_format": "NAMED",
		"components": []map[string]any{
			{"type": "HEADER", "format": "IMAGE", "example": map[string]any{"header_handle": []string{"4::aW1hZ2U="}}},
			{"type": "BODY", "text": "Hi {{first_name}}, the new lookbook for your city is out this week.",
				"example": map[string]any{"body_text_named_params": []map[string]string{{"param_name": "first_name", "example": "Ada"}}}},
			{"type": "FOOTER", "text": "Reply STOP to opt out"},
			{"type": "BUTTONS", "buttons": []map[string]any{
				{"type": "QUICK_REPLY", "text": "Not interested"},
				{"type": "URL", "text": "See the offers", "url": "https://shop.example.com/offers/{{1}}", "example": []string{"ldn24"}},
			}},
		},
	})
	approveTemplateJSON(t, a, sim, num.WABAID, map[string]any{
		"name": located, "language": "en_US", "category": "MARKETING",
		"components": []map[string]any{
			{"type": "HEADER", "format": "LOCATION"},
			{"type": "BODY", "text": "Hi {{1}}, our new store opens this weekend.", "example": map[string]any{"body_text": [][]string{{"Ada"}}}},
		},
	})
	// Alan has neither a city nor an offer: the fallbacks fill in.
	importContacts(t, a, "phone,name,tags,opt_in_source,city,offer\n"+
		"+447911124010,Ada Lovelace,lookbook,website form,London,ldn24\n"+
		"+447911124011,Grace Hopper,lookbook,website form,Leeds,lds24\n"+
		"+447911124012,Alan Turing,lookbook,website form,,\n")
	want := map[string]struct{ first, link, offer string }{
		"447911124010": {"Ada", "https://cdn.example.com/London.jpg", "ldn24"},
		"447911124011": {"Grace", "https://cdn.example.com/Leeds.jpg", "lds24"},
		"447911124012": {"Alan", "https://cdn.example.com/all.jpg", "spring"},
	}

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.do("open a new broadcast", chromedp.Navigate(srv.URL+"/broadcasts#new"))
	owner.until("the form with both templates listed", fmt.Sprintf(`document.querySelector("main.broadcasts").dataset.loaded === "true" &&
		!document.querySelector("#compose-form").hidden &&
		[...document.querySelectorAll("#bc-template option")].some(o => o.value === %s && !o.disabled) &&
		[...document.querySelectorAll("#bc-template option")].some(o => o.value === %s)`, js(tpl+"|en_US"), js(located+"|en_US")))
	// The location header stays out, saying why.
	if got := eval[string](owner, fmt.Sprintf(`(o => o.disabled + " " + o.textContent)([...document.querySelectorAll("#bc-template option")].find(o => o.value === %s))`,
		js(located+"|en_US"))); !strings.HasPrefix(got, "true ") || !strings.Contains(got, "has a location header, not for broadcasts") {
		t.Fatalf("the location template's option: %q", got)
	}
	_ = eval[bool](owner, fmt.Sprintf(`(s => { s.value = %s; s.dispatchEvent(new Event("change")); return true })(document.getElementById("bc-template"))`, js(tpl+"|en_US")))
	owner.until("an input per variable: the image link, {{first_name}}, the button's link ending", `document.querySelectorAll("#bc-param-rows input.bc-param").length === 3 &&
		document.querySelector('label[for="bc-header-media"]').textContent === "Header image link" &&
		document.querySelector("#bc-header-media").placeholder === "https://cdn.example.com/{{city|all}}.jpg" &&
		document.querySelector('label[for="bc-param-1"]').textContent === "{{first_name}}" &&
		document.querySelector('label[for="bc-button-1"]').textContent === "Button “See the offers”: link ending" &&
		document.querySelector("#bc-button-1-help").textContent.includes("https://shop.example.com/offers/{{1}}") &&
		!document.querySelector("#bc-button-0") && !document.querySelector("#bc-params").hidden`)
	owner.do("save without the variables", chromedp.Click(chromedp.ID("compose-save")))
	owner.until("each of them marked", `["bc-header-media", "bc-param-1", "bc-button-1"].every(id => document.getElementById(id).getAttribute("aria-invalid") === "true") &&
		document.querySelector("#compose-status").textContent.startsWith("Not saved") && location.hash === "#new"`)
	owner.do("fill in the form",
		chromedp.SetValue(chromedp.ID("bc-name"), "City lookbook"),
		chromedp.SendKeys(chromedp.ID("bc-header-media"), "https://cdn.example.com/{{city|all}}.jpg"),
		chromedp.SendKeys(chromedp.ID("bc-param-1"), "{{first_name|there}}"),
		chromedp.SendKeys(chromedp.ID("bc-button-1"), "{{offer|spring}} now"),
		chromedp.SendKeys(chromedp.ID("bc-tags"), "lookbook"))
	owner.do("save with a space in the link ending", chromedp.Click(chromedp.ID("compose-save")))
	owner.until("the server's refusal under the button's input", `document.querySelector("#bc-button-1").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#bc-button-1-error").textContent.includes("URL-safe") &&
		document.querySelector("#compose-status").textContent.startsWith("Not saved") && location.hash === "#new"`)
	owner.do("save the draft", chromedp.SetValue(chromedp.ID("bc-button-1"), "{{offer|spring}}"), chromedp.Click(chromedp.ID("compose-save")))
	owner.until("the draft's plan, its values back in their inputs", `/^#b=\d+$/.test(location.hash) &&
		document.querySelector("#detail-status").dataset.status === "draft" && document.querySelector("#plan").dataset.loaded === "true" &&
		document.querySelector("#plan-blocked").hidden && document.querySelector('#plan-body dd[data-fact="eligible"]').textContent === "3" &&
		document.querySelector("#bc-header-media").value === "https://cdn.example.com/{{city|all}}.jpg" &&
		document.querySelector("#bc-param-1").value === "{{first_name|there}}" && document.querySelector("#bc-button-1").value === "{{offer|spring}}" &&
		!document.querySelector("#broadcast-launch").disabled`)
	id := strings.TrimPrefix(eval[string](owner, `location.hash`), "#b=")
	var saved struct {
		Template struct {
			Parameters []string            `json:"parameters"`
			Header     map[string]string   `json:"header"`
			BodyNamed  map[string]string   `json:"body_named"`
			Buttons    map[string][]string `json:"buttons"`
		} `json:"template"`
	}
	a.do(t, "GET", "/api/v1/broadcasts/"+id, nil, http.StatusOK, &saved)
	if st := saved.Template; len(st.Parameters) != 0 || len(st.Header) != 1 || st.Header["link"] != "https://cdn.example.com/{{city|all}}.jpg" ||
		st.BodyNamed["first_name"] != "{{first_name|there}}" || len(st.Buttons) != 1 || strings.Join(st.Buttons["1"], ",") != "{{offer|spring}}" {
		t.Fatalf("the saved draft's template: %+v", st)
	}
	owner.until("the preview: the image's place, the named variable filled, the buttons", `(items => items.length === 3 && items.every(li =>
		li.querySelector(".bc-bubble-media").dataset.format === "IMAGE" && !li.dataset.skip &&
		[...li.querySelectorAll(".bc-bubble-button")].map(b => b.textContent).join("|") === "Not interested|See the offers") &&
		items.some(li => li.querySelector(".bc-bubble-body").textContent === "Hi Ada, the new lookbook for your city is out this week."))
		([...document.querySelectorAll("#preview-list li.bc-preview-item")])`)

	_ = eval[bool](owner, `(window.confirm = () => true, true)`)
	owner.do("launch", chromedp.Click(chromedp.ID("broadcast-launch")))
	owner.until("all three sent", `document.querySelector("#detail-status").dataset.status === "completed" &&
		document.querySelector("#count-sent").textContent === "3" && document.querySelector("#count-failed").textContent === "0"`)
	owner.until("the summary shows every value", `(f => f("header") === "https://cdn.example.com/{{city|all}}.jpg" &&
		f("parameters").includes("{{first_name}} = {{first_name|there}}") && f("button-1") === "{{offer|spring}}")
		(k => document.querySelector('#detail-summary dd[data-fact="' + k + '"]')?.textContent)`)
	owner.noExceptions()

	for waID, w := range want {
		var got *sentTemplate
		for _, m := range sim.sent(t, num.PhoneNumberID, waID) {
			var req struct {
				Type     string        `json:"type"`
				Template *sentTemplate `json:"template"`
			}
			if m.Type == "template" && json.Unmarshal(m.Request, &req) == nil && req.Template != nil && req.Template.Name == tpl {
				got = req.Template
			}
		}
		if got == nil {
			t.Fatalf("%s: no %s template sent", waID, tpl)
		}
		var link, first, offer, offerIndex string
		for _, c := range got.Components {
			for _, p := range c.Parameters {
				switch {
				case c.Type == "header" && p.Type == "image" && p.Image != nil:
					link = p.Image.Link
				case c.Type == "body" && p.ParameterName == "first_name":
					first = p.Text
				case c.Type == "button" && c.SubType == "url":
					offer, offerIndex = p.Text, c.Index
				}
			}
		}
		if link != w.link || first != w.first || offer != w.offer || offerIndex != "1" {
			t.Errorf("%s: sent image %q, first_name %q, button %s ending %q; want %q, %q, button 1 ending %q",
				waID, link, first, offerIndex, offer, w.link, w.first, w.offer)
		}
	}
}

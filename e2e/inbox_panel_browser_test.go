package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// ivSecondNumber connects a second simulated number to a sandbox node.
func ivSecondNumber(t *testing.T, app sandboxApp, phoneID, display, name string) int64 {
	t.Helper()
	var sn struct {
		WABAID        string `json:"waba_id"`
		PhoneNumberID string `json:"phone_number_id"`
		AccessToken   string `json:"access_token"`
	}
	app.sim.post(t, "/_sim/numbers", map[string]string{"phone_number_id": phoneID, "display_phone_number": display, "verified_name": name}, &sn)
	var n number
	app.a.do(t, "POST", "/api/v1/whatsapp/numbers", map[string]string{"waba_id": sn.WABAID, "phone_number_id": sn.PhoneNumberID, "access_token": sn.AccessToken}, http.StatusCreated, &n)
	return n.ID
}

// TestInboxContactPanelInBrowser: the contact panel beside a conversation
// shows the customer's consent (state and ledger) and service window, and
// their conversation on the workspace's other number, which opens from
// there.
func TestInboxContactPanelInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	const secondPhoneID, adaWaID = "100000000000777", "447700900801"
	second := ivSecondNumber(t, app, secondPhoneID, "+1 555-010-0777", "Second Line")
	sim.text(t, sandboxPhoneID, adaWaID, "Ada Panel", "Hi, about my order")
	sim.text(t, secondPhoneID, adaWaID, "Ada Panel", "And this is about billing")
	var first, other ivConversation
	ivUntil(t, "Ada's two conversations", func() bool {
		var out struct{ Data []ivConversation }
		a.do(t, "GET", "/api/v1/conversations", nil, http.StatusOK, &out)
		for _, c := range out.Data {
			if c.Contact.WaID == adaWaID && c.NumberID == second {
				other = c
			} else if c.Contact.WaID == adaWaID {
				first = c
			}
		}
		return first.ID != 0 && other.ID != 0
	})
	a.do(t, "POST", fmt.Sprintf("/api/v1/contacts/%d/consent", first.Contact.ID), map[string]string{
		"action": "opt_in", "source": "website", "wording": "Send me order updates on WhatsApp", "evidence": "checkout checkbox",
	}, http.StatusCreated, nil)

	owner := newTab(t, browser, "owner")
	owner.do("laptop size", chromedp.EmulateViewport(1280, 800))
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.do("open Ada's first conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, first.ID))))
	owner.until("the conversation", `!document.querySelector("#conversation").hidden && document.querySelector("#conv-title").textContent === "Ada Panel"`)
	owner.do("open the contact panel", chromedp.Click(chromedp.ID("panel-toggle")))
	owner.until("the panel: consent, window and the other conversation", fmt.Sprintf(`!document.querySelector("#contact-panel").hidden &&
		document.querySelector("#panel-toggle").getAttribute("aria-pressed") === "true" &&
		document.querySelector("#panel-consent")?.dataset.state === "opted_in" &&
		!!document.querySelector('#panel-consent .consent-entry[data-action="opt_in"]')?.textContent.includes("Send me order updates on WhatsApp") &&
		document.querySelector("#panel-window")?.dataset.open === "true" &&
		!!document.querySelector('#panel-conversations .panel-conv[data-conversation-id="%d"]')?.textContent.includes("Second Line") &&
		!!document.querySelector('#panel-conversations .panel-conv[data-conversation-id="%d"]')?.classList.contains("current")`, other.ID, first.ID))
	evidence(owner, "laptop-conversation-panel")

	owner.do("open the conversation on the other number", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#panel-conversations .panel-conv[data-conversation-id="%d"] a`, other.ID))))
	owner.until("the other conversation open, the panel still there", fmt.Sprintf(`/(^#|&)c=%d(&|$)/.test(location.hash) &&
		[...document.querySelectorAll("#thread .message .text")].some(n => n.textContent === "And this is about billing") &&
		!document.querySelector("#contact-panel").hidden &&
		!!document.querySelector('#panel-conversations .panel-conv.current[data-conversation-id="%d"]')`, other.ID, other.ID))
	owner.do("close the panel", chromedp.Click(chromedp.ID("panel-close")))
	owner.until("the panel closed", `document.querySelector("#contact-panel").hidden`)
	owner.noExceptions()
}

// TestInboxShortcutsInBrowser: j and k walk the list, a assigns to me, e
// resolves, s opens the snooze menu, p the panel, / the search, ? the
// help; Esc closes each; none of them fires while typing in a field.
func TestInboxShortcutsInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	for i, name := range []string{"Ada Keys", "Bo Keys", "Cy Keys"} {
		sim.text(t, sandboxPhoneID, fmt.Sprintf("44770090090%d", i), name, "Hello, I am "+name)
	}
	ivUntil(t, "three conversations", func() bool { return len(a.conversations(t)) == 3 })
	ownerID, _ := a.ivMember(t, srv.Email)
	// Some variety for the list: a label, a pending one, one assigned.
	a.do(t, "POST", "/api/v1/labels", map[string]string{"name": "billing", "color": "#1d76db"}, http.StatusCreated, nil)
	bo, ada := a.conversationWith(t, "447700900901"), a.conversationWith(t, "447700900900")
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/labels/billing", bo.ID), nil, http.StatusOK, nil)
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/status", bo.ID), map[string]string{"status": "pending"}, http.StatusOK, nil)
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", ada.ID), map[string]any{"user_id": ownerID}, http.StatusOK, nil)

	owner := newTab(t, browser, "owner")
	owner.do("laptop size", chromedp.EmulateViewport(1280, 800))
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.until("three conversations, one labelled, one pending, one assigned", fmt.Sprintf(`document.querySelectorAll("#conversation-list li.conversation").length === 3 &&
		!!document.querySelector('#conversation-list li[data-id="%d"][data-status="pending"] .conv-labels .chip[data-label="billing"]') &&
		document.querySelector('#conversation-list li[data-id="%d"]').dataset.assignee === "%d"`, bo.ID, ada.ID, ownerID))
	evidence(owner, "laptop-list")
	ids := eval[[]string](owner, `[...document.querySelectorAll("#conversation-list li.conversation")].map(li => li.dataset.id)`)
	open := func(id string) string {
		return fmt.Sprintf(`/(^#|&)c=%s(&|$)/.test(location.hash) && !document.querySelector("#conversation").hidden &&
			document.querySelector('#conversation-list li.conversation.active').dataset.id === %s`, id, js(id))
	}
	key := func(what, k string) { t.Helper(); owner.do(what, chromedp.KeyEvent(k)) }

	key("j", "j")
	owner.until("the first conversation, the keys still on the list", open(ids[0])+` && document.activeElement === document.body`)
	key("j", "j")
	owner.until("the second conversation", open(ids[1]))
	key("k", "k")
	owner.until("the first again", open(ids[0]))

	key("a", "a")
	ivUntil(t, "assigned to me", func() bool {
		var c ivConversation
		a.do(t, "GET", "/api/v1/conversations/"+ids[0], nil, http.StatusOK, &c)
		return c.Assignee != nil && c.Assignee.ID == ownerID
	})
	owner.until("assigned in the header", fmt.Sprintf(`document.querySelector("#assign-btn").dataset.assigneeId === "%d"`, ownerID))
	key("e", "e")
	ivUntil(t, "resolved", func() bool {
		var c ivConversation
		a.do(t, "GET", "/api/v1/conversations/"+ids[0], nil, http.StatusOK, &c)
		return c.Status == "resolved"
	})
	owner.until("resolved in the header", `document.querySelector("#conv-status").dataset.status === "resolved"`)

	key("s", "s")
	owner.until("the snooze menu", `!document.querySelector("#status-menu").hidden && !!document.querySelector('#status-menu [data-snooze="tomorrow"]')`)
	key("Esc", kb.Escape)
	owner.until("the menu closed", `document.querySelector("#status-menu").hidden`)
	key("p", "p")
	owner.until("the panel", `!document.querySelector("#contact-panel").hidden`)
	key("p", "p")
	owner.until("the panel closed", `document.querySelector("#contact-panel").hidden`)
	key("?", "?")
	owner.until("the help", `!document.querySelector("#help").hidden && document.querySelector("#help").textContent.includes("Next / previous conversation")`)
	evidence(owner, "laptop-shortcuts-help")
	key("Esc", kb.Escape)
	owner.until("the help closed", `document.querySelector("#help").hidden`)

	// Typing in a field is typing, not shortcuts.
	key("/", "/")
	owner.until("the search box focused", `document.activeElement === document.querySelector("#search")`)
	key("type j", "j")
	owner.until("j typed into the search", `document.querySelector("#search").value === "j" && document.querySelector("#help").hidden`)
	key("Esc", kb.Escape)
	owner.until("the search cleared and left", `document.querySelector("#search").value === "" && document.activeElement !== document.querySelector("#search")`)
	owner.noExceptions()
}

// TestInboxPhoneInBrowser: at phone width the list fills the screen;
// a conversation opens full screen with a back button, its controls
// folded into a menu, and the contact panel as an overlay.
func TestInboxPhoneInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	sim.text(t, sandboxPhoneID, "447700900951", "Ada Phone", "Hello from a small screen")
	sim.text(t, sandboxPhoneID, "447700900952", "Bo Phone", "Me too")
	ivUntil(t, "two conversations", func() bool { return len(a.conversations(t)) == 2 })
	ada := a.conversationWith(t, "447700900951")

	phone := newTab(t, browser, "phone-width")
	phone.do("phone size", chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile))
	phone.login(srv.URL, srv.Email, srv.Password)
	shown := func(sel string) string {
		return fmt.Sprintf(`(n => !!n && getComputedStyle(n).display !== "none" && n.getBoundingClientRect().width > 0)(document.querySelector(%s))`, js(sel))
	}
	phone.until("the list, full width, and no thread", shown(".sidebar")+` && document.querySelector(".sidebar").getBoundingClientRect().width === window.innerWidth && !`+shown(".pane"))
	evidence(phone, "phone-list")

	phone.do("open Ada's conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, ada.ID))))
	phone.until("the thread full screen, controls folded", shown("#conversation")+` && !`+shown(".sidebar")+` && `+shown("#back")+` &&
		`+shown("#controls-toggle")+` && !`+shown("#conv-controls")+` && document.querySelector(".pane").getBoundingClientRect().width === window.innerWidth`)
	evidence(phone, "phone-conversation")
	phone.do("open the actions", chromedp.Click(chromedp.ID("controls-toggle")))
	phone.until("the actions", shown("#conv-controls")+` && `+shown("#assign-btn")+` && `+shown("#panel-toggle"))
	evidence(phone, "phone-actions")
	phone.do("open the contact panel", chromedp.Click(chromedp.ID("panel-toggle")))
	phone.until("the panel over the thread", shown("#contact-panel")+` && document.querySelector("#contact-panel").getBoundingClientRect().width === window.innerWidth &&
		!!document.querySelector("#panel-conversations") && !`+shown("#conv-controls"))
	evidence(phone, "phone-panel")
	phone.do("close the panel", chromedp.Click(chromedp.ID("panel-close")))
	phone.until("the thread again", `document.querySelector("#contact-panel").hidden && `+shown("#conversation"))
	phone.do("go back", chromedp.Click(chromedp.ID("back")))
	phone.until("the list again", shown(".sidebar")+` && !`+shown(".pane")+` && !/(^#|&)c=/.test(location.hash)`)
	phone.noExceptions()
}

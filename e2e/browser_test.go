package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestInboxInBrowser is the acceptance test of the sandbox: an owner and
// an agent, each in their own Chromium window, watch the inbox while
// customers write (through the simulator's API and by typing into the
// customer phone page); both see the conversations appear without a
// reload. The owner replies from the composer and watches the ticks go
// to delivered, then to read when the customer reads.
func TestInboxInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	env := sqliteEnv(t)
	srv := startServer(t, "serve", env...)
	if srv.Email == "" {
		t.Fatal("the sandbox printed no login")
	}
	const agentEmail, agentPassword = "agent@example.com", "agent password 1"
	mustRun(t, env, "user", "create", "--email", agentEmail, "--password", agentPassword, "--name", "Agent Smith", "--role", "agent")
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	sandboxNumber(t, a)
	sim := simCtl{base: srv.URL + "/sim"}

	owner := newTab(t, browser, "owner")
	agent := newTab(t, browser, "agent", chromedp.WithNewBrowserContext())
	owner.login(srv.URL, srv.Email, srv.Password)
	agent.login(srv.URL, agentEmail, agentPassword)
	agents := []*tab{owner, agent}

	// 1. A customer writes through the simulator's API.
	const ada, adaWaID, adaText = "Ada Lovelace", "447700900101", "Is my order on its way?"
	sim.text(t, sandboxPhoneID, adaWaID, ada, adaText)
	for _, tb := range agents {
		tb.until("Ada's conversation, unread", fmt.Sprintf(`(li => !!li && li.querySelector(".conv-preview").textContent === %s &&
			li.querySelector(".conv-unread").textContent === "1")(%s)`, js(adaText), convItem(ada)))
	}

	// 2. Another customer types into the phone page, opened from the
	// inbox's own link.
	const grace, graceWaID, graceText = "Grace Hopper", "447700900202", "Hello from my phone"
	phoneURL := eval[string](owner, `document.querySelector("a#sandbox-phone-link").getAttribute("href")`)
	phone := newTab(t, browser, "phone")
	phone.do("open the customer phone", chromedp.Navigate(srv.URL+phoneURL))
	phone.until("the sandbox number in the phone", fmt.Sprintf(`document.querySelector("#phone-number").value === %s`, js(sandboxPhoneID)))
	phone.do("write as Grace",
		chromedp.SetValue(chromedp.ID("phone-name"), grace),
		chromedp.SetValue(chromedp.ID("phone-waid"), graceWaID),
		chromedp.SendKeys(chromedp.ID("phone-input"), graceText),
		chromedp.Click(chromedp.ID("phone-send")),
	)
	phone.until("Grace's message in the phone", fmt.Sprintf(`[...document.querySelectorAll('#phone-thread .msg[data-direction="in"]')].some(m => m.textContent.includes(%s))`, js(graceText)))
	for _, tb := range agents {
		tb.until("Grace's conversation", fmt.Sprintf(`(li => !!li && li.querySelector(".conv-preview").textContent === %s)(%s)`, js(graceText), convItem(grace)))
		tb.until("the two conversations, without a reload", `window.e2eNoReload === true && document.querySelectorAll("#conversation-list li.conversation").length === 2`)
	}

	// 3. The owner opens Ada's conversation and replies.
	adaConv := a.conversationWith(t, adaWaID)
	reply := "Yes, it ships today."
	owner.do("open Ada's conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, adaConv.ID))))
	owner.until("Ada's thread with the window open", fmt.Sprintf(`!document.querySelector("#conversation").hidden &&
		document.querySelector("#window-state").dataset.open === "true" &&
		[...document.querySelectorAll('#thread div.message[data-direction="inbound"] .text')].some(n => n.textContent === %s)`, js(adaText)))
	owner.do("send the reply",
		chromedp.SendKeys(chromedp.ID("composer-input"), reply),
		chromedp.Click(chromedp.ID("composer-send")),
	)
	outbound := fmt.Sprintf(`[...document.querySelectorAll('#thread div.message[data-direction="outbound"]')].find(m => m.querySelector(".text").textContent === %s)`, js(reply))
	owner.until("the reply delivered", fmt.Sprintf(`(m => !!m && m.dataset.status === "delivered" && m.querySelector(".ticks").classList.contains("ticks-delivered"))(%s)`, outbound))
	if v := eval[string](owner, `document.querySelector("#composer-input").value`); v != "" {
		t.Errorf("the composer still holds %q after sending", v)
	}
	agent.until("Ada's preview showing the reply", fmt.Sprintf(`(li => !!li && li.querySelector(".conv-preview").textContent === %s)(%s)`, js(reply), convItem(ada)))

	// 4. Ada reads it (through the simulator's API).
	sim.read(t, sandboxPhoneID, adaWaID)
	owner.until("the reply read", fmt.Sprintf(`(m => !!m && m.dataset.status === "read" && m.querySelector(".ticks").classList.contains("ticks-read"))(%s)`, outbound))

	// 5. The owner answers Grace, whose phone page is open: the phone
	// shows the reply and reading it there turns the ticks to read.
	graceConv := a.conversationWith(t, graceWaID)
	welcome := "Welcome, Grace!"
	owner.do("open Grace's conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, graceConv.ID))))
	owner.until("Grace's thread", fmt.Sprintf(`[...document.querySelectorAll('#thread div.message[data-direction="inbound"] .text')].some(n => n.textContent === %s)`, js(graceText)))
	owner.do("answer Grace",
		chromedp.SendKeys(chromedp.ID("composer-input"), welcome),
		chromedp.Click(chromedp.ID("composer-send")),
	)
	phone.until("the answer on the phone", fmt.Sprintf(`[...document.querySelectorAll('#phone-thread .msg[data-direction="out"]')].some(m => m.textContent.includes(%s))`, js(welcome)))
	owner.until("the answer read on the phone", fmt.Sprintf(`[...document.querySelectorAll('#thread div.message[data-direction="outbound"]')].some(m =>
		m.querySelector(".text").textContent === %s && m.dataset.status === "read")`, js(welcome)))

	for _, tb := range []*tab{owner, agent, phone} {
		tb.noExceptions()
	}
	if got := eval[bool](owner, `window.e2eNoReload === true`); !got {
		t.Errorf("the owner's inbox reloaded")
	}
}

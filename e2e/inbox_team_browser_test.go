package e2e

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTeamInboxInBrowser is the two-agent acceptance test: an
// owner (A) and an agent (B), each in a browser context of their own, B
// behind a proxy that can drop the event stream. A customer's message
// appears for both; each sees the other viewing, B sees A typing; A's
// reply and A's note appear live for B, and only the reply reaches the
// simulator; A assigns the conversation to B and B sees it at once; B's
// stream drops while the customer writes twice, and once it is back B's
// thread shows each missed message exactly once, without a reload.
func TestTeamInboxInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	const bEmail, bPassword, bName = "bea@example.com", "bea password 1", "Bea Agent"
	mustRun(t, app.env, "user", "create", "--email", bEmail, "--password", bPassword, "--name", bName, "--role", "agent")
	aID, _ := a.ivMember(t, srv.Email)
	bID, _ := a.ivMember(t, bEmail)
	proxy := newCutProxy(t, srv.URL)

	ownerTab := newTab(t, browser, "A")
	ownerTab.login(srv.URL, srv.Email, srv.Password)
	agentTab := newTab(t, browser, "B", chromedp.WithNewBrowserContext())
	agentTab.login(proxy.URL, bEmail, bPassword)
	both := []*tab{ownerTab, agentTab}

	// 1. The customer writes; both inboxes show it.
	const name, waID, hello = "Carla Customer", "447700900808", "Hi, is anyone there?"
	first := sim.text(t, sandboxPhoneID, waID, name, hello)
	for _, tb := range both {
		tb.until("the customer's conversation, unread", fmt.Sprintf(`(li => !!li && li.querySelector(".conv-preview").textContent === %s &&
			li.querySelector(".conv-unread").textContent === "1")(%s)`, js(hello), convItem(name)))
	}
	conv := a.conversationWith(t, waID)
	for _, tb := range both {
		tb.do("open the conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, conv.ID))))
		tb.until("the thread", fmt.Sprintf(`!document.querySelector("#conversation").hidden && !!%s`, byWamid(first)))
	}

	// 2. Each sees the other there; B sees A typing.
	presence := func(id int64, state string) string {
		return fmt.Sprintf(`!!document.querySelector('#presence [data-user-id="%d"][data-state="%s"]')`, id, state)
	}
	agentTab.until("A viewing", presence(aID, "viewing"))
	ownerTab.until("B viewing", presence(bID, "viewing"))
	ownerTab.do("A starts typing", chromedp.SendKeys(chromedp.ID("composer-input"), "Hello Carla, "))
	agentTab.until("A typing", presence(aID, "typing"))

	// 3. A's reply appears live for B.
	const reply = "Hello Carla, yes: how can we help?"
	ownerTab.setValue("the reply", "#composer-input", reply)
	ownerTab.do("send", chromedp.Click(chromedp.ID("composer-send")))
	outbound := func(text string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#thread .message[data-direction="outbound"] .text')].filter(n => n.textContent === %s).length`, js(text))
	}
	agentTab.until("A's reply, live", outbound(reply)+" === 1")

	// 4. A's note appears live for B and never reaches the simulator.
	const note = "VIP customer, offer the express option."
	ownerTab.do("switch to Note", chromedp.Click(chromedp.ID("mode-note")))
	ownerTab.until("note mode", `document.querySelector("#composer").dataset.mode === "note"`)
	ownerTab.setValue("the note", "#composer-input", note)
	ownerTab.do("add the note", chromedp.Click(chromedp.ID("composer-send")))
	notes := fmt.Sprintf(`[...document.querySelectorAll("#thread .note .note-body")].filter(n => n.textContent === %s).length`, js(note))
	agentTab.until("A's note, live", notes+" === 1")
	sim.sentWith(t, waID, "the reply", func(_ sentMessage, req map[string]any) bool {
		return obj(req["text"])["body"] == reply
	})
	for _, m := range sim.sent(t, sandboxPhoneID, waID) {
		if strings.Contains(string(m.Request), "VIP customer") {
			t.Errorf("the note reached the simulator: %s", m.Request)
		}
	}
	if n := len(sim.sent(t, sandboxPhoneID, waID)); n != 1 {
		t.Errorf("the simulator received %d messages for the customer, want only the reply", n)
	}

	// 5. A assigns the conversation to B; B sees it live.
	ownerTab.do("open the assign menu", chromedp.Click(chromedp.ID("assign-btn")))
	ownerTab.jsClick("assign to B", fmt.Sprintf(`document.querySelector('#assign-menu button.member[data-user-id="%d"]')`, bID))
	agentTab.until("assigned to B, live", fmt.Sprintf(`document.querySelector("#assign-label").textContent === %s &&
		document.querySelector('#conversation-list li.conversation[data-id="%d"]').dataset.assignee === "%d"`, js(bName), conv.ID, bID))

	// 6. B's stream drops; the customer writes twice while it is down.
	held := proxy.hold()
	proxy.cut()
	agentTab.until("B offline", `document.querySelector("#live-status").dataset.state !== "live"`)
	missed := []string{"Are you still there?", "I'd like the express option."}
	for _, text := range missed {
		sim.text(t, sandboxPhoneID, waID, name, text)
	}
	ivUntil(t, "both stored", func() bool {
		got := 0
		for _, m := range a.messages(t, conv.ID) {
			if m.Text == missed[0] || m.Text == missed[1] {
				got++
			}
		}
		return got == 2
	})
	ownerTab.until("A has both", fmt.Sprintf(`[...document.querySelectorAll('#thread .message[data-direction="inbound"] .text')].some(n => n.textContent === %s)`, js(missed[1])))
	proxy.nextStream(t, held)
	proxy.release()
	inbound := func(text string) string {
		return fmt.Sprintf(`[...document.querySelectorAll('#thread .message[data-direction="inbound"] .text')].filter(n => n.textContent === %s).length`, js(text))
	}
	agentTab.until("B live again with the missed messages", fmt.Sprintf(`document.querySelector("#live-status").dataset.state === "live" && %s === 1 && %s === 1`,
		inbound(missed[0]), inbound(missed[1])))
	// Later events must not bring a second copy: a further message
	// arrives once, and the missed ones are still there once.
	const after = "Thanks!"
	sim.text(t, sandboxPhoneID, waID, name, after)
	agentTab.until("the next message", inbound(after)+" === 1")
	for _, text := range missed {
		if n := eval[int](agentTab, inbound(text)); n != 1 {
			t.Errorf("B's thread shows %q %d times", text, n)
		}
	}
	if n := eval[int](agentTab, outbound(reply)); n != 1 {
		t.Errorf("B's thread shows the reply %d times", n)
	}
	if !eval[bool](agentTab, `window.e2eNoReload === true`) {
		t.Error("B's inbox reloaded")
	}
	for _, tb := range both {
		tb.noExceptions()
	}
}

package e2e

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// threadApp is a sandbox with the owner's inbox open in a browser.
type threadApp struct {
	sandboxApp
	owner *tab
}

func startThreadApp(t *testing.T, extraEnv ...string) threadApp {
	t.Helper()
	browser := newBrowser(t)
	app := startSandbox(t, extraEnv...)
	owner := newTab(t, browser, "owner")
	owner.login(app.srv.URL, app.srv.Email, app.srv.Password)
	return threadApp{sandboxApp: app, owner: owner}
}

// open opens the conversation with waID (named name in the list) and
// waits for the thread to show the message whose wamid is first.
func (ta threadApp) open(t *testing.T, name, waID, first string) conversation {
	t.Helper()
	ta.owner.until(name+"'s conversation", "!!"+convItem(name))
	conv := ta.a.conversationWith(t, waID)
	ta.owner.do("open "+name+"'s conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, conv.ID))))
	ta.owner.until(name+"'s thread", fmt.Sprintf(`!document.querySelector("#conversation").hidden && !!%s`, byWamid(first)))
	return conv
}

// byWamid is a JavaScript expression for the thread's message with wamid.
func byWamid(wamid string) string {
	return fmt.Sprintf(`document.querySelector('#thread .message[data-wamid=%s]')`, js(wamid))
}

// lastOut is a JavaScript expression for the newest outbound message element.
const lastOut = `[...document.querySelectorAll('#thread .message[data-direction="outbound"]')].pop()`

// jsClick clicks the element matched by the JavaScript expression expr.
func (tb *tab) jsClick(what, expr string) {
	tb.t.Helper()
	tb.until(what, fmt.Sprintf(`(n => { if (!n) return false; n.click(); return true })(%s)`, expr))
}

// setValue sets a field's value as typing would, firing input.
func (tb *tab) setValue(what, sel, value string) {
	tb.t.Helper()
	tb.until(what, fmt.Sprintf(`(n => { if (!n) return false; n.focus(); n.value = %s; n.dispatchEvent(new Event("input", {bubbles: true})); return true })(document.querySelector(%s))`, js(value), js(sel)))
}

// sentWith waits until the simulator received, for waID, a message that
// ok accepts, and returns its request.
func (s simCtl) sentWith(t *testing.T, waID, what string, ok func(sentMessage, map[string]any) bool) map[string]any {
	t.Helper()
	var found map[string]any
	if !eventually(waitTimeout, func() bool {
		for _, m := range s.sent(t, sandboxPhoneID, waID) {
			var req map[string]any
			_ = json.Unmarshal(m.Request, &req)
			if ok(m, req) {
				found = req
				return true
			}
		}
		return false
	}) {
		t.Fatalf("the simulator never received %s; it has %+v", what, s.sent(t, sandboxPhoneID, waID))
	}
	return found
}

func obj(v any) map[string]any {
	m, _ := v.(map[string]any)
	return m
}

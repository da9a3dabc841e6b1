package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestInboxHeaderControlsInBrowser: the owner assigns, resolves,
// reopens, marks pending, snoozes (a preset and a chosen time) and labels
// a conversation from its header; the API agrees after each step, and an
// agent watching the same conversation sees each change live, sees the
// owner there (presence), and is shown the API's refusal, with its
// remedy, when taking a conversation that is someone else's.
func TestInboxHeaderControlsInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	const agentEmail, agentPassword = "agent.controls@example.com", "agent password 1"
	mustRun(t, app.env, "user", "create", "--email", agentEmail, "--password", agentPassword, "--name", "Agent Smith", "--role", "agent")
	a.do(t, "POST", "/api/v1/labels", map[string]string{"name": "vip", "color": "#d93f0b"}, http.StatusCreated, nil)
	sim.text(t, sandboxPhoneID, "447700900701", "Ada Controls", "Can someone help me?")
	ivUntil(t, "Ada's conversation", func() bool { return len(a.conversations(t)) == 1 })
	conv := a.conversationWith(t, "447700900701")
	ownerID, ownerName := a.ivMember(t, srv.Email)
	agentID, _ := a.ivMember(t, agentEmail)
	state := func() ivConversation { return a.ivConversation(t, conv.ID) }

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	agent := newTab(t, browser, "agent", chromedp.WithNewBrowserContext())
	agent.login(srv.URL, agentEmail, agentPassword)
	for _, tb := range []*tab{owner, agent} {
		tb.do("open Ada's conversation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`#conversation-list li.conversation[data-id="%d"] a`, conv.ID))))
		tb.until("the header controls", `!document.querySelector("#conversation").hidden &&
			document.querySelector("#assign-label").textContent === "Unassigned" &&
			document.querySelector("#conv-status").dataset.status === "open" && document.querySelector("#status-main").textContent === "Resolve"`)
	}

	// Assign to the agent from the menu, then to me.
	owner.do("open the assign menu", chromedp.Click(chromedp.ID("assign-btn")))
	owner.until("the members, with presence", fmt.Sprintf(`!document.querySelector("#assign-menu").hidden &&
		!!document.querySelector('#assign-menu button[data-user-id="%d"] .online-dot[data-online="true"]')`, agentID))
	owner.jsClick("assign to the agent", fmt.Sprintf(`document.querySelector('#assign-menu button.member[data-user-id="%d"]')`, agentID))
	ivUntil(t, "the API: assigned to the agent", func() bool { c := state(); return c.Assignee != nil && c.Assignee.ID == agentID })
	for _, tb := range []*tab{owner, agent} {
		tb.until("the agent shown as assignee", fmt.Sprintf(`document.querySelector("#assign-label").textContent === "Agent Smith" &&
			document.querySelector('#conversation-list li.conversation[data-id="%d"]').dataset.assignee === "%d"`, conv.ID, agentID))
	}
	owner.do("open the assign menu", chromedp.Click(chromedp.ID("assign-btn")))
	owner.jsClick("assign to me", `document.querySelector('#assign-menu [data-action="assign-me"]')`)
	ivUntil(t, "the API: assigned to the owner", func() bool { c := state(); return c.Assignee != nil && c.Assignee.ID == ownerID })
	agent.until("the owner shown as assignee, live", fmt.Sprintf(`document.querySelector("#assign-label").textContent === %s`, js(ownerName)))

	// The agent may not take a colleague's conversation: the API's
	// refusal and remedy are shown.
	agent.do("open the assign menu", chromedp.Click(chromedp.ID("assign-btn")))
	agent.jsClick("try to take it", `document.querySelector('#assign-menu [data-action="assign-me"]')`)
	agent.until("the refusal with its remedy", `!document.querySelector("#controls-error").hidden &&
		document.querySelector("#controls-error").textContent.includes("assigned to someone else") &&
		!!document.querySelector("#controls-error .remedy")`)

	// Presence: each sees the other viewing, and typing.
	owner.until("the agent viewing", fmt.Sprintf(`!!document.querySelector('#presence [data-user-id="%d"][data-state="viewing"]') &&
		!document.querySelector('#presence [data-user-id="%d"]')`, agentID, ownerID))
	_ = eval[bool](agent, fmt.Sprintf(`(fetch("/api/v1/conversations/%d/presence", {method: "POST", headers: {"Content-Type": "application/json"},
		body: JSON.stringify({state: "typing"})}), true)`, conv.ID))
	owner.until("the agent typing, in the header and the list", fmt.Sprintf(`document.querySelector('#presence [data-user-id="%d"]').dataset.state === "typing" &&
		document.querySelector('#presence [data-user-id="%d"]').textContent.includes("Agent Smith is typing") &&
		document.querySelector('#conversation-list li.conversation[data-id="%d"] .conv-typing').textContent.includes("typing")`, agentID, agentID, conv.ID))
	agent.until("the owner viewing", fmt.Sprintf(`!!document.querySelector('#presence [data-user-id="%d"][data-state="viewing"]')`, ownerID))

	// Labels: added from the catalogue, removed from its chip.
	owner.do("open the label menu", chromedp.Click(chromedp.ID("label-add")))
	owner.do("add vip", chromedp.Click(chromedp.CSS(`#label-menu button[data-label="vip"]`)))
	ivUntil(t, "the API: labelled vip", func() bool { return slices.Equal(state().Labels, []string{"vip"}) })
	for _, tb := range []*tab{owner, agent} {
		tb.until("the vip chip in the header and the list", fmt.Sprintf(`!!document.querySelector('#conv-labels .chip[data-label="vip"]') &&
			!!document.querySelector('#conversation-list li.conversation[data-id="%d"] .conv-labels .chip[data-label="vip"]')`, conv.ID))
	}
	owner.until("the counts caught up", viewCount("mine")+` === "1" && `+viewCount("unassigned")+` === "0"`)
	evidence(owner, "laptop-header-controls")
	owner.do("remove vip", chromedp.Click(chromedp.CSS(`#conv-labels .chip[data-label="vip"] .chip-remove`)))
	ivUntil(t, "the API: no labels", func() bool { return len(state().Labels) == 0 })
	agent.until("the chip gone, live", `!document.querySelector('#conv-labels .chip[data-label="vip"]')`)

	// Resolve and reopen with the main button.
	owner.do("resolve", chromedp.Click(chromedp.ID("status-main")))
	ivUntil(t, "the API: resolved", func() bool { return state().Status == "resolved" })
	for _, tb := range []*tab{owner, agent} {
		tb.until("resolved in the header", `document.querySelector("#conv-status").dataset.status === "resolved" &&
			document.querySelector("#status-main").textContent === "Reopen"`)
	}
	owner.do("reopen", chromedp.Click(chromedp.ID("status-main")))
	ivUntil(t, "the API: open again", func() bool { return state().Status == "open" })

	// Pending, then snoozed until tomorrow 09:00 and until a chosen time,
	// both in the browser's time zone.
	pick := func(what, sel string) {
		t.Helper()
		owner.do("open the status menu", chromedp.Click(chromedp.ID("status-btn")))
		owner.until("the status menu", `!document.querySelector("#status-menu").hidden`)
		owner.do(what, chromedp.Click(chromedp.CSS(sel)))
	}
	pick("mark pending", `#status-menu [data-status="pending"]`)
	ivUntil(t, "the API: pending", func() bool { return state().Status == "pending" })
	owner.until("pending in the header", `document.querySelector("#conv-status").dataset.status === "pending"`)
	snoozed := func(want time.Time) func() bool {
		return func() bool {
			c := state()
			if c.Status != "snoozed" || c.SnoozeUntil == nil {
				return false
			}
			got, err := time.Parse(time.RFC3339, *c.SnoozeUntil)
			return err == nil && got.Equal(want)
		}
	}
	y, m, d := time.Now().AddDate(0, 0, 1).Date()
	pick("snooze until tomorrow", `#status-menu [data-snooze="tomorrow"]`)
	ivUntil(t, "the API: snoozed until tomorrow 09:00", snoozed(time.Date(y, m, d, 9, 0, 0, 0, time.Local)))
	owner.until("snoozed in the header", `document.querySelector("#conv-status").dataset.status === "snoozed" &&
		document.querySelector("#conv-status").textContent.startsWith("Snoozed until") && document.querySelector("#status-main").textContent === "Reopen"`)
	custom := time.Now().Add(75 * time.Hour).Truncate(time.Minute)
	owner.do("open the status menu", chromedp.Click(chromedp.ID("status-btn")))
	owner.until("the custom time field", `!document.querySelector("#status-menu").hidden && !!document.querySelector("#snooze-at")`)
	_ = eval[bool](owner, fmt.Sprintf(`(document.querySelector("#snooze-at").value = %s, true)`, js(custom.Format("2006-01-02T15:04"))))
	owner.do("snooze until the chosen time", chromedp.Click(chromedp.ID("snooze-custom-go")))
	ivUntil(t, "the API: snoozed until the chosen time", snoozed(custom))

	// The activity log lists who did what.
	owner.do("open the activity", chromedp.Click(chromedp.ID("activity-btn")))
	owner.until("the activity", `document.querySelectorAll("#activity-pop .activity-item").length >= 6 &&
		document.querySelector("#activity-pop").textContent.includes("assigned it to Agent Smith")`)
	if txt := eval[string](owner, `document.querySelector("#activity-pop").textContent`); !strings.Contains(txt, "snoozed it until") {
		t.Errorf("the activity does not show the snooze: %q", txt)
	}
	owner.noExceptions()
	agent.noExceptions()
}

package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

func agentID(t *testing.T, a api) int64 {
	t.Helper()
	var members struct {
		Data []struct {
			ID    int64
			Email string
		}
	}
	a.do(t, "GET", "/api/v1/members", nil, http.StatusOK, &members)
	for _, m := range members.Data {
		if m.Email == "agent@example.com" {
			return m.ID
		}
	}
	t.Fatal("no agent@example.com")
	return 0
}

// TestNonAssigneeReplyInBrowser: an agent opens a conversation assigned
// to the owner. Under "warn" the composer says whose it is and asks
// before the first reply, which only then reaches the customer; later
// replies go straight out. Under "block" sending is disabled, saying whom
// to ask, until the conversation is handed to the agent.
func TestNonAssigneeReplyInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	a, sim := app.a, app.sim
	mustRun(t, app.env, "user", "create", "--email", "agent@example.com", "--password", "agent password 1", "--name", "Agent Smith", "--role", "agent")
	var members struct {
		Data []struct {
			ID   int64
			Name string
			Role string
		}
	}
	a.do(t, "GET", "/api/v1/members", nil, http.StatusOK, &members)
	var owner struct {
		ID   int64
		Name string
	}
	for _, m := range members.Data {
		if m.Role == "owner" {
			owner.ID, owner.Name = m.ID, m.Name
		}
	}
	if owner.ID == 0 {
		t.Fatalf("no owner among %+v", members.Data)
	}
	assignToOwner := func(waID, name, text string) (conversation, string) {
		wamid := sim.text(t, sandboxPhoneID, waID, name, text)
		var conv conversation
		if !eventually(waitTimeout, func() bool {
			for _, c := range a.conversations(t) {
				if c.Contact.WaID == waID {
					conv = c
					return true
				}
			}
			return false
		}) {
			t.Fatalf("no conversation with %s", waID)
		}
		a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", conv.ID), map[string]any{"user_id": owner.ID}, http.StatusOK, nil)
		return conv, wamid
	}
	_, firstW := assignToOwner("447700900644", "Wanda Warn", "Hello, anyone there?")

	agent := newTab(t, browser, "agent")
	agent.login(app.srv.URL, "agent@example.com", "agent password 1")
	ta := threadApp{sandboxApp: app, owner: agent}
	ta.open(t, "Wanda Warn", "447700900644", firstW)
	agent.until("the warning banner", fmt.Sprintf(`(b => !b.hidden && b.textContent.includes(%s))(document.querySelector("#assignee-banner"))`, js("Assigned to "+owner.Name)))
	agent.do("reply", chromedp.SendKeys(chromedp.ID("composer-input"), "I can help."+kb.Enter))
	agent.until("the question before the first reply", fmt.Sprintf(`(b => !b.hidden && b.textContent.includes(%s) && !!b.querySelector(".confirm-send"))(document.querySelector("#assignee-banner"))`,
		js("Assigned to "+owner.Name+" — reply anyway?")))
	if sent := sim.sent(t, sandboxPhoneID, "447700900644"); len(sent) != 0 {
		t.Fatalf("sent before the agent confirmed: %+v", sent)
	}
	agent.jsClick("Send anyway", `document.querySelector("#assignee-banner .confirm-send")`)
	sim.sentWith(t, "447700900644", "the confirmed reply", func(m sentMessage, r map[string]any) bool { return obj(r["text"])["body"] == "I can help." })
	agent.do("reply again", chromedp.SendKeys(chromedp.ID("composer-input"), "One moment."+kb.Enter))
	sim.sentWith(t, "447700900644", "the second reply, without asking", func(m sentMessage, r map[string]any) bool { return obj(r["text"])["body"] == "One moment." })

	// Block: no sending until the agent takes the conversation.
	a.do(t, "PUT", "/api/v1/settings", map[string]string{"non_assignee_reply": "block"}, http.StatusOK, nil)
	convB, firstB := assignToOwner("447700900655", "Boris Block", "Is this thing on?")
	ta.open(t, "Boris Block", "447700900655", firstB)
	agent.until("sending blocked, saying whom to ask", fmt.Sprintf(`(b => !b.hidden && b.dataset.rule === "block" && b.textContent.includes(%s) && b.textContent.includes("hand it over"))(document.querySelector("#assignee-banner")) &&
		document.querySelector("#composer-send").disabled`, js("Assigned to "+owner.Name)))
	evidence(agent, "composer-blocked")
	// The owner hands it over; the agent's composer opens up live.
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", convB.ID), map[string]any{"user_id": agentID(t, a)}, http.StatusOK, nil)
	agent.until("the conversation is the agent's, sending allowed", `document.querySelector("#assignee-banner").hidden && !document.querySelector("#composer-send").disabled`)
	agent.do("reply", chromedp.SendKeys(chromedp.ID("composer-input"), "It's mine now."+kb.Enter))
	sim.sentWith(t, "447700900655", "the reply after taking it", func(m sentMessage, r map[string]any) bool { return obj(r["text"])["body"] == "It's mine now." })
	var got struct {
		Assignee *struct{ Name string }
	}
	a.do(t, "GET", fmt.Sprintf("/api/v1/conversations/%d", convB.ID), nil, http.StatusOK, &got)
	if got.Assignee == nil || got.Assignee.Name != "Agent Smith" {
		t.Errorf("assignee after the hand-over: %+v", got.Assignee)
	}
	agent.noExceptions()
}

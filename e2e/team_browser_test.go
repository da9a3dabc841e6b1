package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestTeamInBrowser: the owner adds an agent on the Team page; the agent
// logs in in a browser context of their own and sees the Team page
// without its controls; the owner sees them online, deactivates them
// (after a confirmation), and the agent's next action lands on the login
// page, which tells them why they cannot log in again.
func TestTeamInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv := app.srv
	const email, name, password = "tess@example.com", "Tess Agent", "tess password 1"
	row := func(who string) string {
		return fmt.Sprintf(`[...document.querySelectorAll("#team-members tr.member")].find(tr => tr.querySelector(".member-name").textContent === %s)`, js(who))
	}

	// 1. The owner adds Tess as an agent.
	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.do("open the Team page", chromedp.Navigate(srv.URL+eval[string](owner, `document.querySelector("a#nav-team").getAttribute("href")`)))
	owner.until("the team listed with controls", fmt.Sprintf(`location.pathname === "/team" &&
		document.querySelector("main.team").getAttribute("aria-busy") === "false" &&
		!!document.querySelector("#member-add-form") && (r => !!r && !!r.querySelector(".member-reset"))(%s)`, row("Owner")))
	owner.setValue("the email", "#member-email", email)
	owner.setValue("the name", "#member-name", name)
	owner.setValue("a password that is too short", "#member-password", "short")
	owner.do("add", chromedp.Click(chromedp.ID("member-add-submit")))
	owner.until("the refusal with its remedy", `(e => !e.hidden && e.querySelector(".error-message").textContent.includes("password") &&
		e.querySelector(".remedy").textContent.includes("10 to 200"))(document.querySelector("#member-add-error"))`)
	owner.setValue("the password", "#member-password", password)
	owner.do("add again", chromedp.Click(chromedp.ID("member-add-submit")))
	owner.until("Tess listed as an agent, offline", fmt.Sprintf(`(r => !!r && r.dataset.role === "agent" &&
		r.querySelector(".member-role-select").value === "agent" && r.querySelector(".dot").dataset.online === "false" &&
		r.querySelector(".seen-text").textContent === "Never")(%s) && document.querySelector("#member-add-error").hidden &&
		document.querySelector("#member-email").value === ""`, row(name)))

	// 2. Tess logs in elsewhere and sees the team, without controls.
	agent := newTab(t, browser, "agent", chromedp.WithNewBrowserContext())
	agent.login(srv.URL, email, password)
	agent.do("open the Team page", chromedp.Navigate(srv.URL+eval[string](agent, `document.querySelector("a#nav-team").getAttribute("href")`)))
	agent.until("the team listed", fmt.Sprintf(`location.pathname === "/team" &&
		document.querySelector("main.team").getAttribute("aria-busy") === "false" && !!%s && !!%s`, row("Owner"), row(name)))
	if n := eval[int](agent, `document.querySelectorAll("#member-add-form, #team-show-all, .member-role-select, .member-reset, .member-deactivate, .member-actions").length`); n != 0 {
		t.Errorf("the agent's Team page has %d management controls", n)
	}
	agent.until("Tess sees herself online", fmt.Sprintf(`(r => r.querySelector(".dot").dataset.online === "true" && !!r.querySelector(".tag-you"))(%s)`, row(name)))

	// 3. The owner sees her online, and deactivates her after confirming.
	owner.do("refresh", chromedp.Click(chromedp.ID("team-refresh")))
	owner.until("Tess online", fmt.Sprintf(`(r => !!r && r.querySelector(".dot").dataset.online === "true" &&
		r.querySelector(".seen-text").textContent === "Online")(%s)`, row(name)))
	owner.do("deactivate", chromedp.Click(chromedp.CSS(`#team-members tr.member[data-role="agent"] .member-deactivate`)))
	owner.until("the confirmation", fmt.Sprintf(`(r => !!r.querySelector(".member-confirm") &&
		r.querySelector(".member-confirm-text").textContent.startsWith(%s))(%s) && !!%s`, js("Deactivate "+name+"?"), row(name), row(name)))
	owner.do("confirm", chromedp.Click(chromedp.CSS(`#team-members .member-confirm-yes`)))
	owner.until("Tess gone from the list, with a notice", fmt.Sprintf(`!%s && (n => !n.hidden && n.textContent.includes("deactivated"))(document.querySelector("#team-notice"))`, row(name)))
	owner.do("show deactivated members", chromedp.Click(chromedp.ID("team-show-all")))
	owner.until("Tess listed as deactivated, with Reactivate", fmt.Sprintf(`(r => !!r && r.dataset.deactivated === "true" &&
		!!r.querySelector(".member-reactivate") && r.querySelector(".dot").dataset.online === "false")(%s)`, row(name)))
	evidence(owner, "team-owner")

	// 4. Tess's next action lands on the login page, which says why.
	// (Clicked from script: the page's own 30 s refresh may have taken
	// her there first, which is as good.)
	_ = eval[bool](agent, `(b => { if (b) b.click(); return true })(document.querySelector("#team-refresh"))`)
	agent.do("the login page", chromedp.WaitVisible(chromedp.ID("login-form")))
	agent.until("the login page", `location.pathname === "/login"`)
	agent.do("try to log in again",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("login-error")),
	)
	agent.until("refused as deactivated", `(e => !!e && e.textContent.includes("deactivated"))(document.querySelector("#login-error"))`)
	for _, tb := range []*tab{owner, agent} {
		tb.noExceptions()
	}
}

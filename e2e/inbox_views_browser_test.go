package e2e

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// ivConversation is a conversation with the team inbox's fields.
type ivConversation struct {
	ID       int64 `json:"id"`
	NumberID int64 `json:"number_id"`
	Contact  struct {
		ID   int64  `json:"id"`
		WaID string `json:"wa_id"`
		Name string `json:"name"`
	} `json:"contact"`
	Status      string  `json:"status"`
	SnoozeUntil *string `json:"snooze_until"`
	Assignee    *struct {
		ID   int64  `json:"id"`
		Name string `json:"name"`
	} `json:"assignee"`
	Labels []string `json:"labels"`
}

func (a api) ivConversation(t testing.TB, id int64) ivConversation {
	t.Helper()
	var c ivConversation
	a.do(t, "GET", fmt.Sprintf("/api/v1/conversations/%d", id), nil, http.StatusOK, &c)
	return c
}

// ivMember is the id and name of the member with email.
func (a api) ivMember(t testing.TB, email string) (int64, string) {
	t.Helper()
	var out struct {
		Data []struct {
			ID    int64  `json:"id"`
			Email string `json:"email"`
			Name  string `json:"name"`
		} `json:"data"`
	}
	a.do(t, "GET", "/api/v1/members", nil, http.StatusOK, &out)
	for _, m := range out.Data {
		if m.Email == email {
			return m.ID, m.Name
		}
	}
	t.Fatalf("no member %s in %+v", email, out.Data)
	return 0, ""
}

// ivUntil waits, outside the browser, until ok holds.
func ivUntil(t testing.TB, what string, ok func() bool) {
	t.Helper()
	if !eventually(waitTimeout, ok) {
		t.Fatalf("waiting for %s", what)
	}
}

// evidence saves the tab's viewport as dir/name.png when
// GOHAVI_SCREENSHOTS=dir is set (to refresh docs/evidence; CI leaves it
// unset and writes nothing).
func evidence(tb *tab, name string) {
	tb.t.Helper()
	dir := os.Getenv("GOHAVI_SCREENSHOTS")
	if dir == "" {
		return
	}
	ctx, cancel := context.WithTimeout(tb.ctx, 10*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.CaptureScreenshot())
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		tb.t.Errorf("screenshot %s: %v", name, err)
	}
}

// viewCount is the text of a view tab's count, e.g. view "mine".
func viewCount(view string) string {
	return fmt.Sprintf(`document.querySelector('#views [data-view=%q] .count').textContent`, view)
}

func listIDs() string {
	return `[...document.querySelectorAll("#conversation-list li.conversation")].map(li => li.dataset.id).join(",")`
}

// TestInboxViewsInBrowser: the All / Mine / Unassigned views and the
// status tabs, with their counts, follow assignments and status changes
// made elsewhere (through the API) live: a conversation leaves the view
// it no longer matches and enters the one it now does; the choice is kept
// in the URL across a reload.
func TestInboxViewsInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim

	for _, c := range [][2]string{{"Ada Views", "447700900501"}, {"Bo Views", "447700900502"}, {"Cy Views", "447700900503"}} {
		sim.text(t, sandboxPhoneID, c[1], c[0], "Hello from "+c[0])
	}
	ivUntil(t, "three conversations", func() bool { return len(a.conversations(t)) == 3 })
	ada, bo := a.conversationWith(t, "447700900501"), a.conversationWith(t, "447700900502")
	ownerID, _ := a.ivMember(t, srv.Email)

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.until("three conversations, all unassigned", `document.querySelectorAll("#conversation-list li.conversation").length === 3 &&
		`+viewCount("all")+` === "3" && `+viewCount("unassigned")+` === "3" && `+viewCount("mine")+` === "0" &&
		document.querySelector('#views [data-view="all"] .count-unread').textContent === "3"`)

	// Mine is empty until a conversation is assigned to the owner elsewhere.
	owner.do("open Mine", chromedp.Click(chromedp.CSS(`#views [data-view="mine"]`)))
	owner.until("an empty Mine", `document.querySelector('#views [data-view="mine"]').getAttribute("aria-pressed") === "true" &&
		/view=mine/.test(location.hash) && document.querySelector("#conversation-list").getAttribute("aria-busy") === "false" &&
		document.querySelectorAll("#conversation-list li.conversation").length === 0 && !document.querySelector("#list-none").hidden`)
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", ada.ID), map[string]any{"user_id": ownerID}, http.StatusOK, nil)
	owner.until("Ada entering Mine, live, with the counts", fmt.Sprintf(`%s === "%d" && %s === "1" && %s === "2" &&
		document.querySelector("#list-none").hidden && window.e2eNoReload === true &&
		document.querySelector('#conversation-list li.conversation').dataset.assignee === "%d"`,
		listIDs(), ada.ID, viewCount("mine"), viewCount("unassigned"), ownerID))

	// Unassigned: Bo and Cy; resolving Bo takes him out, live.
	owner.do("open Unassigned", chromedp.Click(chromedp.CSS(`#views [data-view="unassigned"]`)))
	owner.until("Bo and Cy unassigned", fmt.Sprintf(`document.querySelectorAll("#conversation-list li.conversation").length === 2 &&
		!%s.split(",").includes("%d")`, listIDs(), ada.ID))
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/status", bo.ID), map[string]any{"status": "resolved"}, http.StatusOK, nil)
	owner.until("Bo leaving the list, and the counts", fmt.Sprintf(`!%s.split(",").includes("%d") &&
		document.querySelectorAll("#conversation-list li.conversation").length === 1 &&
		%s === "1" && %s === "2" && document.querySelector('#status-tabs [data-status="resolved"] .count').textContent === "1"`,
		listIDs(), bo.ID, viewCount("unassigned"), viewCount("all")))

	// The Resolved tab lists Bo, marked resolved; reopening him elsewhere
	// takes him out of it.
	owner.do("open Resolved", chromedp.Click(chromedp.CSS(`#status-tabs [data-status="resolved"]`)))
	owner.until("Bo under Resolved", fmt.Sprintf(`%s === "%d" &&
		document.querySelector('#conversation-list li.conversation .conv-status').textContent === "Resolved"`, listIDs(), bo.ID))
	owner.noExceptions()
	evidence(owner, "laptop-resolved-view")

	// The view survives a reload (it is in the URL).
	owner.do("reload", chromedp.Reload())
	owner.until("the same view after the reload", fmt.Sprintf(`document.querySelector('#views [data-view="unassigned"]').getAttribute("aria-pressed") === "true" &&
		document.querySelector('#status-tabs [data-status="resolved"]').getAttribute("aria-selected") === "true" &&
		document.querySelector("#conversation-list").getAttribute("aria-busy") === "false" && %s === "%d"`, listIDs(), bo.ID))
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/status", bo.ID), map[string]any{"status": "open"}, http.StatusOK, nil)
	owner.until("Bo leaving Resolved when reopened", `document.querySelectorAll("#conversation-list li.conversation").length === 0 &&
		document.querySelector('#status-tabs [data-status="resolved"] .count').textContent === "0"`)
	owner.noExceptions()
}

// TestInboxSearchInBrowser: typing in the search box finds a message as
// you type (the match marked), a click opens its conversation, and Esc
// brings the list back.
func TestInboxSearchInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	sim.text(t, sandboxPhoneID, "447700900601", "Ada Search", "My parcel never arrived <b>at all</b>")
	sim.text(t, sandboxPhoneID, "447700900601", "Ada Search", "Any news?")
	sim.text(t, sandboxPhoneID, "447700900602", "Bo Search", "Hello there")
	ivUntil(t, "two conversations", func() bool { return len(a.conversations(t)) == 2 })
	ada := a.conversationWith(t, "447700900601")

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.do("search with /", chromedp.KeyEvent("/"))
	owner.until("the search box focused", `document.activeElement === document.querySelector("#search")`)
	owner.do("type a word", chromedp.SendKeys(chromedp.ID("search"), "parc"))
	hit := `document.querySelector('#search-results .search-hit[data-kind="message"]')`
	owner.until("the message found, the match marked, the list hidden", fmt.Sprintf(`!!%[1]s && %[1]s.dataset.conversationId === "%[2]d" &&
		%[1]s.querySelector("mark").textContent.toLowerCase() === "parcel" && %[1]s.querySelector(".hit-snippet").textContent.includes("<b>at all</b>") &&
		!%[1]s.querySelector(".hit-snippet b") && document.querySelector("#conversation-list").hidden &&
		document.querySelectorAll("#search-results .search-hit").length === 1`, hit, ada.ID))
	owner.do("open the hit", chromedp.Click(chromedp.CSS(`#search-results .search-hit[data-kind="message"] a`)))
	owner.until("Ada's conversation open at the hit", fmt.Sprintf(`!document.querySelector("#conversation").hidden &&
		/(^#|&)c=%d(&|$)/.test(location.hash) && document.querySelector("#conv-title").textContent === "Ada Search" &&
		[...document.querySelectorAll("#thread .message .text")].some(n => n.textContent.includes("parcel"))`, ada.ID))
	evidence(owner, "laptop-search")
	owner.do("focus the search box again", chromedp.Click(chromedp.ID("search")))
	owner.do("Esc clears the search", chromedp.KeyEvent(kb.Escape))
	owner.until("the list back", `document.querySelector("#search").value === "" && document.querySelector("#search-results").hidden &&
		!document.querySelector("#conversation-list").hidden && document.querySelectorAll("#conversation-list li.conversation").length === 2`)
	owner.noExceptions()
}

// TestInboxListPagingInBrowser: a long list comes a page at a time as it
// is scrolled, and a conversation that starts to match the view (a new
// customer) enters at the top without a reload.
func TestInboxListPagingInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	const n = 57 // more than a page (50)
	for i := 0; i < n; i++ {
		sim.text(t, sandboxPhoneID, fmt.Sprintf("4477009%05d", i), fmt.Sprintf("Paging %02d", i), "hello")
	}
	ivUntil(t, "the conversations stored", func() bool { return len(a.conversations(t)) == n })

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.until("the first page", fmt.Sprintf(`document.querySelectorAll("#conversation-list li.conversation").length === 50 &&
		!document.querySelector("#list-more").hidden && %s === "%d"`, viewCount("all"), n))
	_ = eval[bool](owner, `(document.querySelector("#conversation-list").scrollTop = 1e6, true)`)
	owner.until("the rest, scrolled in", fmt.Sprintf(`document.querySelectorAll("#conversation-list li.conversation").length === %d &&
		document.querySelector("#list-more").hidden && document.querySelector("#conversation-count").textContent === "%d"`, n, n))
	sim.text(t, sandboxPhoneID, "447700988888", "Paging New", "I am new here")
	owner.until("the newcomer on top", fmt.Sprintf(`document.querySelectorAll("#conversation-list li.conversation").length === %d &&
		document.querySelector("#conversation-list li.conversation .conv-name").textContent === "Paging New" && window.e2eNoReload === true`, n+1))
	owner.noExceptions()
}

// TestInboxFiltersInBrowser: the label, number and agent filters narrow
// the list, and a conversation labelled elsewhere enters the label's
// list live.
func TestInboxFiltersInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	app := startSandbox(t)
	srv, a, sim := app.srv, app.a, app.sim
	const otherPhoneID = "100000000000778"
	other := ivSecondNumber(t, app, otherPhoneID, "+1 555-010-0778", "Other Line")
	a.do(t, "POST", "/api/v1/labels", map[string]string{"name": "vip"}, http.StatusCreated, nil)
	sim.text(t, sandboxPhoneID, "447700900711", "Ada Filters", "One")
	sim.text(t, otherPhoneID, "447700900712", "Bo Filters", "Two")
	sim.text(t, sandboxPhoneID, "447700900713", "Cy Filters", "Three")
	ivUntil(t, "three conversations", func() bool { return len(a.conversations(t)) == 3 })
	bo, cy := a.conversationWith(t, "447700900712"), a.conversationWith(t, "447700900713")
	ownerID, _ := a.ivMember(t, srv.Email)
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/assign", cy.ID), map[string]any{"user_id": ownerID}, http.StatusOK, nil)

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	owner.until("three conversations", `document.querySelectorAll("#conversation-list li.conversation").length === 3`)
	choose := func(sel, value string) {
		t.Helper()
		owner.until("the option "+value, fmt.Sprintf(`[...document.querySelectorAll("%s option")].some(o => o.value === %s)`, sel, js(value)))
		_ = eval[bool](owner, fmt.Sprintf(`(s => (s.value = %s, s.dispatchEvent(new Event("change")), true))(document.querySelector(%s))`, js(value), js(sel)))
	}
	owner.do("show the filters", chromedp.Click(chromedp.ID("filters-toggle")))
	owner.until("the filters", `!document.querySelector("#filters").hidden && !document.querySelector("#filter-number").closest(".filter").hidden`)

	choose("#filter-label", "vip")
	owner.until("nobody labelled vip", `/label=vip/.test(location.hash) && document.querySelector("#conversation-list").getAttribute("aria-busy") === "false" &&
		document.querySelectorAll("#conversation-list li.conversation").length === 0 && !document.querySelector("#list-none").hidden`)
	a.do(t, "POST", fmt.Sprintf("/api/v1/conversations/%d/labels/vip", bo.ID), nil, http.StatusOK, nil)
	owner.until("Bo entering, live", fmt.Sprintf(`%s === "%d" && window.e2eNoReload === true`, listIDs(), bo.ID))

	owner.do("clear the filters", chromedp.Click(chromedp.ID("filters-clear")))
	owner.until("everyone again", `document.querySelectorAll("#conversation-list li.conversation").length === 3 && !/label=/.test(location.hash)`)
	choose("#filter-number", fmt.Sprint(other))
	owner.until("Bo, on the other number", fmt.Sprintf(`%s === "%d"`, listIDs(), bo.ID))
	choose("#filter-number", "")
	choose("#filter-agent", fmt.Sprint(ownerID))
	owner.until("Cy, the owner's", fmt.Sprintf(`%s === "%d" && document.querySelector("#filters-count").textContent === "1"`, listIDs(), cy.ID))
	owner.noExceptions()
}

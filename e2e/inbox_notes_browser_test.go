package e2e

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestThreadNotesCannedScheduleInBrowser: in Note mode the owner writes an
// internal note mentioning a teammate from the @ picker; it shows in the
// thread (and after a reload) and the customer receives nothing; the
// author edits and deletes it. In Reply mode "/tha" offers the canned
// response, which fills in the customer's name; "Send later" schedules it,
// it waits above the composer, and Cancel takes it back.
func TestThreadNotesCannedScheduleInBrowser(t *testing.T) {
	t.Parallel()
	ta := startThreadApp(t)
	a, sim, owner := ta.a, ta.sim, ta.owner
	mustRun(t, ta.env, "user", "create", "--email", "agent@example.com", "--password", "agent password 1", "--name", "Agent Smith", "--role", "agent")
	a.do(t, "POST", "/api/v1/canned", map[string]string{"shortcut": "thanks", "title": "Thank you",
		"body": "Thanks {{first_name|there}}, we will be in touch."}, http.StatusCreated, nil)
	const name, waID = "Nora Notes", "447700900633"
	first := sim.text(t, sandboxPhoneID, waID, name, "Any news on my refund?")
	conv := ta.open(t, name, waID, first)

	// A note with a mention, picked from the list.
	owner.do("switch to Note", chromedp.Click(chromedp.ID("mode-note")))
	owner.until("note mode", `document.querySelector("#composer").dataset.mode === "note" && document.querySelector("#mode-note").getAttribute("aria-selected") === "true" &&
		document.querySelector("#composer-send")?.textContent === "Add note"`)
	owner.do("type a mention", chromedp.SendKeys(chromedp.ID("composer-input"), "Please check the refund @Age"))
	owner.until("the member in the @ list", `(b => !b.hidden && !!b.querySelector(".mention-item.active")?.textContent.includes("Agent Smith"))(document.querySelector("#suggest"))`)
	owner.do("choose with Enter", chromedp.SendKeys(chromedp.ID("composer-input"), kb.Enter))
	owner.until("the mention inserted", `document.querySelector("#composer-input").value === "Please check the refund @Agent Smith " && document.querySelector("#suggest").hidden`)
	owner.do("finish the note", chromedp.SendKeys(chromedp.ID("composer-input"), "today."+kb.Enter))
	const noteText = "Please check the refund @Agent Smith today."
	note := `[...document.querySelectorAll("#thread .note")].find(n => n.querySelector(".note-body")?.textContent === ` + js(noteText) + `)`
	owner.until("the note in the thread, with its mention and author", fmt.Sprintf(`(n => !!n && n.querySelector(".note-body .mention")?.textContent === "@Agent Smith" &&
		n.querySelector(".note-badge")?.textContent.includes("Internal note") && !!n.querySelector(".note-author")?.textContent &&
		!n.closest(".message"))(%s) && document.querySelector("#composer-input").value === ""`, note))
	if sent := sim.sent(t, sandboxPhoneID, waID); len(sent) != 0 {
		t.Errorf("the note reached the simulator: %+v", sent)
	}
	owner.do("reload the page", chromedp.Reload())
	owner.until("the note after a reload, after the customer's message", fmt.Sprintf(`(n => !!n && n.compareDocumentPosition(%s) === Node.DOCUMENT_POSITION_PRECEDING)(%s)`, byWamid(first), note))

	// The author edits it, then deletes it.
	owner.jsClick("Edit", note+`.querySelector(".note-edit")`)
	owner.setValue("the new text", "#thread .note-edit-input", "Refund approved, tell her tomorrow.")
	owner.jsClick("Save", `document.querySelector("#thread .note-save")`)
	edited := `[...document.querySelectorAll("#thread .note")].find(n => n.querySelector(".note-body")?.textContent === "Refund approved, tell her tomorrow.")`
	owner.until("the edited note", `(n => !!n && !!n.querySelector(".note-edited"))(`+edited+`)`)
	owner.jsClick("Delete", edited+`.querySelector(".note-delete")`)
	owner.jsClick("confirm", edited+`.querySelector(".note-confirm-delete")`)
	owner.until("the note gone", `document.querySelectorAll("#thread .note").length === 0`)

	// A canned response, filled for the contact.
	owner.do("back to Reply", chromedp.Click(chromedp.ID("mode-reply")))
	owner.do("type the shortcut", chromedp.SendKeys(chromedp.ID("composer-input"), "/tha"))
	owner.until("the canned response offered", `!!document.querySelector('#suggest .canned-item[data-shortcut="thanks"]')`)
	owner.do("choose it", chromedp.SendKeys(chromedp.ID("composer-input"), kb.Enter))
	const filled = "Thanks Nora, we will be in touch."
	owner.until("the filled text", fmt.Sprintf(`document.querySelector("#composer-input").value === %s`, js(filled)))

	// Send it later, then cancel.
	owner.do("open Send later", chromedp.Click(chromedp.ID("send-later")))
	owner.until("the time picker with the time zone", `(b => !!b && !!b.querySelector("#schedule-at").value && b.querySelector(".schedule-zone")?.textContent.includes(Intl.DateTimeFormat().resolvedOptions().timeZone))(document.querySelector("#schedule-box"))`)
	owner.jsClick("Schedule", `document.querySelector("#schedule-box .schedule-confirm")`)
	item := fmt.Sprintf(`[...document.querySelectorAll("#scheduled-list .scheduled-item")].find(i => i.querySelector(".scheduled-text")?.textContent === %s)`, js(filled))
	owner.until("the pending message above the composer", fmt.Sprintf(`(i => !!i && i.dataset.status === "pending" && i.querySelector(".scheduled-when")?.textContent.includes("Scheduled"))(%s) &&
		!document.querySelector("#schedule-box") && document.querySelector("#composer-input").value === ""`, item))
	evidence(owner, "composer-scheduled")
	var list struct {
		Data []struct {
			ID     int64
			Status string
			Text   string
		}
	}
	a.do(t, "GET", fmt.Sprintf("/api/v1/conversations/%d/scheduled", conv.ID), nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].Status != "pending" || list.Data[0].Text != filled {
		t.Fatalf("scheduled: %+v", list.Data)
	}
	owner.jsClick("Cancel", item+`.querySelector(".scheduled-cancel")`)
	owner.until("the pending message gone", `document.querySelectorAll("#scheduled-list .scheduled-item").length === 0 && document.querySelector("#scheduled-list").hidden`)
	a.do(t, "GET", fmt.Sprintf("/api/v1/conversations/%d/scheduled", conv.ID), nil, http.StatusOK, &list)
	if len(list.Data) != 1 || list.Data[0].Status != "canceled" {
		t.Errorf("after cancel: %+v", list.Data)
	}
	if sent := sim.sent(t, sandboxPhoneID, waID); len(sent) != 0 {
		t.Errorf("something reached the simulator: %+v", sent)
	}
	owner.noExceptions()
}

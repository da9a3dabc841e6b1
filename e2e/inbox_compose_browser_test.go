package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// TestThreadOutboundInBrowser: from the composer and the message menu,
// the owner replies quoting a message, reacts to it, sends an image they
// upload and a set of reply buttons; each reaches the simulator in Meta's
// shape. A send Meta refuses shows its code and remedy, and Retry makes a
// new attempt that the simulator receives.
func TestThreadOutboundInBrowser(t *testing.T) {
	t.Parallel()
	ta := startThreadApp(t)
	sim, owner := ta.sim, ta.owner
	const name, waID = "Otto Outbound", "447700900622"
	const firstText = "Can you confirm my booking?"
	first := sim.text(t, sandboxPhoneID, waID, name, firstText)
	ta.open(t, name, waID, first)

	// Reply quoting the customer's message, from its menu.
	owner.jsClick("the message menu", byWamid(first)+`.querySelector(".msg-menu-btn")`)
	owner.jsClick("Reply", `document.querySelector(".msg-menu .menu-reply")`)
	owner.until("the reply bar", fmt.Sprintf(`!document.querySelector("#reply-bar").hidden && document.querySelector("#reply-bar-quote")?.textContent === %s &&
		document.activeElement === document.querySelector("#composer-input")`, js(firstText)))
	const answer = "Confirmed for Friday."
	owner.do("type the reply", chromedp.SendKeys(chromedp.ID("composer-input"), answer+kb.Enter))
	req := sim.sentWith(t, waID, "the reply with its context", func(m sentMessage, r map[string]any) bool {
		return m.Type == "text" && obj(r["text"])["body"] == answer
	})
	if got := obj(req["context"])["message_id"]; got != first {
		t.Errorf("the reply quotes %v, want %s", got, first)
	}
	owner.until("the reply in the thread with its quote, the bar gone", fmt.Sprintf(`(m => !!m && m.querySelector(".text")?.textContent === %s &&
		m.querySelector(".quote .quote-text")?.textContent === %s)(%s) && document.querySelector("#reply-bar").hidden`, js(answer), js(firstText), lastOut))

	// React from the menu.
	owner.jsClick("the message menu", byWamid(first)+`.querySelector(".msg-menu-btn")`)
	owner.jsClick("❤️", `document.querySelector('.msg-menu .react-btn[data-emoji="❤️"]')`)
	req = sim.sentWith(t, waID, "the reaction", func(m sentMessage, r map[string]any) bool { return m.Type == "reaction" })
	if r := obj(req["reaction"]); r["message_id"] != first || r["emoji"] != "❤️" {
		t.Errorf("reaction sent as %v", req)
	}
	owner.until("the reaction chip on the message", byWamid(first)+`?.querySelector('.reaction-chip[data-emoji="❤️"]') != null &&
		!document.querySelector('#thread .message[data-type="reaction"]')`)

	// And takes it back.
	owner.jsClick("the message menu", byWamid(first)+`.querySelector(".msg-menu-btn")`)
	owner.jsClick("Remove reaction", `document.querySelector(".msg-menu .react-remove")`)
	sim.sentWith(t, waID, "the reaction's removal", func(m sentMessage, r map[string]any) bool {
		return m.Type == "reaction" && obj(r["reaction"])["emoji"] == ""
	})
	owner.until("the chip gone", byWamid(first)+`?.querySelector(".reaction-chip") === null`)

	// An image: upload, caption, send.
	photo := filepath.Join(t.TempDir(), "part.png")
	writePNG(t, photo)
	owner.do("attach the photo", chromedp.SetUploadFiles(chromedp.ID("attach-input"), []string{photo}))
	owner.until("the chip, uploaded", `(c => !c.hidden && c.dataset.state === "ready" && c.dataset.type === "image" && !!c.querySelector("img.attach-thumb"))(document.querySelector("#attach-chip"))`)
	owner.do("caption it", chromedp.SendKeys(chromedp.ID("attach-caption"), "Here is the part"))
	owner.do("send it", chromedp.Click(chromedp.ID("composer-send")))
	req = sim.sentWith(t, waID, "the image", func(m sentMessage, r map[string]any) bool { return m.Type == "image" })
	if img := obj(req["image"]); img["id"] == nil || img["id"] == "" || img["caption"] != "Here is the part" {
		t.Errorf("image sent as %v", req)
	}
	owner.until("the image in the thread, shown from its stored copy", `(m => !!m && m.dataset.type === "image" && !!m.querySelector("img.media-img") &&
		m.querySelector(".text")?.textContent === "Here is the part")(`+lastOut+`) && document.querySelector("#attach-chip").hidden`)

	// Reply buttons from the builder.
	owner.do("open the builder", chromedp.Click(chromedp.ID("interactive-btn")))
	owner.until("the builder", `document.querySelector("#interactive-dialog").open`)
	owner.setValue("the header", ".ia-header-input", "Your booking")
	owner.setValue("the body", ".ia-body-input", "Shall we keep Friday at 9?")
	owner.until("button fields", `document.querySelectorAll(".ia-button-input").length === 3`)
	_ = eval[bool](owner, `(b => { b[0].value = "Keep it"; b[1].value = "Change"; return true })(document.querySelectorAll(".ia-button-input"))`)
	owner.setValue("the footer", ".ia-footer-input", "Acme Dental")
	owner.jsClick("send the buttons", `document.querySelector(".ia-send")`)
	req = sim.sentWith(t, waID, "the buttons", func(m sentMessage, r map[string]any) bool { return m.Type == "interactive" })
	ia := obj(req["interactive"])
	buttons, _ := obj(ia["action"])["buttons"].([]any)
	if ia["type"] != "button" || obj(ia["body"])["text"] != "Shall we keep Friday at 9?" || obj(ia["header"])["text"] != "Your booking" ||
		obj(ia["footer"])["text"] != "Acme Dental" || len(buttons) != 2 || obj(obj(buttons[1])["reply"])["title"] != "Change" || obj(buttons[0])["type"] != "reply" {
		t.Errorf("interactive sent as %v", req)
	}
	owner.until("the buttons in the thread", `(m => !!m && m.dataset.type === "interactive" && [...m.querySelectorAll(".ia-button")].map(b => b.textContent).join("|") === "Keep it|Change")(`+lastOut+`) &&
		!document.querySelector("#interactive-dialog")`)

	// A list from the builder.
	owner.do("open the builder", chromedp.Click(chromedp.ID("interactive-btn")))
	owner.until("the builder", `document.querySelector("#interactive-dialog").open`)
	owner.jsClick("List", `document.querySelector('#interactive-dialog input[name="ia-kind"][value="list"]')`)
	owner.until("the list fields", `!document.querySelector(".ia-list-edit").hidden && document.querySelector(".ia-buttons-edit").hidden`)
	owner.setValue("the body", ".ia-body-input", "Pick a new time")
	owner.setValue("the list button", ".ia-list-button-input", "Times")
	owner.setValue("the section", ".ia-section-title-input", "Friday")
	owner.setValue("the first row", ".ia-row-title-input", "9:00")
	owner.jsClick("another row", `document.querySelector(".ia-add-row")`)
	_ = eval[bool](owner, `(r => { r[1].value = "11:30"; document.querySelectorAll(".ia-row-desc-input")[1].value = "Late morning"; return true })(document.querySelectorAll(".ia-row-title-input"))`)
	owner.jsClick("send the list", `document.querySelector(".ia-send")`)
	req = sim.sentWith(t, waID, "the list", func(m sentMessage, r map[string]any) bool {
		return m.Type == "interactive" && obj(r["interactive"])["type"] == "list"
	})
	ia = obj(req["interactive"])
	sections, _ := obj(ia["action"])["sections"].([]any)
	if obj(ia["action"])["button"] != "Times" || len(sections) != 1 || obj(sections[0])["title"] != "Friday" {
		t.Fatalf("list sent as %v", req)
	}
	rows, _ := obj(sections[0])["rows"].([]any)
	if len(rows) != 2 || obj(rows[1])["title"] != "11:30" || obj(rows[1])["description"] != "Late morning" || obj(rows[0])["id"] == "" {
		t.Errorf("list rows sent as %v", rows)
	}
	owner.until("the list in the thread", `(m => !!m && !!m.querySelector(".ia-list-button")?.textContent.includes("Times") && m.querySelectorAll(".ia-row").length === 2)(`+lastOut+`)`)

	// Meta refuses the next send; Retry sends it again.
	sim.post(t, "/_sim/faults", map[string]any{"fail_sends": map[string]any{"count": 1, "code": 131026, "mode": "sync"}}, nil)
	const doomed = "This one bounces the first time."
	owner.do("send a message Meta refuses", chromedp.SendKeys(chromedp.ID("composer-input"), doomed+kb.Enter))
	failed := fmt.Sprintf(`[...document.querySelectorAll('#thread .message[data-status="failed"]')].find(m => m.querySelector(".text")?.textContent === %s)`, js(doomed))
	owner.until("the failure with its code, remedy and Retry", fmt.Sprintf(`(m => !!m && m.querySelector(".error .error-title")?.textContent.includes("131026") &&
		m.querySelector(".error .remedy")?.textContent.length > 0 && !!m.querySelector(".error .retry-btn"))(%s)`, failed))
	owner.jsClick("Retry", failed+`.querySelector(".retry-btn")`)
	sim.sentWith(t, waID, "the retry", func(m sentMessage, r map[string]any) bool {
		return m.Type == "text" && obj(r["text"])["body"] == doomed
	})
	owner.until("the new attempt delivered, the failed one linking to it", fmt.Sprintf(`[...document.querySelectorAll('#thread .message[data-direction="outbound"]')].some(m =>
		m.querySelector(".text")?.textContent === %s && m.dataset.status === "delivered" && !!m.querySelector(".retry-of")) &&
		!!%s?.querySelector(".retried-link") && !%s.querySelector(".retry-btn")`, js(doomed), failed, failed))
	evidence(owner, "thread-outbound")
	owner.noExceptions()
}

func writePNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for x := 0; x < 40; x++ {
		for y := 0; y < 30; y++ {
			img.Set(x, y, color.RGBA{R: uint8(x * 6), G: 120, B: uint8(y * 8), A: 255})
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

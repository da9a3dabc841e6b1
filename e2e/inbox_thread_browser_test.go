package e2e

import (
	"fmt"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestThreadInboundTypesInBrowser: a customer sends one message of every
// type while the owner watches the conversation; each shows as it should
// without a reload: links in text, an inline image whose bytes load, a
// document to download, a map link, a contact card, the button they
// tapped with the message it answers, a template button, a reaction as a
// chip under its message (not a bubble), a reply with its quote that
// jumps to the quoted message, and a readable notice for an unsupported
// type.
func TestThreadInboundTypesInBrowser(t *testing.T) {
	t.Parallel()
	ta := startThreadApp(t)
	sim, owner := ta.sim, ta.owner
	const name, waID = "Tess Types", "447700900611"
	const firstText = "Track it at https://example.com/track?id=7 please"
	first := sim.text(t, sandboxPhoneID, waID, name, firstText)
	ta.open(t, name, waID, first)
	owner.until("the URL as a link", fmt.Sprintf(`(m => { const a = m.querySelector(".text a.msg-link");
		return !!a && a.getAttribute("href") === "https://example.com/track?id=7" && a.rel.includes("noopener") &&
			m.querySelector(".text")?.textContent === %s })(%s)`, js(firstText), byWamid(first)))

	in := func(typ string, content any, ctx string) string { return send(t, sim, waID, name, typ, content, ctx) }
	image := in("image", map[string]any{"caption": "The broken part"}, "")
	doc := in("document", map[string]any{"filename": "invoice-42.pdf", "caption": "My invoice"}, "")
	loc := in("location", map[string]any{"latitude": 51.5014, "longitude": -0.1419, "name": "Buckingham Palace", "address": "London SW1A 1AA"}, "")
	cards := in("contacts", []any{map[string]any{
		"name":   map[string]any{"formatted_name": "Alan Turing", "first_name": "Alan"},
		"phones": []any{map[string]any{"phone": "+447700900777", "type": "CELL"}},
		"emails": []any{map[string]any{"email": "alan@example.com", "type": "WORK"}},
		"org":    map[string]any{"company": "Bletchley Park"},
	}}, "")
	choice := in("interactive", map[string]any{"type": "button_reply", "button_reply": map[string]any{"id": "yes", "title": "Yes please"}}, first)
	button := in("button", map[string]any{"text": "Stop promotions", "payload": "STOP"}, "")
	video := in("video", map[string]any{}, "")
	voice := in("audio", map[string]any{"voice": true}, "")
	sticker := in("sticker", map[string]any{}, "")
	reaction := in("reaction", map[string]any{"message_id": first, "emoji": "👍"}, "")
	reply := in("text", map[string]any{"body": "About that link…"}, first)
	odd := in("unsupported", map[string]any{"type": "edit"}, "")

	owner.until("the image inline, its bytes loaded from media.url", fmt.Sprintf(`(m => { const img = m && m.querySelector(".media-image img.media-img");
		return !!img && img.loading === "lazy" && img.complete && img.naturalWidth > 0 && img.closest("a").getAttribute("href") === img.getAttribute("src") &&
			m.querySelector(".text")?.textContent === "The broken part" })(%s)`, byWamid(image)))
	owner.until("the video, the voice message and the sticker", fmt.Sprintf(`(v => !!v && v.controls && !!v.getAttribute("src"))(%s?.querySelector("video.media-player")) &&
		(a => !!a && a.controls && !!a.getAttribute("src"))(%s?.querySelector("audio.media-player")) && !!%s?.textContent.includes("Voice message") &&
		!!%s?.querySelector(".media-sticker img.media-img")`, byWamid(video), byWamid(voice), byWamid(voice), byWamid(sticker)))
	owner.until("the document as a download link", fmt.Sprintf(`(m => { const a = m && m.querySelector("a.doc-link");
		return !!a && a.querySelector(".doc-name")?.textContent === "invoice-42.pdf" && a.hasAttribute("download") && !!a.getAttribute("href") })(%s)`, byWamid(doc)))
	owner.until("the location as a map link", fmt.Sprintf(`(m => { const a = m && m.querySelector("a.location-link");
		return !!a && a.href.startsWith("https://www.openstreetmap.org/?mlat=51.5014&mlon=-0.1419") &&
			a.textContent.includes("Buckingham Palace") && a.textContent.includes("London SW1A 1AA") })(%s)`, byWamid(loc)))
	owner.until("the contact card", fmt.Sprintf(`(m => { const c = m && m.querySelector(".contact-card");
		return !!c && c.querySelector(".contact-name")?.textContent.includes("Alan Turing") && c.textContent.includes("+447700900777") &&
			c.querySelector('a[href="mailto:alan@example.com"]') && c.textContent.includes("Bletchley Park") })(%s)`, byWamid(cards)))
	owner.until("the tapped button with the message it answers", fmt.Sprintf(`(m => !!m && m.querySelector(".reply-choice")?.textContent === "↩ Yes please" &&
		m.querySelector(".quote .quote-text")?.textContent === %s)(%s)`, js(firstText), byWamid(choice)))
	owner.until("the template button", fmt.Sprintf(`(m => !!m && m.querySelector(".reply-choice")?.textContent === "↩ Stop promotions")(%s)`, byWamid(button)))
	owner.until("the reaction as a chip on its message, not a bubble", fmt.Sprintf(`(m => !!m && !!m.querySelector('.reactions .reaction-chip[data-emoji="👍"]') &&
		m.querySelector(".reaction-chip")?.title.includes(%s) && !document.querySelector('#thread .message[data-wamid=%s]'))(%s)`, js(name), js(reaction), byWamid(first)))
	owner.until("the unsupported notice", fmt.Sprintf(`(m => !!m && m.querySelector(".unsupported .text")?.textContent.includes("The customer sent a message type WhatsApp can't show here: edit"))(%s)`, byWamid(odd)))
	owner.until("the reply with its quote", fmt.Sprintf(`(m => !!m && m.querySelector(".quote .quote-text")?.textContent === %s)(%s)`, js(firstText), byWamid(reply)))

	// The quote jumps to the quoted message.
	evidence(owner, "thread-inbound")
	owner.jsClick("the quote", byWamid(reply)+`.querySelector(".quote")`)
	owner.until("the quoted message flashed", byWamid(first)+`.classList.contains("flash")`)

	// A reload (the timeline) shows the same.
	owner.do("reload the page", chromedp.Reload())
	owner.until("the thread after a reload", fmt.Sprintf(`!!%s && !!%s?.querySelector('.reaction-chip[data-emoji="👍"]') && !!%s?.querySelector("img.media-img") &&
		!document.querySelector('#thread .message[data-type="reaction"]')`, byWamid(odd), byWamid(first), byWamid(image)))
	owner.noExceptions()
}

// TestThreadPagingInBrowser: a long conversation opens at its newest page
// with "Load earlier"; a reply quoting the very first message brings it
// into view (paging back as far as needed) and flashes it.
func TestThreadPagingInBrowser(t *testing.T) {
	t.Parallel()
	ta := startThreadApp(t)
	a, sim, owner := ta.a, ta.sim, ta.owner
	const name, waID = "Paula Pages", "447700900666"
	first := sim.text(t, sandboxPhoneID, waID, name, "Message number 0")
	for i := 1; i < 110; i++ {
		sim.text(t, sandboxPhoneID, waID, name, fmt.Sprintf("Message number %d", i))
	}
	last := send(t, sim, waID, name, "text", map[string]any{"body": "Remember my first message?"}, first)
	if !eventually(waitTimeout, func() bool {
		for _, c := range a.conversations(t) {
			if c.Contact.WaID == waID && c.LastMessageText == "Remember my first message?" {
				return true
			}
		}
		return false
	}) {
		t.Fatal("the messages were not all stored")
	}
	ta.open(t, name, waID, last)
	owner.until("the newest page with Load earlier", fmt.Sprintf(`!!document.querySelector("#thread-more") && !%s && document.querySelectorAll("#thread .message").length === 100`, byWamid(first)))
	owner.jsClick("the quote of the first message", byWamid(last)+`.querySelector(".quote")`)
	owner.until("the first message loaded, in view and flashed", fmt.Sprintf(`(m => { if (!m || !m.classList.contains("flash")) return false;
		const r = m.getBoundingClientRect(), t = document.querySelector("#thread").getBoundingClientRect(); return r.bottom > t.top && r.top < t.bottom })(%s) &&
		!document.querySelector("#thread-more") && document.querySelectorAll("#thread .message").length === 111`, byWamid(first)))
	owner.noExceptions()
}

// send makes the customer send a message of type typ, quoting ctx when set.
func send(t *testing.T, sim simCtl, waID, name, typ string, content any, ctx string) string {
	t.Helper()
	body := map[string]any{"phone_number_id": sandboxPhoneID, "from": waID, "name": name, "type": typ, typ: content}
	if ctx != "" {
		body["context"] = map[string]string{"id": ctx}
	}
	var out struct{ ID string }
	sim.post(t, "/_sim/inbound", body, &out)
	return out.ID
}

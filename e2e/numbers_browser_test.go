package e2e

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// TestNumbersInBrowser: the owner connects a second number with Embedded
// Signup on the sandbox's simulated popup and sees it, with its health,
// on the Numbers page, and the PIN GoHavi set shown once; a popup
// cancelled midway and one reporting an error are explained. The new
// number's business profile is edited (a too-long "about", or an email
// address only the server refuses, is reported under its field) and gets
// a photo; its green tick panel says why a request can't be sent yet; an
// approved display name arrives live; disconnecting greys the card.
func TestNumbersInBrowser(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	env := sqliteEnv(t)
	srv := startServer(t, "serve", env...)
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	sandboxNumber(t, a)

	owner := newTab(t, browser, "owner")
	owner.login(srv.URL, srv.Email, srv.Password)
	href := eval[string](owner, `document.querySelector("a#nav-numbers").getAttribute("href")`)
	owner.do("open the numbers page", chromedp.Navigate(srv.URL+href))
	owner.until("the sandbox number's card", fmt.Sprintf(`location.pathname === "/numbers" &&
		document.querySelector("main.numbers").getAttribute("aria-busy") === "false" &&
		[...document.querySelectorAll(".number-card")].some(c => c.textContent.includes(%s))`, js(sandboxPhoneID)))

	ownerTarget := chromedp.FromContext(owner.ctx).Target.TargetID
	popups := map[target.ID]bool{}
	// popup clicks Connect with Facebook and attaches to the window it opens.
	popup := func(name string) *tab {
		t.Helper()
		// The popup has a window name: while an earlier one is still
		// closing, window.open would reuse it instead of opening another.
		if !eventually(waitTimeout, func() bool {
			infos, err := chromedp.Targets(owner.ctx)
			return err == nil && !slices.ContainsFunc(infos, func(i *target.Info) bool { return popups[i.TargetID] })
		}) {
			t.Fatal("the previous signup window did not close")
		}
		owner.do("open the connect page", chromedp.Navigate(srv.URL+"/numbers/connect"))
		owner.until("the SDK loaded", `!document.querySelector("#signup-start").disabled &&
			document.querySelector("#signup-start").textContent === "Connect with Facebook"`)
		// Events of an earlier popup, closing, may still arrive.
		ch := chromedp.WaitNewTarget(owner.ctx, func(info *target.Info) bool {
			return info.OpenerID == ownerTarget && !popups[info.TargetID]
		})
		owner.do("click Connect with Facebook", chromedp.Click(chromedp.ID("signup-start")))
		var id target.ID
		select {
		case id = <-ch:
		case <-time.After(waitTimeout):
			t.Fatal("Connect with Facebook opened no window")
		}
		popups[id] = true
		ctx, cancel := chromedp.NewContext(owner.ctx, chromedp.WithTargetID(id))
		t.Cleanup(cancel)
		// Attach with a context that outlives each step: the first run's
		// context is the one whose end closes the window.
		if err := chromedp.Do(ctx); err != nil {
			t.Fatalf("%s: attach: %v", name, err)
		}
		p := &tab{t: t, name: name, ctx: ctx}
		p.until("the first signup screen", `document.body && document.body.dataset.step === "BUSINESS_ACCOUNT_SELECTION"`)
		return p
	}
	next := func(p *tab, step string) {
		t.Helper()
		p.do("next screen", chromedp.Click(chromedp.ID("es-next")))
		p.until(step, fmt.Sprintf(`document.body.dataset.step === %s`, js(step)))
	}

	// Embedded Signup all the way through.
	const displayName, phone, phoneDigits = "Browser Plants Shop", "+1 555 010 7777", "15550107777"
	p := popup("signup popup")
	p.do("name the business", chromedp.SetValue(chromedp.ID("es-business-name"), "Browser Plants"))
	next(p, "WABA_PHONE_PROFILE_PICKER")
	next(p, "WHATSAPP_BUSINESS_PROFILE_SETUP")
	p.do("choose the display name", chromedp.SetValue(chromedp.ID("es-display-name"), displayName))
	next(p, "PHONE_NUMBER_SETUP")
	p.do("enter the phone number", chromedp.SetValue(chromedp.ID("es-phone"), phone))
	next(p, "PHONE_NUMBER_VERIFICATION")
	next(p, "PERMISSIONS")
	p.do("finish", chromedp.Click(chromedp.ID("es-finish")))
	owner.until("the connected number and its PIN, shown once", fmt.Sprintf(`!document.querySelector("#signup-result").hidden &&
		document.querySelector("#signup-result .connected-number .number-phone").textContent.replace(/\D/g, "") === %s &&
		document.querySelector("#signup-result .verified-name").textContent === %s &&
		/^[0-9]{6}$/.test(document.querySelector("#signup-result .pin-value").textContent)`, js(phoneDigits), js(displayName)))
	if s := eval[string](owner, `document.querySelector("#signup-status").textContent`); s != "" {
		t.Errorf("status after a successful signup: %q", s)
	}
	var list struct {
		Data []struct {
			ID            int64  `json:"id"`
			PhoneNumberID string `json:"phone_number_id"`
			Display       string `json:"display_phone_number"`
			Connected     bool   `json:"connected"`
		} `json:"data"`
	}
	a.do(t, "GET", "/api/v1/whatsapp/numbers", nil, http.StatusOK, &list)
	var newID int64
	for _, n := range list.Data {
		if strings.Map(func(r rune) rune {
			if r >= '0' && r <= '9' {
				return r
			}
			return -1
		}, n.Display) == phoneDigits && n.Connected {
			newID = n.ID
		}
	}
	if newID == 0 {
		t.Fatalf("the signed-up number is not in the API's list: %+v", list.Data)
	}

	// The Numbers page shows it, with its health.
	if !eval[bool](owner, `!!document.querySelector('#signup-result a[href="/numbers"]')`) {
		t.Error("no way from the result to the numbers page")
	}
	owner.do("go to the numbers page", chromedp.Navigate(srv.URL+"/numbers"))
	card := fmt.Sprintf(`document.querySelector('.number-card[data-id="%d"]')`, newID)
	owner.until("the new number's card with its health", fmt.Sprintf(`location.pathname === "/numbers" && !!%[1]s &&
		%[1]s.dataset.connected === "true" &&
		%[1]s.querySelector(".verified-name").textContent === %[2]s &&
		!!%[1]s.querySelector(".name-status") && !!%[1]s.querySelector(".number-status") &&
		%[1]s.querySelector(".quality") !== null && %[1]s.querySelector(".messaging-limit") !== null &&
		%[1]s.querySelector(".registered").dataset.registered === "true"`, card, js(displayName)))

	// A popup cancelled at the second screen is explained by the server.
	p = popup("cancelled popup")
	next(p, "WABA_PHONE_PROFILE_PICKER")
	p.do("cancel", chromedp.Click(chromedp.ID("es-cancel")))
	var why struct{ Message, Remedy string }
	a.do(t, "POST", "/api/v1/whatsapp/signup/abandoned", map[string]string{"event": "CANCEL", "current_step": "WABA_PHONE_PROFILE_PICKER"}, http.StatusOK, &why)
	if why.Message == "" {
		t.Fatalf("no explanation for a cancelled signup: %+v", why)
	}
	owner.until("the explanation of the step left", fmt.Sprintf(`(s => s.dataset.event === "CANCEL" && s.dataset.step === "WABA_PHONE_PROFILE_PICKER" &&
		s.textContent.includes(%s) && s.textContent.includes(%s))(document.querySelector("#signup-status"))`, js(why.Message), js(why.Remedy)))
	owner.until("no number connected and the button usable again", `document.querySelector("#signup-result").hidden &&
		!document.querySelector("#signup-start").disabled`)

	// A problem reported in the popup: Facebook's words and error id, and
	// the server's remedy.
	p = popup("error popup")
	p.do("report a problem", chromedp.Click(chromedp.CSS("#es-report-box summary")), chromedp.Click(chromedp.ID("es-report")))
	owner.until("the reported error", `(s => s.dataset.event === "ERROR" && s.classList.contains("error") &&
		s.textContent.includes("Your verified name violates WhatsApp guidelines") && /error id [0-9]+/.test(s.textContent) &&
		s.querySelector(".remedy") !== null && s.querySelector(".remedy").textContent !== "")(document.querySelector("#signup-status"))`)
	if n := len(a.numbers(t)); n != 2 {
		t.Errorf("%d numbers after a cancelled and a failed signup, want 2", n)
	}

	// Connecting by hand: the page checks the ids; Meta's refusal of the
	// token is shown with its remedy, and nothing is connected.
	owner.do("a phone number instead of its id", chromedp.SetValue(chromedp.ID("manual-waba"), "123"),
		chromedp.SetValue(chromedp.ID("manual-phone"), "+44 7700 900123"), chromedp.SetValue(chromedp.ID("manual-token"), "EAAGwrong"),
		chromedp.Click(chromedp.ID("manual-submit")))
	owner.until("the error under the phone number id", `document.querySelector("#manual-phone").getAttribute("aria-invalid") === "true" &&
		document.querySelector("#manual-status").textContent.startsWith("Not connected")`)
	owner.do("a bad token", chromedp.SetValue(chromedp.ID("manual-phone"), sandboxPhoneID), chromedp.Click(chromedp.ID("manual-submit")))
	owner.until("Meta's refusal with its remedy", `(b => !b.hidden && b.querySelector(".remedy") !== null)(document.querySelector("#manual-error")) &&
		document.querySelector("#manual-phone").getAttribute("aria-invalid") !== "true"`)
	if n := len(a.numbers(t)); n != 2 {
		t.Errorf("%d numbers after a refused manual connection, want 2", n)
	}

	// The business profile: saved, then refused by the page and by the server.
	owner.do("back to the numbers page", chromedp.Navigate(srv.URL+"/numbers"))
	pre := fmt.Sprintf("n%d-profile", newID)
	owner.until("the card", fmt.Sprintf(`!!%s`, card))
	owner.do("open the business profile", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] details.number-profile > summary`, newID))))
	owner.until("the profile loaded", fmt.Sprintf(`%s.querySelector("details.number-profile").dataset.loaded === "true" &&
		!document.getElementById(%s).disabled`, card, js(pre+"-about")))
	const about = "Succulents, delivered by bike."
	setValue := func(id, v string) {
		t.Helper()
		_ = eval[bool](owner, fmt.Sprintf(`(i => { i.value = %s; i.dispatchEvent(new Event("input")); return true })(document.getElementById(%s))`, js(v), js(id)))
	}
	save := chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] .profile-save`, newID)))
	status := fmt.Sprintf(`%s.querySelector("details.number-profile .panel-status").textContent`, card)
	setValue(pre+"-about", about)
	owner.do("save the profile", save)
	owner.until("saved", fmt.Sprintf(`%s.startsWith("Saved")`, status))
	var profile struct{ About string }
	a.do(t, "GET", fmt.Sprintf("/api/v1/whatsapp/numbers/%d/profile", newID), nil, http.StatusOK, &profile)
	if profile.About != about {
		t.Errorf("about after saving: %q, want %q", profile.About, about)
	}

	setValue(pre+"-about", strings.Repeat("Succulents! ", 15))
	owner.do("save a too-long about", save)
	owner.until("the error under About", fmt.Sprintf(`(e => !e.hidden && e.textContent.includes("139"))(document.getElementById(%s)) &&
		document.getElementById(%s).getAttribute("aria-invalid") === "true" && %s.startsWith("Not saved")`,
		js(pre+"-about-error"), js(pre+"-about"), status))

	// An address the page lets through but the server refuses: its
	// message lands under the email field.
	setValue(pre+"-about", about)
	setValue(pre+"-email", "ada..lovelace@example.com")
	owner.do("save a bad email", save)
	owner.until("the server's error under Email", fmt.Sprintf(`(e => !e.hidden && e.textContent.includes("not a valid address"))(document.getElementById(%s)) &&
		document.getElementById(%s).getAttribute("aria-invalid") !== "true"`, js(pre+"-email-error"), js(pre+"-about")))
	a.do(t, "GET", fmt.Sprintf("/api/v1/whatsapp/numbers/%d/profile", newID), nil, http.StatusOK, &profile)
	if profile.About != about {
		t.Errorf("about after the refused saves: %q, want %q", profile.About, about)
	}

	// A profile photo: previewed, uploaded, then shown from Meta's URL.
	photo := filepath.Join(t.TempDir(), "logo.png")
	numbersTestPNG(t, photo)
	owner.do("choose a photo", chromedp.SetUploadFiles(chromedp.ID(pre+"-photo"), []string{photo}))
	owner.until("the preview", fmt.Sprintf(`(i => !i.hidden && i.src.startsWith("blob:"))(%s.querySelector(".photo-preview"))`, card))
	owner.do("upload it", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] .photo-upload`, newID))))
	owner.until("the uploaded photo, loaded", fmt.Sprintf(`%s === "Photo uploaded." &&
		(i => !i.hidden && i.complete && i.naturalWidth > 0)(%s.querySelector(".photo-current"))`, status, card))

	// After a reload the editor shows what Meta has.
	owner.do("reload", chromedp.Navigate(srv.URL+"/numbers"))
	owner.until("the card", fmt.Sprintf(`!!%s`, card))
	owner.do("open the business profile", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] details.number-profile > summary`, newID))))
	owner.until("the saved about and photo", fmt.Sprintf(`document.getElementById(%s).value === %s &&
		!%s.querySelector(".photo-current").hidden`, js(pre+"-about"), js(about), card))

	// The green tick: the display name is still in review (and the new
	// portfolio unverified), so the request form is disabled and says why.
	owner.do("open the green tick panel", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] details.number-greentick > summary`, newID))))
	owner.until("the checklist and the blocked form", fmt.Sprintf(`(d => d.dataset.loaded === "true" && d.dataset.canRequest === "false" &&
		d.querySelector('.check[data-key="display_name"]').dataset.state === "missing" &&
		d.querySelector('.check[data-key="two_step"]').dataset.state === "done" &&
		d.querySelector(".greentick-form fieldset").disabled &&
		!d.querySelector(".greentick-blocked").hidden && d.querySelector(".greentick-blocked").textContent.endsWith("required first."))(%s.querySelector("details.number-greentick"))`, card))

	// Meta approves the display name: the webhook's number.updated event
	// updates the card in place.
	_ = eval[bool](owner, `window.e2eNumbersNoReload = true`)
	newPhoneID := ""
	for _, n := range list.Data {
		if n.ID == newID {
			newPhoneID = n.PhoneNumberID
		}
	}
	simCtl{base: srv.URL + "/sim"}.post(t, "/_sim/display-name", map[string]string{"phone_number_id": newPhoneID, "decision": "APPROVED"}, nil)
	owner.until("the approved name, live", fmt.Sprintf(`%s.querySelector(".name-status").dataset.status === "APPROVED" &&
		window.e2eNumbersNoReload === true`, card))

	// Disconnected, but kept registered at Meta: the card greys out and
	// says how to reconnect.
	owner.do("open the disconnect confirmation", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] .number-disconnect`, newID))))
	owner.until("the confirmation", fmt.Sprintf(`!document.getElementById("n%d-disconnect").hidden`, newID))
	owner.do("keep it registered and disconnect",
		chromedp.Click(chromedp.ID(fmt.Sprintf("n%d-deregister", newID))),
		chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] .number-disconnect-confirm`, newID))))
	owner.until("the greyed card with the reconnect hint", fmt.Sprintf(`%[1]s.dataset.connected === "false" &&
		!!%[1]s.querySelector(".reconnect-hint a[href='/numbers/connect']") && !%[1]s.querySelector(".number-profile") &&
		document.querySelector("#numbers-status").textContent.startsWith("Disconnected") &&
		document.querySelector("#numbers-list").lastElementChild === %[1]s`, card))
	a.do(t, "GET", "/api/v1/whatsapp/numbers", nil, http.StatusOK, &list)
	for _, n := range list.Data {
		if n.ID == newID && n.Connected {
			t.Errorf("number %d still connected after Disconnect", newID)
		}
	}
	owner.noExceptions()
}

// numbersTestPNG writes a small opaque PNG to path.
func numbersTestPNG(t *testing.T, path string) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 64, 64))
	for y := range 64 {
		for x := range 64 {
			img.Set(x, y, color.RGBA{R: 0x12, G: uint8(0x8c + x), B: 0x7e, A: 0xff})
		}
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestNumbersReadOnlyForAgents: an agent sees the numbers and their
// profiles but none of the controls that change them.
func TestNumbersReadOnlyForAgents(t *testing.T) {
	t.Parallel()
	browser := newBrowser(t)
	env := sqliteEnv(t)
	srv := startServer(t, "serve", env...)
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	num := sandboxNumber(t, a)
	const email, password = "agent@example.com", "agent password 1"
	mustRun(t, env, "user", "create", "--email", email, "--password", password, "--name", "Agent Smith", "--role", "agent")

	agent := newTab(t, browser, "agent")
	agent.login(srv.URL, email, password)
	agent.do("open the numbers page", chromedp.Navigate(srv.URL+"/numbers"))
	card := fmt.Sprintf(`document.querySelector('.number-card[data-id="%d"]')`, num.ID)
	agent.until("the sandbox number, read-only", fmt.Sprintf(`!!%[1]s && !%[1]s.querySelector(".number-refresh, .number-disconnect") &&
		document.querySelector("#numbers-connect").hidden && !document.querySelector("#numbers-readonly").hidden`, card))
	agent.do("open the business profile", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] details.number-profile > summary`, num.ID))))
	agent.do("open the green tick panel", chromedp.Click(chromedp.CSS(fmt.Sprintf(`.number-card[data-id="%d"] details.number-greentick > summary`, num.ID))))
	agent.until("both loaded, without forms to send", fmt.Sprintf(`(c => c.querySelector("details.number-profile").dataset.loaded === "true" &&
		c.querySelector(".profile-form fieldset").disabled && !c.querySelector(".profile-save, .photo-upload") &&
		c.querySelector("details.number-greentick").dataset.loaded === "true" && !c.querySelector(".greentick-form") &&
		c.querySelectorAll(".checklist .check").length > 0)(%s)`, card))

	agent.do("open the connect page", chromedp.Navigate(srv.URL+"/numbers/connect"))
	agent.until("the connect page, disabled", `!document.querySelector("#connect-readonly").hidden &&
		document.querySelector("#signup").getAttribute("aria-busy") === "false" &&
		document.querySelector("#signup-start").disabled && document.querySelector("#manual-submit").disabled`)
	agent.noExceptions()
}

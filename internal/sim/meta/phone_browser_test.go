package meta

import (
	"context"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestPhonePageInBrowser plays the sandbox customer in a real Chromium,
// mounted under a prefix as the product mounts it. Skipped when Chromium
// is not installed (apt-get install chromium) or with -short.
func TestPhonePageInBrowser(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test skipped with -short")
	}
	browser, err := exec.LookPath("chromium")
	if err != nil {
		t.Skip("chromium not installed")
	}
	e := newEnv(t, Config{})
	mux := http.NewServeMux()
	mux.Handle("/sim/", http.StripPrefix("/sim", e.sim.Handler()))
	site := httptest.NewServer(mux)
	defer site.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 20*time.Second)
	defer cancelTimeout()

	poll := func(what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(5*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(site.URL+"/sim/_sim/phone")); err != nil {
		t.Fatal(err)
	}
	poll("business numbers", `document.querySelector('#phone-number').value === "`+e.num.PhoneNumberID+`"`)

	// The customer writes first: a signed webhook reaches the business.
	if err := chromedp.Do(ctx,
		chromedp.SendKeys(chromedp.ID("phone-input"), "Hello from Ada"),
		chromedp.Click(chromedp.ID("phone-send")),
	); err != nil {
		t.Fatal(err)
	}
	poll("own message", `document.querySelectorAll('#phone-thread .msg[data-direction="in"]').length === 1`)
	waitFor(t, "inbound webhook", func() bool { return len(e.rc.list("messages")) == 1 })
	in := e.rc.list("messages")[0]
	if in["from"] != "447700900123" || in["text"].(map[string]any)["body"] != "Hello from Ada" {
		t.Errorf("inbound %v", in)
	}
	if name := e.rc.values()[0]["contacts"].([]any)[0].(map[string]any)["profile"].(map[string]any)["name"]; name != "Ada Lovelace" {
		t.Errorf("profile name %v", name)
	}

	// The business answers with buttons; showing them reads them.
	wamid := e.sendOK(t, `{"messaging_product":"whatsapp","to":"447700900123","type":"interactive","interactive":{"type":"button","body":{"text":"Keep the 9am slot?"},"action":{"buttons":[{"type":"reply","reply":{"id":"keep","title":"Keep"}},{"type":"reply","reply":{"id":"move","title":"Move"}}]}}}`)
	poll("business message", `!!document.querySelector('#phone-thread .msg[data-direction="out"][data-wamid="`+wamid+`"] .actions button')`)
	waitFor(t, "read status", func() bool {
		st := e.rc.statusesOf(wamid)
		return len(st) > 0 && st[len(st)-1]["status"] == "read"
	})

	// Tapping a button sends a button_reply quoting that message.
	if err := chromedp.Do(ctx, chromedp.Click(chromedp.CSS(`.msg[data-wamid="`+wamid+`"] .actions button:nth-child(2)`))); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "button reply", func() bool { return len(e.rc.list("messages")) == 2 })
	reply := e.rc.list("messages")[1]
	br, _ := reply["interactive"].(map[string]any)
	if br["type"] != "button_reply" || br["button_reply"].(map[string]any)["id"] != "move" || reply["context"].(map[string]any)["id"] != wamid {
		t.Errorf("button reply %v", reply)
	}
	poll("reply bubble", `document.querySelectorAll('#phone-thread .msg[data-direction="in"]').length === 2`)
}

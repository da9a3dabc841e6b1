package e2e

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// newBrowser starts a headless Chromium with a fresh profile for t, or
// skips (fails under CI=true) when none is installed.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	path := ""
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			path = p
			break
		}
	}
	if path == "" {
		if os.Getenv("CI") == "true" {
			t.Fatal("chromium is required under CI=true (apt-get install chromium)")
		}
		t.Skip("chromium not installed (apt-get install chromium)")
	}
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(path),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(allocCtx)
	t.Cleanup(func() {
		cancel()
		cancelAlloc()
	})
	if err := chromedp.Do(ctx); err != nil { // starts the browser, with no timeout of its own
		t.Fatalf("starting chromium: %v", err)
	}
	return ctx
}

// tab is one browser tab (a window of its own, so it counts as visible).
type tab struct {
	t    *testing.T
	name string
	ctx  context.Context

	mu         sync.Mutex
	exceptions []string
}

// newTab opens a tab in browser; opts may give it a browser context of its
// own (a separate cookie jar: another person). When the test fails, the
// tab's screenshot is saved to the test's artifact directory.
func newTab(t *testing.T, browser context.Context, name string, opts ...chromedp.ContextOption) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser, opts...)
	t.Cleanup(cancel)
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("%s: open tab: %v", name, err)
	}
	tb := &tab{t: t, name: name, ctx: ctx}
	console := chromedp.Console(ctx)
	go func() {
		for m, err := range console {
			if err != nil {
				return
			}
			if m.IsException() {
				tb.mu.Lock()
				tb.exceptions = append(tb.exceptions, m.String())
				tb.mu.Unlock()
			}
		}
	}()
	t.Cleanup(func() {
		if t.Failed() {
			tb.screenshot()
		}
	})
	return tb
}

func (tb *tab) screenshot() {
	ctx, cancel := context.WithTimeout(tb.ctx, 5*time.Second)
	defer cancel()
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(90))
	if err != nil {
		tb.t.Logf("%s: no screenshot: %v", tb.name, err)
		return
	}
	file := filepath.Join(tb.t.ArtifactDir(), tb.name+".png")
	if err := os.WriteFile(file, png, 0o644); err != nil {
		tb.t.Logf("%s: %v", tb.name, err)
		return
	}
	text, _ := chromedp.Run(ctx, chromedp.Evaluate[string](`document.body ? document.body.innerText : ""`))
	tb.t.Logf("%s: screenshot saved to %s; page text:\n%s", tb.name, file, tail(text, 3000))
}

// do runs steps with a bound on the whole batch.
func (tb *tab) do(what string, steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		tb.t.Fatalf("%s: %s: %v", tb.name, what, err)
	}
}

// until waits in the page until the JavaScript expression is true.
func (tb *tab) until(what, expr string) {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout+5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(waitTimeout))); err != nil {
		tb.t.Fatalf("%s: waiting for %s: %v", tb.name, what, err)
	}
}

// eval returns the value of a JavaScript expression in the page.
func eval[T any](tb *tab, expr string) T {
	tb.t.Helper()
	ctx, cancel := context.WithTimeout(tb.ctx, waitTimeout)
	defer cancel()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](expr))
	if err != nil {
		tb.t.Fatalf("%s: evaluating %s: %v", tb.name, expr, err)
	}
	return v
}

// noExceptions fails the test if the page threw an uncaught exception.
func (tb *tab) noExceptions() {
	tb.t.Helper()
	tb.mu.Lock()
	defer tb.mu.Unlock()
	for _, e := range tb.exceptions {
		tb.t.Errorf("%s: uncaught exception in the page: %s", tb.name, e)
	}
}

// js quotes s as a JavaScript string literal.
func js(s string) string { return strconv.Quote(s) }

// login signs in through the login form and waits for the live inbox.
func (tb *tab) login(base, email, password string) {
	tb.t.Helper()
	tb.do("open the login page", chromedp.Navigate(base+"/login"))
	tb.do("sign in",
		chromedp.SendKeys(chromedp.ID("email"), email),
		chromedp.SendKeys(chromedp.ID("password"), password),
		chromedp.Click(chromedp.ID("login-submit")),
		chromedp.WaitVisible(chromedp.ID("conversation-list")),
	)
	tb.until("the inbox to load and go live", `location.pathname === "/" &&
		document.querySelector("#conversation-list").getAttribute("aria-busy") === "false" &&
		document.querySelector("#live-status").dataset.state === "live"`)
	// A marker that a reload would wipe: updates must arrive live.
	_ = eval[bool](tb, `window.e2eNoReload = true`)
}

// convItem is a JavaScript expression for the conversation list item whose
// name is name, or undefined.
func convItem(name string) string {
	return fmt.Sprintf(`[...document.querySelectorAll("#conversation-list li.conversation")].find(li => li.querySelector(".conv-name").textContent === %s)`, js(name))
}

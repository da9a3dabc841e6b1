package meta

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os/exec"
	"testing"
	"time"

	"github.com/chromedp/cdproto/target"
	"github.com/chromedp/chromedp"
)

// signupTestPage is a product page integrating Embedded Signup exactly as
// Meta's implementation guide shows, with the SDK loaded from the
// simulator instead of connect.facebook.net.
const signupTestPage = `<!doctype html>
<html><body>
<button id="connect" onclick="launchWhatsAppSignup()">Login with Facebook</button>
<script>
window.events = [];
window.logins = [];
window.fbAsyncInit = function () {
  FB.init({ appId: '%s', autoLogAppEvents: true, xfbml: true, version: 'v24.0' });
  window.sdkReady = true;
};
window.addEventListener('message', function (event) {
  try {
    var data = JSON.parse(event.data);
    if (data.type === 'WA_EMBEDDED_SIGNUP') window.events.push({ origin: event.origin, data: data });
  } catch (e) { /* not ours */ }
});
function launchWhatsAppSignup() {
  FB.login(function (response) { window.logins.push(response); }, {
    config_id: 'config-123', response_type: 'code', override_default_response_type: true,
    extras: { setup: { business: { name: 'Browser Plants' } } }
  });
}
</script>
<script async defer crossorigin="anonymous" src="%s/sim/_sim/sdk.js"></script>
</body></html>`

// TestEmbeddedSignupInBrowser runs the popup in a real Chromium: the
// product page (one origin) loads sdk.js from the simulator (another
// origin, under a prefix), FB.login opens the popup, and its FINISH,
// CANCEL and error paths reach the page as Meta's message events and
// FB.login callbacks. Skipped when Chromium is not installed or -short.
func TestEmbeddedSignupInBrowser(t *testing.T) {
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
	simSite := httptest.NewServer(mux)
	defer simSite.Close()
	product := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, signupTestPage, DefaultAppID, simSite.URL)
	}))
	defer product.Close()

	opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(browser), chromedp.DisableGPU,
		chromedp.Flag("disable-component-update", true), chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-popup-blocking", true))
	allocCtx, cancelAlloc := chromedp.NewExecAllocator(t.Context(), opts...)
	defer cancelAlloc()
	ctx, cancel := chromedp.NewContext(allocCtx)
	defer cancel()
	ctx, cancelTimeout := context.WithTimeout(ctx, 30*time.Second)
	defer cancelTimeout()

	poll := func(ctx context.Context, what, expr string) {
		t.Helper()
		if _, err := chromedp.Run(ctx, chromedp.Poll[bool](expr, chromedp.WithPollingTimeout(10*time.Second))); err != nil {
			t.Fatalf("waiting for %s: %v", what, err)
		}
	}
	run := func(ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		if err := chromedp.Do(ctx, actions...); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
	eval := func(ctx context.Context, expr string) string {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[string](expr))
		if err != nil {
			t.Fatalf("%s: %v", expr, err)
		}
		return v
	}
	if err := chromedp.Do(ctx, chromedp.Navigate(product.URL)); err != nil {
		t.Fatal(err)
	}
	poll(ctx, "fbAsyncInit", `window.sdkReady === true`)
	main := chromedp.FromContext(ctx).Target.TargetID

	// openPopup clicks the page's button and attaches to the popup.
	openPopup := func() (context.Context, context.CancelFunc) {
		t.Helper()
		ch := chromedp.WaitNewTarget(ctx, func(info *target.Info) bool { return info.OpenerID == main })
		run(ctx, "click connect", chromedp.Click(chromedp.ID("connect")))
		select {
		case id := <-ch:
			pctx, pcancel := chromedp.NewContext(ctx, chromedp.WithTargetID(id))
			poll(pctx, "popup ready", `document.body && document.body.dataset.step === "BUSINESS_ACCOUNT_SELECTION"`)
			return pctx, pcancel
		case <-time.After(10 * time.Second):
			t.Fatal("no popup opened")
		}
		return nil, nil
	}
	next := func(pctx context.Context, step string) {
		t.Helper()
		run(pctx, "next", chromedp.Click(chromedp.ID("es-next")))
		poll(pctx, step, `document.body.dataset.step === "`+step+`"`)
	}
	type received struct {
		Origin string `json:"origin"`
		Data   struct {
			Type  string            `json:"type"`
			Event string            `json:"event"`
			Data  map[string]string `json:"data"`
		} `json:"data"`
	}
	type login struct {
		Status       string         `json:"status"`
		AuthResponse map[string]any `json:"authResponse"`
	}
	results := func(n int) (received, login) {
		t.Helper()
		poll(ctx, "message event and login callback", fmt.Sprintf(`window.events.length === %d && window.logins.length === %d`, n, n))
		evs, logins := eval(ctx, `JSON.stringify(window.events)`), eval(ctx, `JSON.stringify(window.logins)`)
		var ev []received
		var lg []login
		if err := json.Unmarshal([]byte(evs), &ev); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal([]byte(logins), &lg); err != nil {
			t.Fatal(err)
		}
		return ev[n-1], lg[n-1]
	}

	// FINISH: every screen, then the event, then the code.
	pctx, pcancel := openPopup()
	if business := eval(pctx, `document.getElementById("es-business-name").value`); business != "Browser Plants" {
		t.Errorf("extras.setup.business.name not used: %q", business)
	}
	next(pctx, "WABA_PHONE_PROFILE_PICKER")
	next(pctx, "WHATSAPP_BUSINESS_PROFILE_SETUP")
	run(pctx, "display name", chromedp.SetValue(chromedp.ID("es-display-name"), "Browser Plants Shop"))
	next(pctx, "PHONE_NUMBER_SETUP")
	run(pctx, "phone", chromedp.SetValue(chromedp.ID("es-phone"), "+1 555 010 9999"))
	next(pctx, "PHONE_NUMBER_VERIFICATION")
	next(pctx, "PERMISSIONS")
	run(pctx, "finish", chromedp.Click(chromedp.ID("es-finish")))
	ev, lg := results(1)
	pcancel()
	if ev.Origin != simSite.URL || ev.Data.Type != "WA_EMBEDDED_SIGNUP" || ev.Data.Event != "FINISH" || len(ev.Data.Data) != 3 ||
		ev.Data.Data["phone_number_id"] == "" || ev.Data.Data["waba_id"] == "" || ev.Data.Data["business_id"] == "" {
		t.Fatalf("FINISH event %+v", ev)
	}
	code, _ := lg.AuthResponse["code"].(string)
	if lg.Status != "connected" || code == "" {
		t.Fatalf("FB.login response %+v", lg)
	}
	// The code from the callback is the one the back end exchanges.
	token := e.exchange(t, code)
	status, out := e.graph(t, "GET", ev.Data.Data["phone_number_id"]+"?fields=display_phone_number,verified_name,status", token, "")
	if status != 200 || out["display_phone_number"] != "15550109999" || out["verified_name"] != "Browser Plants Shop" || out["status"] != "PENDING" {
		t.Errorf("onboarded number: %d %v", status, out)
	}
	if _, out := e.graph(t, "GET", ev.Data.Data["business_id"]+"?fields=name", token, ""); out["name"] != "Browser Plants" {
		t.Errorf("business %v", out)
	}

	// CANCEL reports the screen the customer left from; no code.
	pctx, pcancel = openPopup()
	next(pctx, "WABA_PHONE_PROFILE_PICKER")
	run(pctx, "cancel", chromedp.Click(chromedp.ID("es-cancel")))
	ev, lg = results(2)
	pcancel()
	if ev.Data.Event != "CANCEL" || ev.Data.Data["current_step"] != "WABA_PHONE_PROFILE_PICKER" || len(ev.Data.Data) != 1 {
		t.Errorf("CANCEL event %+v", ev)
	}
	if lg.Status != "unknown" || lg.AuthResponse != nil {
		t.Errorf("cancelled login %+v", lg)
	}

	// A reported error is a CANCEL with error_message, error_id, session_id, timestamp.
	pctx, pcancel = openPopup()
	run(pctx, "report", chromedp.Click(chromedp.CSS("#es-report-box summary")), chromedp.Click(chromedp.ID("es-report")))
	ev, lg = results(3)
	pcancel()
	d := ev.Data.Data
	if ev.Data.Event != "CANCEL" || d["error_message"] == "" || len(d["error_id"]) != 6 || len(d["session_id"]) != 15 || d["timestamp"] == "" {
		t.Errorf("error event %+v", ev)
	}
	if lg.AuthResponse != nil {
		t.Errorf("login after an error %+v", lg)
	}

	// FINISH_ONLY_WABA: no phone number.
	pctx, pcancel = openPopup()
	next(pctx, "WABA_PHONE_PROFILE_PICKER")
	next(pctx, "WHATSAPP_BUSINESS_PROFILE_SETUP")
	next(pctx, "PHONE_NUMBER_SETUP")
	run(pctx, "skip phone", chromedp.Click(chromedp.ID("es-skip-phone")))
	next(pctx, "PERMISSIONS")
	run(pctx, "finish", chromedp.Click(chromedp.ID("es-finish")))
	ev, lg = results(4)
	pcancel()
	if ev.Data.Event != "FINISH_ONLY_WABA" || ev.Data.Data["phone_number_id"] != "" || ev.Data.Data["waba_id"] == "" || lg.AuthResponse["code"] == nil {
		t.Errorf("FINISH_ONLY_WABA %+v %+v", ev, lg)
	}
}

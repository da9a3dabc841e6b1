package e2e

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/whatsapp"
)

// TestProductionAgainstSimulator runs serve as in production (sandbox off,
// an app secret, Meta's Graph API played by a separate 'gohavi sim'
// process): a number is connected through the API, a wrong token is
// refused with Meta's own words, webhooks must be signed, and a whole
// conversation round-trips.
func TestProductionAgainstSimulator(t *testing.T) {
	t.Parallel()
	secret := randomSecret(t)
	sim := startSim(t, secret)
	env := append(sqliteEnv(t), productionEnv(sim, secret)...)
	srv := startServer(t, "serve", env...)
	sim.setWebhook(t, srv.URL+"/webhooks/whatsapp")
	a := api{base: srv.URL, key: createAPIKey(t, env)}

	if code, _ := call(t, "GET", srv.URL+"/sim/_sim/phone", "", nil); code == http.StatusOK {
		t.Errorf("the sandbox simulator is served in production mode")
	}
	if n := a.numbers(t); len(n) != 0 {
		t.Fatalf("production starts with numbers: %+v", n)
	}

	// A wrong token: Meta's refusal is passed on and nothing is stored.
	connect := map[string]string{"waba_id": sim.Number.WABAID, "phone_number_id": sim.Number.PhoneNumberID, "access_token": "EAAGwrong-token"}
	code, body := call(t, "POST", srv.URL+"/api/v1/whatsapp/numbers", a.key, connect)
	var e apiError
	if code != http.StatusUnprocessableEntity || !decodes(body, &e) || e.Error.Code != "meta_rejected" ||
		!strings.Contains(e.Error.Message, "Invalid OAuth access token") || e.Error.Remedy == "" {
		t.Errorf("connect with a wrong token: %d %s, want 422 meta_rejected quoting Meta", code, body)
	}
	if n := a.numbers(t); len(n) != 0 {
		t.Fatalf("a refused connect stored a number: %+v", n)
	}

	connect["access_token"] = sim.Number.AccessToken
	var n number
	a.do(t, "POST", "/api/v1/whatsapp/numbers", connect, http.StatusCreated, &n)
	if n.ID == 0 || n.PhoneNumberID != sim.Number.PhoneNumberID || n.Sandbox {
		t.Fatalf("connected number = %+v", n)
	}
	if got := a.numbers(t); len(got) != 1 || got[0].ID != n.ID {
		t.Fatalf("numbers after connect = %+v", got)
	}

	sse := a.events(t, "sse")
	roundTrip{sim: sim.ctl, phoneID: sim.Number.PhoneNumberID, inbox: a, inboxSSE: sse, reply: a, replySSE: sse}.run(t, "447700900321", "Katherine Johnson")

	t.Run("unsigned webhooks", func(t *testing.T) { badSignatures(t, srv, a, sse, sim, secret) })
}

// badSignatures posts a valid-looking inbound with no signature and with a
// wrong one: both get 401 and change nothing, while a signed one is taken.
func badSignatures(t *testing.T, srv *server, a api, sse *stream, sim *simServer, secret string) {
	const forger = "447700900666"
	forged := inboundBody(sim.Number, forger, "wamid.forged-1", "Send me the password")
	for name, sig := range map[string]string{
		"no signature":     "",
		"wrong secret":     whatsapp.Sign("not-"+secret, forged),
		"malformed":        "sha1=abc",
		"other body's sig": whatsapp.Sign(secret, []byte(`{}`)),
	} {
		if code, b := postWebhook(t, srv.URL, forged, sig); code != http.StatusUnauthorized {
			t.Errorf("%s: status %d (%s), want 401", name, code, b)
		}
	}
	// A correctly signed delivery after them is applied; once it is, the
	// forged ones would have been too.
	okBody := inboundBody(sim.Number, "447700900667", "wamid.signed-1", "A real customer")
	if code, b := postWebhook(t, srv.URL, okBody, whatsapp.Sign(secret, okBody)); code != http.StatusOK {
		t.Fatalf("signed webhook: status %d (%s), want 200", code, b)
	}
	sse.message(t, "the signed inbound", "message.created", func(m message) bool { return m.WAMID == "wamid.signed-1" })
	for _, c := range a.conversations(t) {
		if c.Contact.WaID == forger {
			t.Errorf("a forged webhook created a conversation: %+v", c)
		}
	}
	if strings.Contains(sse.dump(), "wamid.forged-1") {
		t.Errorf("a forged webhook reached the realtime stream")
	}
	if got := metric(t, srv.URL, `gohavi_webhooks_received_total{result="bad_signature"}`); got != "4" {
		t.Errorf("bad_signature counter = %q, want 4", got)
	}
}

// inboundBody is a Meta webhook delivery with one inbound text.
func inboundBody(n simNumber, from, wamid, text string) []byte {
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":%q,"changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":%q,"phone_number_id":%q},"contacts":[{"profile":{"name":"Customer %s"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"%d","type":"text","text":{"body":%q}}]}}]}]}`,
		n.WABAID, n.DisplayPhoneNumber, n.PhoneNumberID, from, from, from, wamid, time.Now().Unix(), text)
}

func postWebhook(t testing.TB, base string, body []byte, sig string) (int, string) {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "POST", base+"/webhooks/whatsapp", strings.NewReader(string(body)))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if sig != "" {
		req.Header.Set(whatsapp.SignatureHeader, sig)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		t.Fatalf("POST webhook: %v", err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	_, _ = fmt.Fprint(&b, resp.Status)
	return resp.StatusCode, b.String()
}

// metric reads one sample from the node's /metrics.
func metric(t testing.TB, base, series string) string {
	t.Helper()
	code, b := call(t, "GET", base+"/metrics", "", nil)
	if code != http.StatusOK {
		t.Fatalf("/metrics: status %d", code)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(l, series+" "); ok {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

package web_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/web"
)

// TestSendValidation: malformed sends are 400 naming what is wrong, a
// closed window is 422 and reaches neither the database nor Meta.
func TestSendValidation(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900501", Text: "hi"}); err != nil {
			t.Fatal(err)
		}
		open := n.conversationWith(t, key, "447700900501")

		for _, c := range []struct{ name, body, want string }{
			{"bad JSON", `{"to":`, "not valid JSON"},
			{"empty body", ``, "not valid JSON"},
			{"array", `[{"to":"+447700900501"}]`, "not valid JSON"},
			{"to not a string", `{"to":447700900501,"type":"text","text":{"body":"x"}}`, "to"},
			{"text not an object", `{"to":"+447700900501","type":"text","text":"hi"}`, "text"},
			{"missing type", `{"to":"+447700900501","text":{"body":"x"}}`, `"type" is required`},
			{"unknown type", `{"to":"+447700900501","type":"carrier_pigeon"}`, `type "carrier_pigeon" is not supported`},
			{"empty text", `{"to":"+447700900501","type":"text","text":{"body":"  "}}`, "text.body is empty"},
			{"no text", `{"to":"+447700900501","type":"text"}`, "text.body"},
			{"too long", `{"to":"+447700900501","type":"text","text":{"body":"` + strings.Repeat("é", 4097) + `"}}`, "text.body is 4097 characters"},
			{"image without object", `{"to":"+447700900501","type":"image"}`, `"image" object`},
			{"number_id not a number", `{"to":"+447700900501","type":"text","number_id":"1","text":{"body":"x"}}`, "number_id"},
			{"missing to", `{"type":"text","text":{"body":"x"}}`, `"to" is required`},
			{"letters in to", `{"to":"call me","type":"text","text":{"body":"x"}}`, `"call me"`},
			{"impossible E.164", `{"to":"+1","type":"text","text":{"body":"x"}}`, `"+1"`},
			{"short id", `{"to":"12345","type":"text","text":{"body":"x"}}`, `"12345"`},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := n.call(t, http.MethodPost, "/api/v1/messages", c.body, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
				if !strings.Contains(e.Message, c.want) || e.Remedy == "" {
					t.Errorf("message %q (remedy %q), want it to mention %q", e.Message, e.Remedy, c.want)
				}
			})
		}
		huge := `{"to":"+447700900501","type":"text","text":{"body":"` + strings.Repeat("x", 1<<20) + `"}}`
		n.call(t, http.MethodPost, "/api/v1/messages", huge, key).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)
		n.call(t, http.MethodPost, "/api/v1/messages",
			map[string]any{"to": "+447700900501", "type": "text", "number_id": 987654, "text": map[string]string{"body": "x"}}, key).
			wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if ms := n.messages(t, key, open.ID); len(ms) != 1 {
			t.Fatalf("refused sends were stored: %+v", ms)
		}

		// Never wrote, and wrote 25 hours ago: both refused with a remedy.
		old := payload([]map[string]any{change(sandboxPhone, []inMsg{{"447700900503", "Old", "wamid.old", "yesterday"}}, nil)})
		old = regexp.MustCompile(`"timestamp":"\d+"`).ReplaceAll(old, []byte(`"timestamp":"`+strconv.FormatInt(time.Now().Add(-25*time.Hour).Unix(), 10)+`"`))
		if r := n.postWebhook(t, appSecret, old); r.Status != http.StatusOK {
			t.Fatalf("status %d", r.Status)
		}
		stale := n.conversationWith(t, key, "447700900503")
		if stale.WindowOpen {
			t.Fatalf("25-hour-old message left the window open: %+v", stale)
		}
		for _, to := range []string{"+447700900502", "447700900503"} {
			e := n.call(t, http.MethodPost, "/api/v1/messages", map[string]any{"to": to, "type": "text", "text": map[string]string{"body": "closed"}}, key).
				wantError(t, http.StatusUnprocessableEntity, domain.CodeWindowClosed)
			if !strings.Contains(e.Remedy, "template") {
				t.Errorf("window_closed remedy %q does not point to templates", e.Remedy)
			}
		}
		if ms := n.messages(t, key, stale.ID); len(ms) != 1 {
			t.Fatalf("refused send stored in the stale conversation: %+v", ms)
		}
		if cs := n.conversations(t, key); len(cs) != 2 {
			t.Fatalf("refused send created a conversation: %+v", cs)
		}

		// The limit is in characters: 4096 multi-byte ones are fine. Once
		// Meta has it, the refused ones would have got there first.
		ok := n.sendText(t, key, "+447700900501", strings.Repeat("é", 4096))
		eventually(t, 10*time.Second, "the accepted message reaches the simulator", func() bool {
			return len(n.Sim.Sent(sandboxPhone)) > 0
		})
		n.waitStatus(t, key, ok.ID, "sent", "delivered")
		for _, s := range n.Sim.Sent(sandboxPhone) {
			if s.WaID != "447700900501" {
				t.Errorf("the simulator received a refused message: %+v", s)
			}
		}
	})
}

// TestConnectNumber: the numbers endpoint validates, asks Meta first and
// stores nothing when Meta says no.
func TestConnectNumber(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		spare := n.Sim.AddNumber(meta.NumberSpec{VerifiedName: "Spare"})
		post := func(body any) resp { return n.call(t, http.MethodPost, "/api/v1/whatsapp/numbers", body, key) }

		for _, c := range []struct {
			name string
			body any
			want string
		}{
			{"bad JSON", `{"waba_id":`, "not valid JSON"},
			{"empty", `{}`, "waba_id"},
			{"no phone id", map[string]string{"waba_id": spare.WABAID}, "phone_number_id"},
			{"phone id not numeric", map[string]string{"waba_id": spare.WABAID, "phone_number_id": "+1 555 0100", "access_token": "x"}, "phone_number_id"},
			{"no token", map[string]string{"waba_id": spare.WABAID, "phone_number_id": spare.PhoneNumberID}, "access_token"},
			{"blank token", map[string]string{"waba_id": spare.WABAID, "phone_number_id": spare.PhoneNumberID, "access_token": "  "}, "access_token"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := post(c.body).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
				if !strings.Contains(e.Message, c.want) {
					t.Errorf("message %q, want it to mention %q", e.Message, c.want)
				}
			})
		}

		for name, c := range map[string]struct{ phone, token, meta string }{
			"bad token":     {spare.PhoneNumberID, "EAAGnotarealtoken", "Invalid OAuth access token"},
			"foreign token": {sandboxPhone, spare.AccessToken, "(#200) Permissions error"},
		} {
			t.Run(name, func(t *testing.T) {
				e := post(map[string]string{"waba_id": spare.WABAID, "phone_number_id": c.phone, "access_token": c.token}).
					wantError(t, http.StatusUnprocessableEntity, "meta_rejected")
				if !strings.Contains(e.Message, c.meta) || e.Remedy == "" {
					t.Errorf("error %+v does not carry Meta's message %q", e, c.meta)
				}
			})
		}
		if ns := n.numbers(t, key); len(ns) != 1 {
			t.Fatalf("refused connects stored numbers: %+v", ns)
		}

		good := map[string]string{"waba_id": spare.WABAID, "phone_number_id": spare.PhoneNumberID, "access_token": spare.AccessToken}
		var created struct {
			numberJSON
			VerifiedName string `json:"verified_name"`
			Sandbox      bool   `json:"sandbox"`
		}
		post(good).want(t, http.StatusCreated, &created)
		if created.PhoneNumberID != spare.PhoneNumberID || created.VerifiedName != "Spare" || created.Sandbox {
			t.Fatalf("created %+v", created)
		}
		if e := post(good).wantError(t, http.StatusConflict, domain.CodeConflict); strings.Contains(e.Message+e.Remedy, spare.AccessToken) {
			t.Fatal("conflict error echoes the token")
		}
		other := bearer(n.apiKey(t, "other"))
		n.call(t, http.MethodPost, "/api/v1/whatsapp/numbers", good, other).wantError(t, http.StatusConflict, domain.CodeConflict)
		if ns := n.numbers(t, other); len(ns) != 0 {
			t.Fatalf("other workspace got %+v", ns)
		}
		ns := n.numbers(t, key)
		if len(ns) != 2 || ns[1].ID != created.ID {
			t.Fatalf("numbers = %+v", ns)
		}
		// Numbers never expose their token.
		if r := n.call(t, http.MethodGet, "/api/v1/whatsapp/numbers", nil, key); strings.Contains(string(r.Body), spare.AccessToken) {
			t.Fatal("the number list exposes the access token")
		}
	})
}

// Every policy refusal is a 422 with its code, so clients can tell a rule
// from a malformed request.
func TestPolicyCodesAre422(t *testing.T) {
	for _, code := range []domain.Code{domain.CodeWindowClosed, domain.CodeNotOptedIn, domain.CodeOptedOut, domain.CodeTemplateNotOK,
		domain.CodeTemplatePaused, domain.CodeTemplateParams, domain.CodeTierExhausted, domain.CodeMarketingUS, domain.CodeQualityRed, domain.CodeNumberOff, domain.CodeNumberBlocked} {
		rec := httptest.NewRecorder()
		web.WriteErrorForTest(rec, httptest.NewRequest("POST", "/api/v1/messages", nil), &domain.Error{Code: code, Message: "m", Remedy: "r"})
		if rec.Code != http.StatusUnprocessableEntity || !strings.Contains(rec.Body.String(), string(code)) {
			t.Errorf("%s: %d %s", code, rec.Code, rec.Body)
		}
	}
}

package web_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

func TestWebhookHandshake(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		get := func(q url.Values) resp { return n.call(t, http.MethodGet, "/webhooks/whatsapp?"+q.Encode(), nil) }
		ok := url.Values{"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1158201444"}}
		r := get(ok)
		if r.Status != http.StatusOK || string(r.Body) != "1158201444" || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/plain") {
			t.Fatalf("handshake: %d %q %q", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		if r.Header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("reflected challenge without nosniff")
		}
		for name, q := range map[string]url.Values{
			"wrong token":       {"hub.mode": {"subscribe"}, "hub.verify_token": {"guess"}, "hub.challenge": {"1"}},
			"token prefix":      {"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken[:5]}, "hub.challenge": {"1"}},
			"missing token":     {"hub.mode": {"subscribe"}, "hub.challenge": {"1"}},
			"missing challenge": {"hub.mode": {"subscribe"}, "hub.verify_token": {verifyToken}},
			"missing mode":      {"hub.verify_token": {verifyToken}, "hub.challenge": {"1"}},
			"other mode":        {"hub.mode": {"unsubscribe"}, "hub.verify_token": {verifyToken}, "hub.challenge": {"1"}},
			"no params":         {},
		} {
			t.Run(name, func(t *testing.T) { get(q).wantError(t, http.StatusForbidden, domain.CodeForbidden) })
		}
	})
}

// TestWebhookReceive drives the receiver with hand-made Meta payloads.
func TestWebhookReceive(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		key := bearer(n.apiKey(t, "default"))
		inbound := payload([]map[string]any{change(sandboxPhone, []inMsg{{"447700900401", "Carol", "wamid.carol1", "hello"}}, nil)})

		t.Run("signatures", func(t *testing.T) {
			before, _ := n.webhookCounts(t)
			other := whatsapp.Sign("another-secret", inbound)
			for name, sig := range map[string]string{
				"missing":        "",
				"other secret":   other,
				"zeros":          "sha256=" + strings.Repeat("0", 64),
				"no prefix":      strings.TrimPrefix(whatsapp.Sign(appSecret, inbound), "sha256="),
				"sha1":           "sha1=" + strings.TrimPrefix(whatsapp.Sign(appSecret, inbound), "sha256=")[:40],
				"other body":     whatsapp.Sign(appSecret, append([]byte(" "), inbound...)),
				"truncated":      whatsapp.Sign(appSecret, inbound)[:40],
				"uppercase algo": "SHA256=" + strings.TrimPrefix(other, "sha256="),
			} {
				var opts []opt
				if sig != "" {
					opts = append(opts, withHeader(whatsapp.SignatureHeader, sig))
				}
				r := n.call(t, http.MethodPost, "/webhooks/whatsapp", inbound, opts...)
				if r.Status != http.StatusUnauthorized {
					t.Errorf("%s: status %d, want 401", name, r.Status)
					continue
				}
				r.wantError(t, http.StatusUnauthorized, domain.CodeBadSignature)
			}
			if after, _ := n.webhookCounts(t); after != before {
				t.Fatalf("rejected webhooks were stored: %d → %d", before, after)
			}
		})

		var carol view.Conversation
		t.Run("duplicate", func(t *testing.T) {
			before, _ := n.webhookCounts(t)
			for range 3 {
				if r := n.postWebhook(t, appSecret, inbound); r.Status != http.StatusOK {
					t.Fatalf("status %d: %s", r.Status, r.Body)
				}
			}
			if after, _ := n.webhookCounts(t); after != before+1 {
				t.Fatalf("3 identical deliveries stored %d times", after-before)
			}
			n.settle(t)
			carol = n.conversationWith(t, key, "447700900401")
			if ms := n.messages(t, key, carol.ID); len(ms) != 1 || ms[0].Text != "hello" || carol.Contact.Name != "Carol" {
				t.Fatalf("messages %+v, contact %+v", ms, carol.Contact)
			}
		})

		t.Run("non-ASCII", func(t *testing.T) {
			// Meta escapes non-ASCII and signs those bytes, not the UTF-8 text.
			raw := []byte(`{"object":"whatsapp_business_account","entry":[{"id":"1","changes":[{"field":"messages","value":{` +
				`"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550100001","phone_number_id":"` + sandboxPhone + `"},` +
				`"contacts":[{"profile":{"name":"Ren\u00e9e \ud83d\ude00"},"wa_id":"447700900402"}],` +
				`"messages":[{"from":"447700900402","id":"wamid.cafe","timestamp":"` + unix() + `","type":"text","text":{"body":"caf\u00e9 \u2615"}}]}}]}]}`)
			utf8 := bytes.ReplaceAll(raw, []byte(`caf\u00e9 \u2615`), []byte("café ☕"))
			r := n.call(t, http.MethodPost, "/webhooks/whatsapp", raw, withHeader(whatsapp.SignatureHeader, whatsapp.Sign(appSecret, utf8)))
			r.wantError(t, http.StatusUnauthorized, domain.CodeBadSignature)
			if r := n.postWebhook(t, appSecret, raw); r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			n.settle(t)
			c := n.conversationWith(t, key, "447700900402")
			if ms := n.messages(t, key, c.ID); len(ms) != 1 || ms[0].Text != "café ☕" || c.Contact.Name != "Renée 😀" {
				t.Fatalf("stored %+v for contact %q", ms, c.Contact.Name)
			}
		})

		t.Run("batch and statuses", func(t *testing.T) {
			// The simulator only delivers inside its own window: Carol writes through it.
			if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900401", Text: "via sim"}); err != nil {
				t.Fatal(err)
			}
			eventually(t, 10*time.Second, "Carol's message via the simulator", func() bool { return len(n.messages(t, key, carol.ID)) == 2 })
			out := n.sendText(t, key, "+447700900401", "our reply")
			out = n.waitStatus(t, key, out.ID, "delivered") // the simulator's own status webhooks
			body := payload(
				[]map[string]any{
					change(sandboxPhone, []inMsg{
						{"447700900401", "Carol", "wamid.carol2", "second"},
						{"447700900403", "Dave", "wamid.dave1", "from dave"},
					}, nil),
					{"field": "account_update", "value": map[string]any{"event": "VERIFIED_ACCOUNT"}},
					change(sandboxPhone, nil, []statusUpdate{{out.WAMID, "read", "447700900401"}}),
				},
				[]map[string]any{change(sandboxPhone, []inMsg{{"447700900404", "Erin", "wamid.erin1", "from erin"}}, nil)},
			)
			if r := n.postWebhook(t, appSecret, body); r.Status != http.StatusOK {
				t.Fatalf("status %d: %s", r.Status, r.Body)
			}
			n.settle(t)
			if ms := n.messages(t, key, carol.ID); len(ms) != 4 || ms[3].Text != "second" {
				t.Fatalf("Carol's conversation: %+v", ms)
			}
			for wa, text := range map[string]string{"447700900403": "from dave", "447700900404": "from erin"} {
				c := n.conversationWith(t, key, wa)
				if ms := n.messages(t, key, c.ID); len(ms) != 1 || ms[0].Text != text {
					t.Fatalf("%s: %+v", wa, ms)
				}
			}
			if m := n.message(t, key, out.ID); m.Status != "read" {
				t.Fatalf("status after read webhook: %q", m.Status)
			}
			// A late "delivered" (and "sent") must not move it back.
			late := payload([]map[string]any{change(sandboxPhone, nil, []statusUpdate{
				{out.WAMID, "delivered", "447700900401"}, {out.WAMID, "sent", "447700900401"}})})
			if r := n.postWebhook(t, appSecret, late); r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			n.settle(t)
			if m := n.message(t, key, out.ID); m.Status != "read" {
				t.Fatalf("read regressed to %q", m.Status)
			}
		})

		t.Run("unknown number", func(t *testing.T) {
			before := len(n.conversations(t, key))
			total, _ := n.webhookCounts(t)
			body := payload([]map[string]any{change("999999999999", []inMsg{{"447700900405", "Mallory", "wamid.m1", "not yours"}}, nil)})
			if r := n.postWebhook(t, appSecret, body); r.Status != http.StatusOK {
				t.Fatalf("status %d", r.Status)
			}
			if after, _ := n.webhookCounts(t); after != total+1 {
				t.Fatalf("unknown-number webhook not kept: %d → %d", total, after)
			}
			n.settle(t)
			if cs := n.conversations(t, key); len(cs) != before {
				t.Fatalf("unknown number created conversations: %+v", cs)
			}
		})

		t.Run("too large", func(t *testing.T) {
			total, _ := n.webhookCounts(t)
			big := append([]byte(`{"object":"whatsapp_business_account","pad":"`), bytes.Repeat([]byte("x"), 4<<20)...)
			big = append(big, `"}`...)
			n.postWebhook(t, appSecret, big).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)
			if after, _ := n.webhookCounts(t); after != total {
				t.Fatalf("oversized webhook stored")
			}
			// Exactly at the limit is still accepted.
			fit := append([]byte(`{"pad":"`), bytes.Repeat([]byte("y"), 4<<20-10)...)
			fit = append(fit, `"}`...)
			if r := n.postWebhook(t, appSecret, fit); len(fit) != 4<<20 || r.Status != http.StatusOK {
				t.Fatalf("%d-byte webhook: status %d %s", len(fit), r.Status, r.Body)
			}
		})
	})
}

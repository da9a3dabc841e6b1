package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

// TestTenancy: workspace B's key sees none of workspace A's data, and every
// A id answers 404 (not 403, which would confirm it exists).
func TestTenancy(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		keyA, keyB := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "beta"))

		// B connects its own number through the API.
		nb := n.Sim.AddNumber(meta.NumberSpec{VerifiedName: "Beta Ltd"})
		var numB numberJSON
		n.call(t, http.MethodPost, "/api/v1/whatsapp/numbers",
			map[string]string{"waba_id": nb.WABAID, "phone_number_id": nb.PhoneNumberID, "access_token": nb.AccessToken}, keyB).
			want(t, http.StatusCreated, &numB)
		numsA := n.numbers(t, keyA)
		if len(numsA) != 1 || numsA[0].PhoneNumberID != sandboxPhone {
			t.Fatalf("A's numbers = %+v", numsA)
		}
		numA := numsA[0]

		streamA, streamB := n.openEvents(t, keyA), n.openEvents(t, keyB)

		// A customer writes to A; A replies.
		const secretIn, secretOut = "A-only inbound secret", "A-only outbound secret"
		if _, err := n.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900101", Name: "Alice A", Text: secretIn}); err != nil {
			t.Fatal(err)
		}
		conv := n.conversationWith(t, keyA, "447700900101")
		out := n.sendText(t, keyA, "+447700900101", secretOut)
		n.waitStatus(t, keyA, out.ID, "sent", "delivered")
		msgs := n.messages(t, keyA, conv.ID)
		if len(msgs) != 2 {
			t.Fatalf("A's conversation has %d messages, want 2", len(msgs))
		}
		in := msgs[0]
		// A's own stream did see it all (so the check on B's stream can fail).
		streamA.waitFor(t, "A's inbound on A's stream", func(ev sseEvent) bool { return strings.Contains(ev.Data, secretIn) })
		streamA.waitFor(t, "A's reply on A's stream", func(ev sseEvent) bool { return strings.Contains(ev.Data, secretOut) })

		before := n.conversationWith(t, keyA, "447700900101")
		if before.UnreadCount == 0 {
			t.Fatalf("A's conversation has no unread message: %+v", before)
		}

		// With B's key every A id is simply not found.
		for _, c := range []struct{ method, path string }{
			{http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d", conv.ID)},
			{http.MethodGet, fmt.Sprintf("/api/v1/conversations/%d/messages", conv.ID)},
			{http.MethodPost, fmt.Sprintf("/api/v1/conversations/%d/read", conv.ID)},
			{http.MethodGet, fmt.Sprintf("/api/v1/messages/%d", in.ID)},
			{http.MethodGet, fmt.Sprintf("/api/v1/messages/%d", out.ID)},
		} {
			r := n.call(t, c.method, c.path, nil, keyB)
			r.wantError(t, http.StatusNotFound, domain.CodeNotFound)
			if strings.Contains(string(r.Body), "A-only") || strings.Contains(string(r.Body), "447700900101") {
				t.Errorf("%s %s leaks A's data: %s", c.method, c.path, r.Body)
			}
		}
		send := map[string]any{"to": "+447700900101", "type": "text", "number_id": numA.ID, "text": map[string]string{"body": "hijack"}}
		n.call(t, http.MethodPost, "/api/v1/messages", send, keyB).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// B's mark-read did not touch A's conversation.
		if got := n.conversationWith(t, keyA, "447700900101"); got.UnreadCount != before.UnreadCount {
			t.Errorf("A's unread count %d → %d after B's read", before.UnreadCount, got.UnreadCount)
		}

		// B's lists hold nothing of A.
		if cs := n.conversations(t, keyB); len(cs) != 0 {
			t.Errorf("B lists A's conversations: %+v", cs)
		}
		if ns := n.numbers(t, keyB); len(ns) != 1 || ns[0].ID != numB.ID {
			t.Errorf("B's numbers = %+v, want only %+v", ns, numB)
		}
		var me struct {
			Workspace struct{ Slug string } `json:"workspace"`
		}
		n.call(t, http.MethodGet, "/api/v1/me", nil, keyB).want(t, http.StatusOK, &me)
		if me.Workspace.Slug != "beta" {
			t.Errorf("B's me = %+v", me)
		}

		// A marker in B proves B's stream works; nothing of A came before it.
		if _, err := n.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: nb.PhoneNumberID, From: "447700900202", Text: "B marker"}); err != nil {
			t.Fatal(err)
		}
		streamB.waitFor(t, "B's marker", func(ev sseEvent) bool { return strings.Contains(ev.Data, "B marker") })
		n.settle(t)
		for _, ev := range streamB.snapshot() {
			if strings.Contains(ev.Data, "A-only") || strings.Contains(ev.Data, "447700900101") {
				t.Errorf("A's event leaked into B's stream: %+v", ev)
			}
		}
		if cs := n.conversations(t, keyA); len(cs) != 1 {
			t.Errorf("B's customer shows in A: %+v", cs)
		}
	})
}

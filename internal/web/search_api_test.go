package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
)

type searchHitJSON struct {
	Kind           string  `json:"kind"`
	ConversationID int64   `json:"conversation_id"`
	MessageID      *int64  `json:"message_id"`
	ContactID      int64   `json:"contact_id"`
	ContactName    string  `json:"contact_name"`
	At             *string `json:"at"`
	Snippet        string  `json:"snippet"`
}

func (n *node) search(t testing.TB, o opt, q string, extra ...string) []searchHitJSON {
	t.Helper()
	var l struct {
		Data []searchHitJSON `json:"data"`
	}
	r := n.call(t, http.MethodGet, "/api/v1/search?q="+url.QueryEscape(q)+strings.Join(extra, ""), nil, o)
	r.want(t, http.StatusOK, &l)
	if l.Data == nil {
		t.Fatalf("search %q: data is not a list: %s", q, r.Body)
	}
	return l.Data
}

// TestSearchAPI: the shape of GET /api/v1/search, its errors, and that a
// workspace only ever finds its own messages and contacts.
func TestSearchAPI(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		keyA, keyB := bearer(n.apiKey(t, "default")), bearer(n.apiKey(t, "beta"))
		nb := n.Sim.AddNumber(meta.NumberSpec{VerifiedName: "Beta Ltd"})
		n.call(t, http.MethodPost, "/api/v1/whatsapp/numbers",
			map[string]string{"waba_id": nb.WABAID, "phone_number_id": nb.PhoneNumberID, "access_token": nb.AccessToken}, keyB).
			want(t, http.StatusCreated, nil)

		for _, in := range []meta.Inbound{
			{PhoneNumberID: sandboxPhone, From: "447700900101", Name: "Zoë Adams", Text: "Your parcel to São Paulo has shipped"},
			{PhoneNumberID: sandboxPhone, From: "447700900101", Text: "Lisbon tickets <b>bold</b> attached"},
			{PhoneNumberID: sandboxPhone, From: "447700900101", Text: "Paulo says the parcel is in Lisbon"},
			{PhoneNumberID: nb.PhoneNumberID, From: "447700900202", Name: "Bea Only", Text: "São Paulo B-only secret"},
		} {
			if _, err := n.Sim.Inject(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		conv := n.conversationWith(t, keyA, "447700900101")
		n.conversationWith(t, keyB, "447700900202")
		n.settle(t)
		msgs := n.messages(t, keyA, conv.ID)
		if len(msgs) != 3 {
			t.Fatalf("A's messages: %+v", msgs)
		}

		// The documented shape, keys present even when null.
		r := n.call(t, http.MethodGet, "/api/v1/search?q=sao", nil, keyA)
		var raw struct {
			Data []map[string]json.RawMessage `json:"data"`
		}
		r.want(t, http.StatusOK, &raw)
		if len(raw.Data) != 1 {
			t.Fatalf("sao: %s", r.Body)
		}
		for _, k := range []string{"kind", "conversation_id", "message_id", "contact_id", "contact_name", "at", "snippet"} {
			if _, ok := raw.Data[0][k]; !ok {
				t.Errorf("hit has no %q: %s", k, r.Body)
			}
		}
		hits := n.search(t, keyA, "sao")
		if h := hits[0]; h.Kind != "message" || h.ConversationID != conv.ID || h.MessageID == nil || *h.MessageID != msgs[0].ID ||
			h.ContactID != conv.Contact.ID || h.ContactName != "Zoë Adams" || h.At == nil || h.Snippet != "Your parcel to «São» Paulo has shipped" {
			t.Errorf("message hit %+v", h)
		}

		// A contact hit has no message: message_id is null.
		r = n.call(t, http.MethodGet, "/api/v1/search?q=zoe", nil, keyA)
		r.want(t, http.StatusOK, &raw)
		if len(raw.Data) != 1 || string(raw.Data[0]["message_id"]) != "null" {
			t.Fatalf("zoe: %s", r.Body)
		}
		if h := n.search(t, keyA, "zoe")[0]; h.Kind != "contact" || h.ConversationID != conv.ID || h.Snippet != "«Zoë» Adams · +447700900101" {
			t.Errorf("contact hit %+v", h)
		}
		if h := n.search(t, keyA, "+44 7700 900 101"); len(h) != 1 || h[0].Kind != "contact" {
			t.Errorf("by number: %+v", h)
		}

		// The snippet is text: markup in a message comes back as typed.
		if h := n.search(t, keyA, "bold"); len(h) != 1 || h[0].Snippet != "Lisbon tickets <b>«bold»</b> attached" {
			t.Errorf("bold: %+v", h)
		}
		// Newest first, and limit.
		if h := n.search(t, keyA, "paulo"); len(h) != 2 || *h[0].MessageID != msgs[2].ID || *h[1].MessageID != msgs[0].ID {
			t.Errorf("paulo: %+v", h)
		}
		if h := n.search(t, keyA, "lisbon", "&limit=1"); len(h) != 1 || *h[0].MessageID != msgs[2].ID {
			t.Errorf("limit 1: %+v", h)
		}
		if h := n.search(t, keyA, "parcel", "&limit=0"); len(h) != 2 {
			t.Errorf("limit 0 is the default: %+v", h)
		}
		// Every word must match; a single letter is no prefix.
		for _, q := range []string{"zoe lisbon", "s", "parcel tokyo"} {
			if h := n.search(t, keyA, q); len(h) != 0 {
				t.Errorf("%q: %+v", q, h)
			}
		}

		// Each workspace finds only its own.
		for _, q := range []string{"sao", "paulo", "secret", "bea", "447700900202", "B-only"} {
			r := n.call(t, http.MethodGet, "/api/v1/search?q="+url.QueryEscape(q), nil, keyA)
			if r.Status != http.StatusOK || strings.Contains(string(r.Body), "B-only") || strings.Contains(string(r.Body), "Bea") {
				t.Errorf("A searching %q sees B: %d %s", q, r.Status, r.Body)
			}
		}
		bHits := n.search(t, keyB, "sao")
		if len(bHits) != 1 || !strings.Contains(bHits[0].Snippet, "B-only") || bHits[0].ConversationID == conv.ID {
			t.Errorf("B's search: %+v", bHits)
		}
		for _, h := range n.search(t, keyB, "zoe parcel lisbon") {
			t.Errorf("B sees A's %+v", h)
		}

		// Search syntax in q is searched for, never an error.
		for _, q := range []string{`"`, `AND`, `*`, `-x`, `col:val`, `%`, `'); DROP TABLE messages; --`, strings.Repeat("ab ", 3000)} {
			n.search(t, keyA, q)
		}

		// Errors.
		n.call(t, http.MethodGet, "/api/v1/search?q=sao", nil).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		n.call(t, http.MethodGet, "/api/v1/search?q=sao", nil, bearer("gh_not_a_key")).wantError(t, http.StatusUnauthorized, domain.CodeUnauthenticated)
		for _, path := range []string{"/api/v1/search", "/api/v1/search?q=", "/api/v1/search?q=%20%20", "/api/v1/search?q=%09"} {
			e := n.call(t, http.MethodGet, path, nil, keyA).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if e.Remedy == "" || !strings.Contains(e.Message, "q") {
				t.Errorf("%s: %+v", path, e)
			}
		}
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

type panelJSON struct {
	Contact struct {
		ID   int64  `json:"id"`
		WaID string `json:"wa_id"`
		Name string `json:"name"`
	} `json:"contact"`
	Attributes map[string]string `json:"attributes"`
	Tags       []string          `json:"tags"`
	Consent    struct {
		State struct {
			OptedIn         bool    `json:"opted_in"`
			MarketingOptOut bool    `json:"marketing_opt_out"`
			Since           *string `json:"since"`
		} `json:"state"`
		Recent []struct {
			Action string `json:"action"`
			Source string `json:"source"`
		} `json:"recent"`
		Total int `json:"total"`
	} `json:"consent"`
	Conversations []struct {
		ID     int64 `json:"id"`
		Number struct {
			ID                 int64  `json:"id"`
			DisplayPhoneNumber string `json:"display_phone_number"`
			VerifiedName       string `json:"verified_name"`
			Connected          bool   `json:"connected"`
		} `json:"number"`
		Status   string `json:"status"`
		Assignee *struct {
			ID   int64  `json:"id"`
			Name string `json:"name"`
		} `json:"assignee"`
		LastMessageAt   *string `json:"last_message_at"`
		LastMessageText string  `json:"last_message_text"`
		WindowOpen      bool    `json:"window_open"`
		WindowExpiresAt *string `json:"window_expires_at"`
	} `json:"conversations"`
}

func panelPath(contactID int64, query string) string {
	return fmt.Sprintf("/api/v1/contacts/%d/panel%s", contactID, query)
}

// TestContactPanel: one request gives the customer's attributes, tags,
// consent and conversations on every number, newest first; an agent who
// sees only their own and unassigned conversations gets only those, and
// no contact at all when they see none of its conversations.
func TestContactPanel(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		ctx := context.Background()
		key := bearer(n.apiKey(t, "default"))
		_, annOpt := n.inboxMember(t, "ann@example.com", "Ann", domain.RoleAgent)
		bob, bobOpt := n.inboxMember(t, "bob@example.com", "Bob", domain.RoleAgent)
		ws, err := n.DB.WorkspaceBySlug(ctx, "default")
		if err != nil {
			t.Fatal(err)
		}
		second, err := n.DB.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "waba-support", PhoneNumberID: "100000000000099",
			DisplayPhoneNumber: "+1 555 0199", VerifiedName: "Acme Support", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		const who = "447700900701"
		n.customerWrites(t, who, "Hana", "first, to sales")
		n.postWebhook(t, appSecret, payload([]map[string]any{change(second.PhoneNumberID, []inMsg{{who, "Hana", "wamid.panel.2", "then to support"}}, nil)})).
			want(t, http.StatusOK, nil)
		n.settle(t)
		var sales view.Conversation
		for _, c := range n.conversations(t, key) {
			if c.Contact.WaID == who && c.NumberID != second.ID {
				sales = c
			}
		}
		if _, _, err := n.DB.ImportContacts(ctx, ws.ID, []store.ContactImport{{WaID: who, Phone: "+" + who, Tags: []string{"vip"},
			Attributes: map[string]string{"city": "Porto"}}}, "owner@example.com"); err != nil {
			t.Fatal(err)
		}
		for _, action := range []string{"opt_in", "opt_out_marketing", "opt_in_marketing"} {
			n.call(t, http.MethodPost, fmt.Sprintf("/api/v1/contacts/%d/consent", sales.Contact.ID),
				map[string]string{"action": action, "source": "test " + action}, key).want(t, http.StatusCreated, nil)
		}

		var p panelJSON
		n.call(t, http.MethodGet, panelPath(sales.Contact.ID, "?consent_limit=2"), nil, key).want(t, http.StatusOK, &p)
		if p.Contact.ID != sales.Contact.ID || p.Contact.WaID != who || p.Contact.Name != "Hana" || p.Attributes["city"] != "Porto" ||
			len(p.Tags) != 1 || p.Tags[0] != "vip" {
			t.Fatalf("panel: %+v", p)
		}
		// Total counts what the inbound path records too (the customer wrote first).
		if !p.Consent.State.OptedIn || p.Consent.State.MarketingOptOut || p.Consent.Total < 3 || len(p.Consent.Recent) != 2 ||
			p.Consent.Recent[0].Action != "opt_in_marketing" || p.Consent.Recent[1].Action != "opt_out_marketing" {
			t.Fatalf("consent: %+v", p.Consent)
		}
		if len(p.Conversations) != 2 {
			t.Fatalf("conversations: %+v", p.Conversations)
		}
		support, first := p.Conversations[0], p.Conversations[1]
		if support.Number.ID != second.ID || support.Number.DisplayPhoneNumber != "+1 555 0199" || support.Number.VerifiedName != "Acme Support" ||
			!support.Number.Connected || support.LastMessageText != "then to support" || !support.WindowOpen || support.WindowExpiresAt == nil ||
			support.Status != "open" || support.Assignee != nil || support.LastMessageAt == nil {
			t.Fatalf("newest conversation: %+v", support)
		}
		if first.ID != sales.ID || first.Number.ID != sales.NumberID || first.LastMessageText != "first, to sales" {
			t.Fatalf("older conversation: %+v", first)
		}

		// Restricted agents see their own and unassigned conversations only.
		n.call(t, http.MethodPut, "/api/v1/settings", `{"agents_see":"own_and_unassigned"}`, key).want(t, http.StatusOK, nil)
		n.assign(t, bobOpt, support.ID, map[string]any{"user_id": bob.ID}).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, panelPath(sales.Contact.ID, ""), nil, annOpt).want(t, http.StatusOK, &p)
		if len(p.Conversations) != 1 || p.Conversations[0].ID != sales.ID || p.Attributes["city"] != "Porto" {
			t.Fatalf("Ann's panel: %+v", p.Conversations)
		}
		n.call(t, http.MethodGet, panelPath(sales.Contact.ID, ""), nil, bobOpt).want(t, http.StatusOK, &p)
		if len(p.Conversations) != 2 || p.Conversations[0].Assignee == nil || p.Conversations[0].Assignee.Name != "Bob" {
			t.Fatalf("Bob's panel: %+v", p.Conversations)
		}
		n.assign(t, bobOpt, sales.ID, map[string]any{"user_id": bob.ID}).want(t, http.StatusOK, nil)
		n.call(t, http.MethodGet, panelPath(sales.Contact.ID, ""), nil, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		// The contact's other routes follow the same rule.
		contact := fmt.Sprintf("/api/v1/contacts/%d", sales.Contact.ID)
		for _, path := range []string{contact, contact + "/consent", contact + "/consent.csv", contact + "/crm"} {
			n.call(t, http.MethodGet, path, nil, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)
			n.call(t, http.MethodGet, path, nil, bobOpt).want(t, http.StatusOK, nil)
		}
		n.call(t, http.MethodPost, contact+"/consent", `{"action":"opt_in","source":"phone call"}`, annOpt).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		n.call(t, http.MethodGet, panelPath(sales.Contact.ID, "?consent_limit=-1"), nil, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodGet, panelPath(999999, ""), nil, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		other := bearer(n.apiKey(t, "elsewhere"))
		n.call(t, http.MethodGet, panelPath(sales.Contact.ID, ""), nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

package web_test

import (
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

type contactJSON struct {
	ID    int64  `json:"id"`
	WaID  string `json:"wa_id"`
	Phone string `json:"phone"`
	Name  string `json:"name"`
}

type consentJSON struct {
	ID       int64  `json:"id"`
	Action   string `json:"action"`
	Source   string `json:"source"`
	Wording  string `json:"wording"`
	Evidence string `json:"evidence"`
	Actor    string `json:"actor"`
}

func TestContactsAndConsent(t *testing.T) {
	parallelTemplating(t, func(t *testing.T, n, _ *node) {
		key := bearer(n.apiKey(t, "default"))
		var c contactJSON
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{"phone": "+44 7700 900123", "name": "Ada"}, key).want(t, http.StatusCreated, &c)
		if c.ID == 0 || c.WaID != "447700900123" || c.Phone != "+447700900123" || c.Name != "Ada" {
			t.Fatalf("contact %+v", c)
		}
		var again contactJSON
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{"phone": "447700900123"}, key).want(t, http.StatusOK, &again)
		if again != c {
			t.Fatalf("existing contact %+v, want %+v", again, c)
		}
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{"phone": "+12"}, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{}, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		path := fmt.Sprintf("/api/v1/contacts/%d/consent", c.ID)
		var e consentJSON
		n.call(t, http.MethodPost, path, map[string]string{"action": "opt_in", "source": "website", "wording": "Yes, message me on WhatsApp", "evidence": "=HYPERLINK(\"x\")"}, key).want(t, http.StatusCreated, &e)
		if e.ID == 0 || e.Action != "opt_in" || e.Source != "website" || !strings.HasPrefix(e.Actor, "api key") {
			t.Fatalf("event %+v", e)
		}
		n.call(t, http.MethodPost, path, map[string]string{"action": "opt_out_marketing", "source": "api"}, key).want(t, http.StatusCreated, nil)
		n.call(t, http.MethodPost, path, map[string]string{"action": "subscribe", "source": "api"}, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		n.call(t, http.MethodPost, path, map[string]string{"action": "opt_in"}, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		// A user is named by email.
		cookie := withCookie(n.login(t, ownerEmail, ownerPassword))
		n.call(t, http.MethodPost, path, map[string]string{"action": "opt_in_marketing", "source": "import"}, cookie).want(t, http.StatusCreated, &e)
		if e.Actor != ownerEmail {
			t.Fatalf("actor %q, want %q", e.Actor, ownerEmail)
		}
		n.call(t, http.MethodPost, path, map[string]string{"action": "opt_out_marketing", "source": "keyword"}, cookie).want(t, http.StatusCreated, nil)

		var ledger struct {
			Data  []consentJSON
			State struct {
				OptedIn         bool    `json:"opted_in"`
				OptedOut        bool    `json:"opted_out"`
				MarketingOptOut bool    `json:"marketing_opt_out"`
				Since           *string `json:"since"`
			}
		}
		n.call(t, http.MethodGet, path, nil, key).want(t, http.StatusOK, &ledger)
		if len(ledger.Data) != 4 || ledger.Data[0].Action != "opt_in" || ledger.Data[3].Action != "opt_out_marketing" {
			t.Fatalf("ledger %+v", ledger.Data)
		}
		if !ledger.State.OptedIn || ledger.State.OptedOut || !ledger.State.MarketingOptOut || ledger.State.Since == nil {
			t.Fatalf("state %+v", ledger.State)
		}

		r := n.call(t, http.MethodGet, path+".csv", nil, key)
		if r.Status != http.StatusOK || !strings.HasPrefix(r.Header.Get("Content-Type"), "text/csv") {
			t.Fatalf("csv: status %d, type %q: %s", r.Status, r.Header.Get("Content-Type"), r.Body)
		}
		rows, err := csv.NewReader(strings.NewReader(string(r.Body))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 5 || rows[0][2] != "action" || rows[1][2] != "opt_in" || rows[1][4] != "Yes, message me on WhatsApp" || rows[3][6] != ownerEmail {
			t.Fatalf("csv rows %q", rows)
		}
		if !strings.HasPrefix(rows[1][5], "'=") {
			t.Errorf("formula not defused: %q", rows[1][5])
		}

		// Another workspace's key sees nothing.
		other := bearer(n.apiKey(t, "other"))
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/contacts/%d", c.ID), nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, path, nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, path+".csv", nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodPost, path, map[string]string{"action": "opt_out", "source": "api"}, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodGet, "/api/v1/contacts/abc/consent", nil, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		// The other workspace may hold the same number as its own contact.
		var mine contactJSON
		n.call(t, http.MethodPost, "/api/v1/contacts", map[string]string{"phone": "+447700900123"}, other).want(t, http.StatusCreated, &mine)
		if mine.ID == c.ID {
			t.Fatalf("workspaces share contact %d", c.ID)
		}
	})
}

package web_test

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
)

func TestTemplateTTL(t *testing.T) {
	parallelTemplating(t, func(t *testing.T, n, plain *node) {
		key := bearer(n.apiKey(t, "default"))
		ttlPath := func(id int64) string { return fmt.Sprintf("/api/v1/templates/%d/ttl", id) }

		// Create passes the TTL to Meta; out of range is refused before Meta.
		reminder := validTemplate("visit_reminder")
		reminder["message_send_ttl_seconds"] = 3600
		var created templateJSON
		n.call(t, http.MethodPost, "/api/v1/templates", reminder, key).want(t, http.StatusCreated, &created)
		if created.TTLSeconds != 3600 || created.Status != "PENDING" {
			t.Fatalf("created %+v", created)
		}
		bad := validTemplate("too_long")
		bad["message_send_ttl_seconds"] = 86_400
		r := n.call(t, http.MethodPost, "/api/v1/templates", bad, key)
		r.wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if !strings.Contains(string(r.Body), "ttl_invalid") {
			t.Errorf("lint findings: %s", r.Body)
		}
		var noTTL templateJSON
		n.call(t, http.MethodPost, "/api/v1/templates", validTemplate("no_ttl"), key).want(t, http.StatusCreated, &noTTL)
		if noTTL.TTLSeconds != 0 || !strings.Contains(string(n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", noTTL.ID), nil, key).Body), `"message_send_ttl_seconds":0`) {
			t.Errorf("template without TTL: %+v", noTTL)
		}

		// Meta edits only reviewed templates.
		n.call(t, http.MethodPost, ttlPath(created.ID), map[string]int{"message_send_ttl_seconds": 600}, key).wantError(t, http.StatusConflict, domain.CodeConflict)
		plain.call(t, http.MethodPost, "/sim/_sim/templates/status",
			map[string]string{"waba_id": sandboxWABA(t, n), "name": "visit_reminder", "language": "en_US", "event": "APPROVED"}).want(t, http.StatusOK, nil)
		n.call(t, http.MethodPost, "/api/v1/templates/sync", nil, key).want(t, http.StatusOK, nil)
		var got templateJSON
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", created.ID), nil, key).want(t, http.StatusOK, &got)
		if got.Status != "APPROVED" || got.TTLSeconds != 3600 {
			t.Fatalf("after sync %+v", got)
		}

		// GoHavi checks the range for the category before calling Meta.
		for _, body := range []any{map[string]int{"message_send_ttl_seconds": 86_400}, map[string]int{"message_send_ttl_seconds": 0},
			map[string]int{"message_send_ttl_seconds": 10}, map[string]string{}} {
			e := n.call(t, http.MethodPost, ttlPath(created.ID), body, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
			if e.Remedy == "" {
				t.Errorf("%v: no remedy in %+v", body, e)
			}
		}
		e := n.call(t, http.MethodPost, ttlPath(created.ID), map[string]int{"message_send_ttl_seconds": 86_400}, key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if !strings.Contains(e.Message, "UTILITY") || !strings.Contains(e.Remedy, "43200") {
			t.Errorf("range error %+v", e)
		}

		// Agents may not change it; other workspaces do not see it.
		if _, err := n.CreateUser(context.Background(), "default", "agent@example.com", "Agent", domain.RoleAgent, "agent-password-1"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(n.login(t, "agent@example.com", "agent-password-1"))
		n.call(t, http.MethodPost, ttlPath(created.ID), map[string]int{"message_send_ttl_seconds": 600}, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
		other := bearer(n.apiKey(t, "other"))
		n.call(t, http.MethodPost, ttlPath(created.ID), map[string]int{"message_send_ttl_seconds": 600}, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		n.call(t, http.MethodPost, ttlPath(999999), map[string]int{"message_send_ttl_seconds": 600}, key).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// A valid TTL is edited at Meta, stored and answered.
		n.call(t, http.MethodPost, ttlPath(created.ID), map[string]int{"message_send_ttl_seconds": 600}, key).want(t, http.StatusOK, &got)
		if got.ID != created.ID || got.TTLSeconds != 600 || got.Status != "APPROVED" {
			t.Fatalf("after edit %+v", got)
		}
		// Meta has it too: a sync, which takes Meta's value, keeps 600.
		n.call(t, http.MethodPost, "/api/v1/templates/sync", nil, key).want(t, http.StatusOK, nil)
		for _, l := range n.templates(t, key) {
			if l.ID == created.ID && l.TTLSeconds != 600 {
				t.Errorf("listed after sync %+v", l)
			}
		}
		// Meta allows one edit of an approved template per 24 hours.
		e = n.call(t, http.MethodPost, ttlPath(created.ID), map[string]int{"message_send_ttl_seconds": -1}, key).wantError(t, http.StatusUnprocessableEntity, domain.CodeMetaRejected)
		if !strings.Contains(e.Message, "Edit Limit") {
			t.Errorf("edit limit %+v", e)
		}
		n.call(t, http.MethodGet, fmt.Sprintf("/api/v1/templates/%d", created.ID), nil, key).want(t, http.StatusOK, &got)
		if got.TTLSeconds != 600 {
			t.Errorf("refused edit stored: %+v", got)
		}
	})
}

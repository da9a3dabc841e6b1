package e2e

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestCalendlySandbox runs a sandbox server with nothing configured: a
// Calendly connection made with any token against the in-process Calendly
// simulator, a booking made as an invitee would, and the confirmation
// reaching the Meta simulator through the real send pipeline and coming
// back delivered, with the two reminders scheduled.
func TestCalendlySandbox(t *testing.T) {
	t.Parallel()
	app := startSandbox(t)
	srv, a, num, sim := app.srv, app.a, app.num, app.sim

	examples := []string{"Ada", "Monday at 9", "https://meet.example/x"}
	for name, body := range map[string]string{
		"visit_confirmed_e2e": "Hi {{1}}, your visit is confirmed for {{2}}. Join at {{3}} when it is time.",
		"visit_reminder_e2e":  "Reminder: {{1}}, your visit is on {{2}}. See you then!",
	} {
		a.do(t, "POST", "/api/v1/templates", map[string]any{
			"name": name, "language": "en_US", "category": "UTILITY",
			"components": []map[string]any{{"type": "BODY", "text": body, "example": map[string]any{"body_text": [][]string{examples[:strings.Count(body, "{{")]}}}},
		}, http.StatusCreated, nil)
		sim.post(t, "/_sim/templates/status", map[string]string{"waba_id": num.WABAID, "name": name, "language": "en_US", "event": "APPROVED"}, nil)
	}
	a.do(t, "POST", "/api/v1/templates/sync", nil, http.StatusOK, nil)

	var conn struct {
		Subscription struct{ State string } `json:"subscription"`
		Warnings     []string               `json:"warnings"`
	}
	a.do(t, "POST", "/api/v1/integrations/calendly", map[string]any{"token": "any-token-works-in-the-sandbox",
		"confirmation_template": map[string]string{"name": "visit_confirmed_e2e", "language": "en_US"},
		"reminder_template":     map[string]string{"name": "visit_reminder_e2e", "language": "en_US"}}, http.StatusCreated, &conn)
	if conn.Subscription.State != "active" {
		t.Fatalf("connection %+v", conn)
	}

	const waID = "447911123456"
	start := time.Now().Add(72 * time.Hour).UTC().Truncate(time.Minute)
	code, body := call(t, "POST", srv.URL+"/sim/calendly/_sim/book", "", map[string]any{
		"start_time": start.Format(time.RFC3339), "name": "Ada Lovelace", "email": "ada@example.com", "timezone": "Europe/London",
		"text_reminder_number":  "07911 123456",
		"questions_and_answers": []map[string]any{{"question": "Send my confirmation and reminders on WhatsApp", "answer": "Yes", "position": 0}},
		"location":              map[string]string{"type": "zoom", "join_url": "https://zoom.example/j/42"},
	})
	if code != http.StatusOK && code != http.StatusCreated {
		t.Fatalf("book: %d %s", code, body)
	}

	var got sentMessage
	if !eventually(waitTimeout, func() bool {
		for _, m := range sim.sent(t, sandboxPhoneID, waID) {
			if m.Type == "template" && m.Status == "delivered" {
				got = m
				return true
			}
		}
		return false
	}) {
		t.Fatalf("no delivered confirmation at the Meta simulator: %+v", sim.sent(t, sandboxPhoneID, waID))
	}
	if r := string(got.Request); !strings.Contains(r, "visit_confirmed_e2e") || !strings.Contains(r, "Ada") || !strings.Contains(r, "https://zoom.example/j/42") {
		t.Fatalf("confirmation sent as %s", r)
	}

	var list struct {
		Data []struct {
			Status   string
			Invitee  struct{ Phone string }
			Messages []struct{ Kind, Status string }
		}
	}
	if !eventually(waitTimeout, func() bool {
		a.do(t, "GET", "/api/v1/appointments", nil, http.StatusOK, &list)
		if len(list.Data) != 1 {
			return false
		}
		k := map[string]string{}
		for _, m := range list.Data[0].Messages {
			k[m.Kind] = m.Status
		}
		return k["confirmation"] == "delivered" && k["reminder_24h"] == "scheduled" && k["reminder_1h"] == "scheduled"
	}) {
		b, _ := json.Marshal(list)
		t.Fatalf("appointments: %s", b)
	}
	if p := list.Data[0].Invitee.Phone; p != "+"+waID {
		t.Fatalf("phone %q", p)
	}
}

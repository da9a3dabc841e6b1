package simcalendly

import (
	"net/http"
	"testing"
)

// ctl calls the control API and decodes a JSON object answer.
func (e *env) ctl(method, path string, body any) resp {
	e.t.Helper()
	return e.call(method, "/_sim/"+path, "", body)
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, Config{AppSigningKey: "k"})
	rc := newReceiver(t)

	r := e.ctl("POST", "users", map[string]any{"name": "Carla", "email": "carla@example.com", "timezone": "Europe/Lisbon"})
	e.want(r, http.StatusOK)
	carla := r.str("uri")
	if r.str("token") == "" || r.str("organization_uri") == "" || r.str("timezone") != "Europe/Lisbon" {
		t.Fatalf("user: %s", r.raw)
	}
	r = e.ctl("POST", "event_types", map[string]any{"owner": carla, "name": "Group Call", "duration_minutes": 45, "max_invitees": 3})
	e.want(r, http.StatusOK)
	if r.str("slug") != "group-call" || r.body["duration_minutes"].(float64) != 45 || r.str("owner") != carla {
		t.Fatalf("event type: %s", r.raw)
	}
	etURI := r.str("uri")
	if r := e.ctl("POST", "event_types", map[string]any{"owner": carla, "name": "x"}); r.status != 400 {
		t.Fatalf("no duration: %d", r.status)
	}
	if r := e.ctl("POST", "event_types", map[string]any{"owner": e.srv.URL + "/users/NOPE", "name": "x", "duration_minutes": 5}); r.status != 404 {
		t.Fatalf("unknown owner: %d", r.status)
	}

	sub := e.subscribe(e.user.Token, rc.srv.URL, nil)
	r = e.ctl("POST", "book", map[string]any{
		"start_time": "2026-01-08T14:00:00Z", "name": "Ana Silva", "email": "ana@example.com", "timezone": "America/Sao_Paulo",
		"text_reminder_number": "+55 11 99999-0000", "questions_and_answers": []any{map[string]any{"question": "Phone", "answer": "+55", "position": 0}},
		"location": map[string]any{"type": "outbound_call", "location": "+55 11 99999-0000"}, "utm_content": "lead_1",
	})
	e.want(r, http.StatusOK)
	inv := r.str("uri")
	if r.str("event_uri") == "" || r.str("status") != "active" || r.str("start_time") != "2026-01-08T14:00:00Z" {
		t.Fatalf("book: %s", r.raw)
	}
	if p := rc.hooks()[0].payload(); str(obj(obj(p, "scheduled_event"), "location"), "location") != "+55 11 99999-0000" {
		t.Fatalf("payload: %s", rc.hooks()[0].raw)
	}
	if r := e.ctl("POST", "book", map[string]any{"event_type": etURI, "start_time": "2026-01-08T14:00:00Z", "name": "A", "email": "a@example.com"}); r.status != 200 {
		t.Fatalf("book a group type: %d %s", r.status, r.raw)
	}
	for _, bad := range []map[string]any{
		{"name": "A", "email": "a@example.com"},
		{"start_time": "2026-01-08T14:00:00Z", "name": "A", "email": "nope"},
		{"start_time": "2026-01-08T14:00:00Z", "name": "A", "email": "a@example.com", "location": map[string]any{"type": "pigeon"}},
	} {
		if r := e.ctl("POST", "book", bad); r.status != 400 || str(obj(r.body, "error"), "code") != "invalid_argument" {
			t.Fatalf("bad booking %v: %d %s", bad, r.status, r.raw)
		}
	}

	r = e.ctl("POST", "reschedule", map[string]any{"invitee": inv, "start_time": "2026-01-09T14:00:00Z", "created_first": true})
	e.want(r, http.StatusOK)
	moved := r.str("uri")
	e.want(e.ctl("POST", "no_show", map[string]any{"invitee": moved}), http.StatusOK)
	e.want(e.ctl("POST", "cancel", map[string]any{"invitee": moved, "canceler_type": "host", "reason": "r"}), http.StatusOK)
	if r := e.ctl("POST", "cancel", map[string]any{"invitee": moved}); r.status != 400 {
		t.Fatalf("cancel twice: %d", r.status)
	}
	if r := e.ctl("POST", "cancel", map[string]any{"invitee": e.srv.URL + "/scheduled_events/X/invitees/Y"}); r.status != 404 {
		t.Fatalf("cancel unknown: %d", r.status)
	}
	booked := e.book(Booking{})
	e.want(e.ctl("POST", "cancel_event", map[string]any{"event": booked.EventURI, "reason": "r"}), http.StatusOK)

	events := []string{}
	for _, h := range rc.hooks() {
		events = append(events, h.event())
	}
	want := []string{"invitee.created", "invitee.created", "invitee.canceled", "invitee_no_show.created", "invitee.canceled", "invitee.created", "invitee.canceled"}
	if len(events) != len(want) {
		t.Fatalf("events %v, want %v", events, want)
	}
	for i := range want {
		if events[i] != want[i] {
			t.Fatalf("events %v, want %v", events, want)
		}
	}

	r = e.ctl("POST", "faults", map[string]any{"api_fail_count": 1, "api_fail_status": 500, "duplicates": 2})
	if r.body["api_fail_count"].(float64) != 1 || r.body["duplicates"].(float64) != 2 {
		t.Fatalf("faults: %s", r.raw)
	}
	if r := e.call("GET", "/users/me", e.user.Token, nil); r.status != 500 || r.str("title") != "Internal Server Error" {
		t.Fatalf("fault: %d %s", r.status, r.raw)
	}
	if r := e.ctl("POST", "faults", map[string]any{"api_fail_status": 200}); r.status != 400 {
		t.Fatalf("fault status 200: %d", r.status)
	}

	e.want(e.ctl("POST", "subscriptions/disable", map[string]any{"uri": str(sub, "uri")}), http.StatusOK)
	r = e.ctl("GET", "subscriptions", nil)
	var subs []map[string]any
	if err := jsonUnmarshal(r.raw, &subs); err != nil || len(subs) != 1 || str(subs[0], "state") != "disabled" || str(subs[0], "callback_url") != rc.srv.URL {
		t.Fatalf("subscriptions: %s", r.raw)
	}
	var ds []map[string]any
	if err := jsonUnmarshal(e.ctl("GET", "deliveries", nil).raw, &ds); err != nil || len(ds) != len(want) || str(ds[0], "event") != "invitee.created" || ds[0]["status"].(float64) != 200 {
		t.Fatalf("deliveries: %v", ds)
	}
	if r := e.ctl("POST", "subscriptions/disable", map[string]any{"uri": "nope"}); r.status != 404 {
		t.Fatalf("disable unknown: %d", r.status)
	}
	if r := e.ctl("GET", "nope", nil); r.status != 404 || str(obj(r.body, "error"), "code") != "not_found" {
		t.Fatalf("unknown control path: %d %s", r.status, r.raw)
	}
	if r := e.ctl("POST", "book", "{"); r.status != 400 {
		t.Fatalf("bad JSON: %d", r.status)
	}
}

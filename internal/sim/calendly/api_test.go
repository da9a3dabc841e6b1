package simcalendly

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

var calTimeRE = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$`)

func TestUsersMe(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.call("GET", "/users/me", e.user.Token, nil)
	e.want(r, http.StatusOK)
	u := r.res()
	if str(u, "uri") != e.user.URI || str(u, "current_organization") != e.user.OrganizationURI ||
		str(u, "resource_type") != "User" || str(u, "email") != "host@example.com" || !calTimeRE.MatchString(str(u, "created_at")) {
		t.Fatalf("users/me: %s", r.raw)
	}
	if !strings.HasPrefix(e.user.URI, e.srv.URL+"/users/") || len(strings.TrimPrefix(e.user.URI, e.srv.URL+"/users/")) != 16 {
		t.Fatalf("user URI %q", e.user.URI)
	}
	if r.header.Get("X-RateLimit-Limit") != "500" || r.header.Get("X-RateLimit-Remaining") != "499" {
		t.Fatalf("rate headers: %v", r.header)
	}

	for _, tok := range []string{"", "not-a-token"} {
		r := e.call("GET", "/users/me", tok, nil)
		if r.status != 401 || r.str("title") != "Unauthenticated" || r.str("message") != "The access token is invalid" {
			t.Fatalf("token %q: %d %s", tok, r.status, r.raw)
		}
	}

	// Users of another organization are not visible; one's own are.
	other := e.sim.AddUser("Bia Host", "bia@example.com", "")
	e.want(e.call("GET", "/users/"+strings.TrimPrefix(e.user.URI, e.srv.URL+"/users/"), e.user.Token, nil), http.StatusOK)
	r = e.call("GET", "/users/"+strings.TrimPrefix(other.URI, e.srv.URL+"/users/"), e.user.Token, nil)
	if r.status != 403 || r.str("title") != "Permission Denied" {
		t.Fatalf("other org's user: %d %s", r.status, r.raw)
	}
	if r := e.call("GET", "/users/me", other.Token, nil); str(r.res(), "uri") != other.URI || str(r.res(), "timezone") != "UTC" {
		t.Fatalf("second user's PAT: %s", r.raw)
	}
	if r := e.call("GET", "/users/NOPE", e.user.Token, nil); r.status != 404 || r.str("title") != "Resource Not Found" {
		t.Fatalf("unknown user: %d %s", r.status, r.raw)
	}
}

func TestAnyTokenAndFixedToken(t *testing.T) {
	e := newEnv(t, Config{AnyToken: true, DefaultToken: "my-pat"})
	if e.user.Token != "my-pat" {
		t.Fatalf("default token %q", e.user.Token)
	}
	for _, tok := range []string{"my-pat", "whatever"} {
		if r := e.call("GET", "/users/me", tok, nil); str(r.res(), "uri") != e.user.URI {
			t.Fatalf("token %q: %s", tok, r.raw)
		}
	}
	if r := e.call("GET", "/users/me", "", nil); r.status != 401 {
		t.Fatalf("no token with AnyToken: %d", r.status)
	}
}

func TestEventTypes(t *testing.T) {
	e := newEnv(t, Config{})
	ets := e.sim.EventTypes("")
	if len(ets) != 1 || ets[0].Name != "30 Minute Meeting" || ets[0].Duration != 30*time.Minute || ets[0].Owner != e.user.URI {
		t.Fatalf("default event types: %+v", ets)
	}
	e.sim.AddGroupEventType(e.user.URI, "Workshop", time.Hour, 10)
	r := e.call("GET", "/event_types?user="+url.QueryEscape(e.user.URI), e.user.Token, nil)
	e.want(r, http.StatusOK)
	c := r.coll()
	if len(c) != 2 || str(c[0], "uri") != ets[0].URI || c[0]["duration"].(float64) != 30 || str(c[1], "kind") != "group" ||
		str(obj(c[1], "profile"), "owner") != e.user.URI {
		t.Fatalf("event types: %s", r.raw)
	}
	if r := e.call("GET", "/event_types?organization="+url.QueryEscape(e.user.OrganizationURI), e.user.Token, nil); len(r.coll()) != 2 {
		t.Fatalf("by organization: %s", r.raw)
	}
	r = e.call("GET", ets[0].URI, e.user.Token, nil)
	if str(r.res(), "slug") != "30-minute-meeting" || str(r.res(), "scheduling_url") != "https://calendly.com/sim-host/30-minute-meeting" {
		t.Fatalf("event type: %s", r.raw)
	}
	if r := e.call("GET", "/event_types", e.user.Token, nil); r.status != 400 {
		t.Fatalf("no filter: %d %s", r.status, r.raw)
	}
}

func TestScheduledEventsAndInvitees(t *testing.T) {
	e := newEnv(t, Config{})
	day := time.Date(2026, 1, 8, 14, 0, 0, 0, time.UTC)
	var invs []Invitee
	for i := range 3 {
		invs = append(invs, e.book(Booking{StartTime: day.Add(time.Duration(2-i) * 24 * time.Hour), Name: "Invitee", Email: "i@example.com",
			Location: &Location{Type: "physical", Location: "12 Rua X"}}))
	}

	r := e.call("GET", invs[0].EventURI, e.user.Token, nil)
	e.want(r, http.StatusOK)
	ev := r.res()
	if str(ev, "start_time") != "2026-01-10T14:00:00.000000Z" || str(ev, "end_time") != "2026-01-10T14:30:00.000000Z" ||
		str(ev, "status") != "active" || str(ev, "name") != "30 Minute Meeting" || str(obj(ev, "location"), "location") != "12 Rua X" {
		t.Fatalf("event: %s", r.raw)
	}
	if cnt := obj(ev, "invitees_counter"); cnt["total"].(float64) != 1 || cnt["active"].(float64) != 1 || cnt["limit"].(float64) != 1 {
		t.Fatalf("counter: %v", cnt)
	}
	if _, ok := ev["cancellation"]; ok {
		t.Fatal("an active event carries no cancellation")
	}

	// Listed by start time, two per page, then the rest by token.
	q := url.Values{"user": {e.user.URI}, "count": {"2"}}
	r = e.call("GET", "/scheduled_events?"+q.Encode(), e.user.Token, nil)
	e.want(r, http.StatusOK)
	if c := r.coll(); len(c) != 2 || str(c[0], "uri") != invs[2].EventURI || str(c[1], "uri") != invs[1].EventURI {
		t.Fatalf("page 1: %s", r.raw)
	}
	pg := r.pagination()
	next, _ := pg["next_page"].(string)
	if pg["count"].(float64) != 2 || pg["next_page_token"] == nil || pg["previous_page"] != nil || !strings.HasPrefix(next, e.srv.URL+"/scheduled_events?") {
		t.Fatalf("pagination 1: %v", pg)
	}
	if strings.Contains(string(r.raw), `\u0026`) {
		t.Fatalf("next_page is HTML-escaped: %s", r.raw)
	}
	q.Set("sort", "start_time:desc")
	if c := e.call("GET", "/scheduled_events?"+q.Encode(), e.user.Token, nil).coll(); len(c) != 2 || str(c[0], "uri") != invs[0].EventURI {
		t.Fatalf("descending: %v", c)
	}
	q.Set("sort", "name:asc")
	if r := e.call("GET", "/scheduled_events?"+q.Encode(), e.user.Token, nil); r.status != 400 {
		t.Fatalf("bad sort: %d", r.status)
	}
	r = e.call("GET", next, e.user.Token, nil)
	if c := r.coll(); len(c) != 1 || str(c[0], "uri") != invs[0].EventURI || r.pagination()["next_page"] != nil || r.pagination()["previous_page_token"] == nil {
		t.Fatalf("page 2: %s", r.raw)
	}

	// Time window and status filters.
	q = url.Values{"organization": {e.user.OrganizationURI}, "min_start_time": {"2026-01-09T00:00:00.000000Z"}, "max_start_time": {"2026-01-10T14:00:00Z"}}
	if c := e.call("GET", "/scheduled_events?"+q.Encode(), e.user.Token, nil).coll(); len(c) != 1 || str(c[0], "uri") != invs[1].EventURI {
		t.Fatalf("window: %v", c)
	}
	if err := e.sim.Cancel(t.Context(), invs[1].URI, "host", "sick"); err != nil {
		t.Fatal(err)
	}
	q = url.Values{"user": {e.user.URI}, "status": {"canceled"}}
	if c := e.call("GET", "/scheduled_events?"+q.Encode(), e.user.Token, nil).coll(); len(c) != 1 ||
		str(obj(c[0], "cancellation"), "canceler_type") != "host" || str(obj(c[0], "cancellation"), "canceled_by") != "Sim Host" {
		t.Fatalf("canceled: %v", c)
	}
	for _, bad := range []string{"", "?user=nope", "?user=" + url.QueryEscape(e.user.URI) + "&status=done", "?user=" + url.QueryEscape(e.user.URI) + "&count=101",
		"?user=" + url.QueryEscape(e.user.URI) + "&min_start_time=yesterday", "?user=" + url.QueryEscape(e.user.URI) + "&page_token=%21"} {
		if r := e.call("GET", "/scheduled_events"+bad, e.user.Token, nil); r.status != 400 || r.str("title") != "Invalid Argument" {
			t.Fatalf("%q: %d %s", bad, r.status, r.raw)
		}
	}
	other := e.sim.AddUser("Other", "o@example.com", "")
	if r := e.call("GET", "/scheduled_events?user="+url.QueryEscape(e.user.URI), other.Token, nil); r.status != 403 {
		t.Fatalf("other org: %d", r.status)
	}
	if r := e.call("GET", invs[0].EventURI, other.Token, nil); r.status != 403 {
		t.Fatalf("other org's event: %d", r.status)
	}

	// Invitees of an event, and one invitee (no embedded event).
	r = e.call("GET", invs[1].EventURI+"/invitees", e.user.Token, nil)
	e.want(r, http.StatusOK)
	if c := r.coll(); len(c) != 1 || str(c[0], "uri") != invs[1].URI || str(c[0], "status") != "canceled" || c[0]["scheduled_event"] != nil {
		t.Fatalf("invitees: %s", r.raw)
	}
	if c := e.call("GET", invs[1].EventURI+"/invitees?status=active", e.user.Token, nil).coll(); len(c) != 0 {
		t.Fatalf("active invitees of a canceled event: %v", c)
	}
	r = e.call("GET", invs[0].URI, e.user.Token, nil)
	e.want(r, http.StatusOK)
	if inv := r.res(); str(inv, "event") != invs[0].EventURI || str(inv, "email") != "i@example.com" || inv["first_name"] != nil {
		t.Fatalf("invitee: %s", r.raw)
	}
	if r := e.call("GET", invs[0].EventURI+"/invitees/"+strings.TrimPrefix(invs[1].URI, invs[1].EventURI+"/invitees/"), e.user.Token, nil); r.status != 404 {
		t.Fatalf("invitee of another event: %d", r.status)
	}
	if r := e.call("GET", "/scheduled_events/NOPE", e.user.Token, nil); r.status != 404 {
		t.Fatalf("unknown event: %d", r.status)
	}
	if n := e.sim.Calls("GET /scheduled_events/{uuid}"); n != 3 {
		t.Fatalf("Calls(GET /scheduled_events/{uuid}) = %d", n)
	}
}

func TestRateLimit(t *testing.T) {
	e := newEnv(t, Config{RateLimit: 3})
	for i := range 3 {
		r := e.call("GET", "/users/me", e.user.Token, nil)
		e.want(r, http.StatusOK)
		if got := r.header.Get("X-RateLimit-Remaining"); got != string(rune('2'-i)) {
			t.Fatalf("call %d: remaining %q", i, got)
		}
	}
	e.clock.Advance(20 * time.Second)
	r := e.call("GET", "/users/me", e.user.Token, nil)
	if r.status != 429 || r.str("title") != "Too Many Requests" || r.header.Get("X-RateLimit-Limit") != "3" ||
		r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("X-RateLimit-Reset") != "40" {
		t.Fatalf("4th call: %d %v %s", r.status, r.header, r.raw)
	}
	// Another user has a budget of their own.
	other := e.sim.AddUser("Other", "o@example.com", "")
	e.want(e.call("GET", "/users/me", other.Token, nil), http.StatusOK)
	e.clock.Advance(40 * time.Second)
	if r := e.call("GET", "/users/me", e.user.Token, nil); r.status != 200 || r.header.Get("X-RateLimit-Remaining") != "2" {
		t.Fatalf("next minute: %d %v", r.status, r.header)
	}
}

func TestFailAPI(t *testing.T) {
	e := newEnv(t, Config{})
	e.sim.FailAPI(1, 429)
	r := e.call("GET", "/users/me", e.user.Token, nil)
	if r.status != 429 || r.str("title") != "Too Many Requests" || r.header.Get("X-RateLimit-Remaining") != "0" || r.header.Get("X-RateLimit-Reset") == "" {
		t.Fatalf("429 fault: %d %v %s", r.status, r.header, r.raw)
	}
	e.sim.FailAPI(2, 503)
	for range 2 {
		if r := e.call("GET", "/users/me", e.user.Token, nil); r.status != 503 || r.str("title") == "" || r.str("message") == "" {
			t.Fatalf("503 fault: %d %s", r.status, r.raw)
		}
	}
	e.want(e.call("GET", "/users/me", e.user.Token, nil), http.StatusOK)
	if n := e.sim.Calls("GET /users/me"); n != 4 {
		t.Fatalf("Calls = %d", n)
	}
}

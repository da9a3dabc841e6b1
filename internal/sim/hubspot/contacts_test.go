package hubspot

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDuplicateEmailConflict(t *testing.T) {
	e := newEnv(t, Config{})
	r := e.call("POST", "/crm/v3/objects/contacts", testToken, map[string]any{"properties": map[string]string{"email": "ana@example.com", "firstname": "Ana"}})
	e.want(r, 201)
	id := r.str("id")
	if p := props(r.body); p["hs_object_id"] != id || p["createdate"] == nil {
		t.Fatalf("create answer: %s", r.raw)
	}
	r = e.call("POST", "/crm/v3/objects/contacts", testToken, map[string]any{"properties": map[string]string{"email": "ANA@example.com"}})
	e.want(r, 409)
	if r.str("category") != "CONFLICT" || r.str("message") != "Contact already exists. Existing ID: "+id {
		t.Fatalf("409 body: %s", r.raw)
	}
	// Unknown properties and bad options are refused, as HubSpot does.
	r = e.call("POST", "/crm/v3/objects/contacts", testToken, map[string]any{"properties": map[string]string{"nope": "x", "lifecyclestage": "Lead"}})
	e.want(r, 400)
	if !strings.Contains(r.str("message"), "PROPERTY_DOESNT_EXIST") || !strings.Contains(r.str("message"), "INVALID_OPTION") {
		t.Fatalf("validation: %s", r.raw)
	}
}

func TestUniquePropertyAndUpsert(t *testing.T) {
	e := newEnv(t, Config{})
	def := map[string]any{"name": "wa_phone", "label": "WA", "type": "string", "fieldType": "text", "groupName": "contactinformation", "hasUniqueValue": true}
	e.want(e.call("POST", "/crm/v3/properties/contacts", testToken, def), 201)
	e.want(e.call("POST", "/crm/v3/properties/contacts", testToken, def), 409)
	if r := e.call("GET", "/crm/v3/properties/contacts/wa_phone", testToken, nil); r.body["hasUniqueValue"] != true {
		t.Fatalf("property: %s", r.raw)
	}
	r := e.call("POST", "/crm/v3/objects/contacts", testToken, map[string]any{"properties": map[string]string{"wa_phone": "+15550001"}})
	e.want(r, 201)
	first := r.str("id")
	r = e.call("POST", "/crm/v3/objects/contacts", testToken, map[string]any{"properties": map[string]string{"wa_phone": "+15550001"}})
	if r.status != 409 || !strings.HasSuffix(r.str("message"), "Existing ID: "+first) {
		t.Fatalf("unique 409: %d %s", r.status, r.raw)
	}

	// Upsert only by a unique property.
	r = e.call("POST", "/crm/v3/objects/contacts/batch/upsert", testToken, map[string]any{"inputs": []any{
		map[string]any{"id": "+15550001", "idProperty": "phone", "properties": map[string]string{}}}})
	if r.status != 400 || !strings.Contains(r.str("message"), "non-unique 0-1 property phone") {
		t.Fatalf("upsert by phone: %d %s", r.status, r.raw)
	}

	// Twenty concurrent upserts of one new value create one contact.
	var wg sync.WaitGroup
	var mu sync.Mutex
	created := 0
	ids := map[string]bool{}
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := e.call("POST", "/crm/v3/objects/contacts/batch/upsert", testToken, map[string]any{"inputs": []any{
				map[string]any{"id": "+15550002", "idProperty": "wa_phone", "properties": map[string]string{"firstname": fmt.Sprint("n", i)}}}})
			if r.status != 200 {
				t.Errorf("upsert: %d %s", r.status, r.raw)
				return
			}
			res := results(r)[0]
			mu.Lock()
			defer mu.Unlock()
			ids[res["id"].(string)] = true
			if res["new"] == true {
				created++
			}
		}()
	}
	wg.Wait()
	n := 0
	for _, c := range e.sim.Contacts() {
		if c.Properties["wa_phone"] == "+15550002" {
			n++
		}
	}
	if n != 1 || created != 1 || len(ids) != 1 {
		t.Fatalf("contacts %d, new:true %d, ids %v", n, created, ids)
	}

	// Duplicate ids in one batch and oversize batches are refused whole.
	in := map[string]any{"id": "+1", "idProperty": "wa_phone", "properties": map[string]string{}}
	if r := e.call("POST", "/crm/v3/objects/contacts/batch/upsert", testToken, map[string]any{"inputs": []any{in, in}}); r.status != 400 {
		t.Fatalf("duplicate ids: %d", r.status)
	}
	var many []any
	for i := range 101 {
		many = append(many, map[string]any{"properties": map[string]string{"firstname": fmt.Sprint(i)}})
	}
	if r := e.call("POST", "/crm/v3/objects/contacts/batch/create", testToken, map[string]any{"inputs": many}); r.status != 400 {
		t.Fatalf("101 inputs: %d", r.status)
	}
}

func TestSearchLag(t *testing.T) {
	e := newEnv(t, Config{SearchLag: 2 * time.Second})
	id := e.sim.CreateContact(map[string]string{"phone": "+5511999990000", "firstname": "Ana"})
	if r := e.search("phone", "+5511999990000"); total(r) != 0 {
		t.Fatalf("visible at once: %s", r.raw)
	}
	e.clock.Advance(1999 * time.Millisecond)
	if total(e.search("phone", "+5511999990000")) != 0 {
		t.Fatal("visible before the lag")
	}
	e.clock.Advance(time.Millisecond)
	r := e.search("phone", "+5511999990000")
	if total(r) != 1 || results(r)[0]["id"] != id {
		t.Fatalf("after the lag: %s", r.raw)
	}
	// EQ is exact on the stored string.
	if total(e.search("phone", "5511999990000")) != 0 {
		t.Fatal("EQ matched other digits formatting")
	}
	// An update shows the old state until its own lag has passed.
	e.want(e.call("PATCH", "/crm/v3/objects/contacts/"+id, testToken, map[string]any{"properties": map[string]string{"phone": "+5511888880000"}}), 200)
	if total(e.search("phone", "+5511999990000")) != 1 || total(e.search("phone", "+5511888880000")) != 0 {
		t.Fatal("search saw the update at once")
	}
	e.clock.Advance(2 * time.Second)
	if total(e.search("phone", "+5511888880000")) != 1 {
		t.Fatal("search never saw the update")
	}
	// GET is not lagged.
	r = e.call("GET", "/crm/v3/objects/contacts/"+id+"?properties=phone,nonexistent,email", testToken, nil)
	if p := props(r.body); p["phone"] != "+5511888880000" || p["email"] != nil {
		t.Fatalf("get: %s", r.raw)
	}
	if _, ok := props(r.body)["nonexistent"]; ok {
		t.Fatal("unknown property answered")
	}
}

func TestSearchFilters(t *testing.T) {
	e := newEnv(t, Config{SearchLag: -1})
	a := e.sim.CreateContact(map[string]string{"firstname": "Ana", "email": "ana@example.com", "lifecyclestage": "lead"})
	e.sim.CreateContact(map[string]string{"firstname": "Bruno", "phone": "+55 11 99999-0000"})
	q := func(filters ...map[string]any) int {
		var groups []any
		for _, f := range filters {
			groups = append(groups, map[string]any{"filters": []any{f}})
		}
		r := e.call("POST", "/crm/v3/objects/contacts/search", testToken, map[string]any{"filterGroups": groups})
		e.want(r, 200)
		if r.header.Get("X-HubSpot-RateLimit-Remaining") != "" {
			t.Fatal("search answered rate headers")
		}
		e.clock.Advance(time.Second)
		return total(r)
	}
	if n := q(map[string]any{"propertyName": "email", "operator": "HAS_PROPERTY"}); n != 1 {
		t.Fatalf("HAS_PROPERTY %d", n)
	}
	if n := q(map[string]any{"propertyName": "phone", "operator": "CONTAINS_TOKEN", "value": "99999"}); n != 1 {
		t.Fatalf("CONTAINS_TOKEN %d", n)
	}
	if n := q(map[string]any{"propertyName": "firstname", "operator": "IN", "values": []string{"ana", "carla"}}); n != 1 {
		t.Fatalf("IN %d", n)
	}
	if n := q(map[string]any{"propertyName": "firstname", "operator": "NEQ", "value": "ana"},
		map[string]any{"propertyName": "hs_object_id", "operator": "EQ", "value": a}); n != 2 {
		t.Fatalf("OR of groups %d", n)
	}
	r := e.call("POST", "/crm/v3/objects/contacts/search", testToken, map[string]any{"limit": 201})
	e.want(r, 400)
}

func TestBurstLimit(t *testing.T) {
	e := newEnv(t, Config{BurstLimit: 10})
	for i := range 10 {
		r := e.call("GET", "/account-info/v3/details", testToken, nil)
		e.want(r, 200)
		if got := r.header.Get("X-HubSpot-RateLimit-Remaining"); got != fmt.Sprint(9-i) {
			t.Fatalf("call %d: remaining %q", i, got)
		}
		if r.header.Get("X-HubSpot-RateLimit-Max") != "10" || r.header.Get("X-HubSpot-RateLimit-Interval-Milliseconds") != "10000" {
			t.Fatalf("headers: %v", r.header)
		}
	}
	// Search has its own limit.
	e.want(e.search("email", "x@example.com"), 200)
	r := e.call("GET", "/account-info/v3/details", testToken, nil)
	e.want(r, 429)
	for k, v := range map[string]string{"status": "error", "errorType": "RATE_LIMIT", "policyName": "TEN_SECONDLY_ROLLING",
		"message": "You have reached your ten_secondly_rolling limit."} {
		if r.str(k) != v {
			t.Fatalf("429 %s = %q: %s", k, r.str(k), r.raw)
		}
	}
	if r.str("correlationId") == "" || r.str("requestId") == "" {
		t.Fatalf("429 without ids: %s", r.raw)
	}
	e.clock.Advance(10 * time.Second)
	e.want(e.call("GET", "/account-info/v3/details", testToken, nil), 200)
	if st := e.sim.Stats(); st.RateLimited != 1 {
		t.Fatalf("stats %+v", st)
	}
}

func TestDailyLimit(t *testing.T) {
	e := newEnv(t, Config{DailyLimit: 3})
	for range 3 {
		e.want(e.call("GET", "/account-info/v3/details", testToken, nil), 200)
	}
	r := e.call("GET", "/account-info/v3/details", testToken, nil)
	if r.status != 429 || r.str("policyName") != "DAILY" || r.header.Get("X-HubSpot-RateLimit-Daily-Remaining") != "0" {
		t.Fatalf("daily: %d %v %s", r.status, r.header, r.raw)
	}
	e.clock.Advance(24 * time.Hour)
	e.want(e.call("GET", "/account-info/v3/details", testToken, nil), 200)
}

func TestSearchRate(t *testing.T) {
	e := newEnv(t, Config{})
	for range 5 {
		e.want(e.search("email", "x@example.com"), 200)
	}
	r := e.search("email", "x@example.com")
	if r.status != 429 || r.str("errorType") != "RATE_LIMIT" || r.header.Get("X-HubSpot-RateLimit-Remaining") != "" {
		t.Fatalf("6th search: %d %v %s", r.status, r.header, r.raw)
	}
	e.clock.Advance(time.Second)
	e.want(e.search("email", "x@example.com"), 200)
	if st := e.sim.Stats(); st.SearchCalls != 7 || st.RateLimited != 1 {
		t.Fatalf("stats %+v", st)
	}
}

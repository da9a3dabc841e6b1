package hubspot

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	hsclient "github.com/gohavi/gohavi/internal/crm/hubspot"
)

func TestDealPipelinesAssociations(t *testing.T) {
	e := newEnv(t, Config{})
	c1 := e.sim.CreateContact(map[string]string{"firstname": "Ana"})
	c2 := e.sim.CreateContact(map[string]string{"firstname": "Bia"})
	d := e.sim.CreateDeal("Ana – plan X", "", "qualifiedtobuy", map[string]string{"amount": "100"}, c1, c2)

	r := e.call("GET", "/crm/v3/objects/deals/"+d+"?properties=dealname,dealstage,pipeline,amount&associations=contacts", testToken, nil)
	e.want(r, 200)
	p := props(r.body)
	if p["dealstage"] != "qualifiedtobuy" || p["pipeline"] != "default" || p["amount"] != "100" {
		t.Fatalf("deal: %s", r.raw)
	}
	var got struct {
		Associations map[string]struct {
			Results []struct{ ID, Type string }
		}
	}
	_ = json.Unmarshal(r.raw, &got)
	a := got.Associations["contacts"].Results
	if len(a) != 2 || a[0].ID != c1 || a[1].ID != c2 || a[0].Type != "deal_to_contact" {
		t.Fatalf("associations: %s", r.raw)
	}

	r = e.call("GET", "/crm/v4/objects/contacts/"+c1+"/associations/deals", testToken, nil)
	if res := results(r); len(res) != 1 || fmt.Sprint(res[0]["toObjectId"]) != d || !strings.Contains(string(r.raw), `"typeId":4`) {
		t.Fatalf("v4 list: %s", r.raw)
	}

	r = e.call("GET", "/crm/v3/pipelines/deals", testToken, nil)
	var pl struct {
		Results []struct {
			ID     string
			Stages []struct{ ID, Label string }
		}
	}
	_ = json.Unmarshal(r.raw, &pl)
	if len(pl.Results) != 2 || pl.Results[0].ID != "default" || len(pl.Results[0].Stages) != 7 ||
		pl.Results[0].Stages[6].ID != "closedlost" || pl.Results[1].ID != "12345678" || pl.Results[1].Stages[0].ID != "12345679" {
		t.Fatalf("pipelines: %s", r.raw)
	}
	if err := e.sim.MoveDeal(d, "12345679", Delivery{}); err == nil {
		t.Fatal("moved to a stage of another pipeline")
	}
}

func TestCommunicationsAndNotes(t *testing.T) {
	e := newEnv(t, Config{})
	c := e.sim.CreateContact(map[string]string{"firstname": "Ana"})
	assoc := func(to string, typeID int) []any {
		return []any{map[string]any{"to": map[string]string{"id": to},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": typeID}}}}
	}
	comm := func(p map[string]string, to string) resp {
		return e.call("POST", "/crm/v3/objects/communications", testToken, map[string]any{"properties": p, "associations": assoc(to, 81)})
	}
	ok := map[string]string{"hs_communication_channel_type": "WHATS_APP", "hs_communication_logged_from": "CRM",
		"hs_communication_body": "Inbound: hi", "hs_timestamp": "1767607200000"}
	for _, bad := range []map[string]string{
		{"hs_communication_channel_type": "TELEGRAM"},
		{"hs_communication_logged_from": "API"},
		{"hs_timestamp": ""},
	} {
		p := map[string]string{}
		for k, v := range ok {
			p[k] = v
		}
		for k, v := range bad {
			p[k] = v
		}
		if r := comm(p, c); r.status != 400 || r.str("category") != "VALIDATION_ERROR" {
			t.Fatalf("%v: %d %s", bad, r.status, r.raw)
		}
	}
	if r := comm(ok, "999999"); r.status != 400 {
		t.Fatalf("association to a missing contact: %d %s", r.status, r.raw)
	}
	e.want(comm(ok, c), 201)
	early := map[string]string{"hs_timestamp": "2026-01-05T09:00:00.000Z", "hs_note_body": "<p>note</p>"}
	e.want(e.call("POST", "/crm/v3/objects/notes", testToken, map[string]any{"properties": early, "associations": assoc(c, 202)}), 201)
	long := map[string]string{"hs_timestamp": "1", "hs_note_body": strings.Repeat("x", 65537)}
	e.want(e.call("POST", "/crm/v3/objects/notes", testToken, map[string]any{"properties": long}), 400)

	tl := e.sim.Timeline(c)
	if len(tl) != 2 || tl[0].Type != "note" || tl[1].Type != "communication" || tl[1].Properties["hs_communication_body"] != "Inbound: hi" {
		t.Fatalf("timeline: %+v", tl)
	}

	// Upsert by a unique communications property, then associate (v4).
	e.want(e.call("POST", "/crm/v3/properties/communications", testToken, map[string]any{"name": "gohavi_key", "label": "k",
		"type": "string", "fieldType": "text", "groupName": "communicationinformation", "hasUniqueValue": true}), 201)
	up := func() resp {
		p := map[string]string{"gohavi_key": "k1"}
		for k, v := range ok {
			p[k] = v
		}
		return e.call("POST", "/crm/v3/objects/communications/batch/upsert", testToken, map[string]any{"inputs": []any{
			map[string]any{"id": "k1", "idProperty": "gohavi_key", "properties": p},
			map[string]any{"id": "k2", "idProperty": "gohavi_key", "objectWriteTraceId": "t2", "properties": map[string]string{"hs_timestamp": "1"}},
		}})
	}
	r := up()
	e.want(r, 207)
	if res := results(r); len(res) != 1 || res[0]["new"] != true || !strings.Contains(string(r.raw), `"objectWriteTraceId":["t2"]`) {
		t.Fatalf("upsert 207: %s", r.raw)
	}
	id := results(r)[0]["id"].(string)
	if r := up(); results(r)[0]["new"] != false || results(r)[0]["id"] != id {
		t.Fatalf("second upsert: %s", r.raw)
	}
	r = e.call("POST", "/crm/v4/associations/communications/contacts/batch/create", testToken, map[string]any{"inputs": []any{
		map[string]any{"from": map[string]string{"id": id}, "to": map[string]string{"id": c},
			"types": []any{map[string]any{"associationCategory": "HUBSPOT_DEFINED", "associationTypeId": 81}}}}})
	e.want(r, 201)
	if len(e.sim.Timeline(c)) != 3 {
		t.Fatalf("timeline after upsert: %+v", e.sim.Timeline(c))
	}
}

// hook is a webhook receiver that answers with statuses in turn (200 once
// they run out) and records what it got.
type hook struct {
	srv      *httptest.Server
	mu       sync.Mutex
	statuses []int
	posts    []post
}

type post struct {
	header http.Header
	body   []byte
	uri    string
}

func newHook(t *testing.T, statuses ...int) *hook {
	h := &hook{statuses: statuses}
	h.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		h.mu.Lock()
		h.posts = append(h.posts, post{r.Header.Clone(), b, "http://" + r.Host + r.URL.RequestURI()})
		st := 200
		if len(h.statuses) > 0 {
			st, h.statuses = h.statuses[0], h.statuses[1:]
		}
		h.mu.Unlock()
		w.WriteHeader(st)
	}))
	t.Cleanup(h.srv.Close)
	return h
}

func (h *hook) got() []post {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]post(nil), h.posts...)
}

func TestWebhookOnMoveDeal(t *testing.T) {
	h := newHook(t, 500)
	e := newEnv(t, Config{ClientSecret: "shh", RetryDelays: []time.Duration{20 * time.Millisecond}})
	e.sim.SetWebhookURL(h.srv.URL + "/hubspot/webhook?x=1")
	d := e.sim.CreateDeal("D", "default", "appointmentscheduled", nil)
	if err := e.sim.MoveDeal(d, "qualifiedtobuy", Delivery{}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a retried delivery", func() bool { return len(h.got()) == 2 })
	for i, p := range h.got() {
		err := hsclient.VerifyV3("shh", "POST", p.uri, p.body, p.header.Get("X-HubSpot-Signature-v3"),
			p.header.Get("X-HubSpot-Request-Timestamp"), e.clock.Now())
		if err != nil {
			t.Fatalf("post %d: v3 signature: %v", i, err)
		}
		if err := hsclient.VerifyV1("shh", p.body, p.header.Get("X-HubSpot-Signature")); err != nil || p.header.Get("X-HubSpot-Signature-Version") != "v1" {
			t.Fatalf("post %d: v1 signature: %v", i, err)
		}
		evs, err := hsclient.ParseEvents(p.body)
		if err != nil || len(evs) != 1 {
			t.Fatalf("post %d: %v %s", i, err, p.body)
		}
		ev := evs[0]
		if ev.AttemptNumber != i || ev.SubscriptionType != "deal.propertyChange" || ev.PropertyName != "dealstage" ||
			ev.PropertyValue != "qualifiedtobuy" || fmt.Sprint(ev.ObjectID) != d || ev.PortalID != DefaultPortalID ||
			ev.AppID != DefaultAppID || ev.ChangeSource != "CRM" || ev.OccurredAt != e.clock.Now().UnixMilli() {
			t.Fatalf("post %d: event %+v", i, ev)
		}
	}
	if st := e.sim.Stats(); st.WebhooksFailed != 1 || st.WebhooksDelivered != 1 {
		t.Fatalf("stats %+v", st)
	}

	// Copies arrive as separate POSTs with the same event.
	if err := e.sim.MoveDeal(d, "closedwon", Delivery{Copies: 2}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "two copies", func() bool { return len(h.got()) == 4 })
	a, _ := hsclient.ParseEvents(h.got()[2].body)
	b, _ := hsclient.ParseEvents(h.got()[3].body)
	if len(a) != 1 || len(b) != 1 || a[0] != b[0] || a[0].PropertyValue != "closedwon" {
		t.Fatalf("copies: %+v %+v", a, b)
	}
	r := e.call("GET", "/crm/v3/objects/deals/"+d+"?properties=dealstage", testToken, nil)
	if props(r.body)["dealstage"] != "closedwon" {
		t.Fatalf("deal not moved: %s", r.raw)
	}
}

func TestWebhookHeldUntilURL(t *testing.T) {
	h := newHook(t)
	e := newEnv(t, Config{})
	d := e.sim.CreateDeal("D", "", "", nil)
	if err := e.sim.MoveDeal(d, "closedlost", Delivery{}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	e.want(e.call("POST", "/_sim/webhook", "", map[string]string{"url": h.srv.URL}), 200)
	waitFor(t, "the held event", func() bool { return len(h.got()) == 1 })
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, Config{SearchLag: -1})
	e.want(e.call("POST", "/_sim/private-apps", "", map[string]string{"token": "pat-na1-x"}), 200)
	e.want(e.call("GET", "/account-info/v3/details", "pat-na1-x", nil), 200)
	r := e.call("POST", "/_sim/contacts", "", map[string]any{"properties": map[string]string{"phone": "+1555"}})
	c := r.str("id")
	r = e.call("POST", "/_sim/deals", "", map[string]any{"name": "D", "pipeline": "12345678", "stage": "12345680", "contact_ids": []string{c}})
	e.want(r, 200)
	d := r.str("id")
	e.want(e.call("POST", "/_sim/deals/"+d+"/stage", "", map[string]any{"stage": "12345681"}), 200)
	e.want(e.call("POST", "/_sim/deals/999/stage", "", map[string]any{"stage": "12345681"}), 404)
	e.want(e.call("POST", "/_sim/faults", "", map[string]any{"status": 502, "retry_after_ms": 3000}), 200)
	if r := e.call("GET", "/account-info/v3/details", testToken, nil); r.status != 502 || r.header.Get("Retry-After") != "3" {
		t.Fatalf("fault: %d %v", r.status, r.header)
	}
	e.want(e.call("POST", "/_sim/faults", "", map[string]any{}), 200)
	e.want(e.call("POST", "/_sim/search-lag", "", map[string]any{"ms": 0}), 200)
	e.want(e.call("POST", "/_sim/expire-tokens", "", nil), 200)
	var list []Object
	_ = json.Unmarshal(e.call("GET", "/_sim/contacts", "", nil).raw, &list)
	if len(list) != 1 || list[0].ID != c {
		t.Fatalf("contacts: %+v", list)
	}
	if r := e.call("GET", "/_sim/timeline?contact_id="+c, "", nil); string(r.raw) != "[]\n" {
		t.Fatalf("timeline: %s", r.raw)
	}
	var st Stats
	_ = json.Unmarshal(e.call("GET", "/_sim/stats", "", nil).raw, &st)
	if st.APICalls != 2 || st.Faulted != 1 {
		t.Fatalf("stats: %+v", st)
	}
}

package zoho

import (
	"fmt"
	"sync"
	"testing"
)

func TestInsertWithoutLastNameIsRefusedPerItem(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	a := e.call(tok, "POST", "/crm/v7/Contacts", data(map[string]any{"First_Name": "Ana", "Phone": "+5511999990000"}))
	it := a.item(0)
	if a.status != 400 || it["code"] != "MANDATORY_NOT_FOUND" || it["status"] != "error" || a.details(0)["api_name"] != "Last_Name" ||
		a.details(0)["json_path"] != "$.data[0].Last_Name" {
		t.Fatalf("got %d %s", a.status, a.raw)
	}
	// A mixed batch: one added, one refused; the status says neither
	// "all good" nor "all bad", so clients must read every item.
	a = e.call(tok, "POST", "/crm/v7/Leads", data(map[string]any{"Last_Name": "Silva"}, map[string]any{"First_Name": "X"}))
	if a.status != 207 || a.item(0)["code"] != "SUCCESS" || a.item(0)["message"] != "record added" || a.item(1)["code"] != "MANDATORY_NOT_FOUND" {
		t.Fatalf("mixed: %d %s", a.status, a.raw)
	}
	id := a.details(0)["id"].(string)
	for _, k := range []string{"Created_Time", "Modified_Time", "Created_By", "Modified_By"} {
		if a.details(0)[k] == nil {
			t.Errorf("details lack %s: %s", k, a.raw)
		}
	}
	g := e.call(tok, "GET", "/crm/v7/Leads/"+id, nil)
	if g.status != 200 || g.item(0)["Last_Name"] != "Silva" || g.item(0)["id"] != id || g.item(0)["Full_Name"] != "Silva" {
		t.Fatalf("get: %d %s", g.status, g.raw)
	}
	if g := e.call(tok, "GET", "/crm/v7/Leads/5725767000099999999", nil); g.status != 204 || len(g.raw) != 0 {
		t.Fatalf("unknown id: %d %q", g.status, g.raw)
	}
	if g := e.call(tok, "GET", "/crm/v7/Widgets/1", nil); g.status != 400 || g.body["code"] != "INVALID_MODULE" {
		t.Fatalf("unknown module: %d %s", g.status, g.raw)
	}
	// Blanking a mandatory field on update is refused too.
	u := e.call(tok, "PUT", "/crm/v7/Leads/"+id, data(map[string]any{"Last_Name": ""}))
	if u.status != 400 || u.item(0)["code"] != "MANDATORY_NOT_FOUND" {
		t.Fatalf("blank on update: %d %s", u.status, u.raw)
	}
	u = e.call(tok, "PUT", "/crm/v7/Leads", data(map[string]any{"id": id, "First_Name": "Ana"}, map[string]any{"id": "5725767000099999999", "First_Name": "B"}))
	if u.status != 207 || u.item(0)["message"] != "record updated" || u.item(1)["code"] != "INVALID_DATA" || u.details(1)["api_name"] != "id" {
		t.Fatalf("update: %d %s", u.status, u.raw)
	}
}

func TestUniqueWhatsAppNumberGivesDuplicateData(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	first := e.call(tok, "POST", "/crm/v7/Contacts", data(map[string]any{"Last_Name": "A", "WhatsApp_Number": "+15550001"}))
	if first.status != 201 {
		t.Fatalf("first: %d %s", first.status, first.raw)
	}
	a := e.call(tok, "POST", "/crm/v7/Contacts", data(map[string]any{"Last_Name": "B", "WhatsApp_Number": "+15550001"}))
	d := a.details(0)
	dup, _ := d["duplicate_record"].(map[string]any)
	if a.status != 400 || a.item(0)["code"] != "DUPLICATE_DATA" || d["api_name"] != "WhatsApp_Number" || dup["id"] != first.details(0)["id"] {
		t.Fatalf("duplicate: %d %s", a.status, a.raw)
	}
	// Leads keep their own unique index.
	if a := e.call(tok, "POST", "/crm/v7/Leads", data(map[string]any{"Last_Name": "B", "WhatsApp_Number": "+15550001"})); a.status != 201 {
		t.Fatalf("lead with the same number: %d %s", a.status, a.raw)
	}
	fields := e.call(tok, "GET", "/crm/v7/settings/fields?module=Contacts", nil)
	found := false
	for _, f := range fields.body["fields"].([]any) {
		fm := f.(map[string]any)
		if fm["api_name"] == "WhatsApp_Number" {
			found = len(fm["unique"].(map[string]any)) > 0
		}
	}
	if !found {
		t.Fatalf("WhatsApp_Number not unique in metadata: %s", fields.raw)
	}
}

func TestConcurrentUpsertsOfOneNumberMakeOneRecord(t *testing.T) {
	e := newEnv(t, Config{Concurrency: 25})
	tok := e.token()
	var wg sync.WaitGroup
	actions := make(chan string, 20)
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := e.call(tok, "POST", "/crm/v7/Contacts/upsert", map[string]any{
				"data":                   []any{map[string]any{"Last_Name": fmt.Sprint("N", i), "WhatsApp_Number": "+5511999990000"}},
				"duplicate_check_fields": []string{"WhatsApp_Number"}, "trigger": []string{"workflow"},
			})
			if a.status != 200 || a.item(0)["status"] != "success" {
				t.Errorf("upsert: %d %s", a.status, a.raw)
				return
			}
			actions <- a.item(0)["action"].(string)
		}()
	}
	wg.Wait()
	close(actions)
	n := map[string]int{}
	for a := range actions {
		n[a]++
	}
	if got := len(e.sim.Records("Contacts")); got != 1 || n["insert"] != 1 || n["update"] != 19 {
		t.Fatalf("records %d, actions %v", got, n)
	}
	a := e.call(tok, "POST", "/crm/v7/Contacts/upsert", map[string]any{
		"data": []any{map[string]any{"Last_Name": "Z", "WhatsApp_Number": "+5511999990000"}}, "duplicate_check_fields": []string{"WhatsApp_Number"}})
	if a.item(0)["duplicate_field"] != "WhatsApp_Number" || a.item(0)["action"] != "update" {
		t.Fatalf("update answer: %s", a.raw)
	}
	a = e.call(tok, "POST", "/crm/v7/Contacts/upsert", map[string]any{
		"data": []any{map[string]any{"Last_Name": "Z", "Phone": "+1"}}, "duplicate_check_fields": []string{"Phone"}})
	if a.status != 400 || a.body["code"] != "INVALID_DATA" {
		t.Fatalf("Phone is not a duplicate-check field here: %d %s", a.status, a.raw)
	}
}

func TestDealsStagesAndLookups(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	cid := e.sim.CreateRecord("Contacts", map[string]any{"First_Name": "Ana", "Last_Name": "Silva"})
	a := e.call(tok, "POST", "/crm/v7/Deals", data(map[string]any{"Deal_Name": "Plan X", "Stage": "Qualification", "Amount": 1200,
		"Contact_Name": map[string]any{"id": cid}}))
	if a.status != 201 {
		t.Fatalf("deal: %d %s", a.status, a.raw)
	}
	g := e.call(tok, "GET", "/crm/v7/Deals/"+a.details(0)["id"].(string), nil)
	cn := g.item(0)["Contact_Name"].(map[string]any)
	if cn["id"] != cid || cn["name"] != "Ana Silva" || g.item(0)["Pipeline"] != "Standard (Standard)" || g.item(0)["Amount"] != float64(1200) {
		t.Fatalf("deal: %s", g.raw)
	}
	a = e.call(tok, "POST", "/crm/v7/Deals", data(map[string]any{"Deal_Name": "Y", "Stage": "Qualified"}))
	if a.item(0)["code"] != "INVALID_DATA" || a.details(0)["api_name"] != "Stage" {
		t.Fatalf("unknown stage: %s", a.raw)
	}
	a = e.call(tok, "POST", "/crm/v7/Deals", data(map[string]any{"Deal_Name": "Y", "Stage": "Qualification", "Contact_Name": map[string]any{"id": "123"}}))
	if a.item(0)["code"] != "INVALID_DATA" || a.details(0)["api_name"] != "Contact_Name" {
		t.Fatalf("unknown contact: %s", a.raw)
	}
	f := e.call(tok, "GET", "/crm/v7/settings/fields?module=Deals", nil)
	var stages, pipes []any
	for _, x := range f.body["fields"].([]any) {
		fm := x.(map[string]any)
		switch fm["api_name"] {
		case "Stage":
			stages = fm["pick_list_values"].([]any)
		case "Pipeline":
			pipes = fm["pick_list_values"].([]any)
		}
	}
	if len(stages) != 10 || stages[0].(map[string]any)["actual_value"] != "Qualification" || len(pipes) != 1 ||
		pipes[0].(map[string]any)["display_value"] != "Standard (Standard)" {
		t.Fatalf("fields: %v %v", stages, pipes)
	}
	if l := e.call(tok, "GET", "/crm/v7/Deals", nil); l.status != 400 || l.body["code"] != "REQUIRED_PARAM_MISSING" {
		t.Fatalf("list without fields: %d %s", l.status, l.raw)
	}
	if l := e.call(tok, "GET", "/crm/v7/Deals?fields=Stage,Deal_Name", nil); l.status != 200 || len(l.body["data"].([]any)) != 1 {
		t.Fatalf("list: %d %s", l.status, l.raw)
	}
	if o := e.call(tok, "GET", "/crm/v7/org", nil); o.body["org"].([]any)[0].(map[string]any)["id"] != "10000001" {
		t.Fatalf("org: %s", o.raw)
	}
}

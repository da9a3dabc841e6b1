package zoho

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

func TestNotesNestedAndLegacyParent(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	cid := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva"})
	if a := e.call(tok, "GET", "/crm/v7/Contacts/"+cid+"/Notes", nil); a.status != 204 || len(a.raw) != 0 {
		t.Fatalf("no notes: %d %q", a.status, a.raw)
	}
	a := e.call(tok, "POST", "/crm/v7/Notes", data(
		map[string]any{"Note_Title": "nested", "Note_Content": "hi",
			"Parent_Id": map[string]any{"module": map[string]any{"api_name": "Contacts"}, "id": cid}},
		map[string]any{"Note_Title": "legacy", "Note_Content": "hello", "Parent_Id": cid, "se_module": "Contacts"},
		map[string]any{"Note_Title": "orphan", "Note_Content": "x", "Parent_Id": map[string]any{"module": map[string]any{"api_name": "Contacts"}, "id": "42"}},
		map[string]any{"Note_Title": "no module", "Note_Content": "x", "Parent_Id": cid},
		map[string]any{"Note_Title": "no content", "Parent_Id": cid, "se_module": "Contacts"},
	))
	if a.status != 207 || a.item(0)["code"] != "SUCCESS" || a.item(1)["code"] != "SUCCESS" || a.item(2)["code"] != "INVALID_DATA" ||
		a.item(3)["code"] != "MANDATORY_NOT_FOUND" || a.item(4)["code"] != "MANDATORY_NOT_FOUND" {
		t.Fatalf("create: %d %s", a.status, a.raw)
	}
	// The related-list form takes the parent from the path.
	r := e.call(tok, "POST", "/crm/v7/Contacts/"+cid+"/Notes", data(map[string]any{"Note_Title": "related", "Note_Content": "x"}))
	if r.status != 201 {
		t.Fatalf("related create: %d %s", r.status, r.raw)
	}
	notes := e.sim.Notes(cid)
	if len(notes) != 3 || notes[0].Fields["Note_Title"] != "nested" || notes[1].Fields["Note_Title"] != "legacy" || notes[2].Fields["Note_Title"] != "related" {
		t.Fatalf("notes: %+v", notes)
	}
	p := notes[1].Fields["Parent_Id"].(map[string]any)
	if p["id"] != cid || p["module"].(map[string]any)["api_name"] != "Contacts" || p["name"] != "Silva" {
		t.Fatalf("legacy parent stored as %v", p)
	}
	g := e.call(tok, "GET", "/crm/v7/Contacts/"+cid+"/Notes?fields=Note_Title", nil)
	if g.status != 200 || len(g.body["data"].([]any)) != 3 || g.item(2)["Note_Title"] != "related" || g.item(2)["Note_Content"] != nil {
		t.Fatalf("list: %d %s", g.status, g.raw)
	}
	// The record page a RecordURL opens on the simulator shows the notes.
	resp, err := http.Get(e.srv.URL + "/crm/tab/Contacts/" + cid)
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !strings.Contains(string(page), "legacy") || !strings.Contains(string(page), "Silva") {
		t.Fatalf("record page: %d %s", resp.StatusCode, page)
	}
	u := e.call(tok, "PUT", "/crm/v7/Notes", data(map[string]any{"id": notes[0].ID, "Note_Content": "edited"}))
	if u.status != 200 || u.item(0)["message"] != "record updated" || e.sim.Notes(cid)[0].Fields["Note_Content"] != "edited" {
		t.Fatalf("update: %d %s", u.status, u.raw)
	}
}

package zoho

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/crm"
	zohosim "github.com/gohavi/gohavi/internal/sim/zoho"
)

func TestLogWritesInOrderInFewCalls(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	cid := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva"})
	lid := e.sim.CreateRecord("Leads", map[string]any{"Last_Name": "Lead"})
	var entries []crm.Activity
	for i := range 150 {
		a := crm.Activity{Key: fmt.Sprintf("gohavi-msg-%d", i), ContactID: cid, Direction: "inbound",
			Title: "WhatsApp · inbound", Body: fmt.Sprintf("message %d", i)}
		if i == 149 {
			a.ContactID, a.Module = lid, "Leads"
		}
		entries = append(entries, a)
	}
	before := e.sim.Stats().Calls
	ids, err := c.Log(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	if calls := e.sim.Stats().Calls - before; calls != 2 {
		t.Fatalf("150 entries took %d calls", calls)
	}
	notes := e.sim.Notes(cid)
	if len(notes) != 149 || len(e.sim.Notes(lid)) != 1 {
		t.Fatalf("notes: %d on the contact, %d on the lead", len(notes), len(e.sim.Notes(lid)))
	}
	for i, n := range notes {
		if n.ID != ids[i] || n.Fields["Note_Title"] != fmt.Sprintf("WhatsApp · inbound [gohavi-msg-%d]", i) || n.Fields["Note_Content"] != fmt.Sprintf("message %d", i) {
			t.Fatalf("note %d: %+v (id %s)", i, n.Fields, ids[i])
		}
	}
	if ids[149] != e.sim.Notes(lid)[0].ID {
		t.Fatal("lead note id out of place")
	}

	// A final status updates the entry in place.
	upd := entries[3]
	upd.ID, upd.Body = ids[3], "message 3 · read"
	got, err := c.Log(ctx, []crm.Activity{upd})
	if err != nil || got[0] != ids[3] || e.sim.Notes(cid)[3].Fields["Note_Content"] != "message 3 · read" || len(e.sim.Notes(cid)) != 149 {
		t.Fatalf("update: %v %v", got, err)
	}
}

func TestUncertainEntriesAreNotWrittenTwice(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	cid := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva"})
	a := crm.Activity{Key: "gohavi-msg-1", ContactID: cid, Title: "WhatsApp · outbound", Body: "hi", Uncertain: true}
	b := crm.Activity{Key: "gohavi-msg-10", ContactID: cid, Title: "WhatsApp · outbound", Uncertain: true}
	first, err := c.Log(ctx, []crm.Activity{a, b})
	if err != nil {
		t.Fatal(err)
	}
	// The retry after a crash: both are found, nothing is written.
	second, err := c.Log(ctx, []crm.Activity{b, a})
	if err != nil {
		t.Fatal(err)
	}
	notes := e.sim.Notes(cid)
	if len(notes) != 2 || second[0] != first[1] || second[1] != first[0] {
		t.Fatalf("notes %d, ids %v then %v", len(notes), first, second)
	}
	if notes[1].Fields["Note_Content"] != "WhatsApp · outbound" {
		t.Fatalf("empty body: content %v", notes[1].Fields["Note_Content"])
	}
	// One key twice in a call is one note too.
	dup, err := c.Log(ctx, []crm.Activity{{Key: "k2", ContactID: cid, Title: "t", Body: "x"}, {Key: "k2", ContactID: cid, Title: "t", Body: "x"}})
	if err != nil || dup[0] == "" || dup[0] != dup[1] || len(e.sim.Notes(cid)) != 3 {
		t.Fatalf("same key twice: %v %v", dup, err)
	}
}

func TestLogPartialFailure(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	cid := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva"})
	ids, err := c.Log(ctx, []crm.Activity{
		{Key: "a", ContactID: cid, Title: "t", Body: "ok"},
		{Key: "b", ContactID: "5725767000099999999", Title: "t", Body: "orphan"},
		{Key: "c", ContactID: cid, Title: "t", Body: "ok"},
	})
	if ids[0] == "" || ids[1] != "" || ids[2] == "" || crm.KindOf(err) != crm.KindInvalid || !strings.Contains(err.Error(), `"b"`) {
		t.Fatalf("ids %v, err %v", ids, err)
	}
	// All failing: still per item, not a failed call.
	ids, err = c.Log(ctx, []crm.Activity{{Key: "d", ContactID: "5725767000099999999", Title: "t", Body: "x"}})
	if len(ids) != 1 || ids[0] != "" || crm.KindOf(err) != crm.KindInvalid {
		t.Fatalf("all failed: %v %v", ids, err)
	}
	// An update of a deleted note is KindNotFound.
	_, err = c.Log(ctx, []crm.Activity{{Key: "e", ContactID: cid, Title: "t", Body: "x", ID: "5725767000099999999"}})
	kindOf(t, err, crm.KindNotFound)
	// A failed call stops the batch.
	e.sim.SetFault(zohosim.Fault{Status: 503})
	ids, err = c.Log(ctx, []crm.Activity{{Key: "f", ContactID: cid, Title: "t", Body: "x"}})
	if ids[0] != "" || crm.KindOf(err) != crm.KindTransient {
		t.Fatalf("call failure: %v %v", ids, err)
	}
}

package zoho

import (
	"bytes"
	"encoding/json"
	"net/http"
	"sync"
	"testing"
	"time"
)

func TestConcurrencyLimitAnswers429(t *testing.T) {
	e := newEnv(t, Config{Concurrency: 2, CallLatency: 300 * time.Millisecond})
	tok := e.token()
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			a := e.call(tok, "GET", "/crm/v7/org", nil)
			mu.Lock()
			codes[a.status]++
			mu.Unlock()
			if a.status == 429 && a.body["code"] != "TOO_MANY_REQUESTS" {
				t.Errorf("429 body: %s", a.raw)
			}
		}()
	}
	wg.Wait()
	st := e.sim.Stats()
	if codes[200] < 2 || codes[429] == 0 || st.PeakConcurrency != 2 || st.TooManyRequests != codes[429] {
		t.Fatalf("codes %v, stats %+v", codes, st)
	}
}

func TestCreditsRunOutAndRollOver(t *testing.T) {
	e := newEnv(t, Config{Credits: 5})
	tok := e.token()
	recs := make([]any, 25)
	for i := range recs {
		recs[i] = map[string]any{"Last_Name": "L"}
	}
	// 25 records cost 3 credits (1 per 10), then two single calls.
	if a := e.call(tok, "POST", "/crm/v7/Leads", map[string]any{"data": recs}); a.status != 201 {
		t.Fatalf("bulk insert: %d %s", a.status, a.raw)
	}
	for range 2 {
		if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 200 {
			t.Fatalf("within budget: %d", a.status)
		}
	}
	a := e.call(tok, "GET", "/crm/v7/org", nil)
	if a.status != 429 || a.body["code"] != "LIMIT_EXCEEDED" {
		t.Fatalf("exhausted: %d %s", a.status, a.raw)
	}
	if st := e.sim.Stats(); st.CreditsUsed != 5 {
		t.Fatalf("credits used %d", st.CreditsUsed)
	}
	e.clock.Advance(24 * time.Hour)
	tok = e.token() // the old one expired meanwhile
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 200 {
		t.Fatalf("after 24 h: %d %s", a.status, a.raw)
	}
}

func TestFaultMode(t *testing.T) {
	e := newEnv(t, Config{})
	tok := e.token()
	e.sim.SetFault(Fault{Status: 503})
	a := e.call(tok, "GET", "/crm/v7/org", nil)
	if a.status != 503 || a.body["code"] != "INTERNAL_ERROR" {
		t.Fatalf("fault: %d %s", a.status, a.raw)
	}
	// The control API and the accounts server are not affected.
	if resp, err := http.Get(e.srv.URL + "/_sim/stats"); err != nil || resp.StatusCode != 200 {
		t.Fatalf("control under fault: %v %v", resp, err)
	}
	_ = e.token()
	e.sim.SetFault(Fault{Status: 429, Count: 1})
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 429 || a.body["code"] != "TOO_MANY_REQUESTS" {
		t.Fatalf("counted fault: %d %s", a.status, a.raw)
	}
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 200 {
		t.Fatalf("after the counted fault: %d", a.status)
	}
	e.sim.SetFault(Fault{Status: 400, Code: "NO_PERMISSION"})
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 400 || a.body["code"] != "NO_PERMISSION" {
		t.Fatalf("coded fault: %d %s", a.status, a.raw)
	}
	e.sim.SetFault(Fault{})
	if a := e.call(tok, "GET", "/crm/v7/org", nil); a.status != 200 {
		t.Fatalf("cleared: %d", a.status)
	}
}

func TestControlAPI(t *testing.T) {
	e := newEnv(t, Config{IndexLag: -1})
	post := func(path string, body any) (int, map[string]any) {
		b, _ := json.Marshal(body)
		resp, err := http.Post(e.srv.URL+path, "application/json", bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return resp.StatusCode, out
	}
	st, out := post("/_sim/records/Contacts", map[string]any{"fields": map[string]any{"Last_Name": "Silva", "WhatsApp_Number": "+1555"}})
	if st != 200 || out["id"] == nil {
		t.Fatalf("record: %d %v", st, out)
	}
	cid := out["id"].(string)
	if st, out := post("/_sim/records/Contacts", map[string]any{"fields": map[string]any{"Last_Name": "X", "WhatsApp_Number": "+1555"}}); st != 400 {
		t.Fatalf("duplicate via control: %d %v", st, out)
	}
	st, out = post("/_sim/deals", map[string]any{"name": "D", "stage": "Qualification", "contact_id": cid})
	if st != 200 {
		t.Fatalf("deal: %d %v", st, out)
	}
	deal := out["id"].(string)
	if st, _ := post("/_sim/deals/"+deal+"/stage", map[string]any{"stage": "Closed Won", "copies": 2}); st != 200 {
		t.Fatalf("stage: %d", st)
	}
	if st, _ := post("/_sim/deals/123/stage", map[string]any{"stage": "Closed Won"}); st != 404 {
		t.Fatalf("unknown deal: %d", st)
	}
	if st, out := post("/_sim/grant", map[string]any{"redirect_uri": testRedirect}); st != 200 || out["code"] == nil {
		t.Fatalf("grant: %d %v", st, out)
	}
	if st, _ := post("/_sim/faults", map[string]any{"status": 503}); st != 200 || e.call(e.token(), "GET", "/crm/v7/org", nil).status != 503 {
		t.Fatal("fault via control")
	}
	post("/_sim/faults", map[string]any{"status": 0})
	if st, _ := post("/_sim/index-lag", map[string]any{"ms": 500}); st != 200 {
		t.Fatal("index-lag")
	}
	tok := e.token()
	if st, _ := post("/_sim/expire-tokens", nil); st != 200 || e.call(tok, "GET", "/crm/v7/org", nil).status != 401 {
		t.Fatal("expire-tokens")
	}
	resp, _ := http.Get(e.srv.URL + "/_sim/records/Deals")
	var recs []Record
	_ = json.NewDecoder(resp.Body).Decode(&recs)
	resp.Body.Close()
	if len(recs) != 1 || recs[0].Fields["Stage"] != "Closed Won" {
		t.Fatalf("records: %+v", recs)
	}
	resp, _ = http.Get(e.srv.URL + "/_sim/stats")
	var stats Stats
	_ = json.NewDecoder(resp.Body).Decode(&stats)
	resp.Body.Close()
	if stats.Calls == 0 {
		t.Fatalf("stats: %+v", stats)
	}
}

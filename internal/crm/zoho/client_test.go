package zoho

import (
	"context"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	zohosim "github.com/gohavi/gohavi/internal/sim/zoho"
)

var ctx = context.Background()

func TestAccountAndSetup(t *testing.T) {
	e := newEnv(t, zohosim.Config{OrgID: "777", OrgName: "Acme", TimeZone: "Asia/Kolkata"})
	c, _ := e.client(Config{})
	a, err := c.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "777" || a.Name != "Acme" || a.TimeZone != "Asia/Kolkata" || a.RecordURL != e.srv.URL+"/crm/tab/Contacts/{id}" {
		t.Fatalf("account %+v", a)
	}
	if err := c.Setup(ctx); err != nil {
		t.Fatalf("setup: %v", err)
	}
	for in, want := range map[string]string{
		"https://www.zohoapis.com": "https://crm.zoho.com", "https://www.zohoapis.eu": "https://crm.zoho.eu",
		"https://www.zohoapis.com.au": "https://crm.zoho.com.au", "https://www.zohoapis.ca": "https://crm.zohocloud.ca",
	} {
		if got := webBase(in); got != want {
			t.Errorf("webBase(%s) = %s", in, got)
		}
	}
	for raw, want := range map[string]bool{`{"casesensitive":"false"}`: true, `{}`: false, ``: false, `true`: true, `false`: false} {
		if got := (fieldMeta{Unique: []byte(raw)}).unique(); got != want {
			t.Errorf("unique(%s) = %v", raw, got)
		}
	}
}

func TestUpsertLeadTwiceMakesOneContact(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	l := crm.Lead{PhoneE164: "+5511999990000", Name: "Ana Maria Silva", Fields: map[string]string{"Description": "from WhatsApp"}}
	ct, created, err := c.UpsertLead(ctx, l)
	if err != nil || !created || ct.ID == "" || ct.LastName != "Silva" || ct.FirstName != "Ana Maria" || ct.Module != "Contacts" {
		t.Fatalf("first: %+v %v %v", ct, created, err)
	}
	again, created, err := c.UpsertLead(ctx, l)
	if err != nil || created || again.ID != ct.ID {
		t.Fatalf("second: %+v %v %v", again, created, err)
	}
	recs := e.sim.Records("Contacts")
	if len(recs) != 1 || recs[0].Fields["WhatsApp_Number"] != "+5511999990000" || recs[0].Fields["Lead_Source"] != "WhatsApp" ||
		recs[0].Fields["Description"] != "from WhatsApp" {
		t.Fatalf("records %+v", recs)
	}
	// No name: the phone is the Last_Name Zoho requires. Leads work alike.
	lead, created, err := c.UpsertLead(ctx, crm.Lead{PhoneE164: "+15550001", Module: "Leads"})
	if err != nil || !created || lead.LastName != "+15550001" || lead.Module != "Leads" {
		t.Fatalf("lead: %+v %v %v", lead, created, err)
	}
	// Zoho refuses an upsert on a field that is not unique in the module.
	_, _, err = c.UpsertLead(ctx, crm.Lead{PhoneE164: "+1555", Module: "Deals"})
	kindOf(t, err, crm.KindInvalid)
	got, err := c.Contact(ctx, ct.ID, "", []string{"Description"})
	if err != nil || got.Phone != "+5511999990000" || got.Properties["Description"] != "from WhatsApp" || got.Properties["Full_Name"] != "Ana Maria Silva" {
		t.Fatalf("contact %+v %v", got, err)
	}
	_, err = c.Contact(ctx, "5725767000099999999", "Contacts", nil)
	kindOf(t, err, crm.KindNotFound)
}

func TestDuplicateDataIsAConflictWithTheExistingID(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	id := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "A", "WhatsApp_Number": "+1555"})
	var out struct {
		Data []item `json:"data"`
	}
	_, err := c.do(ctx, http.MethodPost, "/Contacts", nil, map[string]any{"data": []any{map[string]any{"Last_Name": "B", "WhatsApp_Number": "+1555"}}}, &out)
	if ce := kindOf(t, err, crm.KindConflict); ce.ExistingID != id || ce.Code != "DUPLICATE_DATA" || len(out.Data) != 1 {
		t.Fatalf("conflict %+v, items %+v", ce, out.Data)
	}
}

func TestFindContactAfterTheIndexLag(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	id := e.sim.CreateRecord("Contacts", map[string]any{"First_Name": "Ana", "Last_Name": "Silva", "Mobile": "+55 (11) 99999-0000"})
	got, err := c.FindContact(ctx, "+5511999990000", "")
	if err != nil || got != nil {
		t.Fatalf("before the lag: %+v %v", got, err)
	}
	e.clock.Advance(2 * time.Second)
	got, err = c.FindContact(ctx, "+5511999990000", "Contacts")
	if err != nil || got == nil || got.ID != id || got.Phone != "+55 (11) 99999-0000" || got.FirstName != "Ana" {
		t.Fatalf("after the lag: %+v %v", got, err)
	}
	if got, err := c.FindContact(ctx, "+4930123456", ""); err != nil || got != nil {
		t.Fatalf("unknown phone: %+v %v", got, err)
	}
	// By the unique text field, which only matches when "+" arrives as %2B.
	e.sim.CreateRecord("Leads", map[string]any{"Last_Name": "L", "WhatsApp_Number": "+4930999"})
	e.clock.Advance(2 * time.Second)
	if got, err := c.FindContact(ctx, "+4930999", "Leads"); err != nil || got == nil || got.Module != "Leads" {
		t.Fatalf("lead by WhatsApp_Number: %+v %v", got, err)
	}
}

func TestDealAndPipelines(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	cid := e.sim.CreateRecord("Contacts", map[string]any{"Last_Name": "Silva"})
	did := e.sim.CreateDeal("Plan X", "Needs Analysis", "", cid, map[string]any{"Amount": 1500.5})
	d, err := c.Deal(ctx, did, []string{"Amount"})
	if err != nil {
		t.Fatal(err)
	}
	if d.ID != did || d.Name != "Plan X" || d.Stage != "Needs Analysis" || d.Pipeline != "Standard (Standard)" ||
		len(d.ContactIDs) != 1 || d.ContactIDs[0] != cid || d.Properties["Amount"] != "1500.5" || d.Properties["Contact_Name"] != "Silva" {
		t.Fatalf("deal %+v", d)
	}
	_, err = c.Deal(ctx, "5725767000099999999", nil)
	kindOf(t, err, crm.KindNotFound)
	ps, err := c.Pipelines(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ps) != 1 || ps[0].ID != "Standard (Standard)" || len(ps[0].Stages) != 10 || ps[0].Stages[0] != (crm.Stage{ID: "Qualification", Label: "Qualification"}) {
		t.Fatalf("pipelines %+v", ps)
	}
}

func TestExpiredTokenIsRefreshedOnceAndRetried(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, ts := e.client(Config{})
	e.sim.ExpireTokens()
	if _, err := c.Account(ctx); err != nil {
		t.Fatal(err)
	}
	if ts.invalidated != 1 {
		t.Fatalf("invalidated %d times", ts.invalidated)
	}
	// Revoked: the refresh fails and the connection is broken.
	e.sim.RevokeRefreshTokens()
	_, err := c.Account(ctx)
	kindOf(t, err, crm.KindAuth)
}

func TestFailuresAreClassified(t *testing.T) {
	e := newEnv(t, zohosim.Config{})
	c, _ := e.client(Config{})
	e.sim.SetFault(zohosim.Fault{Status: 503})
	_, err := c.Account(ctx)
	kindOf(t, err, crm.KindTransient)
	e.sim.SetFault(zohosim.Fault{Status: 429})
	_, err = c.FindContact(ctx, "+15550001", "")
	if ce := kindOf(t, err, crm.KindRateLimit); ce.RetryAfter <= 0 {
		t.Fatalf("no RetryAfter: %+v", ce)
	}
	e.sim.SetFault(zohosim.Fault{Status: 403, Code: "NO_PERMISSION"})
	_, err = c.Account(ctx)
	kindOf(t, err, crm.KindForbidden)
	e.sim.SetFault(zohosim.Fault{Status: 401, Code: "OAUTH_SCOPE_MISMATCH"})
	_, err = c.Account(ctx)
	kindOf(t, err, crm.KindForbidden)
	e.sim.SetFault(zohosim.Fault{})
	// Credits exhausted.
	e2 := newEnv(t, zohosim.Config{Credits: 1})
	c2, _ := e2.client(Config{})
	_, _ = c2.Account(ctx)
	_, err = c2.Account(ctx)
	if ce := kindOf(t, err, crm.KindRateLimit); ce.Code != "LIMIT_EXCEEDED" || ce.RetryAfter < time.Minute {
		t.Fatalf("credits: %+v", ce)
	}
}

func TestSemaphoreKeepsTheClientUnderZohosConcurrency(t *testing.T) {
	run := func(clientConc int) (ok, limited int, st zohosim.Stats) {
		e := newEnv(t, zohosim.Config{Concurrency: 5, CallLatency: 40 * time.Millisecond})
		c, _ := e.client(Config{Concurrency: clientConc})
		var wg sync.WaitGroup
		var mu sync.Mutex
		for range 20 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, err := c.Account(ctx)
				mu.Lock()
				defer mu.Unlock()
				switch crm.KindOf(err) {
				case crm.KindRateLimit:
					limited++
				default:
					if err == nil {
						ok++
					} else {
						t.Errorf("unexpected %v", err)
					}
				}
			}()
		}
		wg.Wait()
		return ok, limited, e.sim.Stats()
	}
	ok, limited, st := run(0) // the default, 5
	if ok != 20 || limited != 0 || st.TooManyRequests != 0 || st.PeakConcurrency > 5 {
		t.Fatalf("with the semaphore: ok %d, 429 %d, stats %+v", ok, limited, st)
	}
	// Without it the same load meets 429s: the test can tell.
	if _, limited, _ := run(20); limited == 0 {
		t.Fatal("20 in flight against a limit of 5 got no 429")
	}
}

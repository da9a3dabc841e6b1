package hubspot

import (
	"context"
	"errors"
	"fmt"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	hssim "github.com/gohavi/gohavi/internal/sim/hubspot"
)

const pat = "pat-na1-aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

// staticTokens is a private-app connection: one token, nothing to refresh.
type staticTokens struct{ tok string }

func (s staticTokens) Token(context.Context) (string, error) { return s.tok, nil }
func (s staticTokens) Invalidate(context.Context, string) error {
	return &crm.Error{Kind: crm.KindAuth, Message: "private-app token rejected"}
}

// oauthTokens is an OAuth connection refreshed through OAuth.Refresh, as
// the engine's token source does.
type oauthTokens struct {
	o           OAuth
	mu          sync.Mutex
	t           crm.Tokens
	invalidated []string
}

func (s *oauthTokens) Token(context.Context) (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.t.AccessToken, nil
}

func (s *oauthTokens) Invalidate(ctx context.Context, rejected string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.invalidated = append(s.invalidated, rejected)
	if rejected != s.t.AccessToken {
		return nil
	}
	t, err := s.o.Refresh(ctx, s.t.RefreshToken)
	if err != nil {
		return err
	}
	s.t = t
	return nil
}

type fixture struct {
	sim *hssim.Server
	srv *httptest.Server
	c   *Client
}

// newFixture runs a simulator and a private-app client against it.
func newFixture(t *testing.T, cfg hssim.Config, ccfg Config) *fixture {
	t.Helper()
	if cfg.SearchLag == 0 {
		cfg.SearchLag = -1
	}
	f := &fixture{sim: hssim.New(cfg)}
	f.sim.AddPrivateAppToken(pat)
	f.srv = httptest.NewServer(f.sim)
	t.Cleanup(func() { f.srv.Close(); f.sim.Close() })
	ccfg.APIURL = f.srv.URL
	f.c = New(ccfg, staticTokens{pat})
	return f
}

func kindOf(t *testing.T, err error, want crm.Kind) *crm.Error {
	t.Helper()
	var e *crm.Error
	if !errors.As(err, &e) || e.Kind != want {
		t.Fatalf("error %v, want kind %s", err, want)
	}
	return e
}

func TestAccountAndSetup(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	a, err := f.c.Account(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if a.ID != "62515" || a.TimeZone != "US/Eastern" || a.RecordURL != "https://app.hubspot.com/contacts/62515/record/0-1/{id}" {
		t.Fatalf("account %+v", a)
	}
	for range 2 {
		if err := f.c.Setup(ctx); err != nil {
			t.Fatalf("setup: %v", err)
		}
	}
	if n := f.sim.Stats().Calls["POST /crm/v3/properties/contacts"]; n != 4 {
		t.Fatalf("property creations: %d", n)
	}
}

func TestSetupRefusesNonUniqueProperty(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	_, err := f.c.do(ctx, call{method: "POST", path: "/crm/v3/properties/contacts", body: map[string]any{
		"name": PropWAPhone, "label": "x", "type": "string", "fieldType": "text", "groupName": "contactinformation"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := kindOf(t, f.c.Setup(ctx), crm.KindInvalid)
	if !strings.Contains(e.Message, "not unique") {
		t.Fatalf("message %q", e.Message)
	}
}

func TestUpsertLeadAndFind(t *testing.T) {
	clock := &testClock{t: time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)}
	f := newFixture(t, hssim.Config{Now: clock.Now, SearchLag: 2 * time.Second}, Config{})
	ctx := context.Background()
	if err := f.c.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	lead := crm.Lead{PhoneE164: "+5511999990000", Name: "Ana Maria Silva", OptIn: true, Fields: map[string]string{"city": "São Paulo"}}
	c1, created, err := f.c.UpsertLead(ctx, lead)
	if err != nil || !created {
		t.Fatalf("first upsert: %v created=%v", err, created)
	}
	if c1.FirstName != "Ana" || c1.LastName != "Maria Silva" || c1.Phone != "+5511999990000" || c1.Properties[PropOptIn] != "true" || c1.Properties["city"] != "São Paulo" {
		t.Fatalf("contact %+v", c1)
	}
	c2, created, err := f.c.UpsertLead(ctx, crm.Lead{PhoneE164: "+5511999990000"})
	if err != nil || created || c2.ID != c1.ID || c2.FirstName != "Ana" {
		t.Fatalf("second upsert: %+v created=%v err=%v", c2, created, err)
	}
	if n := len(f.sim.Contacts()); n != 1 {
		t.Fatalf("%d contacts", n)
	}

	// A contact a user typed in is found once search has caught up.
	ui := f.sim.CreateContact(map[string]string{"mobilephone": "+15550001111", "firstname": "Bob", "email": "bob@example.com"})
	if got, err := f.c.FindContact(ctx, "+15550001111", ""); err != nil || got != nil {
		t.Fatalf("before the lag: %+v %v", got, err)
	}
	clock.Advance(2 * time.Second)
	got, err := f.c.FindContact(ctx, "+15550001111", "")
	if err != nil || got == nil || got.ID != ui || got.Phone != "+15550001111" || got.Email != "bob@example.com" {
		t.Fatalf("after the lag: %+v %v", got, err)
	}
	if got, err := f.c.FindContact(ctx, "+5511999990000", ""); err != nil || got == nil || got.ID != c1.ID {
		t.Fatalf("upserted contact: %+v %v", got, err)
	}

	read, err := f.c.Contact(ctx, ui, "", []string{"city", "nonexistent"})
	if err != nil || read.FirstName != "Bob" || read.Module != "contacts" {
		t.Fatalf("contact: %+v %v", read, err)
	}
	if _, err := f.c.Contact(ctx, "424242", "", nil); err == nil {
		t.Fatal("missing contact read")
	} else {
		kindOf(t, err, crm.KindNotFound)
	}

	// An email another contact holds is a conflict naming it.
	_, _, err = f.c.UpsertLead(ctx, crm.Lead{PhoneE164: "+15550002222", Fields: map[string]string{"email": "BOB@example.com"}})
	if e := kindOf(t, err, crm.KindConflict); e.ExistingID != ui {
		t.Fatalf("conflict %+v", e)
	}
	_, _, err = f.c.UpsertLead(ctx, crm.Lead{PhoneE164: "+15550003333", Fields: map[string]string{"not_a_property": "x"}})
	kindOf(t, err, crm.KindInvalid)
}

func TestDealAndPipelines(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	a := f.sim.CreateContact(map[string]string{"firstname": "A"})
	b := f.sim.CreateContact(map[string]string{"firstname": "B"})
	id := f.sim.CreateDeal("Big deal", "12345678", "12345680", map[string]string{"amount": "42"}, a, b)
	d, err := f.c.Deal(ctx, id, []string{"amount"})
	if err != nil {
		t.Fatal(err)
	}
	if d.Name != "Big deal" || d.Pipeline != "12345678" || d.Stage != "12345680" || d.Properties["amount"] != "42" || !slices.Equal(d.ContactIDs, []string{a, b}) {
		t.Fatalf("deal %+v", d)
	}
	ids, err := f.c.associated(ctx, "deals", id, "contacts")
	if err != nil || !slices.Equal(ids, []string{a, b}) {
		t.Fatalf("v4 list %v %v", ids, err)
	}
	// Past the inline page, the contacts come from the v4 list.
	var many []string
	for i := range 120 {
		many = append(many, f.sim.CreateContact(map[string]string{"firstname": fmt.Sprint(i)}))
	}
	big := f.sim.CreateDeal("Many", "", "", nil, many...)
	if d, err := f.c.Deal(ctx, big, nil); err != nil || !slices.Equal(d.ContactIDs, many) || d.Stage != "appointmentscheduled" {
		t.Fatalf("deal with 120 contacts: %d contacts, %v", len(d.ContactIDs), err)
	}
	if n := f.sim.Stats().Calls["GET /crm/v4/objects/deals/"+big+"/associations/contacts"]; n != 1 {
		t.Fatalf("%d v4 list calls", n)
	}
	pl, err := f.c.Pipelines(ctx)
	if err != nil || len(pl) != 2 {
		t.Fatalf("pipelines %+v %v", pl, err)
	}
	if pl[0].ID != "default" || len(pl[0].Stages) != 7 || pl[0].Stages[1] != (crm.Stage{ID: "qualifiedtobuy", Label: "Qualified To Buy"}) ||
		pl[1].Label != "Renewals" || pl[1].Stages[0].ID != "12345679" {
		t.Fatalf("pipelines %+v", pl)
	}
}

func activities(contact string, n int, at time.Time) []crm.Activity {
	out := make([]crm.Activity, n)
	for i := range out {
		out[i] = crm.Activity{Key: fmt.Sprintf("gohavi-msg-%d", i), ContactID: contact, Direction: "inbound",
			Title: "WhatsApp · inbound · +15550001", Body: fmt.Sprintf("message <%d>\nline 2", i), At: at.Add(time.Duration(i) * time.Second)}
	}
	return out
}

func TestLogCommunications(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	if err := f.c.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	contact := f.sim.CreateContact(map[string]string{"firstname": "Ana"})
	entries := activities(contact, 150, time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	before := f.sim.Stats()
	ids, err := f.c.Log(ctx, entries)
	if err != nil {
		t.Fatal(err)
	}
	st := f.sim.Stats()
	if n := st.Calls["POST /crm/v3/objects/communications/batch/upsert"]; n != 2 {
		t.Fatalf("%d upsert calls", n)
	}
	if n := st.APICalls - before.APICalls; n != 4 { // 2 upserts + 2 association batches
		t.Fatalf("%d API calls", n)
	}
	tl := f.sim.Timeline(contact)
	if len(tl) != 150 {
		t.Fatalf("timeline has %d", len(tl))
	}
	for i, e := range tl {
		if e.ID != ids[i] || e.Type != "communication" || e.Properties[PropKey] != entries[i].Key ||
			e.Properties["hs_communication_channel_type"] != "WHATS_APP" {
			t.Fatalf("entry %d: %+v (id %s)", i, e, ids[i])
		}
	}
	if body := tl[3].Properties["hs_communication_body"]; body != "<p><strong>WhatsApp · inbound · +15550001</strong></p><p>message &lt;3&gt;<br>line 2</p>" {
		t.Fatalf("body %q", body)
	}

	// Writing again (a retry, or a status update with the ID) creates nothing.
	entries[7].ID, entries[7].Body = ids[7], "delivered"
	again, err := f.c.Log(ctx, entries)
	if err != nil || !slices.Equal(again, ids) {
		t.Fatalf("again: %v", err)
	}
	tl = f.sim.Timeline(contact)
	if len(tl) != 150 || !strings.Contains(tl[7].Properties["hs_communication_body"], "delivered") {
		t.Fatalf("after rewrite: %d entries", len(tl))
	}

	// A key twice in one call is written once, and both get its id.
	dup, err := f.c.Log(ctx, []crm.Activity{entries[0], entries[0]})
	if err != nil || dup[0] != ids[0] || dup[1] != ids[0] {
		t.Fatalf("duplicate keys: %v %v", dup, err)
	}

	// An entry on a contact that does not exist is not written.
	bad := activities("999999", 1, time.Now())
	bad[0].Key = "gohavi-msg-orphan"
	got, err := f.c.Log(ctx, append([]crm.Activity{entries[1]}, bad...))
	if got[0] != ids[1] || got[1] != "" {
		t.Fatalf("partial: %v", got)
	}
	kindOf(t, err, crm.KindNotFound)
}

func TestLogFallsBackToNotes(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	if err := f.c.Setup(ctx); err != nil {
		t.Fatal(err)
	}
	f.sim.RefuseCommunications(true)
	contact := f.sim.CreateContact(map[string]string{"firstname": "Ana"})
	entries := activities(contact, 3, time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC))
	ids, err := f.c.Log(ctx, entries)
	if err != nil || slices.Contains(ids, "") {
		t.Fatalf("notes: %v %v", ids, err)
	}
	tl := f.sim.Timeline(contact)
	if len(tl) != 3 || tl[0].Type != "note" || tl[0].ID != ids[0] || !strings.Contains(tl[0].Properties["hs_note_body"], "GoHavi ref: gohavi-msg-0") {
		t.Fatalf("timeline %+v", tl)
	}

	// Uncertain entries are found on the contact, not written twice.
	for i := range entries {
		entries[i].Uncertain = true
	}
	entries[2].Body = "read"
	again, err := f.c.Log(ctx, entries)
	if err != nil || !slices.Equal(again, ids) {
		t.Fatalf("uncertain: %v %v", again, err)
	}
	tl = f.sim.Timeline(contact)
	if len(tl) != 3 || !strings.Contains(tl[2].Properties["hs_note_body"], "read") {
		t.Fatalf("after uncertain rewrite: %+v", tl)
	}
}

func TestRefreshOn401(t *testing.T) {
	f := newFixture(t, hssim.Config{ClientID: "cid", ClientSecret: "cs"}, Config{})
	ctx := context.Background()
	o := OAuth{APIURL: f.srv.URL, AuthURL: f.srv.URL, ClientID: "cid", ClientSecret: "cs"}
	code := f.sim.IssueCode("https://gohavi.example/cb")
	if _, err := o.Exchange(ctx, code, "https://elsewhere.example/cb"); err == nil {
		t.Fatal("exchanged with another redirect_uri")
	}
	code = f.sim.IssueCode("https://gohavi.example/cb")
	tok, err := o.Exchange(ctx, code, "https://gohavi.example/cb")
	if err != nil {
		t.Fatal(err)
	}
	if tok.RefreshToken == "" || time.Until(tok.ExpiresAt) < 29*time.Minute || time.Until(tok.ExpiresAt) > 31*time.Minute {
		t.Fatalf("tokens %+v", tok)
	}
	src := &oauthTokens{o: o, t: tok}
	c := New(Config{APIURL: f.srv.URL}, src)
	if _, err := c.Account(ctx); err != nil {
		t.Fatal(err)
	}

	f.sim.ExpireTokens()
	if _, err := c.Account(ctx); err != nil {
		t.Fatalf("after expiry: %v", err)
	}
	if len(src.invalidated) != 1 || src.invalidated[0] != tok.AccessToken || src.t.AccessToken == tok.AccessToken {
		t.Fatalf("invalidated %v", src.invalidated)
	}

	f.sim.ExpireTokens()
	f.sim.RevokeRefreshTokens()
	_, err = c.Account(ctx)
	if e := kindOf(t, err, crm.KindAuth); e.Code != "BAD_REFRESH_TOKEN" {
		t.Fatalf("revoked: %+v", e)
	}
	_, err = o.Refresh(ctx, src.t.RefreshToken)
	kindOf(t, err, crm.KindAuth)
}

func TestFaultsClassified(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	f.sim.SetFault(hssim.Fault{Status: 503})
	_, err := f.c.Account(ctx)
	kindOf(t, err, crm.KindTransient)
	f.sim.SetFault(hssim.Fault{Status: 429})
	_, err = f.c.Pipelines(ctx)
	if e := kindOf(t, err, crm.KindRateLimit); e.RetryAfter != 10*time.Second || e.Code != "RATE_LIMIT" {
		t.Fatalf("429: %+v", e)
	}
	f.sim.SetFault(hssim.Fault{Status: 477, RetryAfter: 30 * time.Second})
	_, err = f.c.Pipelines(ctx)
	if e := kindOf(t, err, crm.KindTransient); e.RetryAfter != 30*time.Second {
		t.Fatalf("477: %+v", e)
	}
	f.sim.SetFault(hssim.Fault{})
	if _, err := f.c.Pipelines(ctx); err != nil {
		t.Fatal(err)
	}
	// A private-app token that is rejected cannot be refreshed.
	c := New(Config{APIURL: f.srv.URL}, staticTokens{"pat-na1-unknown"})
	_, err = c.Account(ctx)
	kindOf(t, err, crm.KindAuth)
}

func TestDailyRateLimitWait(t *testing.T) {
	f := newFixture(t, hssim.Config{DailyLimit: 1}, Config{})
	ctx := context.Background()
	if _, err := f.c.Account(ctx); err != nil {
		t.Fatal(err)
	}
	_, err := f.c.Account(ctx)
	e := kindOf(t, err, crm.KindRateLimit)
	if e.RetryAfter <= 0 || e.RetryAfter > 24*time.Hour {
		t.Fatalf("daily wait %v", e.RetryAfter)
	}
}

// TestLimiterKeepsUnderBurst runs the simulator's clock ten times faster
// than real time and gives the client a 1 s window to match, so 120 calls
// against a limit of 100 per 10 s take about a second instead of ten.
func TestLimiterKeepsUnderBurst(t *testing.T) {
	start := time.Now()
	fast := func() time.Time { return start.Add(10 * time.Since(start)) }
	f := newFixture(t, hssim.Config{Now: fast, BurstLimit: 100}, Config{BurstPer10s: 100, BurstWindow: time.Second})
	ctx := context.Background()
	var wg sync.WaitGroup
	errs := make(chan error, 120)
	for range 120 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := f.c.Pipelines(ctx); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Errorf("call failed: %v", err)
	}
	st := f.sim.Stats()
	if st.RateLimited != 0 || st.APICalls != 120 {
		t.Fatalf("stats %+v", st)
	}
	if el := time.Since(start); el < 900*time.Millisecond {
		t.Fatalf("120 calls in %v: the limiter did not wait", el)
	}
}

func TestSearchLimiter(t *testing.T) {
	f := newFixture(t, hssim.Config{}, Config{})
	ctx := context.Background()
	start := time.Now()
	for i := range 7 {
		if _, err := f.c.FindContact(ctx, fmt.Sprintf("+1555000%04d", i), ""); err != nil {
			t.Fatal(err)
		}
	}
	if el := time.Since(start); el < time.Second {
		t.Fatalf("7 searches in %v", el)
	}
	if st := f.sim.Stats(); st.RateLimited != 0 {
		t.Fatalf("stats %+v", st)
	}
}

func TestLimiterHonoursContext(t *testing.T) {
	w := newWindow(1, time.Hour)
	release, err := w.acquire(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	release()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := w.acquire(ctx); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("acquire: %v", err)
	}
}

type testClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *testClock) Now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }

func (c *testClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

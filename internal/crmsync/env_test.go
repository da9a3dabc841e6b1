package crmsync_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/crmsync"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/secret"
	simhubspot "github.com/gohavi/gohavi/internal/sim/hubspot"
	simzoho "github.com/gohavi/gohavi/internal/sim/zoho"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/web"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	phoneID      = "106540352242922"
	wabaID       = "102290129340398"
	hsSecret     = "hs-client-secret"
	hsToken      = "pat-na1-crm-test"
	zohoClient   = "1000.ZOHOCLIENT"
	zohoSecret   = "zoho-client-secret"
	redirectURI  = "https://gohavi.example/integrations/zoho/callback"
	waitFor      = 10 * time.Second
	templateName = "quote_ready"
)

// env is one workspace with a number and an approved template, the real
// ingest writer and applier, the real send pipeline (River insert-only),
// the CRM simulators behind real HTTP servers, and GoHavi's own HTTP
// handler receiving their webhooks.
type env struct {
	db      *store.DB
	clock   *domain.FakeClock
	ws      domain.Workspace
	num     domain.Number
	writer  *ingest.Writer
	applier *ingest.Applier
	svc     *outbound.Service
	eng     *crmsync.Engine
	hs      *simhubspot.Server
	zo      *simzoho.Server
	zoURL   string
	url     string // GoHavi's webhook base
	seq     atomic.Int64
}

func newEnv(t *testing.T, db *store.DB, clock *domain.FakeClock) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: clock}
	hub := realtime.NewMemory()
	t.Cleanup(func() { _ = hub.Close() })
	e.writer, e.applier = ingest.NewPipeline(db, hub, clock, quiet)
	t.Cleanup(e.writer.Close)
	box, err := secret.NewBox(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if e.ws, err = db.CreateWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	if e.num, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: e.ws.ID, WABAID: wabaID, PhoneNumberID: phoneID,
		DisplayPhoneNumber: "15550783881", AccessTokenEnc: []byte("unused: River jobs are not worked here")}); err != nil {
		t.Fatal(err)
	}
	comps := `[{"type":"BODY","text":"Hi {{1}}, your quote for {{2}} is ready.","example":{"body_text":[["Ana","Plan X"]]}}]`
	if _, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: e.ws.ID, WABAID: wabaID, MetaID: "9" + templateName, Name: templateName,
		Language: "en_US", Category: "UTILITY", Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
		t.Fatal(err)
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	jb, err := jobs.New(db, jobs.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = &outbound.Service{DB: db, Jobs: jb, Box: box, Hub: hub, Clock: clock, Log: quiet}

	// GoHavi's HTTP side first: the simulators need its URL.
	var handler http.Handler
	gohavi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(gohavi.Close)
	e.url = gohavi.URL

	e.hs = simhubspot.New(simhubspot.Config{ClientSecret: hsSecret, ClientID: "hs-client", WebhookURL: gohavi.URL + "/webhooks/hubspot",
		Now: clock.Now, SearchLag: 5 * time.Second, Logger: quiet, RetryDelays: []time.Duration{20 * time.Millisecond, 50 * time.Millisecond}})
	t.Cleanup(e.hs.Close)
	hsSrv := httptest.NewServer(e.hs)
	t.Cleanup(hsSrv.Close)
	e.hs.AddPrivateAppToken(hsToken)

	zoSrv := httptest.NewUnstartedServer(nil)
	e.zoURL = "http://" + zoSrv.Listener.Addr().String()
	e.zo = simzoho.New(simzoho.Config{ClientID: zohoClient, ClientSecret: zohoSecret, BaseURL: e.zoURL, Now: clock.Now, IndexLag: 5 * time.Second, Logger: quiet})
	t.Cleanup(e.zo.Close)
	zoSrv.Config.Handler = e.zo
	zoSrv.Start()
	t.Cleanup(zoSrv.Close)

	e.eng = &crmsync.Engine{DB: db, Box: box, Clock: clock, Log: quiet, Send: e.svc, Node: "node-a", Cfg: crmsync.Config{
		HubSpotAPIURL: hsSrv.URL, HubSpotAuthURL: hsSrv.URL, HubSpotClientID: "hs-client", HubSpotClientSecret: hsSecret,
		ZohoAccountsURL: e.zoURL, ZohoClientID: zohoClient, ZohoClientSecret: zohoSecret, PublicURL: gohavi.URL,
		HTTPClient: &http.Client{Timeout: 5 * time.Second}}}
	h, err := web.New(web.Deps{DB: db, Hub: hub, Writer: e.writer, Outbound: e.svc, Metrics: metrics.New(db, quiet), Clock: clock, Log: quiet,
		AppSecret: "unused", CRM: e.eng, Ready: db.Ping})
	if err != nil {
		t.Fatal(err)
	}
	handler = h
	return e
}

func (e *env) connectHubSpot(t *testing.T) store.CRMConnection {
	t.Helper()
	c, err := e.eng.ConnectHubSpotToken(context.Background(), e.ws.ID, hsToken)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) connectZoho(t *testing.T) store.CRMConnection {
	t.Helper()
	c, err := e.eng.ConnectZoho(context.Background(), e.ws.ID, "", e.zo.IssueGrant(redirectURI), "", redirectURI)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func js(s string) string { b, _ := json.Marshal(s); return string(b) }

// inbound stores and applies a customer's text through the real ingest path.
func (e *env) inbound(t *testing.T, from, name, text string) {
	t.Helper()
	e.store(t, from, name, text)
	e.apply(t)
}

func (e *env) store(t *testing.T, from, name, text string) {
	t.Helper()
	wamid := fmt.Sprintf("wamid.crm%d", e.seq.Add(1))
	body := `{"object":"whatsapp_business_account","entry":[{"id":"` + wabaID + `","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"` + phoneID + `"},` +
		fmt.Sprintf(`"contacts":[{"profile":{"name":%s},"wa_id":%s}],"messages":[{"from":%s,"id":%s,"timestamp":"%d","type":"text","text":{"body":%s}}]`,
			js(name), js(from), js(from), js(wamid), e.clock.Now().Unix(), js(text)) + `}}]}]}`
	if _, _, err := e.writer.Store(context.Background(), []byte(body)); err != nil {
		t.Fatal(err)
	}
}

func (e *env) apply(t *testing.T) {
	t.Helper()
	for {
		n, err := e.applier.ApplyPending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

// reply sends free text to a customer through the send pipeline.
func (e *env) reply(t *testing.T, to, text string) domain.Message {
	t.Helper()
	m, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: to, Type: "text", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// sync runs passes until the engine finds no more work (bounded).
func (e *env) sync(t *testing.T) {
	t.Helper()
	for range 6 {
		e.eng.Pass(context.Background())
	}
}

// await polls cond until it holds (webhooks arrive asynchronously).
func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func (e *env) conn(t *testing.T, provider string) store.CRMConnection {
	t.Helper()
	c, err := e.db.CRMConnection(context.Background(), e.ws.ID, provider)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) log(t *testing.T, provider string) []store.CRMLogEntry {
	t.Helper()
	l, err := e.db.CRMLog(context.Background(), e.conn(t, provider).ID, 0, 500)
	if err != nil {
		t.Fatal(err)
	}
	return l
}

func (e *env) optIn(t *testing.T, waID string) {
	t.Helper()
	ctx := context.Background()
	var c domain.Contact
	err := e.db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		c, err = tx.UpsertContact(ctx, e.ws.ID, waID, "+"+waID, "")
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.AddConsentEvent(ctx, domain.ConsentEvent{WorkspaceID: e.ws.ID, ContactID: c.ID, Action: domain.ConsentOptIn, Source: "website",
		Wording: "Send me my quote on WhatsApp", Actor: "test"}); err != nil {
		t.Fatal(err)
	}
}

// templatesTo counts the template messages queued for a customer.
func (e *env) templatesTo(t *testing.T, waID string) int {
	t.Helper()
	var n int
	err := e.db.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE c.wa_id = $1 AND m.type = 'template'`, waID).Scan(&n)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

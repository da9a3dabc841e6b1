package broadcast_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	appSecret = "broadcast-test-app-secret"
	phoneID   = "106540352242923"
	wabaID    = "102290129340399"
	token     = "EAAG-broadcast-test-token"
	saleBody  = "Hi {{1}}, our spring sale starts today in {{2}}."
)

// receiver is the business's webhook endpoint: signature checked, stored
// through the real ingest writer.
type receiver struct{ w *ingest.Writer }

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil || !whatsapp.VerifySignature(appSecret, body, req.Header.Get(whatsapp.SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if _, _, err := r.w.Store(req.Context(), body); err != nil {
		http.Error(w, err.Error(), http.StatusServiceUnavailable)
		return
	}
}

// env is one workspace with one number, the Meta simulator behind a real
// HTTP server, the real Graph client, ingest and the broadcast service.
type env struct {
	db      *store.DB
	clock   *domain.FakeClock
	sim     *meta.Server
	applier *ingest.Applier
	svc     *broadcast.Service
	ws      domain.Workspace
	num     domain.Number
}

type envOpts struct {
	throughput int           // the simulator's mps (default 80)
	timeout    time.Duration // the Graph client's (default 5 s)
}

func newEnv(t *testing.T, db *store.DB, clock *domain.FakeClock, opts envOpts) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: clock}
	hub := realtime.NewMemory()
	t.Cleanup(func() { _ = hub.Close() })
	w := ingest.NewWriter(db, clock, nil)
	t.Cleanup(w.Close)
	recv := httptest.NewServer(&receiver{w: w})
	t.Cleanup(recv.Close)
	e.applier = ingest.NewApplier(db, hub, clock, quiet)
	e.sim = meta.New(meta.Config{AppSecret: appSecret, WebhookURL: recv.URL, Now: clock.Now, DeliveredAfter: -1, Logger: quiet,
		Throughput: opts.throughput, RetryInitial: 10 * time.Millisecond, RetryMax: 100 * time.Millisecond})
	t.Cleanup(e.sim.Close)
	simSrv := httptest.NewServer(e.sim.Handler())
	t.Cleanup(simSrv.Close)
	e.sim.AddNumber(meta.NumberSpec{WABAID: wabaID, PhoneNumberID: phoneID, DisplayPhoneNumber: "15550783882", AccessToken: token})
	timeout := opts.timeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	graph := whatsapp.NewClient(simSrv.URL, "v24.0", &http.Client{Timeout: timeout})
	box, err := secret.NewBox(bytes.Repeat([]byte{9}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if e.ws, err = db.CreateWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	sealed, err := box.Seal([]byte(token), []byte(phoneID))
	if err != nil {
		t.Fatal(err)
	}
	if e.num, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: e.ws.ID, WABAID: wabaID, PhoneNumberID: phoneID,
		DisplayPhoneNumber: "15550783882", AccessTokenEnc: sealed}); err != nil {
		t.Fatal(err)
	}
	e.svc = &broadcast.Service{DB: db, Graph: graph, Box: box, Hub: hub, Clock: clock, Log: quiet, HaltCheckEvery: -1, Batch: 200, Workers: 16}
	return e
}

// template registers an approved template at Meta and in GoHavi.
func (e *env) template(t *testing.T, name, category string) {
	t.Helper()
	comps := fmt.Sprintf(`[{"type":"BODY","text":%q,"example":{"body_text":[["Ada","Lisbon"]]}}]`, saleBody)
	st := e.sim.AddTemplate(wabaID, meta.TemplateSpec{Name: name, Language: "en", Category: category, Body: saleBody})
	if _, err := e.db.UpsertTemplate(context.Background(), domain.Template{WorkspaceID: e.ws.ID, WABAID: wabaID, MetaID: st.ID,
		Name: name, Language: "en", Category: category, Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
		t.Fatal(err)
	}
}

// contacts imports n opted-in contacts tagged tag, numbered from first.
func (e *env) contacts(t *testing.T, tag string, first, n int, optIn bool) []string {
	t.Helper()
	rows := make([]store.ContactImport, n)
	ids := make([]string, n)
	for i := range rows {
		wa := fmt.Sprintf("4477009%05d", first+i)
		ids[i] = wa
		rows[i] = store.ContactImport{WaID: wa, Phone: "+" + wa, Name: fmt.Sprintf("Customer %d", first+i), Tags: []string{tag},
			Attributes: map[string]string{"city": "Lisbon"}}
		if optIn {
			rows[i].OptInFrom, rows[i].Evidence = "signup form", "row "+wa
		}
	}
	if _, _, err := e.db.ImportContacts(context.Background(), e.ws.ID, rows, "test"); err != nil {
		t.Fatal(err)
	}
	return ids
}

// applyAll runs the applier until nothing is pending.
func (e *env) applyAll(t *testing.T) {
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

// runUntil passes the sender, applying webhooks, until done reports true.
// Between passes the clock moves to when the sender said more work is due
// (a freed messaging-limit slot a day later), or by step.
func (e *env) runUntil(t *testing.T, step time.Duration, done func() bool) {
	t.Helper()
	// A safety bound, not a timing check: the race detector on a loaded
	// 2-core machine makes 10,000 sends slow.
	deadline := time.Now().Add(15 * time.Minute)
	for !done() {
		if time.Now().After(deadline) {
			t.Fatal("broadcast did not finish in time")
		}
		next := e.svc.Pass(context.Background())
		e.applyAll(t)
		if now := e.clock.Now(); next.After(now.Add(step)) {
			e.clock.Set(next)
		} else {
			e.clock.Advance(step)
		}
	}
}

func (e *env) status(t *testing.T, id int64) (domain.Broadcast, store.BroadcastCounts) {
	t.Helper()
	b, c, err := e.svc.Counts(context.Background(), e.ws.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return b, c
}

// settled applies webhooks until cond holds: status webhooks arrive from
// the simulator asynchronously. It fails after a real-time bound.
func (e *env) settled(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not reached in time", what)
		}
		e.applyAll(t)
		time.Sleep(5 * time.Millisecond)
	}
}

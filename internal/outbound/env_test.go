package outbound_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/riverqueue/river/rivertype"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	appSecret = "outbound-test-app-secret"
	phoneID   = "106540352242922"
	wabaID    = "102290129340398"
	token     = "EAAG-outbound-test-token"
	customer  = "447700900123"
)

// waitLimit bounds every wait on an asynchronous event; tests never sleep.
const waitLimit = 30 * time.Second // generous: CI machines are shared and slow at times

// receiver is the business's webhook endpoint: it checks Meta's signature
// and stores the body through the real ingest writer, then announces it.
// With lose set it acknowledges without storing: a webhook that never
// reached us, as far as the product can tell.
type receiver struct {
	w    *ingest.Writer
	lose atomic.Bool
	got  chan []byte
}

func (r *receiver) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, err := io.ReadAll(req.Body)
	if err != nil || !whatsapp.VerifySignature(appSecret, body, req.Header.Get(whatsapp.SignatureHeader)) {
		http.Error(w, "bad signature", http.StatusUnauthorized)
		return
	}
	if !r.lose.Load() {
		if _, _, err := r.w.Store(req.Context(), body); err != nil {
			http.Error(w, err.Error(), http.StatusServiceUnavailable)
			return
		}
	}
	r.got <- body
}

// env is one workspace with one connected number, the real simulator behind
// a real HTTP server, the real Graph client, River (insert-only) and the
// real ingest writer and applier.
type env struct {
	db      *store.DB
	clock   *domain.FakeClock
	hub     *realtime.Memory
	sim     *meta.Server
	simURL  string
	recv    *receiver
	applier *ingest.Applier
	graph   *whatsapp.Client
	jobs    *jobs.Jobs
	svc     *outbound.Service
	ws      domain.Workspace
	num     domain.Number
}

type envOpts struct {
	httpTimeout time.Duration // Graph client timeout; default 5 s
	noNumber    bool          // leave the workspace without a number
}

func newEnv(t *testing.T, db *store.DB, clock *domain.FakeClock, opts envOpts) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: clock, hub: realtime.NewMemory()}
	t.Cleanup(func() { _ = e.hub.Close() })

	w := ingest.NewWriter(db, clock, nil)
	t.Cleanup(w.Close)
	e.recv = &receiver{w: w, got: make(chan []byte, 256)}
	recvSrv := httptest.NewServer(e.recv)
	t.Cleanup(recvSrv.Close)
	e.applier = ingest.NewApplier(db, e.hub, clock, quiet)

	e.sim = meta.New(meta.Config{AppSecret: appSecret, WebhookURL: recvSrv.URL, Now: clock.Now, DeliveredAfter: -1, Logger: quiet})
	t.Cleanup(e.sim.Close)
	simSrv := httptest.NewServer(e.sim.Handler())
	t.Cleanup(simSrv.Close)
	e.simURL = simSrv.URL
	e.sim.AddNumber(meta.NumberSpec{WABAID: wabaID, PhoneNumberID: phoneID, DisplayPhoneNumber: "15550783881", AccessToken: token})

	timeout := opts.httpTimeout
	if timeout == 0 {
		timeout = 5 * time.Second
	}
	e.graph = whatsapp.NewClient(simSrv.URL, "v24.0", &http.Client{Timeout: timeout})
	box, err := secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize))
	if err != nil {
		t.Fatal(err)
	}
	if e.ws, err = db.CreateWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	if !opts.noNumber {
		sealed, err := box.Seal([]byte(token), []byte(phoneID))
		if err != nil {
			t.Fatal(err)
		}
		e.num, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: e.ws.ID, WABAID: wabaID, PhoneNumberID: phoneID,
			DisplayPhoneNumber: "15550783881", AccessTokenEnc: sealed})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	if e.jobs, err = jobs.New(db, jobs.Config{Logger: quiet}); err != nil {
		t.Fatal(err)
	}
	e.svc = &outbound.Service{DB: db, Jobs: e.jobs, Graph: e.graph, Box: box, Hub: e.hub, Clock: clock, Log: quiet}
	return e
}

// awaitWebhook waits until the receiver has acknowledged a webhook whose
// body contains want, and returns that body.
func (e *env) awaitWebhook(t *testing.T, want string) []byte {
	t.Helper()
	deadline := time.After(waitLimit)
	for {
		select {
		case body := <-e.recv.got:
			if bytes.Contains(body, []byte(want)) {
				return body
			}
		case <-deadline:
			t.Fatalf("no webhook containing %q within %s", want, waitLimit)
		}
	}
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

// inbound plays the customer writing to the business: the simulator opens
// its window and sends the signed webhook, which is stored and applied.
// It returns the inbound wamid.
func (e *env) inbound(t *testing.T, from, text string) string {
	t.Helper()
	wamid, err := e.sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: phoneID, From: from, Name: "Ada Lovelace", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	e.awaitWebhook(t, wamid)
	e.applyAll(t)
	return wamid
}

// submitText queues a text to the customer and fails the test on refusal.
func (e *env) submitText(t *testing.T, text string) domain.Message {
	t.Helper()
	m, err := e.svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: "+" + customer, Type: "text", Text: text})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) message(t *testing.T, id int64) domain.Message {
	t.Helper()
	m, err := e.db.MessageByID(context.Background(), e.ws.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) sent() []meta.SentMessage { return e.sim.Sent(phoneID) }

// count runs a COUNT(*) query.
func (e *env) count(t *testing.T, query string, args ...any) int {
	t.Helper()
	var n int
	if err := e.db.R.QueryRowContext(context.Background(), query, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// jobArgs decodes the args of every River job of kind, oldest first, into
// values of T. SQLite keeps them as JSONB blobs, PostgreSQL as jsonb.
func jobArgs[T any](t *testing.T, e *env, kind string) []T {
	t.Helper()
	col := "args::text"
	if e.db.Dialect == store.SQLite {
		col = "json(args)"
	}
	rows, err := e.db.R.QueryContext(context.Background(), `SELECT `+col+` FROM river_job WHERE kind = $1 ORDER BY id`, kind)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var raw string
		var v T
		if err := rows.Scan(&raw); err != nil {
			t.Fatal(err)
		}
		dec := json.NewDecoder(strings.NewReader(raw))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&v); err != nil {
			t.Fatalf("job args %s: %v", raw, err)
		}
		out = append(out, v)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// snoozed returns the snooze River was asked for, or fails.
func snoozed(t *testing.T, err error) time.Duration {
	t.Helper()
	var se *rivertype.JobSnoozeError
	if !errors.As(err, &se) {
		t.Fatalf("want a River snooze, got %v", err)
	}
	return se.Duration
}

func wantCode(t *testing.T, err error, code domain.Code) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("want a %s error, got %v", code, err)
	}
	if de.Message == "" || de.Remedy == "" {
		t.Fatalf("%s error without message or remedy: %+v", code, de)
	}
	return de
}

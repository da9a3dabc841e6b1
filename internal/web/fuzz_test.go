package web_test

import (
	"bytes"
	"context"
	"database/sql"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/web"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// receiver is the webhook endpoint on one engine, with the applier run by
// hand after each delivery.
type receiver struct {
	engine  store.Dialect
	h       http.Handler
	applier *ingest.Applier
}

func newReceiver(tb testing.TB, engine store.Dialect) receiver {
	clock := domain.SystemClock{}
	db := storetest.Open(tb, engine, clock)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	ctx := context.Background()
	ws, err := db.CreateWorkspace(ctx, "fuzz", "Fuzz")
	if err != nil {
		tb.Fatal(err)
	}
	if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "1", PhoneNumberID: sandboxPhone, AccessTokenEnc: []byte{0}}); err != nil {
		tb.Fatal(err)
	}
	w := ingest.NewWriter(db, clock, nil)
	tb.Cleanup(w.Close)
	hub := realtime.NewMemory()
	tb.Cleanup(func() { hub.Close() })
	h, err := web.New(web.Deps{DB: db, Writer: w, Metrics: metrics.New(db, log), Clock: clock, Log: log, AppSecret: appSecret})
	if err != nil {
		tb.Fatal(err)
	}
	return receiver{engine: engine, h: h, applier: ingest.NewApplier(db, hub, clock, log)}
}

// postgresUp reports whether the test PostgreSQL answers; under CI=true it
// must.
func postgresUp(tb testing.TB) bool {
	db, err := sql.Open("pgx", storetest.PostgresURL())
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
		err = db.PingContext(ctx)
		cancel()
		db.Close()
	}
	if err != nil && os.Getenv("CI") == "true" {
		tb.Fatalf("PostgreSQL is required under CI=true: %v", err)
	}
	return err == nil
}

// FuzzWebhookReceive: whatever Meta (or an attacker holding the secret)
// sends, the receiver answers 200 or a 4xx, never a 5xx or a panic, and the
// applier copes with what was stored.
func FuzzWebhookReceive(f *testing.F) {
	for _, s := range []string{"", "{}", "null", "[]", `"x"`, "\xff\xfe", `{"object":"whatsapp_business_account","entry":null}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":"x"}]}]}`,
		`{"object":"whatsapp_business_account","entry":[{"changes":[{"field":"messages","value":{"metadata":{"phone_number_id":100000000000002},"messages":[{"from":"1","id":"w","type":"text","text":{"body":"\u0000"}}]}}]}]}`,
	} {
		f.Add([]byte(s))
	}
	f.Add(payload([]map[string]any{change(sandboxPhone, []inMsg{{"447700900701", "Fuzz", "wamid.f1", "hi"}},
		[]statusUpdate{{"wamid.f1", "read", "447700900701"}, {"wamid.none", "failed", "1"}})}))
	for _, name := range []string{"messages.json", "statuses.json"} {
		if b, err := os.ReadFile(filepath.Join("..", "whatsapp", "testdata", name)); err == nil {
			f.Add(b)
		}
	}
	var rs []receiver
	for _, e := range []store.Dialect{store.SQLite, store.Postgres} {
		if e == store.Postgres && !postgresUp(f) {
			continue
		}
		rs = append(rs, newReceiver(f, e))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, r := range rs {
			req := httptest.NewRequest(http.MethodPost, "/webhooks/whatsapp", bytes.NewReader(body))
			req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(appSecret, body))
			w := httptest.NewRecorder()
			r.h.ServeHTTP(w, req)
			if w.Code != http.StatusOK && (w.Code != http.StatusRequestEntityTooLarge || len(body) <= 4<<20) {
				t.Fatalf("%s: status %d for %q: %s", r.engine, w.Code, body, w.Body)
			}
			if _, err := r.applier.ApplyPending(context.Background()); err != nil {
				t.Fatalf("%s: applying %q: %v", r.engine, body, err)
			}
		}
	})
}

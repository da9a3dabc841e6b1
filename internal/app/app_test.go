package app_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/app"
	"github.com/gohavi/gohavi/internal/config"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

const sandboxPhone = "100000000000002"

// testEnv is the configuration of one installation: restarts reuse it.
func testEnv(t *testing.T, engine store.Dialect) map[string]string {
	env := map[string]string{
		"GOHAVI_ADDR":           "127.0.0.1:0",
		"GOHAVI_DATA_DIR":       filepath.Join(t.TempDir(), "data"),
		"GOHAVI_SECRET_KEY":     secret.GenerateKey(),
		"GOHAVI_ADMIN_EMAIL":    "owner@example.com",
		"GOHAVI_ADMIN_PASSWORD": "owner-password-1",
	}
	if engine == store.Postgres {
		env["GOHAVI_DATABASE_URL"] = storetest.NewSchema(t)
	}
	return env
}

func open(t *testing.T, env map[string]string) *app.Base {
	t.Helper()
	cfg, err := config.Load(nil, func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	b, err := app.Open(context.Background(), cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// start runs a server on env until the returned stop is called (or the
// test ends).
func start(t *testing.T, env map[string]string) (*app.Server, func()) {
	t.Helper()
	b := open(t, env)
	ctx, cancel := context.WithCancel(context.Background())
	s, err := app.NewServer(ctx, b)
	if err != nil {
		cancel()
		b.Close()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(30 * time.Second):
			t.Errorf("server did not stop within 30s")
		}
		b.Close()
	}
	t.Cleanup(stop)
	eventually(t, "sandbox number connected", func() bool {
		_, err := s.DB.NumberByPhoneNumberID(ctx, sandboxPhone)
		return err == nil
	})
	return s, stop
}

func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(15 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		<-tick.C
	}
}

// TestRestart: a second start on the same installation keeps the owner,
// the sandbox number (its sealed token still opens) and the conversations.
func TestRestart(t *testing.T) {
	t.Parallel()
	storetest.Engines(t, func(t *testing.T, engine store.Dialect) {
		t.Parallel()
		ctx := context.Background()
		env := testEnv(t, engine)
		conversations := func(s *app.Server) int {
			ws, err := s.DB.WorkspaceBySlug(ctx, app.DefaultWorkspace)
			if err != nil {
				t.Fatal(err)
			}
			cs, err := s.DB.ListConversations(ctx, ws.ID, 10)
			if err != nil {
				t.Fatal(err)
			}
			return len(cs)
		}

		s, stop := start(t, env)
		first, _ := s.DB.NumberByPhoneNumberID(ctx, sandboxPhone)
		if _, err := s.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900801", Text: "before"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "conversation before restart", func() bool { return conversations(s) == 1 })
		stop()

		s, _ = start(t, env)
		again, err := s.DB.NumberByPhoneNumberID(ctx, sandboxPhone)
		if err != nil || again.ID != first.ID {
			t.Fatalf("sandbox number after restart: %+v, %v; want id %d", again, err, first.ID)
		}
		if _, err := s.Box.Open(again.AccessTokenEnc, []byte(again.PhoneNumberID)); err != nil {
			t.Fatalf("stored token no longer opens: %v", err)
		}
		if n, err := s.DB.CountUsers(ctx); err != nil || n != 1 {
			t.Fatalf("users after restart: %d, %v", n, err)
		}
		if _, err := s.Sim.Inject(ctx, meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900801", Text: "after"}); err != nil {
			t.Fatal(err)
		}
		eventually(t, "message after restart applied", func() bool {
			total, unapplied, err := s.DB.CountWebhookEvents(ctx)
			return err == nil && total == 2 && unapplied == 0
		})
		if n := conversations(s); n != 1 {
			t.Fatalf("%d conversations after restart, want the same one", n)
		}
	})
}

// TestOneServerPerSQLiteDir: a second server on the same SQLite data dir
// is refused, while admin commands (Open) still work beside it.
func TestOneServerPerSQLiteDir(t *testing.T) {
	t.Parallel()
	env := testEnv(t, store.SQLite)
	start(t, env)
	b := open(t, env)
	defer b.Close()
	if _, _, err := b.CreateAPIKey(context.Background(), app.DefaultWorkspace, "beside a running server"); err != nil {
		t.Fatal(err)
	}
	s, err := app.NewServer(context.Background(), b)
	if err == nil || !strings.Contains(err.Error(), "another gohavi server") {
		t.Fatalf("second server: %v, %v; want it refused", s, err)
	}
}

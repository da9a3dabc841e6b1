package realtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gohavi/gohavi/internal/domain"
)

const testDDL = `CREATE TABLE realtime_events (
  id BIGSERIAL PRIMARY KEY,
  workspace_id BIGINT NOT NULL,
  type TEXT NOT NULL,
  data BYTEA NOT NULL,
  created_at BIGINT NOT NULL
)`

type pgEnv struct {
	connString string // isolated via search_path
	channel    string
	admin      *pgx.Conn
}

// newPGEnv gives the test its own schema, table and NOTIFY channel, so tests
// and concurrent runs never see each other's events.
func newPGEnv(t *testing.T) *pgEnv {
	t.Helper()
	base := os.Getenv("TEST_POSTGRES_URL")
	if base == "" {
		base = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	u, err := url.Parse(base)
	if err != nil || !strings.HasPrefix(u.Scheme, "postgres") {
		t.Fatal("TEST_POSTGRES_URL must be a postgres:// URL")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	admin, err := pgx.Connect(ctx, base)
	if err != nil {
		msg := fmt.Sprintf("postgres unreachable at %s: %v", u.Redacted(), err)
		if os.Getenv("CI") == "true" {
			t.Fatal(msg)
		}
		t.Skip(msg + " (set TEST_POSTGRES_URL; with CI=true this fails instead)")
	}
	schema := fmt.Sprintf("rt_%016x", rand.Uint64())
	for _, q := range []string{"CREATE SCHEMA " + schema, "SET search_path = " + schema, testDDL} {
		if _, err := admin.Exec(ctx, q); err != nil {
			admin.Close(ctx)
			t.Fatalf("%s: %v", q, err)
		}
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if _, err := admin.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("drop schema: %v", err)
		}
		admin.Close(ctx)
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return &pgEnv{connString: u.String(), channel: schema, admin: admin}
}

func (e *pgEnv) hub(t *testing.T, cfg PostgresConfig, hooks testHooks) *Postgres {
	t.Helper()
	cfg.ConnString, cfg.Channel = e.connString, e.channel
	cfg.Logger = slog.New(slog.NewTextHandler(t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	h, err := newPostgres(ctx, cfg, hooks)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { h.Close() })
	return h
}

func publish(t *testing.T, h Hub, ws int64, data []byte) domain.Event {
	t.Helper()
	ev, err := h.Publish(context.Background(), domain.Event{WorkspaceID: ws, Type: domain.EventMessageCreated, Data: data})
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func sameEvents(t *testing.T, who string, got, want []domain.Event) {
	t.Helper()
	for i := range want {
		g, w := got[i], want[i]
		if g.ID != w.ID || g.WorkspaceID != w.WorkspaceID || g.Type != w.Type || !bytes.Equal(g.Data, w.Data) {
			t.Fatalf("%s event %d: got id=%s ws=%d len=%d, want id=%s ws=%d len=%d",
				who, i, g.ID, g.WorkspaceID, len(g.Data), w.ID, w.WorkspaceID, len(w.Data))
		}
	}
}

func bigJSON(n int) []byte {
	return fmt.Appendf(nil, `{"text":%q}`, strings.Repeat("x", n))
}

func TestPostgresTwoNodes(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{}, testHooks{})
	b := env.hub(t, PostgresConfig{}, testHooks{})
	subA, subB, subB2 := a.Subscribe(1), b.Subscribe(1), b.Subscribe(2)

	want := []domain.Event{
		publish(t, a, 1, []byte(`{"n":1}`)),
		publish(t, a, 1, bigJSON(20000)), // beyond NOTIFY's 8000-byte payload limit
		publish(t, a, 1, nil),
		publish(t, b, 1, []byte(`{"n":4}`)),
	}
	assertIncreasing(t, want)
	sameEvents(t, "node A", recvN(t, subA, len(want), 5*time.Second), want)
	sameEvents(t, "node B", recvN(t, subB, len(want), 5*time.Second), want)
	expectNone(t, subA, 200*time.Millisecond)
	expectNone(t, subB, 0)
	expectNone(t, subB2, 0)

	ev2 := publish(t, a, 2, []byte(`{}`))
	sameEvents(t, "node B ws 2", recvN(t, subB2, 1, 5*time.Second), []domain.Event{ev2})
	expectNone(t, subA, 100*time.Millisecond)

	if err := b.Close(); err != nil {
		t.Fatal(err)
	}
	if _, ok := <-subB.C; ok || subB.Lagged() {
		t.Fatal("Close must close subscriptions without marking them lagged")
	}
	if _, err := b.Publish(context.Background(), domain.Event{WorkspaceID: 1}); !errors.Is(err, ErrClosed) {
		t.Fatalf("publish after close: %v", err)
	}
}

// holdReconnect blocks the listener's first reconnect until release is closed.
type holdReconnect struct {
	once    sync.Once
	down    chan struct{}
	release chan struct{}
}

func newHold() *holdReconnect {
	return &holdReconnect{down: make(chan struct{}), release: make(chan struct{})}
}

func (h *holdReconnect) hooks() testHooks {
	return testHooks{beforeReconnect: func(ctx context.Context) {
		h.once.Do(func() { close(h.down) })
		select {
		case <-h.release:
		case <-ctx.Done():
		}
	}}
}

func (e *pgEnv) killListener(t *testing.T, h *Postgres, hold *holdReconnect) {
	t.Helper()
	pid := h.listenPID.Load()
	if _, err := e.admin.Exec(context.Background(), "SELECT pg_terminate_backend($1)", int32(pid)); err != nil {
		t.Fatal(err)
	}
	select {
	case <-hold.down:
	case <-time.After(5 * time.Second):
		t.Fatal("listener did not notice its backend was terminated")
	}
}

func TestPostgresReconnectCatchesUp(t *testing.T) {
	env := newPGEnv(t)
	hold := newHold()
	a := env.hub(t, PostgresConfig{}, testHooks{})
	b := env.hub(t, PostgresConfig{}, hold.hooks())
	subB := b.Subscribe(1)
	first := publish(t, a, 1, nil)
	sameEvents(t, "before kill", recvN(t, subB, 1, 5*time.Second), []domain.Event{first})
	oldPID := b.listenPID.Load()

	env.killListener(t, b, hold)
	missed := []domain.Event{publish(t, a, 1, []byte(`{"n":1}`)), publish(t, a, 1, bigJSON(9000)), publish(t, a, 1, nil)}
	expectNone(t, subB, 100*time.Millisecond)
	close(hold.release)

	sameEvents(t, "after reconnect", recvN(t, subB, len(missed), 5*time.Second), missed)
	if b.listenPID.Load() == oldPID {
		t.Fatal("listener pid unchanged after reconnect")
	}
	after := publish(t, a, 1, nil)
	sameEvents(t, "re-LISTEN", recvN(t, subB, 1, 5*time.Second), []domain.Event{after})
	expectNone(t, subB, 200*time.Millisecond)
	if subB.Lagged() {
		t.Fatal("short outage must not drop subscribers")
	}
}

func TestPostgresLongOutageDropsSubscribers(t *testing.T) {
	env := newPGEnv(t)
	hold := newHold()
	b := env.hub(t, PostgresConfig{CatchUpWindow: 300 * time.Millisecond}, hold.hooks())
	sub := b.Subscribe(1)
	env.killListener(t, b, hold)
	time.Sleep(400 * time.Millisecond)
	close(hold.release)
	select {
	case _, ok := <-sub.C:
		if ok || !sub.Lagged() {
			t.Fatalf("want closed+lagged, got open=%v lagged=%v", ok, sub.Lagged())
		}
	case <-time.After(5 * time.Second):
		t.Fatal("subscriber not dropped after an outage longer than the catch-up window")
	}
}

// A row whose NOTIFY never arrived is picked up by the idle sweep.
func TestPostgresIdleSweepFindsUnnotifiedRows(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{}, testHooks{idlePoll: 50 * time.Millisecond})
	sub := a.Subscribe(3)
	var id int64
	err := env.admin.QueryRow(context.Background(),
		"INSERT INTO realtime_events(workspace_id, type, data, created_at) VALUES (3, 'silent', '{}', $1) RETURNING id",
		time.Now().UnixMilli()).Scan(&id)
	if err != nil {
		t.Fatal(err)
	}
	want := domain.Event{ID: FormatID(id), WorkspaceID: 3, Type: "silent", Data: []byte("{}")}
	sameEvents(t, "sweep", recvN(t, sub, 1, 5*time.Second), []domain.Event{want})
	expectNone(t, sub, 200*time.Millisecond)
}

func TestPostgresCleanerDeletesExpired(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{CleanInterval: 20 * time.Millisecond, Retention: time.Hour}, testHooks{})
	ctx := context.Background()
	old := time.Now().Add(-2 * time.Hour).UnixMilli()
	if _, err := env.admin.Exec(ctx, "INSERT INTO realtime_events(workspace_id, type, data, created_at) VALUES (1, 'old', '', $1)", old); err != nil {
		t.Fatal(err)
	}
	fresh := publish(t, a, 1, nil)
	deadline := time.Now().Add(5 * time.Second)
	for {
		var n int
		if err := env.admin.QueryRow(ctx, "SELECT count(*) FROM realtime_events WHERE type = 'old'").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("expired row not deleted")
		}
		time.Sleep(20 * time.Millisecond)
	}
	var n int
	if err := env.admin.QueryRow(ctx, "SELECT count(*) FROM realtime_events WHERE id = $1", mustParse(t, fresh.ID)).Scan(&n); err != nil || n != 1 {
		t.Fatalf("fresh row gone: n=%d err=%v", n, err)
	}
}

func mustParse(t *testing.T, id string) int64 {
	t.Helper()
	v, err := ParseID(id)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

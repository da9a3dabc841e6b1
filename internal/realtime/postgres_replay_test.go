package realtime

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/gohavi/gohavi/internal/domain"
)

// beginLate inserts an event in a transaction left open, the way a slow
// publisher holds an id that is not visible yet.
func (e *pgEnv) beginLate(t *testing.T, h *Postgres, ws int64) (pgx.Tx, domain.Event) {
	t.Helper()
	ctx := context.Background()
	conn, err := pgx.Connect(ctx, e.connString)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	tx, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	late := domain.Event{WorkspaceID: ws, Type: "late", Data: []byte(`{"late":true}`)}
	var id int64
	if err := tx.QueryRow(ctx, h.sql.insert, late.WorkspaceID, late.Type, late.Data, time.Now().UnixMilli(), e.channel).
		Scan(&id, nil); err != nil {
		t.Fatal(err)
	}
	late.ID = FormatID(id)
	return tx, late
}

// A lower id that commits after a higher one is delivered first: the node
// holds the higher one back, and Since does not run ahead of it either, so
// a client resuming in between can never skip the lower one.
func TestPostgresLateCommitDeliveredInOrder(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{SettleLag: time.Minute}, testHooks{})
	sub := a.Subscribe(1)
	tx, late := env.beginLate(t, a, 1)
	early := publish(t, a, 1, nil)
	expectNone(t, sub, 300*time.Millisecond)
	wantSince(t, a, 1, FormatID(sub.Start()), 10, nil)

	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	sameEvents(t, "in order", recvN(t, sub, 2, 5*time.Second), []domain.Event{late, early})
	wantSince(t, a, 1, FormatID(sub.Start()), 10, []domain.Event{late, early})
	next := publish(t, a, 1, nil)
	sameEvents(t, "next", recvN(t, sub, 1, 5*time.Second), []domain.Event{next})
	expectNone(t, sub, 200*time.Millisecond)
}

// An id whose transaction stays open longer than SettleLag is given up on,
// so it stalls delivery only that long. If it commits after all, it is
// delivered once, out of order, and below the Start of anyone who
// subscribed meanwhile: the SSE handler turns that into a re-sync.
func TestPostgresVeryLateCommit(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{SettleLag: 200 * time.Millisecond}, testHooks{})
	sub := a.Subscribe(1)
	tx, late := env.beginLate(t, a, 1)
	early := publish(t, a, 1, nil)
	began := time.Now()
	sameEvents(t, "early", recvN(t, sub, 1, 5*time.Second), []domain.Event{early})
	if waited := time.Since(began); waited < 150*time.Millisecond {
		t.Fatalf("early delivered after %v, before the settle lag", waited)
	}
	later := a.Subscribe(1)
	if later.Start() != mustParse(t, early.ID) {
		t.Fatalf("start %d, want %s", later.Start(), early.ID)
	}

	if err := tx.Commit(context.Background()); err != nil {
		t.Fatal(err)
	}
	for _, s := range []*Subscription{sub, later} {
		got := recvN(t, s, 1, 5*time.Second)
		sameEvents(t, "very late", got, []domain.Event{late})
		if mustParse(t, got[0].ID) > later.Start() {
			t.Fatal("a very late event must come below the start of later subscriptions")
		}
	}
	next := publish(t, a, 1, nil)
	sameEvents(t, "next", recvN(t, sub, 1, 5*time.Second), []domain.Event{next})
	expectNone(t, sub, 200*time.Millisecond)
}

// Since reads the shared table, so a client resumes on another node; it
// stops at what that node has delivered.
func TestPostgresSinceAcrossNodes(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{}, testHooks{})
	b := env.hub(t, PostgresConfig{}, testHooks{})
	subB := b.Subscribe(1)
	start := FormatID(subB.Start())
	var ws1 []domain.Event
	for i := range 4 {
		ws1 = append(ws1, publish(t, a, 1, bigJSON(i*5000)))
		publish(t, a, 2, nil)
	}
	sameEvents(t, "live on B", recvN(t, subB, len(ws1), 5*time.Second), ws1)

	wantSince(t, b, 1, start, 100, ws1)
	wantSince(t, b, 1, ws1[0].ID, 100, ws1[1:])
	wantSince(t, b, 1, ws1[0].ID, 2, ws1[1:3])
	wantSince(t, b, 1, ws1[3].ID, 100, nil)
	wantSince(t, b, 3, start, 100, nil)
	wantLost(t, b, 1, mustParse(t, ws1[3].ID)+10) // never issued
}

// Expiry removes a prefix of ids, and Since tells a client behind it that
// it lost events, while one that had seen the removed rows lost nothing.
func TestPostgresSinceAfterExpiry(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{Retention: time.Hour}, testHooks{})
	sub := a.Subscribe(1)
	start := sub.Start()
	evs := []domain.Event{publish(t, a, 1, nil), publish(t, a, 1, nil), publish(t, a, 1, nil), publish(t, a, 1, nil)}
	recvN(t, sub, len(evs), 5*time.Second)
	ctx := context.Background()
	age := func(ev domain.Event, d time.Duration) {
		t.Helper()
		if _, err := env.admin.Exec(ctx, "UPDATE realtime_events SET created_at = $1 WHERE id = $2",
			time.Now().Add(-d).UnixMilli(), mustParse(t, ev.ID)); err != nil {
			t.Fatal(err)
		}
	}
	clean := func() {
		t.Helper()
		if err := a.clean(ctx, time.Now()); err != nil {
			t.Fatal(err)
		}
	}

	age(evs[1], 2*time.Hour) // a skewed clock: evs[0] is still fresh, so nothing goes
	clean()
	wantSince(t, a, 1, FormatID(start), 10, evs)

	age(evs[0], 2*time.Hour)
	clean()
	wantLost(t, a, 1, start)
	wantLost(t, a, 1, mustParse(t, evs[0].ID))
	wantSince(t, a, 1, evs[1].ID, 10, evs[2:])

	for _, ev := range evs {
		age(ev, 2*time.Hour)
	}
	clean() // the newest row stays, to remember where the ids had got to
	wantLost(t, a, 1, mustParse(t, evs[1].ID))
	wantSince(t, a, 1, evs[2].ID, 10, evs[3:])
	wantSince(t, a, 1, evs[3].ID, 10, nil)
}

// A missing id whose row commits without a NOTIFY is found by asking for
// the gap again before giving up on it, and still comes in order.
func TestPostgresGapFoundWithoutNotify(t *testing.T) {
	env := newPGEnv(t)
	a := env.hub(t, PostgresConfig{SettleLag: 500 * time.Millisecond}, testHooks{})
	sub := a.Subscribe(1)
	ctx := context.Background()
	tx, err := env.admin.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var id int64
	if err := tx.QueryRow(ctx, "INSERT INTO realtime_events(workspace_id, type, data, created_at) VALUES (1, 'silent', '{}', $1) RETURNING id",
		time.Now().UnixMilli()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	silent := domain.Event{ID: FormatID(id), WorkspaceID: 1, Type: "silent", Data: []byte("{}")}
	early := publish(t, a, 1, nil)
	expectNone(t, sub, 100*time.Millisecond) // early is fetched and held
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	// Given up on, silent would come after early.
	sameEvents(t, "in order", recvN(t, sub, 2, 5*time.Second), []domain.Event{silent, early})
}

// After an outage longer than the catch-up window the node drops its
// subscribers instead of replaying to them; their clients resume through
// Since, which reads the table, and then continue live.
func TestPostgresLongOutageClientsResume(t *testing.T) {
	env := newPGEnv(t)
	hold := newHold()
	a := env.hub(t, PostgresConfig{}, testHooks{})
	b := env.hub(t, PostgresConfig{CatchUpWindow: 300 * time.Millisecond}, hold.hooks())
	sub := b.Subscribe(1)
	start := FormatID(sub.Start())
	env.killListener(t, b, hold)
	missed := []domain.Event{publish(t, a, 1, nil), publish(t, a, 2, nil), publish(t, a, 1, []byte(`{"n":3}`))}
	time.Sleep(400 * time.Millisecond)
	close(hold.release)
	for range sub.C {
	}
	if !sub.Lagged() {
		t.Fatal("subscriber not dropped")
	}

	again := b.Subscribe(1)
	if again.Start() < mustParse(t, missed[2].ID) {
		t.Fatalf("start %d: the node did not move past what it skipped", again.Start())
	}
	wantSince(t, b, 1, start, 10, []domain.Event{missed[0], missed[2]})
	live := publish(t, a, 1, nil)
	sameEvents(t, "live", recvN(t, again, 1, 5*time.Second), []domain.Event{live})
}

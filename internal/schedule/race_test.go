package schedule_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/schedule"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestTwoNodesSendEachOnce: two nodes, each with its own database handle
// and send pipeline, work the same due messages at once while the clock
// jumps past their claims, so a node's claim is taken over while it is
// still sending. Every message is stored exactly once, and its row names
// it. (SQLite runs one node by construction; there the two loops share
// the handle.)
func TestTwoNodesSendEachOnce(t *testing.T) {
	t.Parallel()
	storetest.Engines(t, func(t *testing.T, engine store.Dialect) {
		ctx := context.Background()
		clock := domain.NewFakeClock(storetest.T0)
		var dbA, dbB *store.DB
		if engine == store.Postgres {
			dsn := storetest.NewSchema(t)
			dbA, dbB = openDB(t, dsn, clock), openDB(t, dsn, clock)
			if err := dbA.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
		} else {
			dbA = storetest.Open(t, engine, clock)
			dbB = dbA
		}
		e := newEnv(t, dbA, clock)
		nodeA := e.service("node-a")
		nodeB := &schedule.Service{DB: dbB, Send: sender(t, dbB, clock, e.hub), Hub: e.hub, Clock: clock, Log: quiet, Node: "node-b"}
		const n = 40
		ids := map[int64]bool{}
		for range n {
			ids[e.schedule(t, time.Minute, "once").Message.ID] = true
		}
		clock.Advance(time.Minute)

		// Claims last 2 minutes. Between its passes each node moves the
		// clock on by 3, so the other may take over messages it has
		// claimed and may be sending right now. Ten jumps stay within
		// MaxLate, so none fails as missed.
		var wg sync.WaitGroup
		for _, s := range []*schedule.Service{nodeA, nodeB} {
			wg.Go(func() {
				for range 5 {
					if _, err := s.SendDue(ctx); err != nil {
						t.Error(err)
					}
					clock.Advance(3 * time.Minute)
				}
			})
		}
		wg.Wait()
		// Whatever a node was still holding when it stopped is settled by
		// the next pass after its claim ran out.
		clock.Advance(3 * time.Minute)
		e.sendDue(t, nodeA)

		out := e.outbound(t)
		if len(out) != n {
			t.Fatalf("%d messages stored for %d scheduled", len(out), n)
		}
		byMessage := map[int64]int64{}
		takenOver := 0
		for id := range ids {
			m := e.scheduled(t, id)
			if m.Attempts > 1 {
				takenOver++
			}
			if m.Status != domain.ScheduledSent || m.MessageID == 0 {
				t.Fatalf("scheduled %d: %+v", id, m)
			}
			if other, dup := byMessage[m.MessageID]; dup {
				t.Fatalf("scheduled %d and %d both became message %d", id, other, m.MessageID)
			}
			byMessage[m.MessageID] = id
		}
		t.Logf("%d of %d messages were claimed more than once", takenOver, n)
		for _, m := range out {
			if _, ok := byMessage[m.ID]; !ok {
				t.Fatalf("message %d belongs to no scheduled row", m.ID)
			}
		}
	})
}

func openDB(t *testing.T, dsn string, clock domain.Clock) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// TestTakeoverMidSend: node A claims a message and is inside the send's
// transaction (held at the conversation's row lock) when its claim runs
// out and node B takes the message over and sends it too. Whichever
// commits first, one message is stored and the row names it: the other
// transaction finds the row no longer its own and rolls back.
// PostgreSQL only: SQLite's single writer cannot have two sends open.
func TestTakeoverMidSend(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := domain.NewFakeClock(storetest.T0)
	dsn := storetest.NewSchema(t)
	nameA := fmt.Sprintf("gohavi-sched-a-%d", time.Now().UnixNano())
	dbA, dbB := openDB(t, dsn+"&application_name="+nameA, clock), openDB(t, dsn, clock)
	if err := dbA.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, dbA, clock)
	nodeA := e.service("node-a")
	nodeB := &schedule.Service{DB: dbB, Send: sender(t, dbB, clock, e.hub), Hub: e.hub, Clock: clock, Log: quiet, Node: "node-b"}
	c := e.schedule(t, time.Minute, "once, whoever wins")
	clock.Advance(time.Minute)

	// The test holds the conversation's row: both sends stop there.
	lock, err := dbB.W.BeginTx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer lock.Rollback()
	if _, err := lock.ExecContext(ctx, `SELECT id FROM conversations WHERE id = $1 FOR UPDATE`, e.conv.ID); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	wg.Go(func() {
		if _, err := nodeA.SendDue(ctx); err != nil {
			t.Error(err)
		}
	})
	waitUntil(t, "node A waits on the conversation's lock", func() bool {
		var n int
		err := dbB.R.QueryRowContext(ctx, `SELECT COUNT(*) FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'`, nameA).Scan(&n)
		return err == nil && n > 0
	})
	clock.Advance(3 * time.Minute) // node A's claim runs out
	wg.Go(func() {
		if _, err := nodeB.SendDue(ctx); err != nil {
			t.Error(err)
		}
	})
	waitUntil(t, "node B takes the message over", func() bool {
		m := e.scheduled(t, c.Message.ID)
		return m.Attempts == 2
	})
	if err := lock.Rollback(); err != nil {
		t.Fatal(err)
	}
	wg.Wait()
	out := e.outbound(t)
	m := e.scheduled(t, c.Message.ID)
	if len(out) != 1 || m.Status != domain.ScheduledSent || m.MessageID != out[0].ID {
		t.Fatalf("stored %d messages; row %+v", len(out), m)
	}
}

// waitUntil polls cond (other goroutines' progress, not the clock).
func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for: %s", what)
		}
		<-tick.C
	}
}

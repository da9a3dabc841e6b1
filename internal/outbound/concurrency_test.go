package outbound_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

const (
	raceSenders = 40 // distinct opted-in customers, one goroutine each
	raceFree    = 15 // slots left in the tier
)

// raceTemplates sends one template per customer from raceSenders
// goroutines started together, spread round-robin over svcs, and returns
// how many were accepted. Every refusal must be tier_exhausted, fully
// explained.
func raceTemplates(t *testing.T, e *env, svcs []*outbound.Service) int {
	t.Helper()
	body := []byte(`{"name":"order_update","language":"en","parameters":["Ada","A-1"]}`)
	start := make(chan struct{})
	errs := make([]error, raceSenders)
	var wg sync.WaitGroup
	for i := range raceSenders {
		svc := svcs[i%len(svcs)]
		wg.Go(func() {
			<-start
			_, errs[i] = svc.Submit(context.Background(), outbound.Request{WorkspaceID: e.ws.ID, To: raceWaID(i), Type: "template", Body: body})
		})
	}
	close(start)
	wg.Wait()
	accepted := 0
	for i, err := range errs {
		if err == nil {
			accepted++
			continue
		}
		var de *domain.Error
		if !errors.As(err, &de) || de.Code != domain.CodeTierExhausted || de.Message == "" || de.Remedy == "" {
			t.Errorf("sender %d: want a tier_exhausted refusal with message and remedy, got %v", i, err)
		}
	}
	return accepted
}

func raceWaID(i int) string { return fmt.Sprintf("4477007%05d", i) }

// raceSetup seeds the template, the tier with only raceFree slots left,
// and raceSenders opted-in customers who never wrote.
func raceSetup(t *testing.T, e *env) {
	t.Helper()
	seedTemplate(t, e, "order_update", "UTILITY", "APPROVED", time.Time{})
	if err := e.db.SetPortfolioTier(context.Background(), wabaID, "TIER_250"); err != nil {
		t.Fatal(err)
	}
	fillSlots(t, e.db, e.clock.Now(), 250-raceFree, 250)
	for i := range raceSenders {
		optIn(t, e, raceWaID(i))
	}
}

// raceCheckStore checks what was stored: exactly the accepted messages,
// and no more counted customers than the limit.
func raceCheckStore(t *testing.T, e *env, accepted int) {
	t.Helper()
	if accepted != raceFree {
		t.Fatalf("%d of %d concurrent templates accepted with %d slots left; want exactly %d", accepted, raceSenders, raceFree, raceFree)
	}
	if n := e.count(t, `SELECT COUNT(*) FROM messages WHERE direction = 'outbound'`); n != raceFree {
		t.Fatalf("%d messages stored, want %d", n, raceFree)
	}
	used, _, _, err := e.db.TierUsage(context.Background(), wabaID, "", e.clock.Now())
	if err != nil || used != 250 {
		t.Fatalf("tier usage %d (%v), want exactly 250", used, err)
	}
}

// TestTierSlotsUnderConcurrentSubmits: 40 concurrent templates to distinct
// opted-in customers outside any window, 15 slots left: exactly 15 go.
func TestTierSlotsUnderConcurrentSubmits(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		raceSetup(t, e)
		raceCheckStore(t, e, raceTemplates(t, e, []*outbound.Service{e.svc}))
	})
}

// TestTierSlotsAcrossTwoNodes: two nodes (each its own store.DB and
// outbound.Service) on one PostgreSQL schema race for the last slots and
// never overshoot by even one.
func TestTierSlotsAcrossTwoNodes(t *testing.T) {
	url := storetest.NewSchema(t)
	ctx := context.Background()
	clock := domain.NewFakeClock(storetest.T0)
	open := func() *store.DB {
		db, err := store.Open(ctx, url, clock)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { db.Close() })
		return db
	}
	db1, db2 := open(), open()
	if err := db1.Migrate(ctx); err != nil {
		t.Fatal(err)
	}
	e := newEnv(t, db1, clock, envOpts{})
	raceSetup(t, e)
	jobs2, err := jobs.New(db2, jobs.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	node2 := *e.svc
	node2.DB, node2.Jobs = db2, jobs2
	raceCheckStore(t, e, raceTemplates(t, e, []*outbound.Service{e.svc, &node2}))
}

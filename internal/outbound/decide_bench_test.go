package outbound_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// BenchmarkDecide measures policy decisions per second with their facts
// loaded from the store (Check: validate, facts, template, Decide; nothing
// sent or stored), for templates to random customers among
// BENCH_CONTACTS (default 1,000,000) contacts. A tenth of them have an
// opt-in event, a twentieth wrote within the last day, and 200 slots of a
// TIER_250 are in use. BENCH_ENGINE=postgres runs it on PostgreSQL.
// The baseline, measured in the same run on the same data, is one indexed
// contact lookup: "ratio" is decisions/s over lookups/s, what a whole
// decision costs in point reads.
//
//	go test -run '^$' -bench BenchmarkDecide -benchtime 20000x ./internal/outbound/
//
// Benchmarks run only with -bench, so plain go test never seeds.
func BenchmarkDecide(b *testing.B) {
	n := 1_000_000
	if s := os.Getenv("BENCH_CONTACTS"); s != "" {
		v, err := strconv.Atoi(s)
		if err != nil || v < 1 {
			b.Fatalf("BENCH_CONTACTS=%q", s)
		}
		n = v
	}
	engine := store.SQLite
	if strings.EqualFold(os.Getenv("BENCH_ENGINE"), "postgres") {
		engine = store.Postgres
	}
	ctx := context.Background()
	clock := domain.NewFakeClock(storetest.T0)
	db := storetest.Open(b, engine, clock)
	ws, err := db.CreateWorkspace(ctx, "default", "Default")
	if err != nil {
		b.Fatal(err)
	}
	if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: wabaID, PhoneNumberID: phoneID,
		DisplayPhoneNumber: "15550783881", AccessTokenEnc: []byte("unused")}); err != nil {
		b.Fatal(err)
	}
	comps := fmt.Sprintf(`[{"type":"BODY","text":%q,"example":{"body_text":[["Ada","A-1"]]}}]`, orderBody)
	if _, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: ws.ID, WABAID: wabaID, MetaID: "9order_update",
		Name: "order_update", Language: "en", Category: "UTILITY", Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
		b.Fatal(err)
	}
	if err := db.SetPortfolioTier(ctx, wabaID, "TIER_250"); err != nil {
		b.Fatal(err)
	}

	began := time.Now()
	seedContacts(b, db, ws.ID, n)
	seeded := time.Since(began)
	fillSlots(b, db, clock.Now(), 200, 250)
	clock.Advance(time.Hour)

	baseline := contactLookups(b, db, ws.ID, n)
	svc := &outbound.Service{DB: db, Clock: clock, Log: quiet}
	rng := rand.New(rand.NewPCG(1, 2))
	allowed := 0
	b.ResetTimer()
	for b.Loop() {
		body, _ := json.Marshal(map[string]any{"name": "order_update", "language": "en", "parameters": []string{"Ada", "A-1"}})
		d, err := svc.Check(ctx, outbound.Request{WorkspaceID: ws.ID, To: benchWaID(rng.IntN(n)), Type: "template", Body: body})
		if err != nil {
			b.Fatal(err)
		}
		if d.Allowed {
			allowed++
		} else if d.Code == "" || d.Message == "" || d.Remedy == "" {
			b.Fatalf("refusal without explanation: %+v", d)
		}
	}
	perSec := float64(b.N) / b.Elapsed().Seconds()
	b.ReportMetric(perSec, "decisions/s")
	b.ReportMetric(baseline, "lookups/s")
	b.ReportMetric(perSec/baseline, "ratio")
	b.ReportMetric(seeded.Seconds(), "seed-s")
	b.ReportMetric(float64(n), "contacts")
	if allowed == 0 && b.N > 100 {
		b.Fatalf("no decision allowed in %d: the seeding is wrong", b.N)
	}
}

// contactLookups measures the baseline: random contacts read by wa_id.
func contactLookups(b *testing.B, db *store.DB, workspaceID int64, n int) float64 {
	b.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	const reads = 5_000
	began := time.Now()
	for range reads {
		if _, err := db.ContactByWaID(context.Background(), workspaceID, benchWaID(rng.IntN(n))); err != nil {
			b.Fatal(err)
		}
	}
	return reads / time.Since(began).Seconds()
}

func benchWaID(i int) string { return fmt.Sprintf("44700%07d", i) }

// seedContacts inserts n contacts in transactions of 10,000 rows (multi-row
// INSERTs of 1,000), then opt-in events for every tenth and a conversation
// open since an hour ago for every twentieth, in set-based statements.
func seedContacts(b *testing.B, db *store.DB, workspaceID int64, n int) {
	b.Helper()
	ctx := context.Background()
	now := domain.Millis(db.Clock.Now())
	const perTx, perStmt = 10_000, 1_000
	var sb strings.Builder
	for lo := 0; lo < n; lo += perTx {
		err := db.WithTx(ctx, func(tx *store.Tx) error {
			for s := lo; s < min(lo+perTx, n); s += perStmt {
				sb.Reset()
				sb.WriteString("INSERT INTO contacts(workspace_id, wa_id, phone, name, created_at, updated_at) VALUES ")
				for i := s; i < min(s+perStmt, n); i++ {
					if i > s {
						sb.WriteByte(',')
					}
					wa := benchWaID(i)
					fmt.Fprintf(&sb, "(%d,'%s','+%s','',%d,%d)", workspaceID, wa, wa, now, now)
				}
				if _, err := tx.SQL().ExecContext(ctx, sb.String()); err != nil {
					return err
				}
			}
			return nil
		})
		if err != nil {
			b.Fatal(err)
		}
	}
	numberID := 0
	if err := db.R.QueryRowContext(ctx, `SELECT id FROM numbers WHERE workspace_id = $1`, workspaceID).Scan(&numberID); err != nil {
		b.Fatal(err)
	}
	wrote := now - time.Hour.Milliseconds()
	for _, q := range []string{
		fmt.Sprintf(`INSERT INTO consent_events(workspace_id, contact_id, action, source, created_at)
			SELECT workspace_id, id, 'opt_in', 'bench', %d FROM contacts WHERE workspace_id = %d AND id %% 10 = 0`, now, workspaceID),
		fmt.Sprintf(`INSERT INTO conversations(workspace_id, number_id, contact_id, last_message_at, last_inbound_at, window_expires_at, created_at, updated_at)
			SELECT workspace_id, %d, id, %d, %d, %d, %d, %d FROM contacts WHERE workspace_id = %d AND id %% 20 = 1`,
			numberID, wrote, wrote, domain.Millis(domain.WindowExpiry(domain.FromMillis(wrote))), now, now, workspaceID),
		`ANALYZE`,
	} {
		if _, err := db.W.ExecContext(ctx, q); err != nil {
			b.Fatal(err)
		}
	}
}

package numbers_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Connecting checks the token against the (simulated) Graph API, stores it
// sealed, and records the portfolio's messaging limit; the refresh job
// reads the limit again when Meta changes it.
func TestConnectAndRefresh(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		sim := meta.New(meta.Config{AppSecret: "s", DefaultTier: "TIER_2K"})
		t.Cleanup(sim.Close)
		srv := httptest.NewServer(sim.Handler())
		t.Cleanup(srv.Close)
		box, _ := secret.NewBox(bytes.Repeat([]byte{5}, secret.KeySize))
		svc := &numbers.Service{DB: db, Graph: whatsapp.NewClient(srv.URL, "v25.0", nil), Box: box}
		ws, _ := db.CreateWorkspace(ctx, "w", "W")
		n := sim.AddNumber(meta.NumberSpec{VerifiedName: "Shop"})

		_, err := svc.Connect(ctx, numbers.ConnectRequest{WorkspaceID: ws.ID, WABAID: n.WABAID, PhoneNumberID: n.PhoneNumberID, AccessToken: "wrong"})
		if domain.ErrorCode(err) != domain.CodeMetaRejected {
			t.Fatalf("bad token: %v", err)
		}
		if list, _ := db.ListNumbers(ctx, ws.ID); len(list) != 0 {
			t.Fatalf("stored after a refusal: %+v", list)
		}
		num, err := svc.Connect(ctx, numbers.ConnectRequest{WorkspaceID: ws.ID, WABAID: n.WABAID, PhoneNumberID: n.PhoneNumberID, AccessToken: n.AccessToken})
		if err != nil || num.VerifiedName != "Shop" {
			t.Fatalf("connect: %+v %v", num, err)
		}
		if tier, _ := db.PortfolioTier(ctx, n.WABAID); tier != "TIER_2K" {
			t.Fatalf("tier after connect: %q", tier)
		}
		if plain, err := box.Open(num.AccessTokenEnc, []byte(n.PhoneNumberID)); err != nil || string(plain) != n.AccessToken {
			t.Fatalf("token not sealed to its number: %v", err)
		}
		if err := sim.SetPortfolioTier("", n.WABAID, "TIER_10K"); err != nil {
			t.Fatal(err)
		}
		if err := (&numbers.RefreshWorker{S: svc}).Work(ctx, &river.Job[numbers.RefreshArgs]{}); err != nil {
			t.Fatal(err)
		}
		if tier, _ := db.PortfolioTier(ctx, n.WABAID); tier != "TIER_10K" {
			t.Fatalf("tier after refresh: %q", tier)
		}
	})
}

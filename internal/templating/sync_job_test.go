package templating_test

import (
	"bytes"
	"context"
	"net/http/httptest"
	"testing"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// The periodic job reads every account's templates from the (simulated)
// Graph API into the store.
func TestSyncWorkerVisitsEveryAccount(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		sim := meta.New(meta.Config{AppSecret: "s"})
		t.Cleanup(sim.Close)
		srv := httptest.NewServer(sim.Handler())
		t.Cleanup(srv.Close)
		box, err := secret.NewBox(bytes.Repeat([]byte{3}, secret.KeySize))
		if err != nil {
			t.Fatal(err)
		}
		for _, slug := range []string{"a", "b"} {
			ws, _ := db.CreateWorkspace(ctx, slug, slug)
			n := sim.AddNumber(meta.NumberSpec{})
			sim.AddTemplate(n.WABAID, meta.TemplateSpec{Name: "hello_" + slug, Language: "en", Category: "UTILITY", Body: "Hello {{1}}"})
			sealed, _ := box.Seal([]byte(n.AccessToken), []byte(n.PhoneNumberID))
			if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: n.WABAID, PhoneNumberID: n.PhoneNumberID, AccessTokenEnc: sealed}); err != nil {
				t.Fatal(err)
			}
		}
		svc := &templating.Service{DB: db, Graph: whatsapp.NewClient(srv.URL, "v25.0", nil), Box: box, Clock: clock}
		if err := (&templating.SyncWorker{S: svc}).Work(ctx, &river.Job[templating.SyncArgs]{}); err != nil {
			t.Fatal(err)
		}
		for _, slug := range []string{"a", "b"} {
			ws, _ := db.WorkspaceBySlug(ctx, slug)
			list, err := db.ListTemplates(ctx, ws.ID)
			if err != nil || len(list) != 1 || list[0].Name != "hello_"+slug || list[0].Status != "APPROVED" {
				t.Fatalf("workspace %s: %+v %v", slug, list, err)
			}
		}
		opts := templating.SyncArgs{}.InsertOpts()
		if opts.Queue == "" || !opts.UniqueOpts.ByArgs {
			t.Fatalf("insert options: %+v", opts)
		}
	})
}

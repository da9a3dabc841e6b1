package templating_test

import (
	"context"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

func body(text string) []templates.Component {
	return []templates.Component{{Type: templates.ComponentBody, Text: text}}
}

// Create lints before calling Meta and stores what Meta answered; Sync
// reads every WABA of the workspace. Against the real simulator.
func TestCreateAndSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		sim := meta.New(meta.Config{AppSecret: "s", Now: clock.Now}) // review takes 2 s of the fake clock
		t.Cleanup(sim.Close)
		srv := httptest.NewServer(sim.Handler())
		t.Cleanup(srv.Close)
		box, err := secret.NewBox(mustKey(t))
		if err != nil {
			t.Fatal(err)
		}
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		empty, _ := db.CreateWorkspace(ctx, "b", "B")
		first := sim.AddNumber(meta.NumberSpec{})
		second := sim.AddNumber(meta.NumberSpec{}) // another WABA
		for _, n := range []meta.Number{first, second} {
			sealed, _ := box.Seal([]byte(n.AccessToken), []byte(n.PhoneNumberID))
			if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: n.WABAID, PhoneNumberID: n.PhoneNumberID, AccessTokenEnc: sealed}); err != nil {
				t.Fatal(err)
			}
		}
		sim.AddTemplate(second.WABAID, meta.TemplateSpec{Name: "hallo", Language: "de", Category: "MARKETING", Status: "REJECTED", Body: "Hallo {{1}}"})
		s := &templating.Service{DB: db, Graph: whatsapp.NewClient(srv.URL, "v25.0", nil), Box: box, Clock: clock}

		bad := templates.Template{Name: "Bad Name", Language: "en_US", Category: "UTILITY", Components: body("{{1}}")}
		_, rep, err := s.Create(ctx, ws.ID, 0, bad)
		if domain.ErrorCode(err) != domain.CodeInvalidArgument || rep.OK() || len(sim.Templates(first.WABAID)) != 0 {
			t.Fatalf("lint: %v %+v", err, rep)
		}
		good := templates.Template{Name: "order_update", Language: "en_US", Category: "UTILITY", Components: body("Your order has shipped today.")}
		if _, _, err := s.Create(ctx, empty.ID, 0, good); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("no number: %v", err)
		}
		tpl, rep, err := s.Create(ctx, ws.ID, 0, good)
		if err != nil || !rep.OK() || tpl.ID == 0 || tpl.Status != "PENDING" || tpl.MetaID == "" || tpl.WABAID != first.WABAID {
			t.Fatalf("create: %v %+v", err, tpl)
		}
		if got := sim.Templates(first.WABAID); len(got) != 1 || got[0].Name != "order_update" {
			t.Fatalf("at Meta: %+v", got)
		}
		if _, _, err := s.Create(ctx, ws.ID, 0, good); domain.ErrorCode(err) == "" {
			t.Fatal("a duplicate name and language was accepted")
		}

		clock.Advance(3 * time.Second) // Meta's review is done
		n, err := s.Sync(ctx, ws.ID)
		if err != nil || n != 2 {
			t.Fatalf("sync: %d %v", n, err)
		}
		if list, _ := db.ListTemplates(ctx, ws.ID); len(list) != 2 {
			t.Fatalf("list %+v", list)
		}
		h, err := db.TemplateByName(ctx, ws.ID, second.WABAID, "hallo", "de")
		if err != nil || h.Status != "REJECTED" || h.Category != "MARKETING" || h.MetaID == "" || string(h.Components) == "[]" {
			t.Fatalf("synced: %v %+v", err, h)
		}
		ok, _ := db.TemplateByName(ctx, ws.ID, first.WABAID, "order_update", "en_US")
		if ok.Status != "APPROVED" {
			t.Fatalf("reviewed template after sync: %s", ok.Status)
		}

		// Meta unreachable: a clear "unavailable", nothing stored.
		srv.Close()
		other := templates.Template{Name: "another_one", Language: "en_US", Category: "UTILITY", Components: body("Your order has shipped today.")}
		if _, _, err := s.Create(ctx, ws.ID, 0, other); domain.ErrorCode(err) != domain.CodeUnavailable {
			t.Fatalf("graph down: %v", err)
		}
	})
}

func mustKey(t *testing.T) []byte {
	t.Helper()
	k, err := secret.ParseKey(secret.GenerateKey())
	if err != nil {
		t.Fatal(err)
	}
	return k
}

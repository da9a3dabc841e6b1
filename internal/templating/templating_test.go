package templating_test

import (
	"context"
	"errors"
	"testing"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/templates"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

type fakeGraph struct {
	created []string // token/waba/name
	list    map[string][]templates.Template
	err     error
}

func (g *fakeGraph) CreateTemplate(_ context.Context, token, waba string, t templates.Template) (whatsapp.CreatedTemplate, error) {
	if g.err != nil {
		return whatsapp.CreatedTemplate{}, g.err
	}
	g.created = append(g.created, token+"/"+waba+"/"+t.Name)
	return whatsapp.CreatedTemplate{ID: "m-" + t.Name, Status: "PENDING", Category: string(t.Category)}, nil
}

func (g *fakeGraph) AllTemplates(_ context.Context, token, waba string) ([]templates.Template, error) {
	if token != "tok-"+waba {
		return nil, errors.New("wrong token " + token)
	}
	return g.list[waba], g.err
}

func body(text string) []templates.Component {
	return []templates.Component{{Type: templates.ComponentBody, Text: text}}
}

func TestCreateAndSync(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		box, err := secret.NewBox(mustKey(t))
		if err != nil {
			t.Fatal(err)
		}
		ws, _ := db.CreateWorkspace(ctx, "a", "A")
		empty, _ := db.CreateWorkspace(ctx, "b", "B")
		for i, n := range []struct{ waba, phone string }{{"w1", "p1"}, {"w1", "p2"}, {"w2", "p3"}} {
			sealed, err := box.Seal([]byte("tok-"+n.waba), []byte(n.phone))
			if err != nil {
				t.Fatal(err)
			}
			if _, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: n.waba, PhoneNumberID: n.phone, AccessTokenEnc: sealed}); err != nil {
				t.Fatalf("number %d: %v", i, err)
			}
		}
		g := &fakeGraph{list: map[string][]templates.Template{
			"w1": {{ID: "m-a", Name: "a", Language: "en_US", Category: "UTILITY", Status: "APPROVED", Components: body("Hi")}},
			"w2": {{ID: "m-b", Name: "b", Language: "de", Category: "MARKETING", Status: "REJECTED", Components: body("Hallo")}},
		}}
		s := &templating.Service{DB: db, Graph: g, Box: box, Clock: clock}

		bad := templates.Template{Name: "Bad Name", Language: "en_US", Category: "UTILITY", Components: body("{{1}}")}
		_, rep, err := s.Create(ctx, ws.ID, 0, bad)
		if domain.ErrorCode(err) != domain.CodeInvalidArgument || rep.OK() || len(g.created) != 0 {
			t.Fatalf("lint: %v %+v %v", err, rep, g.created)
		}
		good := templates.Template{Name: "order_update", Language: "en_US", Category: "UTILITY", Components: body("Your order has shipped today.")}
		if _, _, err := s.Create(ctx, empty.ID, 0, good); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("no number: %v", err)
		}
		tpl, rep, err := s.Create(ctx, ws.ID, 0, good)
		if err != nil || !rep.OK() || tpl.ID == 0 || tpl.Status != "PENDING" || tpl.MetaID != "m-order_update" || tpl.WABAID != "w1" ||
			len(g.created) != 1 || g.created[0] != "tok-w1/w1/order_update" {
			t.Fatalf("create: %v %+v %v", err, tpl, g.created)
		}
		g.err = errors.New("network down")
		if _, _, err := s.Create(ctx, ws.ID, 0, good); domain.ErrorCode(err) != domain.CodeUnavailable {
			t.Fatalf("graph down: %v", err)
		}
		g.err = nil

		n, err := s.Sync(ctx, ws.ID)
		if err != nil || n != 2 {
			t.Fatalf("sync: %d %v", n, err)
		}
		list, _ := db.ListTemplates(ctx, ws.ID)
		if len(list) != 3 {
			t.Fatalf("list %+v", list)
		}
		b, err := db.TemplateByName(ctx, ws.ID, "w2", "b", "de")
		if err != nil || b.Status != "REJECTED" || b.Category != "MARKETING" || b.MetaID != "m-b" || string(b.Components) == "[]" {
			t.Fatalf("synced b: %v %+v", err, b)
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

package broadcast_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// richComponents is a template with an image header, a named body
// parameter and a dynamic URL button, as Meta lists it.
const richComponents = `[
 {"type":"HEADER","format":"IMAGE","example":{"header_handle":["https://cdn.example.com/x.jpg"]}},
 {"type":"BODY","text":"Hi {{first_name}}, the {{city}} store opens today.","example":{"body_text_named_params":[{"param_name":"first_name","example":"Ada"},{"param_name":"city","example":"Lisbon"}]}},
 {"type":"BUTTONS","buttons":[{"type":"QUICK_REPLY","text":"Stop"},{"type":"URL","text":"Open map","url":"https://shop.example/map/{{1}}","example":["lisbon"]}]}
]`

func (e *env) richTemplate(t *testing.T) {
	t.Helper()
	var comps []map[string]any
	if err := json.Unmarshal([]byte(richComponents), &comps); err != nil {
		t.Fatal(err)
	}
	st := e.sim.AddTemplate(wabaID, meta.TemplateSpec{Name: "store_opening", Language: "en", Category: "MARKETING", ParameterFormat: "NAMED", Components: comps})
	if _, err := e.db.UpsertTemplate(context.Background(), domain.Template{WorkspaceID: e.ws.ID, WABAID: wabaID, MetaID: st.ID,
		Name: "store_opening", Language: "en", Category: "MARKETING", Status: "APPROVED", Components: []byte(richComponents), ParameterFormat: "NAMED"}); err != nil {
		t.Fatal(err)
	}
}

func richInput(numberID int64) broadcast.Input {
	return broadcast.Input{Name: "Store opening", NumberID: numberID, Audience: domain.Audience{Tags: []string{"vip"}},
		Template: broadcast.TemplateInput{Name: "store_opening", Language: "en",
			Header:    &domain.HeaderArg{Link: "https://cdn.example.com/{{city|all}}.jpg"},
			BodyNamed: map[string]string{"first_name": "{{first_name|there}}", "city": "{{city}}"},
			Buttons:   map[int][]string{1: {"{{store_slug|main}}"}}}}
}

// TestRichTemplateBroadcast: a template with a media header, named body
// parameters and a URL button is filled per contact, checked before the
// draft is stored, and sent with every value in Meta's shape.
func TestRichTemplateBroadcast(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		ctx := context.Background()
		e.richTemplate(t)
		ids := e.contacts(t, "vip", 0, 3, true) // city Lisbon, no store_slug
		in := richInput(e.num.ID)

		bad := in
		bad.Template.Header = nil
		if _, err := e.svc.Create(ctx, e.ws.ID, 0, bad); domain.ErrorCode(err) != domain.CodeInvalidArgument || !strings.Contains(err.Error(), "header image") {
			t.Fatalf("missing header: %v", err)
		}
		bad = in
		bad.Template.Parameters = []string{"{{name}}"}
		if _, err := e.svc.Create(ctx, e.ws.ID, 0, bad); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("positional values for a named template: %v", err)
		}
		bad = in
		bad.Template.Header = &domain.HeaderArg{Link: "not a link"}
		if _, err := e.svc.Create(ctx, e.ws.ID, 0, bad); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("bad link: %v", err)
		}

		b, err := e.svc.Create(ctx, e.ws.ID, 0, in)
		if err != nil {
			t.Fatal(err)
		}
		if got, _ := e.svc.Get(ctx, e.ws.ID, b.ID); got.Args.Header == nil || got.Args.BodyNamed["city"] != "{{city}}" || got.Args.Buttons[1][0] != "{{store_slug|main}}" {
			t.Fatalf("stored args: %+v", got.Args)
		}
		preview, err := e.svc.Preview(ctx, e.ws.ID, b.ID, 1)
		if err != nil || len(preview) != 1 || preview[0].Message.Body != "Hi Customer, the Lisbon store opens today." {
			t.Fatalf("preview: %+v %v", preview, err)
		}
		if _, err := e.svc.Launch(ctx, e.ws.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		e.runUntil(t, time.Second, func() bool {
			got, _ := e.status(t, b.ID)
			return got.Status == domain.BroadcastCompleted
		})
		sent := e.sim.Sent(phoneID)
		if len(sent) != len(ids) {
			t.Fatalf("sent %d, want %d", len(sent), len(ids))
		}
		for _, m := range sent {
			var req struct {
				Template struct {
					Components []struct {
						Type       string `json:"type"`
						SubType    string `json:"sub_type"`
						Index      string `json:"index"`
						Parameters []struct {
							Type          string            `json:"type"`
							ParameterName string            `json:"parameter_name"`
							Text          string            `json:"text"`
							Image         map[string]string `json:"image"`
						} `json:"parameters"`
					} `json:"components"`
				} `json:"template"`
			}
			if err := json.Unmarshal(m.Request, &req); err != nil {
				t.Fatal(err)
			}
			got := map[string]string{}
			for _, c := range req.Template.Components {
				for _, p := range c.Parameters {
					switch {
					case p.Type == "image":
						got["header"] = p.Image["link"]
					case c.Type == "body":
						got[p.ParameterName] = p.Text
					case c.Type == "button":
						got["button"+c.Index] = p.Text
					}
				}
			}
			want := map[string]string{"header": "https://cdn.example.com/Lisbon.jpg", "first_name": "Customer", "city": "Lisbon", "button1": "main"}
			for k, v := range want {
				if got[k] != v {
					t.Fatalf("%s: %s = %q, want %q (request %s)", m.WaID, k, got[k], v, m.Request)
				}
			}
			if m.Status == "failed" {
				t.Fatalf("%s failed at the simulator: %+v", m.WaID, m.Errors)
			}
		}
	})
}

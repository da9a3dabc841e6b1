package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/app"
	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/web"
)

const bcSaleBody = "Hi {{1}}, our spring sale starts today in {{2}}."

// bcNode is a node whose broadcast API is served by a broadcast.Service on
// a fake clock, so a test decides when sending happens (pass) and what
// time it is. The node's own sender keeps running on the wall clock in the
// background, on the same database: holdSender keeps it from sending.
type bcNode struct {
	*node                    // URL is the handler with svc
	svc   *broadcast.Service // call pass, never Run
	clock *domain.FakeClock  // starts on 1 July, two years ahead, 08:00 UTC
	num   domain.Number      // the sandbox number of "default"
	key   opt                // an API key of "default"
	sim   *meta.Server       // the node's simulator
	sent0 int                // messages the simulator had when the test began
	ctx   context.Context
}

func startBroadcasts(t *testing.T, n *node) *bcNode {
	t.Helper()
	ctx := context.Background()
	now := time.Now().UTC()
	clock := domain.NewFakeClock(time.Date(now.Year()+2, time.July, 1, 8, 0, 0, 0, time.UTC))
	graph, ok := n.Outbound.Graph.(broadcast.Graph)
	if !ok {
		t.Fatalf("outbound's Graph %T cannot send broadcasts", n.Outbound.Graph)
	}
	svc := &broadcast.Service{DB: n.DB, Graph: graph, Box: n.Box, Hub: n.Hub, Clock: clock, Log: n.Log, HaltCheckEvery: -1}
	h, err := web.New(web.Deps{
		DB: n.DB, Hub: n.Hub, Writer: n.Writer, Outbound: n.Outbound, Numbers: n.Numbers, Templating: n.Templating, Metrics: n.Metrics,
		Clock: n.Clock, Log: n.Log, AppSecret: appSecret, VerifyToken: verifyToken, Sandbox: true, Broadcasts: svc,
	})
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	num, err := n.DB.NumberByPhoneNumberID(ctx, sandboxPhone)
	if err != nil {
		t.Fatal(err)
	}
	b := &bcNode{node: &node{Server: &app.Server{Base: n.Base, URL: ts.URL}, client: n.client, logs: n.logs},
		svc: svc, clock: clock, num: num, sim: n.Sim, ctx: ctx}
	b.key = bearer(b.apiKey(t, "default"))
	b.sent0 = len(b.sim.Sent(sandboxPhone))
	b.holdSender(t)
	return b
}

// holdSender pins the number's shared token bucket empty at the fake
// clock's now, which is ahead of the wall clock. The node's own sender
// (wall clock) then never earns a token, while svc earns them as the
// test advances the fake clock: every send comes from pass.
func (b *bcNode) holdSender(t *testing.T) {
	t.Helper()
	err := b.DB.WithTx(b.ctx, func(tx *store.Tx) error {
		if _, _, err := tx.NumberBucket(b.ctx, b.num.ID, 80); err != nil {
			return err
		}
		return tx.SaveNumberBucket(b.ctx, b.num.ID, 0, b.clock.Now())
	})
	if err != nil {
		t.Fatal(err)
	}
}

// pass advances the fake clock by d and runs one pass of the sender.
func (b *bcNode) pass(d time.Duration) {
	b.clock.Advance(d)
	b.svc.Pass(b.ctx)
}

// simSent is how many messages the simulator accepted during the test.
func (b *bcNode) simSent() int { return len(b.sim.Sent(sandboxPhone)) - b.sent0 }

// saleTemplate approves a MARKETING template with two body parameters at
// the simulator and in GoHavi.
func (b *bcNode) saleTemplate(t *testing.T, name string) {
	t.Helper()
	st := b.sim.AddTemplate(b.num.WABAID, meta.TemplateSpec{Name: name, Language: "en", Category: "MARKETING", Body: bcSaleBody})
	comps := fmt.Sprintf(`[{"type":"BODY","text":%q,"example":{"body_text":[["Ada","Lisbon"]]}}]`, bcSaleBody)
	if _, err := b.DB.UpsertTemplate(b.ctx, domain.Template{WorkspaceID: b.num.WorkspaceID, WABAID: b.num.WABAID, MetaID: st.ID,
		Name: name, Language: "en", Category: "MARKETING", Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
		t.Fatal(err)
	}
}

// audienceCSV: six "vip" contacts and one "newsletter" contact. Ada, Bob
// and Cy are opted in, Dee and Eve are not, Fay is opted in here and opts
// out through the consent API (optOutFay).
const audienceCSV = "phone,name,tags,opt_in_source,opt_in_evidence,city\n" +
	"+447911123411,Ada Lovelace,vip,website form,https://shop.example/f/1,Lisbon\n" +
	"+447911123412,Bob,vip,website form,https://shop.example/f/2,\n" +
	"+447911123413,Cy,vip,website form,https://shop.example/f/3,Porto\n" +
	"+447911123414,Dee,vip,,,\n" +
	"+447911123415,Eve,vip,,,\n" +
	"+447911123416,Fay,vip,website form,https://shop.example/f/6,\n" +
	"+447911123417,Gus,newsletter,website form,https://shop.example/f/7,\n"

// audience imports audienceCSV through the import API and opts Fay out.
func (b *bcNode) audience(t *testing.T) {
	t.Helper()
	body, ct := multipartCSV(t, audienceCSV, nil)
	var res importJSON
	b.call(t, http.MethodPost, "/api/v1/contacts/import", body, b.key, ct).want(t, http.StatusOK, &res)
	if res.Imported != 7 || len(res.Rejected) != 0 {
		t.Fatalf("import %+v", res)
	}
	fay, err := b.DB.ContactByWaID(b.ctx, b.num.WorkspaceID, "447911123416")
	if err != nil {
		t.Fatal(err)
	}
	b.call(t, http.MethodPost, fmt.Sprintf("/api/v1/contacts/%d/consent", fay.ID), map[string]string{"action": "opt_out", "source": "api"}, b.key).
		want(t, http.StatusCreated, nil)
}

// saleInput is a broadcast of spring_sale to "vip" in the create shape.
func (b *bcNode) saleInput() map[string]any {
	return map[string]any{"name": "Spring sale", "number_id": b.num.ID,
		"template": map[string]any{"name": "spring_sale", "language": "en", "parameters": []string{"{{first_name|there}}", "{{city|your town}}"}},
		"audience": map[string]any{"tags": []string{"vip"}}}
}

// ready: the template, the audience and one draft to "vip".
func (b *bcNode) ready(t *testing.T) broadcastJSON {
	t.Helper()
	b.saleTemplate(t, "spring_sale")
	b.audience(t)
	return b.create(t, b.saleInput())
}

func (b *bcNode) create(t *testing.T, in map[string]any) broadcastJSON {
	t.Helper()
	var out broadcastJSON
	b.call(t, http.MethodPost, "/api/v1/broadcasts", in, b.key).want(t, http.StatusCreated, &out)
	if out.ID == 0 || out.Status != "draft" {
		t.Fatalf("created %+v", out)
	}
	return out
}

func (b *bcNode) get(t *testing.T, id int64) broadcastJSON {
	t.Helper()
	var out broadcastJSON
	b.call(t, http.MethodGet, bcPath(id, ""), nil, b.key).want(t, http.StatusOK, &out)
	return out
}

// steer posts launch, pause, resume or cancel and wants 200.
func (b *bcNode) steer(t *testing.T, id int64, action string) broadcastJSON {
	t.Helper()
	var out broadcastJSON
	b.call(t, http.MethodPost, bcPath(id, "/"+action), nil, b.key).want(t, http.StatusOK, &out)
	return out
}

func (b *bcNode) plan(t *testing.T, id int64) planJSON {
	t.Helper()
	var p planJSON
	b.call(t, http.MethodGet, bcPath(id, "/plan"), nil, b.key).want(t, http.StatusOK, &p)
	return p
}

func (b *bcNode) recipients(t *testing.T, id int64, state string) []recipientJSON {
	t.Helper()
	var l struct {
		Data      []recipientJSON `json:"data"`
		NextAfter *string         `json:"next_after"`
	}
	b.call(t, http.MethodGet, bcPath(id, "/recipients?state="+state), nil, b.key).want(t, http.StatusOK, &l)
	if l.Data == nil || l.NextAfter == nil {
		t.Fatalf("recipients answer without data or next_after")
	}
	return l.Data
}

func bcPath(id int64, rest string) string { return fmt.Sprintf("/api/v1/broadcasts/%d%s", id, rest) }

type broadcastJSON struct {
	ID       int64  `json:"id"`
	Name     string `json:"name"`
	NumberID int64  `json:"number_id"`
	Template struct {
		Name       string   `json:"name"`
		Language   string   `json:"language"`
		Parameters []string `json:"parameters"`
	} `json:"template"`
	Audience struct {
		Tags     []string `json:"tags"`
		Consent  string   `json:"consent"`
		FollowUp *struct {
			BroadcastID int64  `json:"broadcast_id"`
			Group       string `json:"group"`
		} `json:"follow_up"`
	} `json:"audience"`
	ScheduleAt       *string   `json:"schedule_at"`
	TimeZone         string    `json:"timezone"`
	Status           string    `json:"status"`
	StatusReason     *apiError `json:"status_reason"`
	FailureThreshold float64   `json:"failure_threshold"`
	ParentID         int64     `json:"parent_id"`
	FollowUp         string    `json:"follow_up"`
	CreatedAt        *string   `json:"created_at"`
	LaunchedAt       *string   `json:"launched_at"`
	FinishedAt       *string   `json:"finished_at"`
	Counts           struct {
		Total, Pending, Sent, Delivered, Read, Replied, Failed, Skipped int
	} `json:"counts"`
}

type planJSON struct {
	Audience           int            `json:"audience"`
	Eligible           int            `json:"eligible"`
	Skipped            map[string]int `json:"skipped"`
	SendNow            int            `json:"send_now"`
	Deferred           int            `json:"deferred"`
	NextSlotAt         *string        `json:"next_slot_at"`
	EstimatedDurationS float64        `json:"estimated_duration_s"`
	ThroughputMPS      float64        `json:"throughput_mps"`
	EstimatedCost      struct {
		Amount    float64 `json:"amount"`
		Currency  string  `json:"currency"`
		RateTable string  `json:"rate_table"`
		Category  string  `json:"category"`
	} `json:"estimated_cost"`
	Blocked  *apiError `json:"blocked"`
	StartsAt *string   `json:"starts_at"`
}

type recipientJSON struct {
	ID        int64   `json:"id"`
	ContactID int64   `json:"contact_id"`
	Phone     string  `json:"phone"`
	Name      string  `json:"name"`
	Outcome   string  `json:"outcome"`
	State     string  `json:"state"`
	Reason    string  `json:"reason"`
	Detail    string  `json:"detail"`
	MessageID int64   `json:"message_id"`
	UpdatedAt *string `json:"updated_at"`
}

// bcEdit returns a copy of the sale input changed by edit.
func bcEdit(in map[string]any, edit func(m, tpl, aud map[string]any)) map[string]any {
	m := map[string]any{}
	for k, v := range in {
		m[k] = v
	}
	tpl, aud := map[string]any{}, map[string]any{}
	for k, v := range in["template"].(map[string]any) {
		tpl[k] = v
	}
	for k, v := range in["audience"].(map[string]any) {
		aud[k] = v
	}
	m["template"], m["audience"] = tpl, aud
	edit(m, tpl, aud)
	return m
}

// TestBroadcastValidation: every refusal of a create is 400 with a
// message naming the problem and a remedy; unknown things are 404 and an
// oversized body 413. Nothing refused is stored.
func TestBroadcastValidation(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		b.saleTemplate(t, "spring_sale")
		base := b.saleInput()
		for _, c := range []struct {
			name string
			in   map[string]any
			want string
		}{
			{"missing template name", bcEdit(base, func(_, tpl, _ map[string]any) { delete(tpl, "name") }), `"name" and "language"`},
			{"missing language", bcEdit(base, func(_, tpl, _ map[string]any) { tpl["language"] = " " }), `"name" and "language"`},
			{"too few parameters", bcEdit(base, func(_, tpl, _ map[string]any) { tpl["parameters"] = []string{"{{first_name|there}}"} }), "expects 2 body parameters, got 1"},
			{"too many parameters", bcEdit(base, func(_, tpl, _ map[string]any) { tpl["parameters"] = []string{"a", "b", "c"} }), "expects 2 body parameters, got 3"},
			{"empty parameter", bcEdit(base, func(_, tpl, _ map[string]any) { tpl["parameters"] = []string{"{{first_name|there}}", "  "} }), "template parameter 2 is empty"},
			{"bad consent", bcEdit(base, func(_, _, aud map[string]any) { aud["consent"] = "everyone" }), `audience.consent`},
			{"negative days", bcEdit(base, func(_, _, aud map[string]any) { aud["inbound_within_days"] = -1 }), "cannot be negative"},
			{"bad follow-up group", bcEdit(base, func(_, _, aud map[string]any) {
				aud["follow_up"] = map[string]any{"broadcast_id": 1, "group": "everyone"}
			}), `"everyone" is not a result group`},
			{"bad schedule_at", bcEdit(base, func(m, _, _ map[string]any) { m["schedule_at"] = "next tuesday" }), `schedule_at "next tuesday"`},
			{"unknown timezone", bcEdit(base, func(m, _, _ map[string]any) { m["schedule_at"], m["timezone"] = "2030-01-01T09:00", "Mars/Olympus" }), `timezone "Mars/Olympus"`},
			{"failure_threshold 2", bcEdit(base, func(m, _, _ map[string]any) { m["failure_threshold"] = 2 }), "failure_threshold"},
			{"negative failure_threshold", bcEdit(base, func(m, _, _ map[string]any) { m["failure_threshold"] = -0.1 }), "failure_threshold"},
			{"long name", bcEdit(base, func(m, _, _ map[string]any) { m["name"] = strings.Repeat("n", 201) }), "longer than 200"},
			{"number_id as a string", bcEdit(base, func(m, _, _ map[string]any) { m["number_id"] = "1" }), "not valid JSON"},
		} {
			t.Run(c.name, func(t *testing.T) {
				e := b.call(t, http.MethodPost, "/api/v1/broadcasts", c.in, b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
				if !strings.Contains(e.Message, c.want) || e.Remedy == "" {
					t.Errorf("message %q (remedy %q), want it to mention %q", e.Message, e.Remedy, c.want)
				}
				if strings.Contains(e.Message, "%!") || strings.Contains(e.Message, "%%") {
					t.Errorf("badly formatted message %q", e.Message)
				}
			})
		}
		b.call(t, http.MethodPost, "/api/v1/broadcasts", "{", b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)

		// Unknown template, number, follow-up parent: 404.
		e := b.call(t, http.MethodPost, "/api/v1/broadcasts", bcEdit(base, func(_, tpl, _ map[string]any) { tpl["name"] = "autumn_sale" }), b.key).
			wantError(t, http.StatusNotFound, domain.CodeNotFound)
		if !strings.Contains(e.Message, "autumn_sale") || !strings.Contains(e.Remedy, "templates/sync") {
			t.Errorf("unknown template %+v", e)
		}
		b.call(t, http.MethodPost, "/api/v1/broadcasts", bcEdit(base, func(m, _, _ map[string]any) { m["number_id"] = 987654 }), b.key).
			wantError(t, http.StatusNotFound, domain.CodeNotFound)
		b.call(t, http.MethodPost, "/api/v1/broadcasts", bcEdit(base, func(_, _, aud map[string]any) {
			aud["follow_up"] = map[string]any{"broadcast_id": 987654, "group": "failed"}
		}), b.key).wantError(t, http.StatusNotFound, domain.CodeNotFound)

		// Too large: 413 before anything is read into a broadcast.
		huge := bcEdit(base, func(m, _, _ map[string]any) { m["name"] = strings.Repeat("x", 1<<20) })
		b.call(t, http.MethodPost, "/api/v1/broadcasts", huge, b.key).wantError(t, http.StatusRequestEntityTooLarge, domain.CodeTooLarge)

		var list struct{ Data []broadcastJSON }
		b.call(t, http.MethodGet, "/api/v1/broadcasts", nil, b.key).want(t, http.StatusOK, &list)
		if list.Data == nil || len(list.Data) != 0 {
			t.Fatalf("refused broadcasts were stored: %+v", list.Data)
		}

		// No number_id: the workspace's connected number; no name: a dated one.
		d := b.create(t, bcEdit(base, func(m, _, _ map[string]any) { delete(m, "number_id"); delete(m, "name") }))
		if d.NumberID != b.num.ID || !strings.HasPrefix(d.Name, "Broadcast "+b.clock.Now().Format("2006-01-02")) ||
			d.Template.Name != "spring_sale" || len(d.Template.Parameters) != 2 || d.FailureThreshold != 0 || d.CreatedAt == nil || d.LaunchedAt != nil {
			t.Fatalf("defaulted draft %+v", d)
		}

		// Unknown broadcasts are 404 everywhere, as is an id that is no number.
		for _, p := range []struct{ method, path string }{
			{http.MethodGet, "/api/v1/broadcasts/987654"},
			{http.MethodGet, "/api/v1/broadcasts/abc"},
			{http.MethodGet, "/api/v1/broadcasts/987654/plan"},
			{http.MethodGet, "/api/v1/broadcasts/987654/preview"},
			{http.MethodGet, "/api/v1/broadcasts/987654/recipients"},
			{http.MethodGet, "/api/v1/broadcasts/987654/recipients.csv"},
			{http.MethodPost, "/api/v1/broadcasts/987654/launch"},
			{http.MethodPost, "/api/v1/broadcasts/987654/pause"},
			{http.MethodPost, "/api/v1/broadcasts/987654/resume"},
			{http.MethodPost, "/api/v1/broadcasts/987654/cancel"},
			{http.MethodPost, bcPath(d.ID, "/explode")},
		} {
			b.call(t, p.method, p.path, nil, b.key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		}
		b.call(t, http.MethodPut, "/api/v1/broadcasts/987654", base, b.key).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		b.call(t, http.MethodPost, "/api/v1/broadcasts/987654/follow-up", map[string]string{"group": "failed"}, b.key).
			wantError(t, http.StatusNotFound, domain.CodeNotFound)
	})
}

// TestBroadcastTimezoneWithoutSchedule: a timezone is checked even when
// no wall time needs it.
func TestBroadcastTimezoneWithoutSchedule(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		b.saleTemplate(t, "spring_sale")
		for _, at := range []string{"", "2030-01-01T09:00:00Z"} {
			in := bcEdit(b.saleInput(), func(m, _, _ map[string]any) { m["schedule_at"], m["timezone"] = at, "Mars/Olympus" })
			b.call(t, http.MethodPost, "/api/v1/broadcasts", in, b.key).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		}
	})
}

// TestBroadcastRolesAndTenancy: agents read broadcasts but cannot compose
// or steer them; another workspace sees none of them.
func TestBroadcastRolesAndTenancy(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		if _, err := b.CreateUser(b.ctx, "default", "agent-bc@example.com", "Agent", domain.RoleAgent, "agent-password-9"); err != nil {
			t.Fatal(err)
		}
		agent := withCookie(b.login(t, "agent-bc@example.com", "agent-password-9"))

		var list struct{ Data []broadcastJSON }
		b.call(t, http.MethodGet, "/api/v1/broadcasts", nil, agent).want(t, http.StatusOK, &list)
		if len(list.Data) != 1 || list.Data[0].ID != d.ID {
			t.Fatalf("agent's list %+v", list.Data)
		}
		for _, p := range []string{"", "/plan", "/preview", "/recipients", "/recipients?state=failed"} {
			b.call(t, http.MethodGet, bcPath(d.ID, p), nil, agent).want(t, http.StatusOK, nil)
		}
		if r := b.call(t, http.MethodGet, bcPath(d.ID, "/recipients.csv"), nil, agent); r.Status != http.StatusOK {
			t.Fatalf("agent's CSV: %d %s", r.Status, r.Body)
		}
		forbidden := func(method, path string, body any) {
			t.Helper()
			e := b.call(t, method, path, body, agent).wantError(t, http.StatusForbidden, domain.CodeForbidden)
			if e.Remedy == "" {
				t.Errorf("%s %s: no remedy in %+v", method, path, e)
			}
		}
		forbidden(http.MethodPost, "/api/v1/broadcasts", b.saleInput())
		forbidden(http.MethodPut, bcPath(d.ID, ""), b.saleInput())
		forbidden(http.MethodDelete, bcPath(d.ID, ""), nil)
		for _, a := range []string{"launch", "pause", "resume", "cancel"} {
			forbidden(http.MethodPost, bcPath(d.ID, "/"+a), nil)
		}
		forbidden(http.MethodPost, bcPath(d.ID, "/follow-up"), map[string]string{"group": "failed"})
		if got := b.get(t, d.ID); got.Status != "draft" {
			t.Fatalf("an agent's refused launch moved it: %s", got.Status)
		}
		// A launched one: agents still may not pause or cancel it.
		b.steer(t, d.ID, "launch")
		forbidden(http.MethodPost, bcPath(d.ID, "/pause"), nil)
		forbidden(http.MethodPost, bcPath(d.ID, "/cancel"), nil)
		var rs struct{ Data []recipientJSON }
		b.call(t, http.MethodGet, bcPath(d.ID, "/recipients"), nil, agent).want(t, http.StatusOK, &rs)
		if len(rs.Data) != 6 {
			t.Fatalf("agent sees %d recipients", len(rs.Data))
		}

		// Another workspace: 404 for everything, an empty list, and no
		// number to send from.
		other := bearer(b.apiKey(t, "other"))
		for _, p := range []string{"", "/plan", "/preview", "/recipients", "/recipients.csv"} {
			b.call(t, http.MethodGet, bcPath(d.ID, p), nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		}
		for _, a := range []string{"launch", "pause", "resume", "cancel"} {
			b.call(t, http.MethodPost, bcPath(d.ID, "/"+a), nil, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		}
		b.call(t, http.MethodPut, bcPath(d.ID, ""), b.saleInput(), other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		b.call(t, http.MethodPost, bcPath(d.ID, "/follow-up"), map[string]string{"group": "failed"}, other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		b.call(t, http.MethodGet, "/api/v1/broadcasts", nil, other).want(t, http.StatusOK, &list)
		if len(list.Data) != 0 {
			t.Fatalf("other workspace lists %+v", list.Data)
		}
		// The default workspace's number is not the other's to use.
		b.call(t, http.MethodPost, "/api/v1/broadcasts", b.saleInput(), other).wantError(t, http.StatusNotFound, domain.CodeNotFound)
		noNum := bcEdit(b.saleInput(), func(m, _, _ map[string]any) { delete(m, "number_id") })
		e := b.call(t, http.MethodPost, "/api/v1/broadcasts", noNum, other).wantError(t, http.StatusBadRequest, domain.CodeInvalidArgument)
		if !strings.Contains(e.Remedy, "Connect a WhatsApp number") {
			t.Errorf("no number: %+v", e)
		}
		if got := b.get(t, d.ID); got.Status != "running" || got.Counts.Pending != 3 {
			t.Fatalf("after the other workspace's attempts: %s %+v", got.Status, got.Counts)
		}
	})
}

// TestBroadcastPlanAndPreview: the plan counts who would receive it and
// why the others would not, with the time and cost; the preview renders
// each recipient's message with the fallbacks.
func TestBroadcastPlanAndPreview(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		p := b.plan(t, d.ID)
		if p.Audience != 6 || p.Eligible != 3 || p.Skipped["not_opted_in"] != 2 || p.Skipped["opted_out"] != 1 || len(p.Skipped) != 2 {
			t.Fatalf("plan counts %+v", p)
		}
		if p.SendNow != 3 || p.Deferred != 0 || p.NextSlotAt != nil || p.Blocked != nil || p.StartsAt != nil {
			t.Fatalf("plan split %+v", p)
		}
		if p.EstimatedDurationS <= 0 || p.ThroughputMPS <= 0 || p.EstimatedCost.Amount <= 0 || p.EstimatedCost.Currency == "" ||
			p.EstimatedCost.RateTable == "" || p.EstimatedCost.Category != "MARKETING" {
			t.Fatalf("plan estimates %+v", p)
		}
		// Only those who opted in, and not those who opted out.
		optedIn := b.create(t, bcEdit(b.saleInput(), func(_, _, aud map[string]any) { aud["consent"] = "opted_in" }))
		if p := b.plan(t, optedIn.ID); p.Audience != 3 || p.Eligible != 3 || len(p.Skipped) != 0 {
			t.Fatalf("opted_in plan %+v", p)
		}
		notOut := b.create(t, bcEdit(b.saleInput(), func(_, _, aud map[string]any) { aud["consent"] = "not_opted_out" }))
		if p := b.plan(t, notOut.ID); p.Audience != 5 || p.Eligible != 3 || p.Skipped["not_opted_in"] != 2 {
			t.Fatalf("not_opted_out plan %+v", p)
		}
		// The plan is judged now: Dee opting in makes her eligible.
		dee, err := b.DB.ContactByWaID(b.ctx, b.num.WorkspaceID, "447911123414")
		if err != nil {
			t.Fatal(err)
		}
		b.call(t, http.MethodPost, fmt.Sprintf("/api/v1/contacts/%d/consent", dee.ID),
			map[string]string{"action": "opt_in", "source": "website", "evidence": "form 4"}, b.key).want(t, http.StatusCreated, nil)
		if p := b.plan(t, d.ID); p.Eligible != 4 || p.Skipped["not_opted_in"] != 1 || p.Skipped["opted_out"] != 1 {
			t.Fatalf("plan after an opt-in %+v", p)
		}

		var pv struct {
			Data []struct {
				ContactID int64  `json:"contact_id"`
				Name      string `json:"name"`
				Phone     string `json:"phone"`
				Message   struct {
					Body string `json:"body"`
				} `json:"message"`
				Skip string `json:"skip"`
			} `json:"data"`
		}
		b.call(t, http.MethodGet, bcPath(d.ID, "/preview?n=3"), nil, b.key).want(t, http.StatusOK, &pv)
		if len(pv.Data) < 3 {
			t.Fatalf("preview %+v", pv.Data)
		}
		if pv.Data[0].Name != "Ada Lovelace" || pv.Data[0].Phone != "+447911123411" || pv.Data[0].Message.Body != "Hi Ada, our spring sale starts today in Lisbon." ||
			pv.Data[1].Message.Body != "Hi Bob, our spring sale starts today in your town." ||
			pv.Data[2].Message.Body != "Hi Cy, our spring sale starts today in Porto." || pv.Data[0].Skip != "" {
			t.Fatalf("preview %+v", pv.Data)
		}
		b.call(t, http.MethodGet, bcPath(d.ID, "/preview?n=50"), nil, b.key).want(t, http.StatusOK, &pv)
		if len(pv.Data) != 6 || pv.Data[4].Skip != "not_opted_in" || pv.Data[5].Skip != "opted_out" {
			t.Fatalf("whole preview %+v", pv.Data)
		}
		if b.simSent() != 0 {
			t.Fatalf("planning sent %d messages", b.simSent())
		}
	})
}

// TestBroadcastPreviewCount: preview?n=3 shows three recipients.
func TestBroadcastPreviewCount(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		b := startBroadcasts(t, n)
		d := b.ready(t)
		var pv struct{ Data []any }
		b.call(t, http.MethodGet, bcPath(d.ID, "/preview?n=3"), nil, b.key).want(t, http.StatusOK, &pv)
		if len(pv.Data) != 3 {
			t.Fatalf("preview?n=3 shows %d recipients", len(pv.Data))
		}
	})
}

package whatsapp

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	meta "github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/templates"
)

func orderTemplate(name string) templates.Template {
	return templates.Template{
		ID: "ignored", Status: templates.StatusApproved, // ForCreate must drop these
		Name: name, Language: "en_US", Category: templates.CategoryUtility,
		Components: []templates.Component{{
			Type: templates.ComponentBody, Text: "Hello {{1}}, your order {{2}} is ready for pickup.",
			Example: &templates.Example{BodyText: [][]string{{"Ann", "860198"}}},
		}},
	}
}

// fakeClock is the simulator's injectable clock.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *fakeClock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *fakeClock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func TestTemplateLifecycleAgainstSimulator(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_750_000_000, 0)}
	env := newSimEnv(t, meta.Config{Now: clk.Now, TemplateReviewAfter: time.Hour})
	ctx := context.Background()
	c := env.client

	created, err := c.CreateTemplate(ctx, simToken, simWABA, orderTemplate("order_ready"))
	if err != nil {
		t.Fatal(err)
	}
	if created.ID == "" || created.ID == "ignored" || created.Status != "PENDING" || created.Category != "UTILITY" {
		t.Fatalf("created %+v", created)
	}
	if p, err := c.ListTemplates(ctx, simToken, simWABA, ListTemplatesOptions{Status: "PENDING"}); err != nil || len(p.Templates) != 1 {
		t.Fatalf("pending list %+v, %v", p, err)
	}
	clk.Advance(time.Hour + time.Second) // the review decides on the next template access
	if p, err := c.ListTemplates(ctx, simToken, simWABA, ListTemplatesOptions{Status: "APPROVED"}); err != nil || len(p.Templates) != 1 {
		t.Fatalf("approved list %+v, %v", p, err)
	}

	// The review outcome arrives as a webhook; its id is a JSON integer.
	ch, entry := env.hooks.wait(FieldTemplateStatusUpdate, nil)
	su, err := ch.DecodeTemplateStatusUpdate()
	if err != nil {
		t.Fatal(err)
	}
	if su.Event != "APPROVED" || string(su.MessageTemplateID) != created.ID || su.MessageTemplateName != "order_ready" ||
		su.MessageTemplateLanguage != "en_US" || su.Reason != "NONE" || su.MessageTemplateCategory != "UTILITY" {
		t.Errorf("status update %+v", su)
	}
	if entry.ID != simWABA || entry.Time == 0 {
		t.Errorf("entry %+v", entry)
	}

	// A send to the approved template succeeds; a wrong parameter count is 132000.
	send := func(params ...string) error {
		var ps []string
		for _, p := range params {
			ps = append(ps, fmt.Sprintf(`{"type":"text","text":%q}`, p))
		}
		body := `{"name":"order_ready","language":{"code":"en_US"},"components":[{"type":"body","parameters":[` +
			strings.Join(ps, ",") + `]}]}`
		_, err := c.Send(ctx, simToken, simPhone, OutgoingMessage{To: "16505551234", Type: "template", Body: []byte(body)})
		return err
	}
	if err := send("Ann", "42"); err != nil {
		t.Fatalf("template send: %v", err)
	}
	var ge *GraphError
	if err := send("Ann"); !errors.As(err, &ge) || ge.Code != 132000 || !ge.FromMeta() || ge.Transient() {
		t.Fatalf("wrong parameter count: %v", err)
	}

	// Listing pages through more than one page.
	for i := range 4 {
		clk.Advance(time.Minute)
		if _, err := c.CreateTemplate(ctx, simToken, simWABA, orderTemplate(fmt.Sprintf("order_ready_%d", i))); err != nil {
			t.Fatal(err)
		}
	}
	clk.Advance(2 * time.Hour)
	page, err := c.ListTemplates(ctx, simToken, simWABA, ListTemplatesOptions{Limit: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(page.Templates) != 2 || !page.HasNext() || page.After == "" {
		t.Fatalf("first page %+v", page)
	}
	seen := map[string]bool{}
	pages := 0
	for opts := (ListTemplatesOptions{Limit: 2}); ; {
		p, err := c.ListTemplates(ctx, simToken, simWABA, opts)
		if err != nil {
			t.Fatal(err)
		}
		pages++
		for _, tp := range p.Templates {
			if seen[tp.ID] {
				t.Errorf("template %s listed twice", tp.ID)
			}
			seen[tp.ID] = true
		}
		if !p.HasNext() {
			break
		}
		opts.After = p.After
	}
	if pages != 3 || len(seen) != 5 {
		t.Errorf("paged %d pages, %d templates", pages, len(seen))
	}
	all, err := c.AllTemplates(ctx, simToken, simWABA)
	if err != nil || len(all) != 5 {
		t.Fatalf("AllTemplates: %d, %v", len(all), err)
	}
	for _, tp := range all {
		if tp.Status != templates.StatusApproved || len(tp.Components) != 1 || tp.ID == "" {
			t.Errorf("listed %+v", tp)
		}
	}
	filtered, err := c.ListTemplates(ctx, simToken, simWABA, ListTemplatesOptions{Name: "order_ready_3", Status: "APPROVED"})
	if err != nil || len(filtered.Templates) != 1 || filtered.HasNext() {
		t.Fatalf("filtered %+v, %v", filtered, err)
	}

	// Delete, then the name is gone and a second delete is a GraphError.
	if err := c.DeleteTemplate(ctx, simToken, simWABA, "order_ready_3"); err != nil {
		t.Fatal(err)
	}
	if all, _ := c.AllTemplates(ctx, simToken, simWABA); len(all) != 4 {
		t.Errorf("after delete: %d templates", len(all))
	}
	if err := c.DeleteTemplate(ctx, simToken, simWABA, "order_ready_3"); !errors.As(err, &ge) || !ge.FromMeta() {
		t.Errorf("second delete: %v", err)
	}
	if err := c.DeleteTemplate(ctx, simToken, simWABA, ""); err == nil {
		t.Error("empty name accepted")
	}
}

func TestCreateTemplateErrorsAgainstSimulator(t *testing.T) {
	env := newSimEnv(t, meta.Config{})
	ctx := context.Background()
	bad := orderTemplate("leading_var")
	bad.Components[0].Text = "{{1}} is your order"
	bad.Components[0].Example = &templates.Example{BodyText: [][]string{{"860198"}}}
	_, err := env.client.CreateTemplate(ctx, simToken, simWABA, bad)
	var ge *GraphError
	if !errors.As(err, &ge) {
		t.Fatalf("got %v", err)
	}
	if ge.Code != 100 || ge.Subcode != 2388299 || ge.UserTitle == "" || ge.UserMessage == "" || ge.Title != ge.UserTitle || ge.Transient() {
		t.Errorf("graph error %+v", ge)
	}

	bad = orderTemplate("Bad Name!")
	if _, err := env.client.CreateTemplate(ctx, simToken, simWABA, bad); !errors.As(err, &ge) || ge.Code != 100 || ge.UserMessage == "" {
		t.Errorf("bad name: %v", err)
	}
	if _, err := env.client.CreateTemplate(ctx, simToken, "", orderTemplate("x")); err == nil {
		t.Error("empty WABA id accepted")
	}
	if _, err := env.client.ListTemplates(ctx, simToken, simWABA, ListTemplatesOptions{After: "bogus"}); !errors.As(err, &ge) {
		t.Errorf("bad cursor: %v", err)
	}
}

func TestGetPhoneNumberLimitAgainstSimulator(t *testing.T) {
	env := newSimEnv(t, meta.Config{DefaultTier: "2000"})
	pn, err := env.client.GetPhoneNumber(context.Background(), simToken, simPhone)
	if err != nil {
		t.Fatal(err)
	}
	if pn.MessagingLimit != Tier2K || pn.MessagingLimitTier != Tier2K || pn.Status != "CONNECTED" ||
		pn.NameStatus == "" || pn.QualityRating == "" || pn.Throughput.Level != "STANDARD" {
		t.Errorf("got %+v", pn)
	}
	if l, unl := TierLimit(pn.MessagingLimit); l != 2000 || unl {
		t.Errorf("TierLimit = %d, %v", l, unl)
	}

	// Before v24 the portfolio field is not requested; the legacy one fills in.
	old := NewClient(env.srv.URL, "v23.0", env.srv.Client())
	pn, err = old.GetPhoneNumber(context.Background(), simToken, simPhone)
	if err != nil || pn.MessagingLimit != Tier2K {
		t.Errorf("v23: %+v, %v", pn, err)
	}
}

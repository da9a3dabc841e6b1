package whatsapp

import (
	"context"
	"errors"
	"testing"
	"time"

	meta "github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/templates"
)

func TestTemplateTTLAgainstSimulator(t *testing.T) {
	clk := &fakeClock{t: time.Unix(1_750_000_000, 0)}
	env := newSimEnv(t, meta.Config{Now: clk.Now})
	ctx := context.Background()
	c := env.client

	tpl := orderTemplate("visit_reminder")
	tpl.MessageSendTTLSeconds = 3600
	created, err := c.CreateTemplate(ctx, simToken, simWABA, tpl)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.CreateTemplate(ctx, simToken, simWABA, orderTemplate("no_ttl")); err != nil {
		t.Fatal(err)
	}
	ttlOf := func() map[string]int {
		all, err := c.AllTemplates(ctx, simToken, simWABA)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		for _, tp := range all {
			out[tp.Name] = tp.MessageSendTTLSeconds
		}
		return out
	}
	if got := ttlOf(); got["visit_reminder"] != 3600 || got["no_ttl"] != 0 {
		t.Fatalf("listed TTLs %v", got)
	}

	ttl := 600
	if err := c.EditTemplate(ctx, simToken, created.ID, TemplateEdit{TTLSeconds: &ttl}); err != nil {
		t.Fatal(err)
	}
	if got := ttlOf(); got["visit_reminder"] != 600 {
		t.Fatalf("after edit %v", got)
	}

	// Meta's refusals come back as GraphErrors: out of range, then the
	// one-edit-per-24h limit of an approved template.
	var ge *GraphError
	ttl = 86_400
	if err := c.EditTemplate(ctx, simToken, created.ID, TemplateEdit{TTLSeconds: &ttl}); !errors.As(err, &ge) || ge.Code != 100 || ge.UserMessage == "" {
		t.Fatalf("out of range: %v", err)
	}
	ttl = templates.TTLThirtyDays
	if err := c.EditTemplate(ctx, simToken, created.ID, TemplateEdit{TTLSeconds: &ttl}); !errors.As(err, &ge) || ge.Code != 100 || ge.UserTitle != "Template Edit Limit Reached" {
		t.Fatalf("second edit in 24h: %v", err)
	}
	clk.Advance(25 * time.Hour)
	if err := c.EditTemplate(ctx, simToken, created.ID, TemplateEdit{TTLSeconds: &ttl}); err != nil {
		t.Fatal(err)
	}
	if got := ttlOf(); got["visit_reminder"] != -1 {
		t.Fatalf("after -1: %v", got)
	}

	// New components are sent as given and go back to review.
	clk.Advance(25 * time.Hour)
	comps := orderTemplate("x").Components
	comps[0].Text = "Reminder: hello {{1}}, your order {{2}} is ready for pickup."
	if err := c.EditTemplate(ctx, simToken, created.ID, TemplateEdit{Category: templates.CategoryUtility, Components: comps}); err != nil {
		t.Fatal(err)
	}
	all, _ := c.AllTemplates(ctx, simToken, simWABA)
	for _, tp := range all {
		if tp.Name == "visit_reminder" && (tp.Components[0].Text != comps[0].Text || tp.MessageSendTTLSeconds != -1) {
			t.Errorf("after components edit %+v", tp)
		}
	}

	if err := c.EditTemplate(ctx, simToken, created.ID, TemplateEdit{}); err == nil {
		t.Error("empty edit sent")
	}
	if err := c.EditTemplate(ctx, simToken, "", TemplateEdit{TTLSeconds: &ttl}); err == nil {
		t.Error("empty id accepted")
	}
	if err := c.EditTemplate(ctx, simToken, "999999", TemplateEdit{TTLSeconds: &ttl}); !errors.As(err, &ge) || ge.Code != 100 {
		t.Errorf("unknown template: %v", err)
	}
}

package schedule_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/schedule"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestCreateChecks: malformed messages and times are refused as a send
// would refuse them; what only the moment decides (a closed window) is a
// preview and a warning, checked again when the time comes.
func TestCreateChecks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		s := e.service("api")
		at := func(d time.Duration) schedule.When {
			return schedule.When{SendAt: clock.Now().Add(d).Format(time.RFC3339Nano)}
		}
		create := func(d schedule.Draft) (schedule.Created, error) { return s.Create(ctx, e.agentP(), e.conv, d) }
		tpl := func(params ...string) json.RawMessage {
			b, _ := json.Marshal(map[string]any{"name": "order_shipped", "language": "en_US", "parameters": params})
			return b
		}
		for name, d := range map[string]schedule.Draft{
			"too soon":          {Type: "text", Text: "x", When: at(schedule.MinLead - time.Second)},
			"in the past":       {Type: "text", Text: "x", When: at(-time.Hour)},
			"too far":           {Type: "text", Text: "x", When: at(schedule.MaxAhead + time.Minute)},
			"no time":           {Type: "text", Text: "x"},
			"empty text":        {Type: "text", Text: "  ", When: at(time.Hour)},
			"too long":          {Type: "text", Text: strings.Repeat("x", 4097), When: at(time.Hour)},
			"media":             {Type: "image", Body: json.RawMessage(`{"id":"1"}`), When: at(time.Hour)},
			"no type":           {Text: "x", When: at(time.Hour)},
			"template not JSON": {Type: "template", Body: json.RawMessage(`"order_shipped"`), When: at(time.Hour)},
			"template unnamed":  {Type: "template", Body: json.RawMessage(`{"language":"en_US"}`), When: at(time.Hour)},
		} {
			_, err := create(d)
			if domain.ErrorCode(err) != domain.CodeInvalidArgument {
				t.Errorf("%s: %v, want invalid_argument", name, err)
			}
		}
		_, err := create(schedule.Draft{Type: "template", Body: tpl(), When: at(time.Hour)})
		wantCode(t, err, domain.CodeTemplateParams) // no later moment fixes a missing parameter

		// The bounds themselves are allowed.
		for _, d := range []time.Duration{schedule.MinLead, schedule.MaxAhead} {
			if _, err := create(schedule.Draft{Type: "text", Text: "edge", When: at(d)}); err != nil {
				t.Errorf("at %v: %v", d, err)
			}
		}
		c, err := create(schedule.Draft{Type: "template", Body: tpl("Ada"), When: at(time.Hour)})
		if err != nil || c.Message.Text != "Template: order_shipped" || !c.Preview.Allowed || string(c.Message.Body) != string(tpl("Ada")) {
			t.Fatalf("template: %v %+v", err, c)
		}

		// Window closed now: scheduled, with the refusal as a preview.
		clock.Advance(25 * time.Hour)
		c, err = create(schedule.Draft{Type: "text", Text: "later", When: at(time.Hour)})
		if err != nil || c.Preview.Allowed || c.Preview.Code != domain.CodeWindowClosed || len(c.Warnings) != 1 ||
			!strings.Contains(c.Warnings[0], "checked again") || c.Message.Status != domain.ScheduledPending {
			t.Fatalf("closed window: %v %+v", err, c)
		}

		// A time the clocks skip is explained (early March, a week before
		// New York springs forward).
		clock.Set(time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC))
		e.customerWrites(t, "back in March")
		c, err = create(schedule.Draft{Type: "text", Text: "dst", When: schedule.When{Local: "2026-03-08T02:30", Zone: "America/New_York"}})
		if err != nil || len(c.Warnings) < 1 || !strings.Contains(c.Warnings[0], "does not exist") || c.Message.TimeZone != "America/New_York" ||
			!c.Message.SendAt.Equal(time.Date(2026, 3, 8, 7, 30, 0, 0, time.UTC)) {
			t.Fatalf("gap: %v %+v", err, c)
		}
	})
}

// TestCreateRespectsReplyRule: where non-assignees may not reply, an
// agent cannot schedule into a colleague's conversation either.
func TestCreateRespectsReplyRule(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		if err := db.SaveWorkspaceSettings(ctx, e.ws.ID, store.Settings{NonAssigneeReply: domain.NonAssigneeBlock}); err != nil {
			t.Fatal(err)
		}
		bob, err := db.CreateUser(ctx, domain.User{WorkspaceID: e.ws.ID, Email: "bob@example.com", Name: "Bob", Role: domain.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		conv, _, err := db.AssignConversation(ctx, e.ws.ID, e.conv.ID, bob.ID, domain.Actor{Kind: domain.ActorSystem}, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = e.service("api").Create(ctx, e.agentP(), conv, schedule.Draft{Type: "text", Text: "x",
			When: schedule.When{SendAt: clock.Now().Add(time.Hour).Format(time.RFC3339)}})
		wantCode(t, err, domain.CodeNotAssignee)
	})
}

package schedule_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/schedule"
	"github.com/gohavi/gohavi/internal/store"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	phoneID  = "106540352242922"
	wabaID   = "102290129340398"
	customer = "447700900123"
)

// env is one workspace with a number, an agent and a conversation the
// customer opened at the clock's start, the real send pipeline (River
// insert-only: the messages it stores are what the tests count) and a
// memory hub whose history holds the events published.
type env struct {
	db    *store.DB
	clock *domain.FakeClock
	hub   *realtime.Memory
	svc   *outbound.Service
	ws    domain.Workspace
	num   domain.Number
	agent domain.User
	conv  domain.Conversation
	since int64 // the hub's head before the test published anything
}

func newEnv(t *testing.T, db *store.DB, clock *domain.FakeClock) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: clock, hub: realtime.NewMemory()}
	t.Cleanup(func() { _ = e.hub.Close() })
	var err error
	if e.ws, err = db.CreateWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	if e.num, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: e.ws.ID, WABAID: wabaID, PhoneNumberID: phoneID,
		DisplayPhoneNumber: "15550783881", AccessTokenEnc: []byte("unused: River jobs are not worked here")}); err != nil {
		t.Fatal(err)
	}
	if e.agent, err = db.CreateUser(ctx, domain.User{WorkspaceID: e.ws.ID, Email: "ann@example.com", Name: "Ann", Role: domain.RoleAgent, PasswordHash: "x"}); err != nil {
		t.Fatal(err)
	}
	comps := `[{"type":"BODY","text":"Hi {{1}}, your order shipped."}]`
	if _, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: e.ws.ID, WABAID: wabaID, MetaID: "9001", Name: "order_shipped",
		Language: "en_US", Category: "UTILITY", Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
		t.Fatal(err)
	}
	sub := e.hub.Subscribe(e.ws.ID)
	e.since = sub.Start()
	sub.Close()
	e.svc = sender(t, db, clock, e.hub)
	e.conv = e.customerWrites(t, "hello")
	return e
}

// sender is a send pipeline on db, as each node has its own.
func sender(t *testing.T, db *store.DB, clock domain.Clock, hub outbound.Publisher) *outbound.Service {
	t.Helper()
	if err := jobs.Migrate(context.Background(), db); err != nil {
		t.Fatal(err)
	}
	jb, err := jobs.New(db, jobs.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	return &outbound.Service{DB: db, Jobs: jb, Hub: hub, Clock: clock, Log: quiet}
}

// customerWrites records a customer message now: it opens the 24-hour
// window, as the applier does.
func (e *env) customerWrites(t *testing.T, text string) domain.Conversation {
	t.Helper()
	ctx := context.Background()
	now := e.clock.Now()
	var conv domain.Conversation
	err := e.db.WithTx(ctx, func(tx *store.Tx) error {
		c, err := tx.UpsertContact(ctx, e.ws.ID, customer, "+"+customer, "Ada")
		if err != nil {
			return err
		}
		id, err := tx.EnsureConversation(ctx, e.ws.ID, e.num.ID, c.ID)
		if err != nil {
			return err
		}
		conv, err = tx.NoteInbound(ctx, id, domain.Millis(now), domain.Millis(domain.WindowExpiry(now)), text, c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

func (e *env) service(node string) *schedule.Service {
	return &schedule.Service{DB: e.db, Send: e.svc, Hub: e.hub, Clock: e.clock, Log: quiet, Node: node}
}

func (e *env) agentP() domain.Principal {
	return domain.Principal{WorkspaceID: e.ws.ID, UserID: e.agent.ID, Role: e.agent.Role}
}

// schedule schedules a text from the agent at in from now.
func (e *env) schedule(t *testing.T, in time.Duration, text string) schedule.Created {
	t.Helper()
	c, err := e.service("api").Create(context.Background(), e.agentP(), e.conv, schedule.Draft{Type: "text", Text: text,
		When: schedule.When{SendAt: e.clock.Now().Add(in).Format(time.RFC3339Nano)}})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) scheduled(t *testing.T, id int64) domain.ScheduledMessage {
	t.Helper()
	m, err := e.db.ScheduledByID(context.Background(), e.ws.ID, id)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (e *env) sendDue(t *testing.T, s *schedule.Service) int {
	t.Helper()
	n, err := s.SendDue(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// outbound lists the messages GoHavi stored to send in the conversation.
func (e *env) outbound(t *testing.T) []domain.Message {
	t.Helper()
	ms, err := e.db.ListMessages(context.Background(), e.ws.ID, e.conv.ID, 500)
	if err != nil {
		t.Fatal(err)
	}
	var out []domain.Message
	for _, m := range ms {
		if m.Direction == domain.Outbound {
			out = append(out, m)
		}
	}
	return out
}

// events are the scheduled.* events published, oldest first, decoded.
func (e *env) events(t *testing.T) []scheduledEvent {
	t.Helper()
	evs, _, err := e.hub.Since(context.Background(), e.ws.ID, e.since, 1000)
	if err != nil {
		t.Fatal(err)
	}
	var out []scheduledEvent
	for _, ev := range evs {
		if ev.Type != domain.EventScheduledCreated && ev.Type != domain.EventScheduledUpdated {
			continue
		}
		var se scheduledEvent
		if err := json.Unmarshal(ev.Data, &se); err != nil {
			t.Fatal(err)
		}
		se.Type = ev.Type
		out = append(out, se)
	}
	return out
}

type scheduledEvent struct {
	Type      string `json:"-"`
	ID        int64  `json:"id"`
	Status    string `json:"status"`
	MessageID int64  `json:"message_id"`
	Error     *struct {
		Code, Message, Remedy string
	} `json:"error"`
}

func wantCode(t *testing.T, err error, code domain.Code) *domain.Error {
	t.Helper()
	var de *domain.Error
	if !errors.As(err, &de) || de.Code != code {
		t.Fatalf("want a %s error, got %v", code, err)
	}
	if de.Message == "" || de.Remedy == "" {
		t.Fatalf("%s error without message or remedy: %+v", code, de)
	}
	return de
}

package inbox_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/inbox"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/view"
)

type recorder struct {
	mu  sync.Mutex
	evs []domain.Event
}

func (r *recorder) Publish(_ context.Context, ev domain.Event) (domain.Event, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.evs = append(r.evs, ev)
	return ev, nil
}

// conversations published so far, as the API shows them.
func (r *recorder) conversations(t *testing.T) []view.Conversation {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []view.Conversation
	for _, ev := range r.evs {
		if ev.Type != domain.EventConversationUpdated {
			t.Fatalf("event %s", ev.Type)
		}
		var c view.Conversation
		if err := json.Unmarshal(ev.Data, &c); err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

// Changes are published with the conversation's view; a snooze ends by
// the clock, with no sleeping; no-ops publish nothing.
func TestServicePublishesAndWakes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		ws, _ := db.CreateWorkspace(ctx, "w", "W")
		num, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: "w", PhoneNumberID: "p", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		ann, _ := db.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: "ann@example.com", Name: "Ann", Role: domain.RoleAgent, PasswordHash: "x"})
		var convID int64
		err = db.WithTx(ctx, func(tx *store.Tx) error {
			c, err := tx.UpsertContact(ctx, ws.ID, "447700900001", "+447700900001", "Dora")
			if err == nil {
				convID, err = tx.EnsureConversation(ctx, ws.ID, num.ID, c.ID)
			}
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		hub := &recorder{}
		s := &inbox.Service{DB: db, Hub: hub, Clock: clock}
		p := domain.Principal{WorkspaceID: ws.ID, UserID: ann.ID, Role: domain.RoleAgent}
		if _, err := s.Assign(ctx, p, convID, ann.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.Assign(ctx, p, convID, ann.ID); err != nil {
			t.Fatal(err)
		}
		until := clock.Now().Add(90 * time.Minute)
		if _, err := s.SetStatus(ctx, p, convID, domain.ConvSnoozed, until.Add(123*time.Microsecond)); err != nil {
			t.Fatal(err)
		}
		// The same snooze again (to the millisecond it is stored at).
		if _, err := s.SetStatus(ctx, p, convID, domain.ConvSnoozed, until); err != nil {
			t.Fatal(err)
		}
		if _, err := s.SetStatus(ctx, p, convID, domain.ConvSnoozed, clock.Now().Add(-time.Second)); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("snooze in the past: %v", err)
		}
		if n, err := s.WakeSnoozed(ctx); err != nil || n != 0 {
			t.Fatalf("early wake: %d %v", n, err)
		}
		clock.Advance(90 * time.Minute)
		if n, err := s.WakeSnoozed(ctx); err != nil || n != 1 {
			t.Fatalf("wake: %d %v", n, err)
		}
		got := hub.conversations(t)
		if len(got) != 3 {
			t.Fatalf("published %d: %+v", len(got), got)
		}
		if got[0].Assignee == nil || got[0].Assignee.Name != "Ann" || got[1].Status != "snoozed" || got[1].SnoozeUntil == nil ||
			got[2].Status != "open" || got[2].SnoozeUntil != nil || got[2].Assignee == nil || got[2].Contact.Name != "Dora" {
			t.Fatalf("published: %+v", got)
		}
		// Restricted agents cannot reach another's conversation at all.
		bob, _ := db.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: "bob@example.com", Name: "Bob", Role: domain.RoleAgent, PasswordHash: "x"})
		if err := db.SaveWorkspaceSettings(ctx, ws.ID, store.Settings{AgentsSee: domain.AgentsSeeOwnAndUnassigned}); err != nil {
			t.Fatal(err)
		}
		pb := domain.Principal{WorkspaceID: ws.ID, UserID: bob.ID, Role: domain.RoleAgent}
		if _, err := s.Visible(ctx, pb, convID); !domain.IsNotFound(err) {
			t.Fatalf("visible: %v", err)
		}
		if _, err := s.SetStatus(ctx, pb, convID, domain.ConvResolved, time.Time{}); !domain.IsNotFound(err) {
			t.Fatalf("status: %v", err)
		}
		if _, err := s.Assign(ctx, pb, convID, bob.ID); !domain.IsNotFound(err) {
			t.Fatalf("assign: %v", err)
		}
	})
}

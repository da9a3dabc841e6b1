package schedule_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// TestSendsOnceWhenDue: nothing goes before its time; at its time the
// message is stored once, sent by the agent who scheduled it, and the row
// says which message it became.
func TestSendsOnceWhenDue(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		c := e.schedule(t, time.Hour, "Your table is ready at nine.")
		if len(c.Warnings) != 0 || !c.Preview.Allowed {
			t.Fatalf("created: %+v", c)
		}
		s := e.service("node-a")
		clock.Advance(time.Hour - time.Second)
		if n := e.sendDue(t, s); n != 0 || len(e.outbound(t)) != 0 {
			t.Fatalf("sent early: %d", n)
		}
		clock.Advance(time.Second)
		if n := e.sendDue(t, s); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		if n := e.sendDue(t, s); n != 0 {
			t.Fatalf("settled %d more on the next pass", n)
		}
		out := e.outbound(t)
		if len(out) != 1 || out[0].Text != "Your table is ready at nine." || out[0].SentBy != e.agent.ID || out[0].Status != domain.StatusQueued {
			t.Fatalf("outbound: %+v", out)
		}
		m := e.scheduled(t, c.Message.ID)
		if m.Status != domain.ScheduledSent || m.MessageID != out[0].ID || m.Attempts != 1 || m.Error != nil {
			t.Fatalf("scheduled after sending: %+v", m)
		}
		evs := e.events(t)
		if len(evs) != 2 || evs[0].Type != domain.EventScheduledCreated || evs[0].Status != "pending" ||
			evs[1].Type != domain.EventScheduledUpdated || evs[1].Status != "sent" || evs[1].MessageID != out[0].ID {
			t.Fatalf("events: %+v", evs)
		}
	})
}

// TestCanceledNeverSends: a canceled message stays canceled at its time,
// and canceling what was sent is a conflict.
func TestCanceledNeverSends(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		canceled := e.schedule(t, time.Minute, "never")
		kept := e.schedule(t, time.Minute, "kept")
		visible := func(int64) error { return nil }
		m, err := e.service("api").Cancel(ctx, e.agentP(), canceled.Message.ID, visible)
		if err != nil || m.Status != domain.ScheduledCanceled {
			t.Fatalf("cancel: %v %+v", err, m)
		}
		clock.Advance(time.Hour)
		if n := e.sendDue(t, e.service("node-a")); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		if out := e.outbound(t); len(out) != 1 || out[0].Text != "kept" {
			t.Fatalf("outbound: %+v", out)
		}
		if m := e.scheduled(t, canceled.Message.ID); m.Status != domain.ScheduledCanceled || m.MessageID != 0 {
			t.Fatalf("canceled one: %+v", m)
		}
		_, err = e.service("api").Cancel(ctx, e.agentP(), kept.Message.ID, visible)
		wantCode(t, err, domain.CodeConflict)
		_, err = e.service("api").Cancel(ctx, e.agentP(), kept.Message.ID, func(int64) error { return domain.ErrNotFound })
		wantCode(t, err, domain.CodeNotFound)
	})
}

// TestRefusedAtSendTime: the window was open when the text was scheduled
// and closed before its time; the rules, checked again, refuse it, and
// the row says why, with the remedy, live.
func TestRefusedAtSendTime(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		c := e.schedule(t, 25*time.Hour, "Still interested?")
		if !c.Preview.Allowed || len(c.Warnings) != 1 {
			t.Fatalf("the closing window was not pointed out: %+v", c)
		}
		clock.Advance(25 * time.Hour)
		if n := e.sendDue(t, e.service("node-a")); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		if out := e.outbound(t); len(out) != 0 {
			t.Fatalf("a refused message was stored: %+v", out)
		}
		m := e.scheduled(t, c.Message.ID)
		if m.Status != domain.ScheduledFailed || m.Error == nil || m.Error.Code != domain.CodeWindowClosed || m.Error.Remedy == "" || m.MessageID != 0 {
			t.Fatalf("refused: %+v", m)
		}
		evs := e.events(t)
		last := evs[len(evs)-1]
		if last.Type != domain.EventScheduledUpdated || last.Status != "failed" || last.Error == nil || last.Error.Code != string(domain.CodeWindowClosed) || last.Error.Remedy == "" {
			t.Fatalf("event: %+v", last)
		}
		var denials int
		if err := db.R.QueryRowContext(context.Background(), `SELECT COUNT(*) FROM policy_denials WHERE code = $1`, string(domain.CodeWindowClosed)).Scan(&denials); err != nil || denials != 1 {
			t.Fatalf("denials recorded: %d %v", denials, err)
		}
	})
}

// TestMissedWhileDown: a message found more than MaxLate after its time
// (GoHavi was stopped) fails as missed instead of arriving late.
func TestMissedWhileDown(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		c := e.schedule(t, time.Minute, "Good morning!")
		clock.Advance(time.Minute + 61*time.Minute)
		e.customerWrites(t, "are you there?") // the window is open: only lateness stops it
		if n := e.sendDue(t, e.service("node-a")); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		if m := e.scheduled(t, c.Message.ID); m.Status != domain.ScheduledFailed || m.Error == nil || m.Error.Code != domain.CodeScheduleMissed {
			t.Fatalf("missed: %+v", m)
		}
		if out := e.outbound(t); len(out) != 0 {
			t.Fatalf("a missed message was sent: %+v", out)
		}
	})
}

// TestNodeDiesMidSend: a node claimed the message and died before its
// commit. Nothing goes while its claim lasts; then another node sends it,
// once.
func TestNodeDiesMidSend(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.schedule(t, time.Minute, "after the crash")
		clock.Advance(time.Minute)
		now := clock.Now()
		if ok, err := db.ClaimScheduled(ctx, c.Message.ID, "dead-node", domain.Millis(now), domain.Millis(now.Add(2*time.Minute))); err != nil || !ok {
			t.Fatalf("claim: %v %v", ok, err)
		}
		s := e.service("node-b")
		if n := e.sendDue(t, s); n != 0 {
			t.Fatalf("sent under another node's live claim: %d", n)
		}
		clock.Advance(2 * time.Minute)
		if n := e.sendDue(t, s); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		if out := e.outbound(t); len(out) != 1 {
			t.Fatalf("outbound: %+v", out)
		}
		if m := e.scheduled(t, c.Message.ID); m.Status != domain.ScheduledSent || m.Attempts != 2 {
			t.Fatalf("after take-over: %+v", m)
		}
	})
}

// TestAssignedAwayBeforeSending: with agents_see = own_and_unassigned, an
// agent's message into a conversation that went to a colleague before
// its time is refused then, as the agent's own send would be.
func TestAssignedAwayBeforeSending(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		if err := db.SaveWorkspaceSettings(ctx, e.ws.ID, store.Settings{AgentsSee: domain.AgentsSeeOwnAndUnassigned}); err != nil {
			t.Fatal(err)
		}
		bob, err := db.CreateUser(ctx, domain.User{WorkspaceID: e.ws.ID, Email: "bob@example.com", Name: "Bob", Role: domain.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		c := e.schedule(t, time.Minute, "from Ann")
		if _, _, err := db.AssignConversation(ctx, e.ws.ID, e.conv.ID, bob.ID, domain.Actor{Kind: domain.ActorSystem}, nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if n := e.sendDue(t, e.service("node-a")); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		m := e.scheduled(t, c.Message.ID)
		if m.Status != domain.ScheduledFailed || m.Error == nil || m.Error.Code != domain.CodeForbidden {
			t.Fatalf("assigned away: %+v", m)
		}
		if out := e.outbound(t); len(out) != 0 {
			t.Fatalf("sent into a colleague's conversation: %+v", out)
		}
	})
}

// TestDeactivatedBeforeSending: a message scheduled by a member who is
// deactivated before its time is not sent on their behalf.
func TestDeactivatedBeforeSending(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock)
		ctx := context.Background()
		c := e.schedule(t, time.Minute, "from Ann")
		off := false
		if _, _, err := db.UpdateMember(ctx, e.ws.ID, e.agent.ID, store.MemberChange{Active: &off}, domain.Actor{Kind: domain.ActorSystem}, nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		if n := e.sendDue(t, e.service("node-a")); n != 1 {
			t.Fatalf("settled %d, want 1", n)
		}
		m := e.scheduled(t, c.Message.ID)
		if m.Status != domain.ScheduledFailed || m.Error == nil || m.Error.Code != domain.CodeForbidden || !strings.Contains(m.Error.Message, "deactivated") {
			t.Fatalf("deactivated author: %+v", m)
		}
		if out := e.outbound(t); len(out) != 0 {
			t.Fatalf("sent for a deactivated member: %+v", out)
		}
	})
}

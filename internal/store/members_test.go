package store_test

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func ptr[T any](v T) *T { return &v }

// memberNames names ms; an error stands in their place, so a comparison
// fails showing it.
func memberNames(ms []store.Member, err error) []string {
	if err != nil {
		return []string{"error: " + err.Error()}
	}
	var out []string
	for _, m := range ms {
		out = append(out, m.Name)
	}
	return out
}

func session(t *testing.T, db *store.DB, u domain.User, token string) []byte {
	t.Helper()
	h := hashOf(token)
	if err := db.CreateSession(context.Background(), domain.Session{TokenHash: h, UserID: u.ID, WorkspaceID: u.WorkspaceID, ExpiresAt: t0.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return h
}

// TestMembers: creating, renaming, role and password changes (which end
// the member's other sessions), and tenancy.
func TestMembers(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		m, err := db.CreateMember(ctx, domain.User{WorkspaceID: tm.ws.ID, Email: "Dan@Example.com", Name: "Dan", Role: domain.RoleAgent, PasswordHash: "h"})
		if err != nil || m.ID == 0 || m.Email != "dan@example.com" || m.Role != domain.RoleAgent {
			t.Fatalf("create: %v %+v", err, m)
		}
		if _, err := db.CreateMember(ctx, domain.User{WorkspaceID: tm.ws.ID, Email: "dan@example.com", Name: "Dan 2", Role: domain.RoleAgent, PasswordHash: "h"}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("duplicate: %v", err)
		}
		// The email of another workspace's member is taken too: login is by email.
		if _, err := db.CreateMember(ctx, domain.User{WorkspaceID: tm.ws.ID, Email: "stranger@example.com", Name: "S", Role: domain.RoleAgent, PasswordHash: "h"}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("another workspace's email: %v", err)
		}
		if got := memberNames(db.Members(ctx, tm.ws.ID)); !slices.Equal(got, []string{"Ann", "Bob", "Cat", "Boss", "Dan"}) {
			t.Fatalf("members: %v", got)
		}

		dan1, dan2 := session(t, db, domain.User{ID: m.ID, WorkspaceID: tm.ws.ID}, "dan-1"), session(t, db, domain.User{ID: m.ID, WorkspaceID: tm.ws.ID}, "dan-2")
		annS := session(t, db, tm.ann, "ann")
		var seen domain.User
		var seenOwners int
		got, unassigned, err := db.UpdateMember(ctx, tm.ws.ID, m.ID, store.MemberChange{Name: ptr("Daniel"), Role: ptr(domain.RoleAdmin), PasswordHash: ptr("h2"), KeepSession: dan1},
			actorOf(tm.boss), func(u domain.User, owners int) error { seen, seenOwners = u, owners; return nil })
		if err != nil || got.Name != "Daniel" || got.Role != domain.RoleAdmin || len(unassigned) != 0 {
			t.Fatalf("update: %v %+v %v", err, got, unassigned)
		}
		if seen.ID != m.ID || seen.Role != domain.RoleAgent || seenOwners != 0 {
			t.Fatalf("check saw %+v with %d owners", seen, seenOwners)
		}
		if u, _ := db.UserByID(ctx, tm.ws.ID, m.ID); u.PasswordHash != "h2" {
			t.Fatalf("password not stored: %+v", u)
		}
		if _, err := db.SessionUser(ctx, dan1); err != nil {
			t.Fatalf("the session that changed the password ended: %v", err)
		}
		if _, err := db.SessionUser(ctx, dan2); !domain.IsNotFound(err) {
			t.Fatalf("another session survived the password change: %v", err)
		}
		if _, err := db.SessionUser(ctx, annS); err != nil {
			t.Fatalf("another member's session ended: %v", err)
		}
		// Without a session to keep, every one ends.
		if _, _, err := db.UpdateMember(ctx, tm.ws.ID, m.ID, store.MemberChange{PasswordHash: ptr("h3")}, actorOf(tm.boss), nil); err != nil {
			t.Fatal(err)
		}
		if _, err := db.SessionUser(ctx, dan1); !domain.IsNotFound(err) {
			t.Fatalf("session survived a reset by someone else: %v", err)
		}

		// A refusal changes nothing.
		refuse := domain.Errorf(domain.CodeForbidden, "no", "no")
		if _, _, err := db.UpdateMember(ctx, tm.ws.ID, m.ID, store.MemberChange{Name: ptr("X")}, actorOf(tm.boss), func(domain.User, int) error { return refuse }); err != refuse {
			t.Fatalf("refused: %v", err)
		}
		if one, _ := db.MemberByID(ctx, tm.ws.ID, m.ID); one.Name != "Daniel" {
			t.Fatalf("a refused change was applied: %+v", one)
		}
		// Another workspace's member is not found.
		if _, _, err := db.UpdateMember(ctx, tm.ws.ID, tm.stranger.ID, store.MemberChange{Name: ptr("X")}, actorOf(tm.boss), nil); !domain.IsNotFound(err) {
			t.Fatalf("another workspace's member: %v", err)
		}
		if _, err := db.MemberByID(ctx, tm.ws.ID, tm.stranger.ID); !domain.IsNotFound(err) {
			t.Fatalf("another workspace's member read: %v", err)
		}
	})
}

// TestDeactivateMember: sessions end, conversations are unassigned (and
// logged), the member is no longer listed, mentioned, assigned or given
// turns, and their notes keep their name; reactivating lets them back.
func TestDeactivateMember(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		annS := session(t, db, tm.ann, "ann")
		mine := []domain.Conversation{tm.conversation(t, db, "447700900001", t0), tm.conversation(t, db, "447700900002", t0)}
		bobs := tm.conversation(t, db, "447700900003", t0)
		for _, c := range mine {
			if _, _, err := db.AssignConversation(ctx, tm.ws.ID, c.ID, tm.ann.ID, actorOf(tm.boss), nil); err != nil {
				t.Fatal(err)
			}
		}
		if _, _, err := db.AssignConversation(ctx, tm.ws.ID, bobs.ID, tm.bob.ID, actorOf(tm.boss), nil); err != nil {
			t.Fatal(err)
		}
		note, err := db.CreateNote(ctx, store.NewNote{WorkspaceID: tm.ws.ID, ConversationID: mine[0].ID, AuthorUserID: tm.ann.ID, Body: "Ask @Bob"})
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range []domain.User{tm.ann, tm.bob} {
			if _, err := db.TouchUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}

		clock.Advance(time.Minute / 2)
		m, unassigned, err := db.UpdateMember(ctx, tm.ws.ID, tm.ann.ID, store.MemberChange{Active: ptr(false)}, actorOf(tm.boss), nil)
		if err != nil || m.DeactivatedAt.IsZero() || m.Online(clock.Now()) {
			t.Fatalf("deactivate: %v %+v", err, m)
		}
		if len(unassigned) != 2 || unassigned[0].ID != mine[0].ID || unassigned[1].ID != mine[1].ID || unassigned[0].AssigneeID != 0 {
			t.Fatalf("unassigned: %+v", unassigned)
		}
		if c, _ := db.ConversationByID(ctx, tm.ws.ID, bobs.ID); c.AssigneeID != tm.bob.ID {
			t.Fatalf("bob's conversation changed: %+v", c)
		}
		acts, err := db.ConversationActivity(ctx, tm.ws.ID, mine[1].ID, 10)
		if err != nil || len(acts) != 2 || acts[1].Kind != domain.ActivityUnassigned || acts[1].AssigneeName != "Ann" || acts[1].Actor.Name != "Boss" {
			t.Fatalf("activity: %v %+v", err, acts)
		}
		if _, err := db.SessionUser(ctx, annS); !domain.IsNotFound(err) {
			t.Fatalf("session survived: %v", err)
		}
		// A session that was being created as she was deactivated does not work either.
		late := session(t, db, tm.ann, "late")
		if _, err := db.SessionUser(ctx, late); !domain.IsNotFound(err) {
			t.Fatalf("late session works: %v", err)
		}
		if u, err := db.UserByEmail(ctx, "ann@example.com"); err != nil || u.Active() {
			t.Fatalf("login lookup: %v %+v", err, u)
		}
		if got := memberNames(db.Members(ctx, tm.ws.ID)); slices.Contains(got, "Ann") {
			t.Fatalf("listed: %v", got)
		}
		all, err := db.ListMembers(ctx, tm.ws.ID, true)
		if got := memberNames(all, err); !slices.Equal(got, []string{"Ann", "Bob", "Cat", "Boss"}) || all[0].DeactivatedAt.IsZero() || !all[1].DeactivatedAt.IsZero() {
			t.Fatalf("all: %+v", all)
		}
		if ms, _ := db.WorkspaceMembers(ctx, tm.ws.ID); slices.ContainsFunc(ms, func(m domain.Member) bool { return m.ID == tm.ann.ID }) {
			t.Fatalf("mentionable: %+v", ms)
		}
		if _, _, err := db.AssignConversation(ctx, tm.ws.ID, mine[0].ID, tm.ann.ID, actorOf(tm.boss), nil); domain.ErrorCode(err) != domain.CodeInvalidArgument {
			t.Fatalf("assign to a deactivated member: %v", err)
		}
		if ok, _ := db.TouchUser(ctx, tm.ann.ID); ok {
			t.Fatal("a deactivated member was touched")
		}
		n, err := db.NoteByID(ctx, tm.ws.ID, note.ID)
		if err != nil || n.Author.Name != "Ann" || len(n.Mentions) != 1 || n.Mentions[0].Name != "Bob" {
			t.Fatalf("note after: %v %+v", err, n)
		}
		// Ann was seen 30 s ago, but takes no round-robin turn.
		if err := db.SaveWorkspaceSettings(ctx, tm.ws.ID, store.Settings{AutoAssign: domain.AutoAssignRoundRobin}); err != nil {
			t.Fatal(err)
		}
		for i, wa := range []string{"447700900011", "447700900012"} {
			c := tm.conversation(t, db, wa, t0)
			got, ok, err := db.AutoAssign(ctx, tm.ws.ID, c.ID)
			if err != nil || !ok || got.AssigneeID != tm.bob.ID {
				t.Fatalf("turn %d: %v %v %d, want bob", i, err, ok, got.AssigneeID)
			}
		}
		// Deactivating again changes nothing.
		if _, again, err := db.UpdateMember(ctx, tm.ws.ID, tm.ann.ID, store.MemberChange{Active: ptr(false)}, actorOf(tm.boss), nil); err != nil || len(again) != 0 {
			t.Fatalf("again: %v %v", err, again)
		}
		// Reactivated, she is listed and assignable, and logs in again.
		m, _, err = db.UpdateMember(ctx, tm.ws.ID, tm.ann.ID, store.MemberChange{Active: ptr(true)}, actorOf(tm.boss), nil)
		if err != nil || !m.DeactivatedAt.IsZero() {
			t.Fatalf("reactivate: %v %+v", err, m)
		}
		if _, err := db.SessionUser(ctx, session(t, db, tm.ann, "back")); err != nil {
			t.Fatalf("session after reactivation: %v", err)
		}
		if _, _, err := db.AssignConversation(ctx, tm.ws.ID, mine[0].ID, tm.ann.ID, actorOf(tm.boss), nil); err != nil {
			t.Fatalf("assign after reactivation: %v", err)
		}
	})
}

// TestLastOwnerRace: two owners demoting each other at once, from two
// nodes, under domain.CheckMemberEdit: one wins, and one owner is left.
func TestLastOwnerRace(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		other := secondNode(t, db, clock)
		var owners []domain.User
		for _, name := range []string{"Olga", "Omar"} {
			u, err := db.CreateUser(ctx, domain.User{WorkspaceID: tm.ws.ID, Email: name + "@example.com", Name: name, Role: domain.RoleOwner, PasswordHash: "x"})
			if err != nil {
				t.Fatal(err)
			}
			owners = append(owners, u)
		}
		for round := range 5 {
			var wg sync.WaitGroup
			errs := make([]error, 2)
			for i, h := range []*store.DB{db, other} {
				wg.Go(func() {
					actor, target := owners[i], owners[1-i]
					p := domain.Principal{WorkspaceID: tm.ws.ID, UserID: actor.ID, Role: domain.RoleOwner}
					_, _, errs[i] = h.UpdateMember(ctx, tm.ws.ID, target.ID, store.MemberChange{Role: ptr(domain.RoleAdmin)}, actorOf(actor),
						func(u domain.User, n int) error {
							return domain.CheckMemberEdit(p, u, domain.MemberEdit{Role: domain.RoleAdmin}, n)
						})
				})
			}
			wg.Wait()
			var ok, refused int
			for _, err := range errs {
				switch {
				case err == nil:
					ok++
				case domain.ErrorCode(err) == domain.CodeConflict:
					refused++
				default:
					t.Fatalf("round %d: %v", round, err)
				}
			}
			ms, _ := db.Members(ctx, tm.ws.ID)
			left := slices.DeleteFunc(ms, func(m store.Member) bool { return m.Role != domain.RoleOwner })
			if ok != 1 || refused != 1 || len(left) != 1 {
				t.Fatalf("round %d: %d ok, %d refused, owners %+v", round, ok, refused, left)
			}
			// Make the demoted one owner again for the next round.
			if _, _, err := db.UpdateMember(ctx, tm.ws.ID, ownerOtherThan(owners, left[0].ID), store.MemberChange{Role: ptr(domain.RoleOwner)}, actorOf(owners[0]), nil); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func ownerOtherThan(us []domain.User, id int64) int64 {
	for _, u := range us {
		if u.ID != id {
			return u.ID
		}
	}
	return 0
}

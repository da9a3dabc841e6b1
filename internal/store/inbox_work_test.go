package store_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// team is a workspace with members and a number, and a second workspace
// with a member of its own.
type team struct {
	ws, other     domain.Workspace
	num           domain.Number
	ann, bob, cat domain.User // agents, in id order
	boss          domain.User // admin
	stranger      domain.User // a member of other
}

func newTeam(t *testing.T, db *store.DB) team {
	t.Helper()
	ctx := context.Background()
	var tm team
	tm.ws, tm.other, tm.num, _ = inboxFixture(t, db)
	user := func(ws domain.Workspace, name string, role domain.Role) domain.User {
		u, err := db.CreateUser(ctx, domain.User{WorkspaceID: ws.ID, Email: name + "@example.com", Name: name, Role: role, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	tm.ann, tm.bob, tm.cat = user(tm.ws, "Ann", domain.RoleAgent), user(tm.ws, "Bob", domain.RoleAgent), user(tm.ws, "Cat", domain.RoleAgent)
	tm.boss = user(tm.ws, "Boss", domain.RoleAdmin)
	tm.stranger = user(tm.other, "Stranger", domain.RoleAgent)
	return tm
}

// conversation makes a conversation with a new contact whose last message
// is at ts.
func (tm team) conversation(t *testing.T, db *store.DB, waID string, ts time.Time) domain.Conversation {
	t.Helper()
	return tm.conversationOn(t, db, tm.num, waID, ts)
}

func (tm team) conversationOn(t *testing.T, db *store.DB, num domain.Number, waID string, ts time.Time) domain.Conversation {
	t.Helper()
	ctx := context.Background()
	var conv domain.Conversation
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		c, err := tx.UpsertContact(ctx, tm.ws.ID, waID, "+"+waID, "Customer "+waID)
		if err != nil {
			return err
		}
		id, err := tx.EnsureConversation(ctx, tm.ws.ID, num.ID, c.ID)
		if err != nil {
			return err
		}
		conv, err = tx.NoteOutbound(ctx, id, domain.Millis(ts), "hello", c)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return conv
}

// inbound lands a customer message in conv, as the applier does, and
// returns the state before and the conversation after.
func inbound(t *testing.T, db *store.DB, conv domain.Conversation, ts time.Time) (store.ConversationState, domain.Conversation) {
	t.Helper()
	ctx := context.Background()
	var prior store.ConversationState
	var after domain.Conversation
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if prior, err = tx.EnsureConversationState(ctx, conv.WorkspaceID, conv.NumberID, conv.ContactID); err != nil {
			return err
		}
		after, err = tx.NoteInbound(ctx, conv.ID, domain.Millis(ts), domain.Millis(domain.WindowExpiry(ts)), "again", conv.Contact)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return prior, after
}

func actorOf(u domain.User) domain.Actor { return domain.Actor{Kind: domain.ActorUser, ID: u.ID} }

func TestAssignConversation(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		conv := tm.conversation(t, db, "447700900001", t0)
		if conv.Status != domain.ConvOpen || conv.AssigneeID != 0 {
			t.Fatalf("new conversation: %+v", conv)
		}
		got, changed, err := db.AssignConversation(ctx, tm.ws.ID, conv.ID, tm.ann.ID, actorOf(tm.boss), nil)
		if err != nil || !changed || got.AssigneeID != tm.ann.ID || got.AssigneeName != "Ann" || got.Contact.WaID != "447700900001" {
			t.Fatalf("assign: %v %v %+v", err, changed, got)
		}
		if _, changed, err := db.AssignConversation(ctx, tm.ws.ID, conv.ID, tm.ann.ID, actorOf(tm.boss), nil); err != nil || changed {
			t.Fatalf("same assignee again: %v %v", changed, err)
		}
		for _, u := range []int64{tm.stranger.ID, 99999} {
			if _, _, err := db.AssignConversation(ctx, tm.ws.ID, conv.ID, u, actorOf(tm.boss), nil); domain.ErrorCode(err) != domain.CodeInvalidArgument {
				t.Fatalf("assign to non-member %d: %v", u, err)
			}
		}
		if _, _, err := db.AssignConversation(ctx, tm.other.ID, conv.ID, tm.stranger.ID, actorOf(tm.stranger), nil); !domain.IsNotFound(err) {
			t.Fatalf("another workspace's conversation: %v", err)
		}
		// The check sees the conversation as it is, and its refusal changes nothing.
		refuse := func(c domain.Conversation) error {
			if c.AssigneeID != tm.ann.ID {
				t.Errorf("check saw assignee %d", c.AssigneeID)
			}
			return domain.CheckAssign(domain.Principal{WorkspaceID: tm.ws.ID, UserID: tm.bob.ID, Role: domain.RoleAgent}, c.AssigneeID, tm.bob.ID)
		}
		if _, _, err := db.AssignConversation(ctx, tm.ws.ID, conv.ID, tm.bob.ID, actorOf(tm.bob), refuse); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("refused by check: %v", err)
		}
		clock.Advance(time.Minute)
		if _, _, err := db.AssignConversation(ctx, tm.ws.ID, conv.ID, tm.bob.ID, actorOf(tm.ann), nil); err != nil {
			t.Fatal(err)
		}
		clock.Advance(time.Minute)
		got, changed, err = db.AssignConversation(ctx, tm.ws.ID, conv.ID, 0, actorOf(tm.bob), nil)
		if err != nil || !changed || got.AssigneeID != 0 || got.AssigneeName != "" {
			t.Fatalf("unassign: %v %+v", err, got)
		}
		log, err := db.ConversationActivity(ctx, tm.ws.ID, conv.ID, 10)
		if err != nil || len(log) != 3 {
			t.Fatalf("activity: %v %+v", err, log)
		}
		want := []struct {
			kind            domain.ActivityKind
			actor, to, from string
		}{{domain.ActivityAssigned, "Boss", "Ann", ""}, {domain.ActivityAssigned, "Ann", "Bob", "Ann"}, {domain.ActivityUnassigned, "Bob", "Bob", ""}}
		for i, w := range want {
			a := log[i]
			if a.Kind != w.kind || a.Actor.Name != w.actor || a.AssigneeName != w.to || a.FromAssigneeName != w.from || !a.At.Equal(t0.Add(time.Duration(i)*time.Minute)) {
				t.Errorf("activity %d = %+v, want %+v", i, a, w)
			}
		}
		if l, _ := db.ConversationActivity(ctx, tm.other.ID, conv.ID, 10); len(l) != 0 {
			t.Fatalf("another workspace reads the log: %+v", l)
		}
		if l, _ := db.ConversationActivity(ctx, tm.ws.ID, conv.ID, 1); len(l) != 1 || l[0].Kind != domain.ActivityUnassigned {
			t.Fatalf("newest entry: %+v", l)
		}
	})
}

func TestConversationStatusAndSnooze(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		a := tm.conversation(t, db, "447700900001", t0)
		b := tm.conversation(t, db, "447700900002", t0)
		got, changed, err := db.SetConversationStatus(ctx, tm.ws.ID, a.ID, domain.ConvPending, time.Time{}, actorOf(tm.ann), nil)
		if err != nil || !changed || got.Status != domain.ConvPending {
			t.Fatalf("pending: %v %+v", err, got)
		}
		if _, changed, _ := db.SetConversationStatus(ctx, tm.ws.ID, a.ID, domain.ConvPending, time.Time{}, actorOf(tm.ann), nil); changed {
			t.Fatal("same status again changed something")
		}
		if _, _, err := db.SetConversationStatus(ctx, tm.other.ID, a.ID, domain.ConvResolved, time.Time{}, actorOf(tm.stranger), nil); !domain.IsNotFound(err) {
			t.Fatalf("another workspace: %v", err)
		}
		wakeA, wakeB := t0.Add(time.Hour), t0.Add(2*time.Hour)
		for _, s := range []struct {
			c     domain.Conversation
			until time.Time
		}{{a, wakeA}, {b, wakeB}} {
			got, _, err := db.SetConversationStatus(ctx, tm.ws.ID, s.c.ID, domain.ConvSnoozed, s.until, actorOf(tm.ann), nil)
			if err != nil || got.Status != domain.ConvSnoozed || !got.SnoozeUntil.Equal(s.until) {
				t.Fatalf("snooze: %v %+v", err, got)
			}
		}
		if woke, err := db.WakeSnoozed(ctx, 10); err != nil || len(woke) != 0 {
			t.Fatalf("woke early: %v %+v", err, woke)
		}
		clock.Set(wakeA)
		woke, err := db.WakeSnoozed(ctx, 10)
		if err != nil || len(woke) != 1 || woke[0].ID != a.ID || woke[0].Status != domain.ConvOpen || !woke[0].SnoozeUntil.IsZero() || woke[0].Contact.ID != a.ContactID {
			t.Fatalf("wake a: %v %+v", err, woke)
		}
		if again, _ := db.WakeSnoozed(ctx, 10); len(again) != 0 {
			t.Fatalf("woke twice: %+v", again)
		}
		clock.Set(wakeB.Add(time.Minute))
		if woke, _ := db.WakeSnoozed(ctx, 10); len(woke) != 1 || woke[0].ID != b.ID {
			t.Fatalf("wake b: %+v", woke)
		}
		log, _ := db.ConversationActivity(ctx, tm.ws.ID, a.ID, 10)
		if len(log) != 3 || log[1].Status != domain.ConvSnoozed || !log[1].SnoozeUntil.Equal(wakeA) ||
			log[2].Actor.Kind != domain.ActorSystem || log[2].FromStatus != domain.ConvSnoozed || log[2].Status != domain.ConvOpen {
			t.Fatalf("activity: %+v", log)
		}
	})
}

// Two nodes (two handles on one database) waking the same snoozes at the
// same moment wake each conversation exactly once.
func TestWakeSnoozedOnceAcrossNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		other := secondNode(t, db, clock)
		for i := range 40 {
			c := tm.conversation(t, db, fmt.Sprintf("4477009%05d", i), t0)
			if _, _, err := db.SetConversationStatus(ctx, tm.ws.ID, c.ID, domain.ConvSnoozed, t0.Add(time.Minute), actorOf(tm.ann), nil); err != nil {
				t.Fatal(err)
			}
		}
		clock.Advance(time.Minute)
		var mu sync.Mutex
		seen := map[int64]int{}
		var wg sync.WaitGroup
		for _, h := range []*store.DB{db, other, db, other} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				for {
					woke, err := h.WakeSnoozed(ctx, 7)
					if store.IsConflict(err) {
						continue
					}
					if err != nil {
						t.Error(err)
						return
					}
					if len(woke) == 0 {
						return
					}
					mu.Lock()
					for _, c := range woke {
						seen[c.ID]++
					}
					mu.Unlock()
				}
			}()
		}
		wg.Wait()
		if len(seen) != 40 {
			t.Fatalf("woke %d of 40", len(seen))
		}
		for id, n := range seen {
			if n != 1 {
				t.Errorf("conversation %d woke %d times", id, n)
			}
		}
	})
}

// secondNode opens another handle on db's database, as a second node would.
func secondNode(t *testing.T, db *store.DB, clock domain.Clock) *store.DB {
	t.Helper()
	dsn := db.URL
	if db.Dialect == store.SQLite {
		dsn = db.Path
	}
	other, err := store.Open(context.Background(), dsn, clock)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { other.Close() })
	return other
}

func TestInboundReopens(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		for i, tc := range []struct {
			status domain.ConvStatus
			until  time.Time
			want   domain.ConvStatus
		}{
			{domain.ConvResolved, time.Time{}, domain.ConvOpen},
			{domain.ConvSnoozed, t0.Add(time.Hour), domain.ConvOpen},
			{domain.ConvPending, time.Time{}, domain.ConvPending},
			{domain.ConvOpen, time.Time{}, domain.ConvOpen},
		} {
			c := tm.conversation(t, db, fmt.Sprintf("44770090000%d", i), t0)
			if _, _, err := db.SetConversationStatus(ctx, tm.ws.ID, c.ID, tc.status, tc.until, actorOf(tm.ann), nil); err != nil {
				t.Fatal(err)
			}
			prior, after := inbound(t, db, c, t0.Add(time.Minute))
			if prior.ID != c.ID || prior.Status != tc.status || prior.LastInboundAt != 0 {
				t.Errorf("%s: prior state %+v", tc.status, prior)
			}
			if after.Status != tc.want || !after.SnoozeUntil.IsZero() || after.UnreadCount != 1 {
				t.Errorf("%s: after inbound %+v", tc.status, after)
			}
			if prior, _ := inbound(t, db, c, t0.Add(2*time.Minute)); prior.LastInboundAt != domain.Millis(t0.Add(time.Minute)) {
				t.Errorf("%s: second message's prior state %+v", tc.status, prior)
			}
		}
	})
}

func TestListInboxFiltersAndPaging(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		num2, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: tm.ws.ID, WABAID: "w", PhoneNumberID: "pa2", AccessTokenEnc: []byte{1}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.CreateLabel(ctx, tm.ws.ID, "vip", ""); err != nil {
			t.Fatal(err)
		}
		assignees := []int64{0, tm.ann.ID, tm.bob.ID}
		var all []domain.Conversation
		for i := range 60 {
			// Pairs share a timestamp: ties page by id.
			num := tm.num
			if i%5 == 0 {
				num = num2
			}
			c := tm.conversationOn(t, db, num, fmt.Sprintf("4477008%05d", i), t0.Add(time.Duration(i/2)*time.Second))
			st := domain.ConvStatuses[i%4]
			until := time.Time{}
			if st == domain.ConvSnoozed {
				until = t0.Add(time.Hour)
			}
			if c, _, err = db.SetConversationStatus(ctx, tm.ws.ID, c.ID, st, until, actorOf(tm.boss), nil); err != nil {
				t.Fatal(err)
			}
			if c, _, err = db.AssignConversation(ctx, tm.ws.ID, c.ID, assignees[i%3], actorOf(tm.boss), nil); err != nil {
				t.Fatal(err)
			}
			if i%7 == 0 {
				if _, _, err := db.AddConversationLabel(ctx, tm.ws.ID, c.ID, "vip"); err != nil {
					t.Fatal(err)
				}
			}
			all = append(all, c)
		}
		var vip = map[int64]bool{}
		for i, c := range all {
			vip[c.ID] = i%7 == 0
		}
		slices.SortFunc(all, func(a, b domain.Conversation) int {
			if c := b.LastMessageAt.Compare(a.LastMessageAt); c != 0 {
				return c
			}
			return int(b.ID - a.ID)
		})
		expect := func(f store.InboxFilter) []int64 {
			out := []int64{}
			for _, c := range all {
				if f.Statuses != nil && !slices.Contains(f.Statuses, c.Status) {
					continue
				}
				if f.Assignees != nil && !slices.Contains(f.Assignees, c.AssigneeID) {
					continue
				}
				if f.Label != "" && !vip[c.ID] {
					continue
				}
				if f.NumberID != 0 && c.NumberID != f.NumberID {
					continue
				}
				out = append(out, c.ID)
			}
			return out
		}
		for name, f := range map[string]store.InboxFilter{
			"everything":         {},
			"active":             {Statuses: domain.ConvActive},
			"resolved":           {Statuses: []domain.ConvStatus{domain.ConvResolved}},
			"mine":               {Statuses: domain.ConvActive, Assignees: []int64{tm.ann.ID}},
			"unassigned":         {Assignees: []int64{0}},
			"own and unassigned": {Statuses: domain.ConvActive, Assignees: []int64{tm.bob.ID, 0}},
			"nobody":             {Assignees: []int64{}},
			"label":              {Label: "VIP"},
			"label and status":   {Label: "vip", Statuses: []domain.ConvStatus{domain.ConvOpen, domain.ConvSnoozed}},
			"number":             {NumberID: tm.num.ID},
			"other number":       {NumberID: num2.ID},
		} {
			t.Run(name, func(t *testing.T) {
				want := expect(f)
				f.WorkspaceID, f.Limit = tm.ws.ID, 7
				var got []int64
				for pages := 0; ; pages++ {
					page, next, err := db.ListInbox(ctx, f)
					if err != nil {
						t.Fatal(err)
					}
					if len(page) > 7 || pages > 20 {
						t.Fatalf("page of %d, %d pages", len(page), pages)
					}
					for _, c := range page {
						got = append(got, c.ID)
					}
					if next.IsZero() {
						break
					}
					if back, err := store.ParseCursor(next.String()); err != nil || back != next {
						t.Fatalf("cursor round trip: %v %+v %+v", err, back, next)
					}
					f.Before = next
				}
				if !slices.Equal(got, want) {
					t.Fatalf("got %v\nwant %v", got, want)
				}
			})
		}
		if l, _, err := db.ListInbox(ctx, store.InboxFilter{WorkspaceID: tm.other.ID, Limit: 50}); err != nil || len(l) != 0 {
			t.Fatalf("another workspace: %v %d", err, len(l))
		}
		for _, bad := range []string{"x", "1_", "_1", "1_0", "-1_2", "1_2_3"} {
			if _, err := store.ParseCursor(bad); domain.ErrorCode(err) != domain.CodeInvalidArgument {
				t.Errorf("cursor %q: %v", bad, err)
			}
		}

		// Counts agree with the lists they stand beside.
		count := func(f store.InboxFilter) int { return len(expect(f)) }
		c, err := db.CountInbox(ctx, tm.ws.ID, tm.ann.ID, false)
		if err != nil {
			t.Fatal(err)
		}
		want := store.InboxCounts{
			All:        count(store.InboxFilter{Statuses: domain.ConvActive}),
			Mine:       count(store.InboxFilter{Statuses: domain.ConvActive, Assignees: []int64{tm.ann.ID}}),
			Unassigned: count(store.InboxFilter{Statuses: domain.ConvActive, Assignees: []int64{0}}),
			Open:       count(store.InboxFilter{Statuses: []domain.ConvStatus{domain.ConvOpen}}),
			Pending:    count(store.InboxFilter{Statuses: []domain.ConvStatus{domain.ConvPending}}),
			Snoozed:    count(store.InboxFilter{Statuses: []domain.ConvStatus{domain.ConvSnoozed}}),
			Resolved:   count(store.InboxFilter{Statuses: []domain.ConvStatus{domain.ConvResolved}}),
		}
		if c != want {
			t.Fatalf("counts %+v, want %+v", c, want)
		}
		// Unread: a customer writes to one of Ann's, one of Bob's and an
		// unassigned one (which reopens whatever was resolved or snoozed).
		byAssignee := map[int64]domain.Conversation{}
		for _, conv := range all {
			if _, ok := byAssignee[conv.AssigneeID]; !ok {
				byAssignee[conv.AssigneeID] = conv
			}
		}
		for _, conv := range byAssignee {
			inbound(t, db, conv, t0.Add(time.Hour))
		}
		c, _ = db.CountInbox(ctx, tm.ws.ID, tm.ann.ID, false)
		if c.Unread != 3 || c.UnreadMine != 1 || c.UnreadUnassigned != 1 {
			t.Fatalf("unread counts %+v", c)
		}
		// An agent who sees only their own and unassigned conversations
		// counts only those.
		r, _ := db.CountInbox(ctx, tm.ws.ID, tm.ann.ID, true)
		if r.Unread != 2 || r.Mine != c.Mine || r.Unassigned != c.Unassigned || r.All != c.Mine+c.Unassigned ||
			r.Open+r.Pending+r.Snoozed+r.Resolved != 40 {
			t.Fatalf("restricted counts %+v (all %+v)", r, c)
		}
		// An API key (user 0) has nothing of its own.
		if k, _ := db.CountInbox(ctx, tm.ws.ID, 0, false); k.Mine != 0 || k.UnreadMine != 0 || k.All != c.All {
			t.Fatalf("API key counts %+v", k)
		}
	})
}

func TestPresence(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		online := func() []string {
			ms, err := db.Members(ctx, tm.ws.ID)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, m := range ms {
				if m.Online(clock.Now()) {
					out = append(out, m.Name)
				}
			}
			return out
		}
		if o := online(); len(o) != 0 {
			t.Fatalf("online before anyone was seen: %v", o)
		}
		if ok, err := db.TouchUser(ctx, tm.ann.ID); err != nil || !ok {
			t.Fatalf("first touch: %v %v", ok, err)
		}
		clock.Advance(10 * time.Second)
		if ok, _ := db.TouchUser(ctx, tm.ann.ID); ok {
			t.Fatal("touched again within the interval")
		}
		if ok, _ := db.TouchUser(ctx, tm.bob.ID); !ok {
			t.Fatal("bob's first touch")
		}
		if o := online(); !slices.Equal(o, []string{"Ann", "Bob"}) {
			t.Fatalf("online: %v", o)
		}
		clock.Advance(5 * time.Second)
		if ok, _ := db.TouchUser(ctx, tm.ann.ID); !ok {
			t.Fatal("no touch after the interval")
		}
		clock.Advance(55 * time.Second) // ann seen 55 s ago, bob 60 s ago
		if o := online(); !slices.Equal(o, []string{"Ann", "Bob"}) {
			t.Fatalf("online at the edge: %v", o)
		}
		clock.Advance(time.Second)
		if o := online(); !slices.Equal(o, []string{"Ann"}) {
			t.Fatalf("online after bob left: %v", o)
		}
	})
}

func TestRoundRobin(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		other := secondNode(t, db, clock)
		nodes := []*store.DB{db, other}
		next := 0
		auto := func() (int64, bool) {
			t.Helper()
			c := tm.conversation(t, db, fmt.Sprintf("4477007%05d", next), t0)
			h := nodes[next%2] // the nodes take turns: the rotation is shared
			next++
			got, ok, err := h.AutoAssign(ctx, tm.ws.ID, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			return got.AssigneeID, ok
		}
		for _, u := range []domain.User{tm.ann, tm.cat, tm.boss} {
			if _, err := db.TouchUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		if _, ok := auto(); ok {
			t.Fatal("assigned while auto_assign is off")
		}
		if err := db.SaveWorkspaceSettings(ctx, tm.ws.ID, store.Settings{AutoAssign: domain.AutoAssignRoundRobin}); err != nil {
			t.Fatal(err)
		}
		var got []int64
		for range 4 {
			id, ok := auto()
			if !ok {
				t.Fatal("not assigned")
			}
			got = append(got, id)
		}
		// Bob was never seen: skipped.
		if want := []int64{tm.ann.ID, tm.cat.ID, tm.boss.ID, tm.ann.ID}; !slices.Equal(got, want) {
			t.Fatalf("rotation %v, want %v", got, want)
		}
		// Bob comes online and takes his turn after Ann; the others drop off.
		clock.Advance(50 * time.Second)
		if _, err := other.TouchUser(ctx, tm.bob.ID); err != nil {
			t.Fatal(err)
		}
		clock.Advance(11 * time.Second)
		for _, want := range []int64{tm.bob.ID, tm.bob.ID} {
			if id, ok := auto(); !ok || id != want {
				t.Fatalf("after presence change: %d %v, want %d", id, ok, want)
			}
		}
		// A conversation someone already has is left alone, and the turn kept.
		c := tm.conversation(t, db, "447700799999", t0)
		if _, _, err := db.AssignConversation(ctx, tm.ws.ID, c.ID, tm.cat.ID, actorOf(tm.boss), nil); err != nil {
			t.Fatal(err)
		}
		if got, ok, err := db.AutoAssign(ctx, tm.ws.ID, c.ID); err != nil || ok || got.ID != 0 {
			t.Fatalf("auto-assign over a person: %v %v %+v", ok, err, got)
		}
		log, _ := db.ConversationActivity(ctx, tm.ws.ID, c.ID, 5)
		if len(log) != 1 || log[0].Actor.Kind != domain.ActorUser {
			t.Fatalf("activity: %+v", log)
		}
		// Nobody online: it waits in unassigned.
		clock.Advance(2 * time.Minute)
		if _, ok := auto(); ok {
			t.Fatal("assigned to someone offline")
		}
	})
}

// Nodes giving out turns at the same moment never hand out the same turn:
// the rotation's row lock serialises them, so two online members share
// the work evenly.
func TestRoundRobinConcurrentNodes(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		tm := newTeam(t, db)
		other := secondNode(t, db, clock)
		if err := db.SaveWorkspaceSettings(ctx, tm.ws.ID, store.Settings{AutoAssign: domain.AutoAssignRoundRobin}); err != nil {
			t.Fatal(err)
		}
		for _, u := range []domain.User{tm.ann, tm.bob} {
			if _, err := db.TouchUser(ctx, u.ID); err != nil {
				t.Fatal(err)
			}
		}
		var convs []int64
		for i := range 20 {
			convs = append(convs, tm.conversation(t, db, fmt.Sprintf("4477006%05d", i), t0).ID)
		}
		var mu sync.Mutex
		per := map[int64]int{}
		var wg sync.WaitGroup
		for i, id := range convs {
			wg.Add(1)
			go func() {
				defer wg.Done()
				h := []*store.DB{db, other}[i%2]
				for {
					got, ok, err := h.AutoAssign(ctx, tm.ws.ID, id)
					if store.IsConflict(err) {
						continue
					}
					if err != nil || !ok {
						t.Errorf("auto-assign %d: %v %v", id, ok, err)
						return
					}
					mu.Lock()
					per[got.AssigneeID]++
					mu.Unlock()
					return
				}
			}()
		}
		wg.Wait()
		if per[tm.ann.ID] != 10 || per[tm.bob.ID] != 10 {
			t.Fatalf("shares %v, want 10 each", per)
		}
	})
}

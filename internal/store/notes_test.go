package store_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// threadFixture is two workspaces, each with a conversation; a's has
// members to mention.
type threadFixture struct {
	a, b           domain.Workspace
	na             domain.Number
	convA, convB   int64
	contactA       domain.Contact
	ada, adaL, bob domain.User
	carolB         domain.User
	wamids         int
}

func newThreadFixture(t *testing.T, db *store.DB) *threadFixture {
	t.Helper()
	ctx := context.Background()
	f := &threadFixture{}
	var nb domain.Number
	f.a, f.b, f.na, nb = inboxFixture(t, db)
	user := func(ws int64, email, name string) domain.User {
		u, err := db.CreateUser(ctx, domain.User{WorkspaceID: ws, Email: email, Name: name, Role: domain.RoleAgent, PasswordHash: "x"})
		if err != nil {
			t.Fatal(err)
		}
		return u
	}
	f.ada = user(f.a.ID, "ada@example.com", "Ada")
	f.adaL = user(f.a.ID, "lovelace@example.com", "Ada Lovelace")
	f.bob = user(f.a.ID, "bob@example.com", "")
	f.carolB = user(f.b.ID, "carol@example.com", "Carol")
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		if f.contactA, err = tx.UpsertContact(ctx, f.a.ID, "447700900123", "+447700900123", "Grace Hopper"); err != nil {
			return err
		}
		if f.convA, err = tx.EnsureConversation(ctx, f.a.ID, f.na.ID, f.contactA.ID); err != nil {
			return err
		}
		cb, err := tx.UpsertContact(ctx, f.b.ID, "447700900999", "+447700900999", "Other")
		if err != nil {
			return err
		}
		f.convB, err = tx.EnsureConversation(ctx, f.b.ID, nb.ID, cb.ID)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// message adds an inbound message to a's conversation.
func (f *threadFixture) message(t *testing.T, db *store.DB) domain.Message {
	t.Helper()
	ctx := context.Background()
	f.wamids++
	var m domain.Message
	err := db.WithTx(ctx, func(tx *store.Tx) error {
		var err error
		m, _, err = tx.InsertMessage(ctx, domain.Message{WorkspaceID: f.a.ID, ConversationID: f.convA, NumberID: f.na.ID, ContactID: f.contactA.ID,
			Direction: domain.Inbound, Type: "text", Text: fmt.Sprint("m", f.wamids), WAMID: fmt.Sprint("wamid.t", f.wamids), Status: domain.StatusReceived})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func (f *threadFixture) note(t *testing.T, db *store.DB, body string) domain.Note {
	t.Helper()
	n, err := db.CreateNote(context.Background(), store.NewNote{WorkspaceID: f.a.ID, ConversationID: f.convA, AuthorUserID: f.ada.ID, Body: body})
	if err != nil {
		t.Fatal(err)
	}
	return n
}

func mentionIDs(ms []domain.Member) []int64 {
	out := []int64{}
	for _, m := range ms {
		out = append(out, m.ID)
	}
	return out
}

func TestNotesCRUDAndMentions(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		m1 := f.message(t, db)

		// Longest match wins, emails work, case is ignored, each member is
		// listed once in order, and another workspace's member is no one.
		n := f.note(t, db, "  @ada lovelace please ask @BOB@example.com, then @Ada. Not @Carol, not @Adam, not x@ada  ")
		if n.Body != "@ada lovelace please ask @BOB@example.com, then @Ada. Not @Carol, not @Adam, not x@ada" {
			t.Fatalf("body not trimmed: %q", n.Body)
		}
		if got := fmt.Sprint(mentionIDs(n.Mentions)); got != fmt.Sprint([]int64{f.adaL.ID, f.bob.ID, f.ada.ID}) {
			t.Fatalf("mentions = %v, want ada lovelace, bob, ada", n.Mentions)
		}
		if n.Author.UserID != f.ada.ID || n.Author.Name != "Ada" || n.ConversationID != f.convA || n.AfterMessageID != m1.ID || !n.CreatedAt.Equal(t0) {
			t.Fatalf("note = %+v", n)
		}
		if got, err := db.NoteByID(ctx, f.a.ID, n.ID); err != nil || len(got.Mentions) != 3 || got.Mentions[1].Email != "bob@example.com" {
			t.Fatalf("NoteByID: %v %+v", err, got)
		}

		// Validation and tenancy.
		for _, body := range []string{"", "   ", strings.Repeat("é", domain.MaxNoteRunes+1)} {
			_, err := db.CreateNote(ctx, store.NewNote{WorkspaceID: f.a.ID, ConversationID: f.convA, AuthorUserID: f.ada.ID, Body: body})
			wantCode(t, "bad body", err, domain.CodeInvalidArgument)
		}
		if _, err := db.CreateNote(ctx, store.NewNote{WorkspaceID: f.a.ID, ConversationID: f.convA, Body: strings.Repeat("é", domain.MaxNoteRunes)}); err != nil {
			t.Fatalf("a note of exactly the limit: %v", err)
		}
		_, err := db.CreateNote(ctx, store.NewNote{WorkspaceID: f.a.ID, ConversationID: f.convB, AuthorUserID: f.ada.ID, Body: "x"})
		wantCode(t, "b's conversation from a", err, domain.CodeNotFound)
		_, err = db.NoteByID(ctx, f.b.ID, n.ID)
		wantCode(t, "a's note from b", err, domain.CodeNotFound)
		_, err = db.UpdateNote(ctx, f.b.ID, n.ID, "hijack")
		wantCode(t, "update from b", err, domain.CodeNotFound)
		_, err = db.DeleteNote(ctx, f.b.ID, n.ID)
		wantCode(t, "delete from b", err, domain.CodeNotFound)

		// An API key's note names the key.
		key, err := db.CreateAPIKey(ctx, domain.APIKey{WorkspaceID: f.a.ID, Name: "zapier", Prefix: "gk", Hash: []byte("h")})
		if err != nil {
			t.Fatal(err)
		}
		kn, err := db.CreateNote(ctx, store.NewNote{WorkspaceID: f.a.ID, ConversationID: f.convA, AuthorKeyID: key.ID, Body: "from a bot"})
		if err != nil || kn.Author.UserID != 0 || kn.Author.Name != `API key "zapier"` || len(kn.Mentions) != 0 {
			t.Fatalf("key note: %v %+v", err, kn)
		}

		// Editing re-resolves mentions and keeps the note's place.
		clock.Advance(time.Minute)
		f.message(t, db)
		ed, err := db.UpdateNote(ctx, f.a.ID, n.ID, "now only @carol and @bob@example.com")
		if err != nil || fmt.Sprint(mentionIDs(ed.Mentions)) != fmt.Sprint([]int64{f.bob.ID}) || ed.AfterMessageID != m1.ID ||
			!ed.UpdatedAt.Equal(t0.Add(time.Minute)) || !ed.CreatedAt.Equal(t0) {
			t.Fatalf("updated: %v %+v", err, ed)
		}
		_, err = db.UpdateNote(ctx, f.a.ID, n.ID, " ")
		wantCode(t, "empty edit", err, domain.CodeInvalidArgument)

		list, err := db.ListNotes(ctx, f.a.ID, f.convA, 10)
		if err != nil || len(list) != 3 || list[0].ID != n.ID || list[2].ID != kn.ID {
			t.Fatalf("list: %v %+v", err, list)
		}
		if l, _ := db.ListNotes(ctx, f.b.ID, f.convA, 10); len(l) != 0 {
			t.Fatalf("b lists a's notes: %+v", l)
		}

		del, err := db.DeleteNote(ctx, f.a.ID, n.ID)
		if err != nil || del.ID != n.ID || del.ConversationID != f.convA {
			t.Fatalf("delete: %v %+v", err, del)
		}
		_, err = db.NoteByID(ctx, f.a.ID, n.ID)
		wantCode(t, "deleted note", err, domain.CodeNotFound)
		if l, _ := db.ListNotes(ctx, f.a.ID, f.convA, 10); len(l) != 2 {
			t.Fatalf("after delete: %+v", l)
		}
		members, err := db.WorkspaceMembers(ctx, f.a.ID)
		if err != nil || len(members) != 3 {
			t.Fatalf("members: %v %+v", err, members)
		}
	})
}

// describe names timeline items: "m<text>" or "n<body>".
func describe(items []store.TimelineItem) string {
	var parts []string
	for _, it := range items {
		if it.Note != nil {
			parts = append(parts, "note:"+it.Note.Body)
		} else {
			parts = append(parts, it.Message.Text)
		}
	}
	return strings.Join(parts, " ")
}

func TestTimelineMergesNotesIntoThread(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		f := newThreadFixture(t, db)
		f.note(t, db, "n0") // before any message
		f.message(t, db)
		f.message(t, db)
		clock.Advance(time.Second)
		f.note(t, db, "n1")
		f.message(t, db)
		f.note(t, db, "n2")
		f.note(t, db, "n3")

		all, more, err := db.Timeline(ctx, f.a.ID, f.convA, store.TimelineCursor{}, 50)
		if want := "note:n0 m1 m2 note:n1 m3 note:n2 note:n3"; err != nil || more || describe(all) != want {
			t.Fatalf("timeline = %q (more %v, %v), want %q", describe(all), more, err, want)
		}

		// Paging by two walks the same order back to the start.
		var pages []string
		before := store.TimelineCursor{}
		for {
			page, more, err := db.Timeline(ctx, f.a.ID, f.convA, before, 2)
			if err != nil {
				t.Fatal(err)
			}
			pages = append(pages, describe(page))
			if !more {
				break
			}
			before = page[0].Cursor()
			parsed, err := store.ParseTimelineCursor(before.String())
			if err != nil || parsed != before {
				t.Fatalf("cursor %q round trip: %+v %v", before.String(), parsed, err)
			}
		}
		if got, want := strings.Join(pages, " | "), "note:n2 note:n3 | note:n1 m3 | m1 m2 | note:n0"; got != want {
			t.Fatalf("pages = %q, want %q", got, want)
		}

		// From a message cursor: everything before that message.
		m3 := all[4].Cursor()
		if page, more, _ := db.Timeline(ctx, f.a.ID, f.convA, m3, 10); describe(page) != "note:n0 m1 m2 note:n1" || more {
			t.Fatalf("before m3: %q %v", describe(page), more)
		}
		// Another workspace sees nothing of it.
		if page, _, _ := db.Timeline(ctx, f.b.ID, f.convA, store.TimelineCursor{}, 10); len(page) != 0 {
			t.Fatalf("b's timeline of a's conversation: %q", describe(page))
		}
		for _, bad := range []string{"x1", "m", "m0", "n5", "n5.0", "n5.x", "m-3"} {
			_, err := store.ParseTimelineCursor(bad)
			wantCode(t, "cursor "+bad, err, domain.CodeInvalidArgument)
		}
	})
}

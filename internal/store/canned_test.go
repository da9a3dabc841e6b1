package store_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

func shortcuts(cs []domain.CannedResponse) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Shortcut)
	}
	return strings.Join(out, ",")
}

func TestCannedResponses(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		ctx := context.Background()
		a, b, _, _ := inboxFixture(t, db)
		add := func(ws int64, shortcut, body string) domain.CannedResponse {
			t.Helper()
			c, err := db.CreateCanned(ctx, domain.CannedResponse{WorkspaceID: ws, Shortcut: shortcut, Title: " T ", Body: body, CreatedBy: 7})
			if err != nil {
				t.Fatalf("create %q: %v", shortcut, err)
			}
			return c
		}
		thanks := add(a.ID, "thanks", "Thanks {{first_name|there}}!")
		if thanks.ID == 0 || thanks.Shortcut != "thanks" || thanks.Title != "T" || thanks.CreatedBy != 7 || !thanks.CreatedAt.Equal(t0) {
			t.Fatalf("created: %+v", thanks)
		}
		if c := add(a.ID, "/Thanks2", "x"); c.Shortcut != "thanks2" {
			t.Fatalf("normalised shortcut = %q", c.Shortcut)
		}
		add(a.ID, "tha_x", "x")
		add(a.ID, "than-k", "x")
		add(a.ID, "hello", "x")
		add(b.ID, "thanks", "b's own") // shortcuts are unique per workspace only

		_, err := db.CreateCanned(ctx, domain.CannedResponse{WorkspaceID: a.ID, Shortcut: "THANKS", Body: "again"})
		wantCode(t, "taken shortcut", err, domain.CodeConflict)
		for _, bad := range []domain.CannedResponse{
			{Shortcut: "", Body: "x"}, {Shortcut: "no spaces", Body: "x"}, {Shortcut: "émoji", Body: "x"},
			{Shortcut: strings.Repeat("a", 33), Body: "x"}, {Shortcut: "ok", Body: "  "},
			{Shortcut: "ok", Body: strings.Repeat("x", domain.MaxCannedBodyRunes+1)},
			{Shortcut: "ok", Title: strings.Repeat("t", domain.MaxCannedTitleRunes+1), Body: "x"},
		} {
			bad.WorkspaceID = a.ID
			_, err := db.CreateCanned(ctx, bad)
			wantCode(t, "bad canned "+bad.Shortcut, err, domain.CodeInvalidArgument)
		}

		// Prefix search; "_" is literal, not a wildcard.
		for q, want := range map[string]string{
			"":      "hello,tha_x,than-k,thanks,thanks2",
			"tha":   "tha_x,than-k,thanks,thanks2",
			"/THAN": "than-k,thanks,thanks2",
			"tha_":  "tha_x",
			"than-": "than-k",
			"x!":    "",
			"zzz":   "",
		} {
			cs, err := db.CannedResponses(ctx, a.ID, q)
			if err != nil || shortcuts(cs) != want {
				t.Errorf("q=%q: %q %v, want %q", q, shortcuts(cs), err, want)
			}
		}
		if cs, _ := db.CannedResponses(ctx, b.ID, "tha"); shortcuts(cs) != "thanks" || cs[0].Body != "b's own" {
			t.Fatalf("b's search: %+v", cs)
		}

		// Read, update, delete.
		if c, err := db.CannedByShortcut(ctx, a.ID, "/thanks"); err != nil || c.ID != thanks.ID {
			t.Fatalf("by shortcut: %v %+v", err, c)
		}
		_, err = db.CannedByShortcut(ctx, a.ID, "nope")
		wantCode(t, "unknown shortcut", err, domain.CodeNotFound)
		clock.Advance(time.Minute)
		up, err := db.UpdateCanned(ctx, domain.CannedResponse{ID: thanks.ID, WorkspaceID: a.ID, Shortcut: "ty", Title: "Thank you", Body: "Thank you!"})
		if err != nil || up.Shortcut != "ty" || up.Body != "Thank you!" || up.CreatedBy != 7 || !up.UpdatedAt.Equal(t0.Add(time.Minute)) || !up.CreatedAt.Equal(t0) {
			t.Fatalf("update: %v %+v", err, up)
		}
		_, err = db.UpdateCanned(ctx, domain.CannedResponse{ID: thanks.ID, WorkspaceID: a.ID, Shortcut: "hello", Body: "x"})
		wantCode(t, "rename onto a taken shortcut", err, domain.CodeConflict)
		_, err = db.UpdateCanned(ctx, domain.CannedResponse{ID: thanks.ID, WorkspaceID: b.ID, Shortcut: "mine", Body: "x"})
		wantCode(t, "b updates a's", err, domain.CodeNotFound)
		_, err = db.CannedByID(ctx, b.ID, thanks.ID)
		wantCode(t, "b reads a's", err, domain.CodeNotFound)
		wantCode(t, "b deletes a's", db.DeleteCanned(ctx, b.ID, thanks.ID), domain.CodeNotFound)
		if err := db.DeleteCanned(ctx, a.ID, thanks.ID); err != nil {
			t.Fatal(err)
		}
		wantCode(t, "delete again", db.DeleteCanned(ctx, a.ID, thanks.ID), domain.CodeNotFound)
		if cs, _ := db.CannedResponses(ctx, a.ID, ""); shortcuts(cs) != "hello,tha_x,than-k,thanks2" {
			t.Fatalf("after delete: %s", shortcuts(cs))
		}
	})
}

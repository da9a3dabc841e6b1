package domain

import (
	"fmt"
	"testing"
)

func TestFindMentions(t *testing.T) {
	ms := []Member{
		{ID: 1, Name: "Ada", Email: "ada@example.com"},
		{ID: 2, Name: "Ada Lovelace", Email: "lovelace@example.com"},
		{ID: 3, Name: "", Email: "bob@example.com"},
		{ID: 4, Name: "Zoë Ünal", Email: "zoe@example.com"},
	}
	cases := []struct {
		body string
		want []int64
	}{
		{"@Ada", []int64{1}},
		{"@ada lovelace, and @ADA", []int64{2, 1}}, // longest first; order of first mention
		{"@Adam and @Adalovelace", nil},            // a match must end at a word boundary
		{"mail ada@example.com", nil},              // "@" inside a word is no mention
		{"(@ada@example.com)", []int64{1}},         // by email
		{"@bob@example.com.", []int64{3}},          // a member with no name
		{"@bob", nil},
		{"@ZOË ünal!", []int64{4}}, // case folding beyond ASCII
		{"@Ada @ada @Ada", []int64{1}},
		{"@@ada", []int64{1}},
		{"@", nil},
		{"", nil},
	}
	for _, c := range cases {
		var got []int64
		for _, m := range FindMentions(c.body, ms) {
			got = append(got, m.ID)
		}
		if fmt.Sprint(got) != fmt.Sprint(c.want) {
			t.Errorf("FindMentions(%q) = %v, want %v", c.body, got, c.want)
		}
	}
}

func TestCanEditNote(t *testing.T) {
	n := Note{Author: NoteAuthor{UserID: 5}}
	for _, c := range []struct {
		p    Principal
		want bool
	}{
		{Principal{UserID: 5, Role: RoleAgent}, true},
		{Principal{UserID: 6, Role: RoleAgent}, false},
		{Principal{UserID: 6, Role: RoleAdmin}, true},
		{Principal{UserID: 7, Role: RoleOwner}, true},
		{Principal{APIKeyID: 1, Role: RoleAdmin}, true},
	} {
		if got := CanEditNote(c.p, n); got != c.want {
			t.Errorf("CanEditNote(%+v) = %v", c.p, got)
		}
	}
	if CanEditNote(Principal{Role: RoleAgent}, Note{}) {
		t.Error("a principal with no user edits a note with no user author")
	}
}

func TestNormalizeLabelAndShortcut(t *testing.T) {
	for in, want := range map[string]string{" VIP ": "vip", "Needs   Reply": "needs reply", "q3:renewal": "q3:renewal", "Café": "café"} {
		if got, err := NormalizeLabel(in); err != nil || got != want {
			t.Errorf("NormalizeLabel(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "  ", "a/b", "a,b", "<b>", "123456789012345678901234567890123"} {
		if _, err := NormalizeLabel(bad); ErrorCode(err) != CodeInvalidArgument {
			t.Errorf("NormalizeLabel(%q) = %v", bad, err)
		}
	}
	for in, want := range map[string]string{"thanks": "thanks", "/Thanks": "thanks", " a_b-1 ": "a_b-1"} {
		if got, err := NormalizeShortcut(in); err != nil || got != want {
			t.Errorf("NormalizeShortcut(%q) = %q, %v", in, got, err)
		}
	}
	for _, bad := range []string{"", "/", "a b", "ä", "a.b", "123456789012345678901234567890123"} {
		if _, err := NormalizeShortcut(bad); ErrorCode(err) != CodeInvalidArgument {
			t.Errorf("NormalizeShortcut(%q) = %v", bad, err)
		}
	}
}

package domain

import (
	"errors"
	"strings"
	"testing"
)

func TestNormalizeEmail(t *testing.T) {
	for in, want := range map[string]string{" Ann@Example.COM ": "ann@example.com", "a.b+c@mail.example.co.uk": "a.b+c@mail.example.co.uk"} {
		if got, err := NormalizeEmail(in); err != nil || got != want {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	for _, in := range []string{"", "ann", "ann@", "@example.com", "ann@localhost", "Ann <ann@example.com>", "ann@example.com, bob@example.com",
		strings.Repeat("a", 250) + "@example.com"} {
		if _, err := NormalizeEmail(in); ErrorCode(err) != CodeInvalidArgument {
			t.Errorf("NormalizeEmail(%q): %v, want invalid_argument", in, err)
		}
	}
}

func TestMemberFields(t *testing.T) {
	if n, err := CheckMemberName("  Ann  "); err != nil || n != "Ann" {
		t.Errorf("name: %q %v", n, err)
	}
	for _, bad := range []string{"", " ", strings.Repeat("x", 101), "a\tb"} {
		if _, err := CheckMemberName(bad); err == nil {
			t.Errorf("name %q accepted", bad)
		}
	}
	for pw, ok := range map[string]bool{"123456789": false, "1234567890": true, strings.Repeat("é", 200): true, strings.Repeat("p", 201): false} {
		if err := CheckMemberPassword(pw); (err == nil) != ok {
			t.Errorf("password of %d characters: %v", len([]rune(pw)), err)
		}
	}
	if _, err := ParseRole("Owner"); err == nil {
		t.Error("roles are lower-case")
	}
}

// TestMemberRules: who may add and change whom.
func TestMemberRules(t *testing.T) {
	owner := Principal{WorkspaceID: 1, UserID: 1, Role: RoleOwner}
	admin := Principal{WorkspaceID: 1, UserID: 2, Role: RoleAdmin}
	key := Principal{WorkspaceID: 1, APIKeyID: 9, Role: RoleAdmin}
	agent := Principal{WorkspaceID: 1, UserID: 3, Role: RoleAgent}
	ownerU := User{ID: 1, Name: "Olga", Role: RoleOwner}
	agentU := User{ID: 3, Name: "Ann", Role: RoleAgent}
	code := func(err error) Code {
		if err == nil {
			return ""
		}
		return ErrorCode(err)
	}
	for _, c := range []struct {
		name string
		err  error
		want Code
	}{
		{"owner adds an owner", CheckMemberCreate(owner, RoleOwner), ""},
		{"admin adds an admin", CheckMemberCreate(admin, RoleAdmin), ""},
		{"admin adds an owner", CheckMemberCreate(admin, RoleOwner), CodeForbidden},
		{"key adds an owner", CheckMemberCreate(key, RoleOwner), CodeForbidden},
		{"agent adds an agent", CheckMemberCreate(agent, RoleAgent), CodeForbidden},
		{"agent renames themselves", CheckMemberEdit(agent, agentU, MemberEdit{}, 1), CodeForbidden},
		{"admin promotes to admin", CheckMemberEdit(admin, agentU, MemberEdit{Role: RoleAdmin}, 1), ""},
		{"admin promotes to owner", CheckMemberEdit(admin, agentU, MemberEdit{Role: RoleOwner}, 1), CodeForbidden},
		{"admin renames an owner", CheckMemberEdit(admin, ownerU, MemberEdit{}, 2), CodeForbidden},
		{"key deactivates an owner", CheckMemberEdit(key, ownerU, MemberEdit{Deactivate: true}, 2), CodeForbidden},
		{"owner promotes to owner", CheckMemberEdit(owner, agentU, MemberEdit{Role: RoleOwner}, 1), ""},
		{"last owner demoted", CheckMemberEdit(owner, ownerU, MemberEdit{Role: RoleAdmin}, 1), CodeConflict},
		{"last owner deactivated", CheckMemberEdit(owner, ownerU, MemberEdit{Deactivate: true}, 1), CodeConflict},
		{"last owner keeps the role", CheckMemberEdit(owner, ownerU, MemberEdit{Role: RoleOwner}, 1), ""},
		{"one of two owners demoted", CheckMemberEdit(owner, ownerU, MemberEdit{Role: RoleAgent}, 2), ""},
		{"owner deactivates themselves", CheckMemberEdit(owner, ownerU, MemberEdit{Deactivate: true}, 2), CodeForbidden},
		{"admin deactivates an agent", CheckMemberEdit(admin, agentU, MemberEdit{Deactivate: true}, 1), ""},
	} {
		if got := code(c.err); got != c.want {
			t.Errorf("%s: %v, want %q", c.name, c.err, c.want)
		}
		var de *Error
		if c.err != nil && (!errors.As(c.err, &de) || de.Remedy == "") {
			t.Errorf("%s: no remedy", c.name)
		}
	}
	err := CheckMemberEdit(owner, ownerU, MemberEdit{Deactivate: true}, 1)
	if de := err.(*Error); de.Remedy != "Make another member owner first." || !strings.Contains(de.Message, "Olga") {
		t.Errorf("last owner: %+v", de)
	}
}

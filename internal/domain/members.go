package domain

import (
	"net/mail"
	"strings"
	"unicode"
	"unicode/utf8"
)

// Limits on what a member is made of.
const (
	MemberNameMax     = 100 // characters
	MemberEmailMax    = 254 // RFC 5321's path limit
	MemberPasswordMin = 10  // characters
	MemberPasswordMax = 200 // characters
)

// NormalizeEmail checks an email address a person typed and returns it
// trimmed and lower-cased, the form it is stored and looked up in.
func NormalizeEmail(s string) (string, error) {
	e := strings.ToLower(strings.TrimSpace(s))
	bad := func(why string) error {
		return Errorf(CodeInvalidArgument, "Send the member's email address, e.g. ann@example.com.", "email %q is not valid: %s", s, why)
	}
	switch {
	case e == "":
		return "", bad("it is empty")
	case len(e) > MemberEmailMax:
		return "", bad("it is longer than 254 characters")
	}
	a, err := mail.ParseAddress(e)
	if err != nil || a.Address != e || a.Name != "" {
		return "", bad("write only the address")
	}
	if at := strings.LastIndexByte(e, '@'); at <= 0 || !strings.Contains(e[at+1:], ".") {
		return "", bad("it needs a domain such as example.com")
	}
	return e, nil
}

// CheckMemberName checks a member's display name and returns it trimmed.
func CheckMemberName(s string) (string, error) {
	n := strings.TrimSpace(s)
	if n == "" || utf8.RuneCountInString(n) > MemberNameMax {
		return "", Errorf(CodeInvalidArgument, "Send a name of 1 to 100 characters.", "name must be 1 to %d characters", MemberNameMax)
	}
	if strings.IndexFunc(n, unicode.IsControl) >= 0 {
		return "", Errorf(CodeInvalidArgument, "Write the name on one line, without control characters.", "name contains control characters")
	}
	return n, nil
}

// CheckMemberPassword checks a password an owner or admin chose for a
// member. Spaces count: a passphrase is a good password.
func CheckMemberPassword(pw string) error {
	if n := utf8.RuneCountInString(pw); n < MemberPasswordMin || n > MemberPasswordMax {
		return Errorf(CodeInvalidArgument, "Choose a password of 10 to 200 characters; a few words make a good one.", "password must be %d to %d characters", MemberPasswordMin, MemberPasswordMax)
	}
	return nil
}

// ParseRole checks a role a person sent.
func ParseRole(s string) (Role, error) {
	if r := Role(s); r.Valid() {
		return r, nil
	}
	return "", Errorf(CodeInvalidArgument, "Use owner, admin or agent.", "unknown role %q", s)
}

// CheckMemberCreate is who may add a member with role: owners and admins
// (and API keys, which act as admins); only an owner makes an owner.
func CheckMemberCreate(p Principal, role Role) error {
	if !p.Role.CanManage() {
		return errNotManager
	}
	if role == RoleOwner && p.Role != RoleOwner {
		return Errorf(CodeForbidden, "Ask an owner of the workspace to add another owner, or choose admin.", "only an owner can make someone owner")
	}
	return nil
}

// MemberEdit is a change to a member, as far as who may make it goes:
// any other change (name, password, reactivating) follows the target's
// role alone.
type MemberEdit struct {
	Role       Role // the new role; "" leaves it
	Deactivate bool
}

var errNotManager = Errorf(CodeForbidden, "Ask a workspace owner or admin.", "only owners and admins can manage members")

// CheckMemberEdit is who may change member target: owners and admins
// (and API keys); only an owner changes an owner or makes one; the
// workspace keeps at least one active owner (activeOwners counts them as
// the change sees them, under a lock); nobody deactivates themselves.
func CheckMemberEdit(p Principal, target User, e MemberEdit, activeOwners int) error {
	if !p.Role.CanManage() {
		return errNotManager
	}
	if target.Role == RoleOwner && p.Role != RoleOwner {
		return Errorf(CodeForbidden, "Ask an owner of the workspace.", "only an owner can change an owner")
	}
	if e.Role == RoleOwner && target.Role != RoleOwner && p.Role != RoleOwner {
		return Errorf(CodeForbidden, "Ask an owner of the workspace to make them owner, or choose admin.", "only an owner can make someone owner")
	}
	losesOwner := e.Deactivate || (e.Role != "" && e.Role != RoleOwner)
	if target.Role == RoleOwner && target.Active() && losesOwner && activeOwners <= 1 {
		return Errorf(CodeConflict, "Make another member owner first.", "%s is the workspace's last owner", target.Name)
	}
	if e.Deactivate && target.ID == p.UserID {
		return Errorf(CodeForbidden, "Ask another owner or admin to deactivate your account.", "you cannot deactivate yourself")
	}
	return nil
}

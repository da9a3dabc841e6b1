package domain

import (
	"testing"
	"time"
)

func TestCheckAssign(t *testing.T) {
	admin := Principal{WorkspaceID: 1, UserID: 1, Role: RoleAdmin}
	key := Principal{WorkspaceID: 1, APIKeyID: 5, Role: RoleAdmin}
	ann := Principal{WorkspaceID: 1, UserID: 2, Role: RoleAgent}
	const bob, cat = 3, 4
	for _, tc := range []struct {
		name            string
		p               Principal
		current, target int64
		ok              bool
	}{
		{"admin assigns anyone's to anyone", admin, bob, cat, true},
		{"API key unassigns", key, bob, 0, true},
		{"agent takes an unassigned one", ann, 0, ann.UserID, true},
		{"agent hands theirs over", ann, ann.UserID, bob, true},
		{"agent gives theirs up", ann, ann.UserID, 0, true},
		{"no change is no change", ann, bob, bob, true},
		{"agent takes another's", ann, bob, ann.UserID, false},
		{"agent moves another's", ann, bob, cat, false},
		{"agent unassigns another's", ann, bob, 0, false},
		{"agent hands out an unassigned one", ann, 0, bob, false},
	} {
		err := CheckAssign(tc.p, tc.current, tc.target)
		if (err == nil) != tc.ok || (err != nil && (ErrorCode(err) != CodeForbidden || err.(*Error).Remedy == "")) {
			t.Errorf("%s: %v", tc.name, err)
		}
	}
}

func TestAgentsSee(t *testing.T) {
	ann := Principal{UserID: 2, Role: RoleAgent}
	owner := Principal{UserID: 1, Role: RoleOwner}
	key := Principal{APIKeyID: 1, Role: RoleAdmin}
	own := AgentsSeeOwnAndUnassigned
	if !own.Restricted(ann) || own.Restricted(owner) || own.Restricted(key) || AgentsSeeAll.Restricted(ann) {
		t.Fatal("who is restricted")
	}
	if !own.Sees(ann, 0) || !own.Sees(ann, 2) || own.Sees(ann, 3) || !own.Sees(owner, 3) || !AgentsSeeAll.Sees(ann, 3) {
		t.Fatal("what they see")
	}
}

func TestCheckStatusChange(t *testing.T) {
	now := time.Date(2026, 11, 24, 9, 0, 0, 0, time.UTC)
	for _, tc := range []struct {
		status ConvStatus
		until  time.Time
		ok     bool
	}{
		{ConvOpen, time.Time{}, true},
		{ConvResolved, time.Time{}, true},
		{ConvSnoozed, now.Add(time.Minute), true},
		{ConvSnoozed, time.Time{}, false},
		{ConvSnoozed, now, false},
		{ConvSnoozed, now.Add(-time.Minute), false},
		{ConvSnoozed, now.Add(400 * 24 * time.Hour), false},
		{ConvPending, now.Add(time.Hour), false},
	} {
		err := CheckStatusChange(tc.status, tc.until, now)
		if (err == nil) != tc.ok || (err != nil && ErrorCode(err) != CodeInvalidArgument) {
			t.Errorf("%s until %v: %v", tc.status, tc.until, err)
		}
	}
	if _, err := ParseConvStatus("closed"); ErrorCode(err) != CodeInvalidArgument {
		t.Fatalf("unknown status: %v", err)
	}
	for _, s := range ConvStatuses {
		if st, err := ParseConvStatus(string(s)); err != nil || st != s {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

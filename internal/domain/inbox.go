package domain

import "time"

// ConvStatus is where a conversation stands in the team's work. It is the
// team's bookkeeping, unrelated to Meta's window or to message statuses.
type ConvStatus string

// Conversation statuses. A customer writing reopens a snoozed or resolved
// conversation; pending is left alone, as it means the team is waiting on
// someone and a reply is what it was waiting for.
const (
	ConvOpen     ConvStatus = "open"
	ConvPending  ConvStatus = "pending"
	ConvSnoozed  ConvStatus = "snoozed"
	ConvResolved ConvStatus = "resolved"
)

// ConvStatuses lists every status, in the order the inbox shows them.
var ConvStatuses = []ConvStatus{ConvOpen, ConvPending, ConvSnoozed, ConvResolved}

// ConvActive are the statuses the inbox lists when not told otherwise:
// what still needs the team.
var ConvActive = []ConvStatus{ConvOpen, ConvPending}

// Valid reports whether s is a known status.
func (s ConvStatus) Valid() bool {
	return s == ConvOpen || s == ConvPending || s == ConvSnoozed || s == ConvResolved
}

// ParseConvStatus checks a status a person sent.
func ParseConvStatus(s string) (ConvStatus, error) {
	if st := ConvStatus(s); st.Valid() {
		return st, nil
	}
	return "", Errorf(CodeInvalidArgument, "Use open, pending, snoozed or resolved.", "unknown conversation status %q", s)
}

// MaxSnooze bounds a snooze: further out is a mistake (a year typed for a
// day) more often than a plan.
const MaxSnooze = 366 * 24 * time.Hour

// CheckStatusChange validates a requested status: snoozed needs a future
// end, and only snoozed takes one.
func CheckStatusChange(status ConvStatus, until, now time.Time) error {
	switch {
	case status == ConvSnoozed && until.IsZero():
		return Errorf(CodeInvalidArgument, `Send "snooze_until" as an RFC 3339 time, e.g. "2026-11-25T09:00:00Z".`, "a snoozed conversation needs snooze_until")
	case status == ConvSnoozed && !until.After(now):
		return Errorf(CodeInvalidArgument, "Choose a time in the future, or set the status to open.", "snooze_until %s is not in the future", until.UTC().Format(time.RFC3339))
	case status == ConvSnoozed && until.Sub(now) > MaxSnooze:
		return Errorf(CodeInvalidArgument, "Snooze for at most a year, or resolve the conversation.", "snooze_until %s is more than a year away", until.UTC().Format(time.RFC3339))
	case status != ConvSnoozed && !until.IsZero():
		return Errorf(CodeInvalidArgument, `Leave out "snooze_until", or set "status":"snoozed".`, "snooze_until only goes with status snoozed")
	}
	return nil
}

// ActivityKind is what happened to a conversation in its activity log.
type ActivityKind string

// Activity kinds.
const (
	ActivityAssigned   ActivityKind = "assigned"
	ActivityUnassigned ActivityKind = "unassigned"
	ActivityStatus     ActivityKind = "status_changed"
)

// ActorKind says who did something.
type ActorKind string

// Actor kinds: a member, an API key, GoHavi itself (a snooze ended, the
// round-robin), or the customer (writing reopened the conversation).
const (
	ActorUser     ActorKind = "user"
	ActorAPIKey   ActorKind = "api_key"
	ActorSystem   ActorKind = "system"
	ActorCustomer ActorKind = "customer"
)

// Actor is who did something: ID is the user, API key or contact.
type Actor struct {
	Kind ActorKind
	ID   int64
	Name string // filled when read back
}

// ActorOf is the actor of a request.
func ActorOf(p Principal) Actor {
	if p.UserID != 0 {
		return Actor{Kind: ActorUser, ID: p.UserID}
	}
	return Actor{Kind: ActorAPIKey, ID: p.APIKeyID}
}

// ConvActivity is one entry in a conversation's activity log.
type ConvActivity struct {
	ID             int64
	WorkspaceID    int64
	ConversationID int64
	Kind           ActivityKind
	Actor          Actor
	// AssigneeID is the new assignee (assigned) or the previous one
	// (unassigned); FromAssigneeID the one replaced by an assignment.
	AssigneeID       int64
	AssigneeName     string
	FromAssigneeID   int64
	FromAssigneeName string
	Status           ConvStatus // status_changed: the new status
	FromStatus       ConvStatus
	SnoozeUntil      time.Time
	At               time.Time
}

// AutoAssign is how new conversations find an assignee.
type AutoAssign string

// Auto-assignment modes.
const (
	AutoAssignOff        AutoAssign = "off"
	AutoAssignRoundRobin AutoAssign = "round_robin"
)

// Valid reports whether a is a known mode.
func (a AutoAssign) Valid() bool { return a == AutoAssignOff || a == AutoAssignRoundRobin }

// AgentsSee is which conversations members with the agent role see.
type AgentsSee string

// Visibility settings.
const (
	AgentsSeeAll              AgentsSee = "all"
	AgentsSeeOwnAndUnassigned AgentsSee = "own_and_unassigned"
)

// Valid reports whether a is a known setting.
func (a AgentsSee) Valid() bool { return a == AgentsSeeAll || a == AgentsSeeOwnAndUnassigned }

// Presence: a member's last_seen_at is written at most every
// PresenceTouchEvery, and a member seen within PresenceOnlineWithin is
// online (an open event stream touches it as it heartbeats).
const (
	PresenceTouchEvery   = 15 * time.Second
	PresenceOnlineWithin = 60 * time.Second
)

// Restricted reports whether p sees only conversations assigned to them or
// to nobody. Owners, admins and API keys always see everything.
func (a AgentsSee) Restricted(p Principal) bool {
	return a == AgentsSeeOwnAndUnassigned && !p.Role.CanManage()
}

// Sees reports whether p may see a conversation assigned to assigneeID
// (0: unassigned).
func (a AgentsSee) Sees(p Principal, assigneeID int64) bool {
	return !a.Restricted(p) || assigneeID == 0 || assigneeID == p.UserID
}

// CheckAssign is who may move a conversation from current to target
// (user ids, 0 for nobody). Owners and admins (and API keys) may do
// anything. An agent may take an unassigned conversation, and the current
// assignee may hand it to anyone or give it up. Taking a colleague's
// conversation, or handing out work to others, is left to the assignee
// and to managers: otherwise a customer can change hands mid-thread
// without the person who had them agreeing.
func CheckAssign(p Principal, current, target int64) error {
	switch {
	case p.Role.CanManage() || current == target:
		return nil
	case current != 0 && current == p.UserID:
		return nil
	case current == 0 && target == p.UserID:
		return nil
	case current == 0:
		return Errorf(CodeForbidden, "Agents may take unassigned conversations for themselves; owners and admins assign to others.", "agents cannot assign conversations to other members")
	}
	return Errorf(CodeForbidden, "Ask an owner or admin, or the conversation's assignee, to hand it over.", "this conversation is assigned to someone else")
}

// ErrNotAMember is the answer to assigning to a user id that is not a
// member of the workspace (another workspace's user looks the same).
func ErrNotAMember(userID int64) error {
	return Errorf(CodeInvalidArgument, "List the workspace's members with GET /api/v1/members.", "user %d is not a member of this workspace", userID)
}

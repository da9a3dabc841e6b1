package view

import "github.com/gohavi/gohavi/internal/domain"

// Actor is who did something: a member, an API key, GoHavi ("system") or
// the customer.
type Actor struct {
	Kind string `json:"kind"`
	ID   int64  `json:"id,omitempty"`
	Name string `json:"name,omitempty"`
}

// Activity is an entry of a conversation's activity log in API form.
type Activity struct {
	ID           int64      `json:"id"`
	Kind         string     `json:"kind"` // assigned, unassigned, status_changed
	Actor        Actor      `json:"actor"`
	Assignee     *MemberRef `json:"assignee,omitempty"`      // assigned: to whom; unassigned: who had it
	FromAssignee *MemberRef `json:"from_assignee,omitempty"` // assigned: who had it before
	Status       string     `json:"status,omitempty"`        // status_changed: the new status
	FromStatus   string     `json:"from_status,omitempty"`
	SnoozeUntil  *string    `json:"snooze_until,omitempty"`
	At           *string    `json:"at"`
}

// NewActivity renders a.
func NewActivity(a domain.ConvActivity) Activity {
	return Activity{
		ID: a.ID, Kind: string(a.Kind),
		Actor:    Actor{Kind: string(a.Actor.Kind), ID: a.Actor.ID, Name: a.Actor.Name},
		Assignee: memberRef(a.AssigneeID, a.AssigneeName), FromAssignee: memberRef(a.FromAssigneeID, a.FromAssigneeName),
		Status: string(a.Status), FromStatus: string(a.FromStatus), SnoozeUntil: Time(a.SnoozeUntil), At: Time(a.At),
	}
}

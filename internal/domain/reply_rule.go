package domain

// NonAssigneeReply is whether agents may reply in a conversation that is
// assigned to someone else.
type NonAssigneeReply string

// Settings of the rule. Warn lets the send through and leaves the warning
// to the inbox, which asks before sending.
const (
	NonAssigneeAllow NonAssigneeReply = "allow"
	NonAssigneeWarn  NonAssigneeReply = "warn"
	NonAssigneeBlock NonAssigneeReply = "block"
)

// CodeNotAssignee refuses an agent's reply into a colleague's
// conversation while the workspace blocks that.
const CodeNotAssignee Code = "not_assignee"

// Valid reports whether r is a known setting.
func (r NonAssigneeReply) Valid() bool {
	return r == NonAssigneeAllow || r == NonAssigneeWarn || r == NonAssigneeBlock
}

// Binds reports whether the rule can refuse p: owners, admins and API keys
// answer wherever they need to, as they can also reassign.
func (r NonAssigneeReply) Binds(p Principal) bool {
	return r == NonAssigneeBlock && p.UserID != 0 && !p.Role.CanManage()
}

// CheckReplier refuses p's send into a conversation assigned to
// assigneeID (named assigneeName) when the rule binds p.
func (r NonAssigneeReply) CheckReplier(p Principal, assigneeID int64, assigneeName string) error {
	if !r.Binds(p) || assigneeID == 0 || assigneeID == p.UserID {
		return nil
	}
	return Errorf(CodeNotAssignee, "Assign it to yourself first, or ask "+assigneeName+" to hand it over.", "Assigned to %s", assigneeName)
}

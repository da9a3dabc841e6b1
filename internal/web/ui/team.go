package ui

// TeamPage is the data of team.html.
type TeamPage struct {
	InboxPage
	UserID int64 // the signed-in member, who cannot deactivate themselves
	// CanManage puts the controls that add, change and deactivate members
	// into the page; agents get the list without them.
	CanManage bool
	// IsOwner offers the owner role: only an owner makes or changes one.
	IsOwner bool
}

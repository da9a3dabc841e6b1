package ui

// BroadcastsPage is the data of broadcasts.html.
type BroadcastsPage struct {
	InboxPage
	// CanManage puts the controls that compose, import, launch and steer
	// into the page; agents get it without them.
	CanManage bool
}

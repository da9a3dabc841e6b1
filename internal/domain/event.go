package domain

// Event types published to the realtime hub and streamed over SSE.
const (
	EventMessageCreated      = "message.created"
	EventMessageUpdated      = "message.updated"
	EventConversationUpdated = "conversation.updated"
	// EventNumberUpdated: a number's standing changed; Data is a NumberUpdate.
	EventNumberUpdated = "number.updated"
	// EventBroadcastUpdated: a broadcast's status or counts moved.
	EventBroadcastUpdated = "broadcast.updated"
	// EventNoteCreated: an internal note was added; Data is the note, with
	// its mentions, so mentioned members can be told. Notes never reach
	// the customer. EventNoteUpdated carries the edited note;
	// EventNoteDeleted {"id","conversation_id"}.
	EventNoteCreated = "note.created"
	EventNoteUpdated = "note.updated"
	EventNoteDeleted = "note.deleted"
	// EventScheduledCreated: a message was scheduled to send later; Data
	// is the scheduled message. EventScheduledUpdated: it was canceled,
	// sent (with its message_id) or failed (with the error).
	EventScheduledCreated = "scheduled.created"
	EventScheduledUpdated = "scheduled.updated"
	// EventPresenceUpdated: a member is viewing or typing in a
	// conversation until a time (view.Presence); clients let it lapse
	// then, so no "left" event is needed.
	EventPresenceUpdated = "presence.updated"
)

// NumberUpdate is the realtime payload of EventNumberUpdated: the number
// and the events added to its history (possibly none, when only its
// reasons changed).
type NumberUpdate struct {
	ID     int64         `json:"id"`
	Events []NumberEvent `json:"events"`
}

// Event is a change a workspace's agents see live. Data is the JSON of the
// API representation of the changed object.
type Event struct {
	ID          string // unique, ordered per node; used as the SSE id
	WorkspaceID int64
	Type        string
	Data        []byte
}

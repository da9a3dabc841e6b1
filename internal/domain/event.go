package domain

// Event types published to the realtime hub and streamed over SSE.
const (
	EventMessageCreated      = "message.created"
	EventMessageUpdated      = "message.updated"
	EventConversationUpdated = "conversation.updated"
)

// Event is a change a workspace's agents see live. Data is the JSON of the
// API representation of the changed object.
type Event struct {
	ID          string // unique, ordered per node; used as the SSE id
	WorkspaceID int64
	Type        string
	Data        []byte
}

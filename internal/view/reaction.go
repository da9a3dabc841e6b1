package view

import (
	"time"

	"github.com/gohavi/gohavi/internal/domain"
)

// NewReactions renders a message's current reactions; the thread and the
// reaction's event both use it, so the two shapes cannot drift.
func NewReactions(rs []domain.Reaction) []Reaction {
	if len(rs) == 0 {
		return nil
	}
	out := make([]Reaction, 0, len(rs))
	for _, r := range rs {
		if r.Emoji == "" {
			continue
		}
		out = append(out, Reaction{Emoji: r.Emoji, From: r.Reactor, Direction: string(r.Direction), By: memberRef(r.UserID, r.UserName), At: Time(r.At)})
	}
	return out
}

// Quote is what is known of a quoted message we hold.
type Quote struct {
	ID   int64
	Text string
}

// NewContext renders what a message quotes (replyTo, a wamid) and whether
// it was forwarded; q is the quoted message when we hold it. nil when
// neither applies.
func NewContext(replyTo string, q *Quote, forwarded bool) *MessageContext {
	if replyTo == "" && !forwarded {
		return nil
	}
	c := &MessageContext{MessageID: replyTo, Forwarded: forwarded}
	if replyTo != "" && q != nil {
		c.ID, c.Text = q.ID, q.Text
	}
	return c
}

// ReactedMessage is the message.updated a reaction publishes. Reactions
// is always present, [] once the last one is removed, so a client that
// merges updates into the message it holds drops the removed emoji
// instead of keeping it.
type ReactedMessage struct {
	Message
	Reactions []Reaction `json:"reactions"`
}

// NewReactedMessage pairs m with its current reactions.
func NewReactedMessage(m Message, rs []Reaction) ReactedMessage {
	if rs == nil {
		rs = []Reaction{}
	}
	m.Reactions = rs
	return ReactedMessage{Message: m, Reactions: rs}
}

// Presence is the presence.updated event: a member viewing or typing in a
// conversation until Until. "idle" ends it at once (Until is now).
type Presence struct {
	ConversationID int64     `json:"conversation_id"`
	User           MemberRef `json:"user"`
	State          string    `json:"state"`
	Until          *string   `json:"until"`
}

// NewPresence renders a member's presence in a conversation.
func NewPresence(convID, userID int64, name, state string, until time.Time) Presence {
	return Presence{ConversationID: convID, User: MemberRef{ID: userID, Name: name}, State: state, Until: Time(until)}
}

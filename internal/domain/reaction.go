package domain

import "time"

// Reaction is the current emoji one reactor has on a message. A later
// reaction by the same reactor replaces it; an empty Emoji removes it.
type Reaction struct {
	MessageID   int64 // the message reacted to
	WorkspaceID int64
	// Reactor is who reacted, as WhatsApp names them: the customer's
	// wa_id, or the business number's digits for ours (every agent
	// reacts as the business, so the business has one reaction).
	Reactor   string
	Direction Direction
	Emoji     string
	UserID    int64  // the agent, for ours
	UserName  string // filled when read
	SourceID  int64  // the message that carried the reaction
	At        time.Time
}

// Digits keeps the digits of a phone number as Meta writes wa_ids.
func Digits(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] >= '0' && s[i] <= '9' {
			b = append(b, s[i])
		}
	}
	return string(b)
}

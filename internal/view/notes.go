package view

import "github.com/gohavi/gohavi/internal/domain"

// Note is an internal note in API form, as GET /notes returns it and the
// note.created and note.updated events carry it. Body is plain text:
// clients must show it as text, never as HTML.
type Note struct {
	ID             int64       `json:"id"`
	ConversationID int64       `json:"conversation_id"`
	Body           string      `json:"body"`
	Author         MemberRef   `json:"author"` // id 0: written with an API key
	Mentions       []MemberRef `json:"mentions"`
	CreatedAt      *string     `json:"created_at"`
	UpdatedAt      *string     `json:"updated_at"`
}

// NewNote renders n.
func NewNote(n domain.Note) Note {
	out := Note{
		ID: n.ID, ConversationID: n.ConversationID, Body: n.Body,
		Author:    MemberRef{ID: n.Author.UserID, Name: n.Author.Name},
		Mentions:  make([]MemberRef, 0, len(n.Mentions)),
		CreatedAt: Time(n.CreatedAt), UpdatedAt: Time(n.UpdatedAt),
	}
	for _, m := range n.Mentions {
		out.Mentions = append(out.Mentions, MemberRef{ID: m.ID, Name: m.DisplayName()})
	}
	return out
}

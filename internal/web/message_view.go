package web

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// renderMessages renders messages with what lives beside them (the
// stored media, the reactions, the quoted message), each kind loaded
// once for the whole page so a thread costs a fixed number of queries.
func (s *server) renderMessages(ctx context.Context, workspaceID int64, ms []domain.Message) ([]view.Message, error) {
	out := make([]view.Message, len(ms))
	for i, m := range ms {
		out[i] = view.NewMessage(m, whatsapp.Describe)
	}
	for _, attach := range []func(context.Context, int64, []domain.Message, []view.Message) error{
		s.attachMedia, s.attachReactions, s.attachContext,
	} {
		if err := attach(ctx, workspaceID, ms, out); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// renderMessage is renderMessages for one.
func (s *server) renderMessage(ctx context.Context, m domain.Message) (view.Message, error) {
	out, err := s.renderMessages(ctx, m.WorkspaceID, []domain.Message{m})
	if err != nil {
		return view.Message{}, err
	}
	return out[0], nil
}

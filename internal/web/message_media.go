package web

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// attachMedia fills out[i].Media for media messages.
func (s *server) attachMedia(ctx context.Context, workspaceID int64, ms []domain.Message, out []view.Message) error {
	return nil
}

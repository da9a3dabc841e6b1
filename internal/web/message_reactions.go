package web

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// attachReactions fills out[i].Reactions, one query for the page.
func (s *server) attachReactions(ctx context.Context, workspaceID int64, ms []domain.Message, out []view.Message) error {
	ids := make([]int64, 0, len(ms))
	for _, m := range ms {
		if m.Type != "reaction" { // a reaction cannot be reacted to
			ids = append(ids, m.ID)
		}
	}
	rs, err := s.DB.ReactionsOfMessages(ctx, workspaceID, ids)
	if err != nil {
		return err
	}
	for i, m := range ms {
		out[i].Reactions = view.NewReactions(rs[m.ID])
	}
	return nil
}

// attachContext fills out[i].Context for replies (resolving each quoted
// wamid to our message, one query for the page) and forwarded messages.
func (s *server) attachContext(ctx context.Context, workspaceID int64, ms []domain.Message, out []view.Message) error {
	wamids := map[int64][]string{}
	for _, m := range ms {
		if m.ReplyTo != "" {
			wamids[m.NumberID] = append(wamids[m.NumberID], m.ReplyTo)
		}
	}
	quoted, err := s.DB.QuotedMessages(ctx, workspaceID, wamids)
	if err != nil {
		return err
	}
	for i, m := range ms {
		var q *view.Quote
		if found, ok := quoted[m.NumberID][m.ReplyTo]; ok {
			q = &view.Quote{ID: found.ID, Text: found.Text}
		}
		out[i].Context = view.NewContext(m.ReplyTo, q, m.Forwarded)
	}
	return nil
}

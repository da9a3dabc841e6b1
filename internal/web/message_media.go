package web

import (
	"context"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/view"
)

// attachMedia fills out[i].Media for media messages, one query for the
// page: a customer's file is linked to its message; one we sent is named
// by its payload's media_id (an upload is linked only to the first
// message that sent it). Sends by Meta id or link have no stored copy.
func (s *server) attachMedia(ctx context.Context, workspaceID int64, ms []domain.Message, out []view.Message) error {
	var msgIDs, mediaIDs []int64
	named := make(map[int]int64)
	for i, m := range ms {
		if !domain.MediaTypes[m.Type] {
			continue
		}
		msgIDs = append(msgIDs, m.ID)
		if id := ourUpload(m); id != 0 {
			named[i] = id
			mediaIDs = append(mediaIDs, id)
		}
	}
	rows, err := s.DB.MediaOfMessages(ctx, workspaceID, msgIDs, mediaIDs)
	if err != nil || len(rows) == 0 {
		return err
	}
	byMessage := make(map[int64]domain.Media, len(rows))
	byID := make(map[int64]domain.Media, len(rows))
	for _, r := range rows {
		byID[r.ID] = r
		if r.MessageID != 0 {
			byMessage[r.MessageID] = r
		}
	}
	for i, m := range ms {
		r, ok := byID[named[i]]
		if !ok {
			r, ok = byMessage[m.ID]
		}
		if ok {
			out[i].Media = view.NewMedia(r)
		}
	}
	return nil
}

// ourUpload is the upload a message we sent names, or 0.
func ourUpload(m domain.Message) int64 {
	if m.Direction != domain.Outbound {
		return 0
	}
	return outbound.StoredMediaID(m.Payload)
}

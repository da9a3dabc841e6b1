package ingest

import (
	"context"
	"database/sql"
	"fmt"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/media"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// JobInserter enqueues a job in the caller's transaction.
type JobInserter interface {
	InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error)
}

// recordMedia keeps a customer's file as a pending media row and enqueues
// its download, both in the apply transaction: the job exists exactly when
// the message does. A file Meta says it could not deliver (the message's
// errors, e.g. 131052 for one over 100 MB) or one without a media id is
// recorded as failed and never fetched. Without MediaJobs (tools and
// tests that apply without a job queue) the row stays pending.
func (a *Applier) recordMedia(ctx context.Context, ac *applyCtx, num domain.Number, stored domain.Message, m whatsapp.InboundMessage) (*view.Media, error) {
	if !domain.MediaTypes[m.Type] {
		return nil, nil
	}
	row := domain.Media{WorkspaceID: num.WorkspaceID, MessageID: stored.ID, NumberID: num.ID, Direction: domain.Inbound, Status: domain.MediaPending}
	obj := mediaObject(m)
	if obj != nil {
		row.MetaMediaID, row.MimeType, row.Filename = obj.ID, obj.MimeType, obj.Filename
	}
	switch {
	case len(m.Errors) > 0:
		e := m.Errors[0]
		row.Status = domain.MediaFailed
		row.Error = fmt.Sprintf("WhatsApp could not deliver the file (%d, %s).", e.Code, e.Title)
		if e.ErrorData.Details != "" {
			row.Error += " " + e.ErrorData.Details
		}
		if e.Code == 131052 {
			row.Error += " Files over 100 MB cannot be received; ask the customer to send a smaller one."
		}
	case row.MetaMediaID == "":
		row.Status, row.Error = domain.MediaFailed, "The webhook carried no media id, so the file cannot be downloaded."
	}
	inserted, err := ac.tx.InsertMedia(ctx, row)
	if err != nil {
		return nil, err
	}
	if inserted.Status == domain.MediaPending && a.MediaJobs != nil {
		if _, err := a.MediaJobs.InsertTx(ctx, ac.tx.SQL(), media.DownloadArgs{MediaID: inserted.ID}, nil); err != nil {
			return nil, err
		}
	}
	return view.NewMedia(inserted), nil
}

func mediaObject(m whatsapp.InboundMessage) *whatsapp.Media {
	switch m.Type {
	case "image":
		return m.Image
	case "video":
		return m.Video
	case "audio":
		return m.Audio
	case "document":
		return m.Document
	case "sticker":
		return m.Sticker
	}
	return nil
}

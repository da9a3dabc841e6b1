// Package media moves message files between Meta and GoHavi's store: the
// job that downloads a customer's file once its webhook is applied. The
// upload of our own files to Meta happens in the send pipeline
// (internal/outbound), which needs it per number at send time.
package media

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// MaxAttempts bounds the tries of one download; with Backoff they span
// about an hour, well inside the 7 days Meta keeps a customer's file.
const MaxAttempts = 8

// DownloadArgs is the job that fetches one pending inbound file.
type DownloadArgs struct {
	MediaID int64 `json:"media_id"`
}

// Kind names the job.
func (DownloadArgs) Kind() string { return "media_download" }

// InsertOpts: the transactional queue, since an agent is looking at the
// conversation; one live job per file.
func (DownloadArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{Queue: jobs.QueueTransactional, MaxAttempts: MaxAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true}}
}

// Graph is the part of the Cloud API client a download uses.
type Graph interface {
	MediaInfo(ctx context.Context, token, mediaID string) (whatsapp.MediaFile, error)
	DownloadMedia(ctx context.Context, token, url string) ([]byte, string, error)
}

// Publisher tells agents about changes.
type Publisher interface {
	Publish(ctx context.Context, ev domain.Event) (domain.Event, error)
}

// Service downloads files.
type Service struct {
	DB    *store.DB
	Graph Graph
	Box   *secret.Box
	Hub   Publisher
	Clock domain.Clock
	Log   *slog.Logger
}

// DownloadWorker runs DownloadArgs jobs.
type DownloadWorker struct {
	river.WorkerDefaults[DownloadArgs]
	S *Service
}

// Work downloads the file; the last attempt gives up instead of failing.
func (w *DownloadWorker) Work(ctx context.Context, job *river.Job[DownloadArgs]) error {
	return w.S.Download(ctx, job.Args.MediaID, job.Attempt >= job.MaxAttempts)
}

// NextRetry applies Backoff on the injected clock.
func (w *DownloadWorker) NextRetry(job *river.Job[DownloadArgs]) time.Time {
	return w.S.Clock.Now().Add(Backoff(job.Attempt))
}

// Timeout bounds one attempt: a 100 MB file over a slow link takes a while.
func (w *DownloadWorker) Timeout(*river.Job[DownloadArgs]) time.Duration { return 10 * time.Minute }

// Backoff is the wait before retry number attempt (1-based): 5 s, tripled
// each time, at most 30 minutes.
func Backoff(attempt int) time.Duration {
	const ceiling = 30 * time.Minute
	d := 5 * time.Second
	for n := 1; n < attempt && d < ceiling; n++ {
		d *= 3
	}
	return min(d, ceiling)
}

// Download fetches a pending file: GET /{media-id} for a fresh URL, then
// the bytes with the number's token. An error River should retry is
// returned; an outcome (stored, or given up with a readable reason) is
// recorded and published, and nil returned. A file that is not pending
// any more (done by a duplicate job) is left alone.
func (s *Service) Download(ctx context.Context, id int64, last bool) error {
	m, err := s.DB.MediaForJob(ctx, id)
	if domain.IsNotFound(err) || (err == nil && m.Status != domain.MediaPending) {
		return nil
	}
	if err != nil {
		return err
	}
	num, err := s.DB.NumberByID(ctx, m.WorkspaceID, m.NumberID)
	if domain.IsNotFound(err) {
		return s.fail(ctx, m, "The WhatsApp number that received this file is no longer connected.", true)
	}
	if err != nil {
		return err
	}
	token, err := numbers.OpenToken(s.Box, num)
	if err != nil {
		return s.fail(ctx, m, "Cannot decrypt the number's access token (GOHAVI_SECRET_KEY changed); connect the number again.", true)
	}
	info, err := s.Graph.MediaInfo(ctx, token, m.MetaMediaID)
	if err != nil {
		return s.fail(ctx, m, reason(err), last || permanent(err))
	}
	if info.Size > whatsapp.MaxMediaBytes {
		return s.fail(ctx, m, tooLarge, true)
	}
	data, mimeType, err := s.Graph.DownloadMedia(ctx, token, info.URL)
	if err != nil {
		return s.fail(ctx, m, reason(err), last || permanent(err))
	}
	if info.MimeType != "" {
		mimeType = info.MimeType // a download host may answer a generic type
	}
	stored, ok, err := s.DB.StoreMediaData(ctx, id, mimeType, data)
	if err != nil || !ok {
		return err
	}
	s.publish(ctx, stored)
	return nil
}

const tooLarge = "The file is larger than 100 MB, the most WhatsApp delivers, so it was not downloaded."

// fail records an attempt's error; final gives the file up. The error is
// returned for River to retry unless final.
func (s *Service) fail(ctx context.Context, m domain.Media, why string, final bool) error {
	updated, ok, err := s.DB.NoteMediaFailure(ctx, m.ID, why, final)
	if err != nil {
		return err
	}
	if final {
		if ok {
			s.publish(ctx, updated)
		}
		return nil
	}
	return errors.New(why)
}

// permanent reports errors no retry can fix: Meta refused the media id or
// the token (its envelope, a code that is not transient), or the file is
// too large. A bare 404 from the download host means the URL expired: a
// retry asks for a new one.
func permanent(err error) bool {
	if errors.Is(err, whatsapp.ErrMediaTooLarge) {
		return true
	}
	var ge *whatsapp.GraphError
	return errors.As(err, &ge) && ge.FromMeta() && !ge.Transient()
}

// reason words an error for the person looking at the message.
func reason(err error) string {
	var ge *whatsapp.GraphError
	switch {
	case errors.Is(err, whatsapp.ErrMediaTooLarge):
		return tooLarge
	case errors.As(err, &ge) && ge.FromMeta() && ge.Code == 100:
		return "WhatsApp no longer has this file: a customer's media can be downloaded for 7 days after it was sent."
	case errors.As(err, &ge) && ge.FromMeta():
		title, remedy := ge.Explain()
		return fmt.Sprintf("WhatsApp refused the download (%d, %s). %s", ge.Code, title, remedy)
	case errors.As(err, &ge):
		return fmt.Sprintf("The download link was refused (HTTP %d); a new one is asked for on the next try.", ge.HTTPStatus)
	}
	return "Could not reach WhatsApp to download the file: " + err.Error()
}

// publish tells agents the message's file changed (ready or failed).
func (s *Service) publish(ctx context.Context, m domain.Media) {
	msg, err := s.DB.MessageByID(ctx, m.WorkspaceID, m.MessageID)
	if err != nil {
		s.Log.Warn("media stored but its message could not be read for the realtime event", "media_id", m.ID, "err", err)
		return
	}
	v := view.NewMessage(msg, whatsapp.Describe)
	v.Media = view.NewMedia(m)
	if _, err := s.Hub.Publish(ctx, view.Event(m.WorkspaceID, domain.EventMessageUpdated, v)); err != nil {
		s.Log.Warn("realtime publish failed", "type", domain.EventMessageUpdated, "err", err)
	}
}

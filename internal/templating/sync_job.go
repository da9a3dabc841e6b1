package templating

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/jobs"
)

// SyncArgs is the periodic job that reads every account's templates from
// Meta: webhooks keep statuses current, and this catches what a missed
// webhook or a change made in WhatsApp Manager would leave stale.
type SyncArgs struct{}

// Kind names the job.
func (SyncArgs) Kind() string { return "template_sync" }

// InsertOpts: maintenance queue, at most one waiting at a time.
func (SyncArgs) InsertOpts() river.InsertOpts { return jobs.Singleton() }

// SyncEvery is how often templates are read from Meta. Meta allows 200
// management calls per WABA per hour (5,000 once active); a sync is one
// call per page of 100 templates.
const SyncEvery = 15 * time.Minute

// SyncWorker runs SyncArgs.
type SyncWorker struct {
	river.WorkerDefaults[SyncArgs]
	S *Service
}

// Work syncs every workspace that has a number; one failing account does
// not stop the others.
func (w *SyncWorker) Work(ctx context.Context, _ *river.Job[SyncArgs]) error {
	ids, err := w.S.DB.WorkspacesWithNumbers(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, id := range ids {
		if _, err := w.S.Sync(ctx, id); err != nil {
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}

// Periodic is the schedule to give the job runner.
func Periodic() *river.PeriodicJob { return jobs.Every(SyncEvery, SyncArgs{}) }

package numbers

import (
	"context"
	"errors"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/jobs"
)

// RefreshArgs is the periodic job that reads every number's quality and
// the portfolios' messaging limits from Meta.
type RefreshArgs struct{}

// Kind names the job.
func (RefreshArgs) Kind() string { return "number_refresh" }

// InsertOpts: maintenance queue, at most one waiting or running.
func (RefreshArgs) InsertOpts() river.InsertOpts { return jobs.Singleton() }

// RefreshEvery is how often numbers are read from Meta (one call each).
const RefreshEvery = 15 * time.Minute

// RefreshWorker runs RefreshArgs.
type RefreshWorker struct {
	river.WorkerDefaults[RefreshArgs]
	S *Service
}

// Work refreshes every connected number; one failing number does not stop
// the others.
func (w *RefreshWorker) Work(ctx context.Context, _ *river.Job[RefreshArgs]) error {
	ids, err := w.S.DB.WorkspacesWithNumbers(ctx)
	if err != nil {
		return err
	}
	var errs []error
	for _, ws := range ids {
		nums, err := w.S.DB.ConnectedNumbers(ctx, ws)
		if err != nil {
			return err
		}
		for _, n := range nums {
			if _, err := w.S.Refresh(ctx, n); err != nil {
				errs = append(errs, err)
			}
		}
	}
	return errors.Join(errs...)
}

// RefreshPeriodic is the schedule to give the job runner.
func RefreshPeriodic() *river.PeriodicJob { return jobs.Every(RefreshEvery, RefreshArgs{}) }

package jobs_test

import (
	"context"
	"testing"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

type tick struct{}

func (tick) Kind() string                 { return "test_tick" }
func (tick) InsertOpts() river.InsertOpts { return jobs.Singleton() }

// A singleton maintenance job is queued once however often it is asked
// for, on both engines (River accepts its unique states).
func TestSingleton(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, _ *domain.FakeClock) {
		ctx := context.Background()
		if err := jobs.Migrate(ctx, db); err != nil {
			t.Fatal(err)
		}
		j, err := jobs.New(db, jobs.Config{})
		if err != nil {
			t.Fatal(err)
		}
		first, err := j.Insert(ctx, tick{}, nil)
		if err != nil || first.UniqueSkippedAsDuplicate {
			t.Fatalf("first: %+v %v", first, err)
		}
		second, err := j.Insert(ctx, tick{}, nil)
		if err != nil || !second.UniqueSkippedAsDuplicate || second.Job.ID != first.Job.ID {
			t.Fatalf("second: %+v %v", second, err)
		}
		if first.Job.Queue != jobs.QueueMaintenance {
			t.Fatalf("queue %s", first.Job.Queue)
		}
		if jobs.Every(time.Minute, tick{}) == nil {
			t.Fatal("no schedule")
		}
	})
}

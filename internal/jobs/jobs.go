// Package jobs sets up River on either engine. SQLite: one client on the
// single writer connection. PostgreSQL: an insert-only client on
// database/sql (so jobs are inserted in the app's own *sql.Tx) plus a worker
// client on the native pgx pool, whose LISTEN/NOTIFY wakes workers within
// milliseconds of a commit on any node.
package jobs

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/riverdriver/riverpgxv5"
	"github.com/riverqueue/river/riverdriver/riversqlite"
	"github.com/riverqueue/river/rivermigrate"
	"github.com/riverqueue/river/rivertype"

	"github.com/gohavi/gohavi/internal/store"
)

// Queues keep kinds of work apart so a bulk job never delays an agent's
// reply: each has its own workers.
const (
	QueueTransactional = "transactional" // agent and API sends
	QueueMaintenance   = "maintenance"
)

// Jobs inserts and runs background jobs.
type Jobs struct {
	insert  *river.Client[*sql.Tx]
	sqlite  *river.Client[*sql.Tx] // SQLite: same client as insert
	pgWork  *river.Client[pgx.Tx]
	working bool // SQLite client has queues to work
}

// Config tunes the workers.
type Config struct {
	Workers          *river.Workers // nil → insert-only (CLI commands)
	Logger           *slog.Logger
	TransactionalMax int
	RescueAfter      time.Duration        // a job running longer than this is presumed orphaned by a crash
	Periodic         []*river.PeriodicJob // enqueued by the elected leader only, so once per cluster
}

func queues(cfg Config) map[string]river.QueueConfig {
	if cfg.Workers == nil {
		return nil
	}
	return map[string]river.QueueConfig{
		QueueTransactional: {MaxWorkers: max(cfg.TransactionalMax, 20)},
		QueueMaintenance:   {MaxWorkers: 2},
	}
}

func riverConfig(cfg Config) *river.Config {
	rc := &river.Config{
		Logger:               cfg.Logger,
		Queues:               queues(cfg),
		Workers:              cfg.Workers,
		MaxAttempts:          12,
		RescueStuckJobsAfter: cfg.RescueAfter,
		JobTimeout:           2 * time.Minute,
		PeriodicJobs:         cfg.Periodic,
	}
	if rc.RescueStuckJobsAfter == 0 {
		rc.RescueStuckJobsAfter = 2 * time.Minute
	}
	if rc.Logger == nil {
		rc.Logger = slog.Default()
	}
	return rc
}

// Migrate creates or upgrades River's tables. On PostgreSQL it runs under
// the same advisory lock as the app's migrations.
func Migrate(ctx context.Context, db *store.DB) error {
	if db.Dialect == store.SQLite {
		m, err := rivermigrate.New(riversqlite.New(db.W), nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	}
	return db.WithMigrationLock(ctx, func() error {
		m, err := rivermigrate.New(riverpgxv5.New(db.Pool), nil)
		if err != nil {
			return err
		}
		_, err = m.Migrate(ctx, rivermigrate.DirectionUp, nil)
		return err
	})
}

// New builds the clients; Start begins working.
func New(db *store.DB, cfg Config) (*Jobs, error) {
	j := &Jobs{working: cfg.Workers != nil}
	rc := riverConfig(cfg)
	if db.Dialect == store.SQLite {
		c, err := river.NewClient(riversqlite.New(db.W), rc)
		if err != nil {
			return nil, fmt.Errorf("river: %w", err)
		}
		j.insert, j.sqlite = c, c
		return j, nil
	}
	ins, err := river.NewClient(riverdatabasesql.New(db.W), &river.Config{Logger: rc.Logger, MaxAttempts: rc.MaxAttempts})
	if err != nil {
		return nil, fmt.Errorf("river insert client: %w", err)
	}
	j.insert = ins
	if cfg.Workers != nil {
		if j.pgWork, err = river.NewClient(riverpgxv5.New(db.Pool), rc); err != nil {
			return nil, fmt.Errorf("river worker client: %w", err)
		}
	}
	return j, nil
}

// Start begins fetching and working jobs (no-op for insert-only).
func (j *Jobs) Start(ctx context.Context) error {
	switch {
	case j.pgWork != nil:
		return j.pgWork.Start(ctx)
	case j.working:
		return j.sqlite.Start(ctx)
	}
	return nil
}

// Stop waits for running jobs to finish (bounded by ctx).
func (j *Jobs) Stop(ctx context.Context) error {
	switch {
	case j.pgWork != nil:
		return j.pgWork.Stop(ctx)
	case j.working:
		return j.sqlite.Stop(ctx)
	}
	return nil
}

// InsertTx enqueues a job inside the caller's transaction, so the job
// exists if and only if the transaction commits.
func (j *Jobs) InsertTx(ctx context.Context, tx *sql.Tx, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return j.insert.InsertTx(ctx, tx, args, opts)
}

// Insert enqueues a job in its own transaction.
func (j *Jobs) Insert(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) (*rivertype.JobInsertResult, error) {
	return j.insert.Insert(ctx, args, opts)
}

// Singleton is the insert options of a maintenance job of which at most
// one may wait or run at a time (a periodic job that overruns its interval
// is not queued twice).
func Singleton() river.InsertOpts {
	return river.InsertOpts{Queue: QueueMaintenance, MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true,
		ByState: []rivertype.JobState{rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateScheduled}}}
}

// Every schedules args every interval, and once at start. River's leader
// enqueues periodic jobs, so a cluster runs each once per interval.
func Every(interval time.Duration, args river.JobArgs) *river.PeriodicJob {
	return river.NewPeriodicJob(river.PeriodicInterval(interval), func() (river.JobArgs, *river.InsertOpts) {
		return args, nil
	}, &river.PeriodicJobOpts{RunOnStart: true})
}

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"runtime/pprof"
	"time"

	"github.com/gohavi/gohavi/internal/bench"
)

const benchUsage = `usage: gohavi bench ingest [--engine sqlite|postgres] [--database-url URL] [--duration 10s]
       [--concurrency 64] [--prefill N] [--payload-bytes 750] [--dir DIR] [--no-applier] [--no-baseline]
       gohavi bench broadcast [--engine sqlite|postgres] [--database-url URL] [--recipients 100000] [--workers 64] [--batch 500] [--cpuprofile FILE] [--memprofile FILE]
       gohavi bench inbox [--engine sqlite|postgres] [--database-url URL] [--conversations 100000] [--messages 1000000] [--streams 1000] [--samples 500] [--events 200] [--op-budget 20s]`

func benchCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) > 0 && args[0] == "broadcast" {
		return benchBroadcast(ctx, args[1:], stdout, getenv)
	}
	if len(args) > 0 && args[0] == "inbox" {
		return benchInbox(ctx, args[1:], stdout, getenv)
	}
	if len(args) == 0 || args[0] != "ingest" {
		return fmt.Errorf("%s", benchUsage)
	}
	fs := flag.NewFlagSet("bench ingest", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o bench.IngestOptions
	dbURL := getenv("GOHAVI_DATABASE_URL")
	if dbURL == "" {
		dbURL = getenv("TEST_POSTGRES_URL")
	}
	fs.StringVar(&o.Engine, "engine", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.DatabaseURL, "database-url", dbURL, "PostgreSQL server for --engine postgres (GOHAVI_DATABASE_URL or TEST_POSTGRES_URL); a throwaway schema is used")
	fs.DurationVar(&o.Duration, "duration", 10*time.Second, "measured load per server")
	fs.IntVar(&o.Concurrency, "concurrency", 64, "concurrent keep-alive clients")
	fs.Int64Var(&o.Prefill, "prefill", 0, "rows in webhook_events before measuring (e.g. 2000000)")
	fs.IntVar(&o.PayloadBytes, "payload-bytes", 750, "size of each signed webhook body")
	fs.StringVar(&o.Dir, "dir", "", "SQLite: keep the database in this directory and reuse its rows next time (default: a temp dir)")
	fs.BoolVar(&o.NoApplier, "no-applier", false, "measure the writer without the applier running")
	fs.BoolVar(&o.NoBaseline, "no-baseline", false, "skip the bare net/http run")
	fs.DurationVar(&o.Drain, "drain", 2*time.Minute, "after the load, wait up to this long for the applier to apply the backlog, and report its rate (0: skip)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), benchUsage)
	}
	if o.Engine == "postgres" && o.DatabaseURL == "" {
		o.DatabaseURL = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
	}
	o.Progress = stdout
	rep, err := bench.RunIngest(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.String())
	fmt.Fprint(stdout, rep.Details())
	return nil
}

func benchDatabaseURL(getenv func(string) string) string {
	if u := getenv("GOHAVI_DATABASE_URL"); u != "" {
		return u
	}
	if u := getenv("TEST_POSTGRES_URL"); u != "" {
		return u
	}
	return "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"
}

func benchBroadcast(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("bench broadcast", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o bench.BroadcastOptions
	fs.StringVar(&o.Engine, "engine", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.DatabaseURL, "database-url", benchDatabaseURL(getenv), "PostgreSQL server for --engine postgres; a throwaway schema is used")
	fs.IntVar(&o.Recipients, "recipients", 100_000, "opted-in contacts the broadcast goes to")
	fs.IntVar(&o.Baseline, "baseline", 50_000, "sends of the raw simulator run")
	fs.IntVar(&o.Workers, "workers", 64, "concurrent Graph calls")
	fs.IntVar(&o.Batch, "batch", 500, "recipients per claim")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	fs.StringVar(&o.HeapProfile, "memprofile", "", "write a heap profile to this file when the last status is applied")
	if err := fs.Parse(args); err != nil {
		return err
	}
	stop, err := cpuProfileTo(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), benchUsage)
	}
	o.Progress = func(s string) { fmt.Fprintln(stdout, s) }
	rep, err := bench.RunBroadcast(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, rep.String())
	return nil
}

// cpuProfileTo profiles the CPU into path until stop is called; an empty
// path profiles nothing.
func cpuProfileTo(path string) (stop func(), err error) {
	if path == "" {
		return func() {}, nil
	}
	f, err := os.Create(path)
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(f); err != nil {
		f.Close()
		return nil, err
	}
	return func() { pprof.StopCPUProfile(); f.Close() }, nil
}

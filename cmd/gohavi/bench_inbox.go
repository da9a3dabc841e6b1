package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"time"

	"github.com/gohavi/gohavi/internal/bench"
)

func benchInbox(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("bench inbox", flag.ContinueOnError)
	fs.SetOutput(stdout)
	var o bench.InboxOptions
	fs.StringVar(&o.Engine, "engine", "sqlite", "sqlite or postgres")
	fs.StringVar(&o.DatabaseURL, "database-url", benchDatabaseURL(getenv), "PostgreSQL server for --engine postgres; a throwaway schema is used")
	fs.IntVar(&o.Conversations, "conversations", 100_000, "conversations, one contact each")
	fs.IntVar(&o.Messages, "messages", 1_000_000, "messages spread over them (skewed: some long threads)")
	fs.IntVar(&o.Streams, "streams", 1000, "concurrent GET /api/v1/events streams")
	fs.IntVar(&o.Samples, "samples", 500, "measured requests per API operation")
	fs.IntVar(&o.Events, "events", 200, "webhooks (and bare publishes) fanned out to the streams, one at a time")
	fs.DurationVar(&o.OpBudget, "op-budget", 20*time.Second, "an API operation stops sampling once its samples add up to this")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the whole run to this file")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected argument %q\n%s", fs.Arg(0), benchUsage)
	}
	stop, err := cpuProfileTo(*cpuProfile)
	if err != nil {
		return err
	}
	defer stop()
	o.Progress = func(s string) { fmt.Fprintln(stdout, s) }
	rep, err := bench.RunInbox(ctx, o)
	if err != nil {
		return err
	}
	fmt.Fprint(stdout, rep.String())
	return nil
}

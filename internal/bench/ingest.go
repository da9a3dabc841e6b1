// Package bench measures GoHavi where it must be fast: durable webhook
// ingest. The server under test is the production handler stack on a real
// loopback socket; the load is signed, Meta-shaped webhooks from concurrent
// keep-alive clients; and every run also measures a bare net/http server
// under the same load, so results from different machines compare as a
// ratio.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"runtime"
	"strings"
	"time"
)

// IngestOptions configure RunIngest. Zero values get the defaults noted.
type IngestOptions struct {
	Engine       string        // "sqlite" (default) or "postgres"
	DatabaseURL  string        // PostgreSQL server; a throwaway schema is created in it
	Dir          string        // SQLite: keep the database here (reused by later runs); default a temp dir
	Duration     time.Duration // measured load per server; default 10 s
	Requests     int64         // stop after this many requests instead (Duration then only bounds it)
	Concurrency  int           // concurrent keep-alive clients; default 64
	Prefill      int64         // rows in webhook_events before measuring
	PayloadBytes int           // size of each webhook body; default 750
	AppSecret    string        // signs and verifies; default a fixed test secret
	NoApplier    bool          // measure the writer alone, without the applier competing
	Drain        time.Duration // after the load, wait up to this long for the applier to finish the backlog (0: don't)
	NoBaseline   bool          // skip the bare net/http run
	Warmup       int           // requests before measuring; default 2×Concurrency
	Progress     io.Writer     // progress lines (prefill); nil for none
	Log          *slog.Logger  // server log; default discards
}

func (o *IngestOptions) defaults() {
	if o.Engine == "" {
		o.Engine = "sqlite"
	}
	if o.Duration <= 0 && o.Requests <= 0 {
		o.Duration = 10 * time.Second
	}
	if o.Concurrency <= 0 {
		o.Concurrency = 64
	}
	if o.PayloadBytes <= 0 {
		o.PayloadBytes = 750
	}
	if o.AppSecret == "" {
		o.AppSecret = "gohavi-bench-app-secret"
	}
	if o.Warmup <= 0 {
		o.Warmup = 2 * o.Concurrency
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
}

// IngestReport is the outcome of one RunIngest.
type IngestReport struct {
	Engine       string
	Prefill      int64 // rows in webhook_events when the measurement started
	PayloadBytes int
	Concurrency  int
	Ingest       LoadResult // the product
	Baseline     LoadResult // bare net/http; zero when skipped
	Applier      bool
	Applied      int64         // events the applier finished during the run
	Rows         int64         // rows in webhook_events at the end of the load
	Unapplied    int64         // of those, not yet applied when the load ended
	Drained      int64         // backlog applied after the load ended
	DrainTime    time.Duration // how long that took (0: not measured)
	Left         int64         // still unapplied when the drain stopped
	LoadAvg      string        // /proc/loadavg before and after: other processes skew results
}

// Ratio is ingest req/s over bare net/http req/s (0 without a baseline).
func (r IngestReport) Ratio() float64 {
	if b := r.Baseline.RPS(); b > 0 {
		return r.Ingest.RPS() / b
	}
	return 0
}

// String is the one-line summary, e.g.
// "ingest sqlite prefill=2,000,000: 17,900 req/s (p50 2.1ms p99 9.8ms) — bare net/http 71,000 req/s — ratio 0.25".
func (r IngestReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "ingest %s prefill=%s: %s req/s (p50 %s p99 %s)", r.Engine, thousands(float64(r.Prefill)),
		thousands(r.Ingest.RPS()), ms(r.Ingest.P50), ms(r.Ingest.P99))
	if r.Baseline.OK > 0 {
		fmt.Fprintf(&b, " — bare net/http %s req/s — ratio %.2f", thousands(r.Baseline.RPS()), r.Ratio())
	}
	return b.String()
}

// Details are the remaining figures, one per line.
func (r IngestReport) Details() string {
	var b strings.Builder
	fmt.Fprintf(&b, "  requests %d ok, %d errors in %s; %d clients; %d-byte payloads; CPU %s/request (load generator included)\n",
		r.Ingest.OK, r.Ingest.Errors, r.Ingest.Elapsed.Round(time.Millisecond), r.Concurrency, r.PayloadBytes, us(r.Ingest.CPUPerRequest()))
	if r.Ingest.FirstErr != "" {
		fmt.Fprintf(&b, "  first error: %s\n", r.Ingest.FirstErr)
	}
	if r.Applier {
		keptUp := "yes"
		if r.Unapplied > int64(r.Concurrency)*4 {
			keptUp = "no"
		}
		fmt.Fprintf(&b, "  rows %d at the end; unapplied %d when the load ended (applied during the load %s/s; kept up: %s)\n",
			r.Rows, r.Unapplied, thousands(float64(r.Applied-r.Drained)/r.Ingest.Elapsed.Seconds()), keptUp)
		if r.DrainTime > 0 {
			total := r.Ingest.Elapsed + r.DrainTime
			fmt.Fprintf(&b, "  after the load the applier applied the backlog of %d in %.1fs (%s/s), %d left; stored and applied end to end: %s/s\n",
				r.Drained, r.DrainTime.Seconds(), thousands(float64(r.Drained)/r.DrainTime.Seconds()), r.Left,
				thousands(float64(r.Ingest.OK-r.Left)/total.Seconds()))
		}
	} else {
		fmt.Fprintf(&b, "  rows %d at the end; applier off (%d unapplied)\n", r.Rows, r.Unapplied)
	}
	if r.LoadAvg != "" {
		fmt.Fprintf(&b, "  machine load average (1/5/15 min) %s\n", r.LoadAvg)
	}
	if r.Baseline.OK > 0 {
		fmt.Fprintf(&b, "  bare net/http: %d ok, %d errors in %s (p50 %s p99 %s); CPU %s/request\n", r.Baseline.OK, r.Baseline.Errors,
			r.Baseline.Elapsed.Round(time.Millisecond), ms(r.Baseline.P50), ms(r.Baseline.P99), us(r.Baseline.CPUPerRequest()))
		if c := r.Ingest.CPUPerRequest() - r.Baseline.CPUPerRequest(); c > 0 {
			fmt.Fprintf(&b, "  ingest costs %s CPU/request over bare net/http; CPU-bound ceiling on %d cores: %s req/s\n",
				us(c), runtime.NumCPU(), thousands(float64(runtime.NumCPU())*float64(time.Second)/float64(r.Ingest.CPUPerRequest())))
		}
	}
	return b.String()
}

// RunIngest prepares the database (prefill), measures the bare baseline,
// then the ingest node, and reports both.
func RunIngest(ctx context.Context, o IngestOptions) (IngestReport, error) {
	o.defaults()
	rep := IngestReport{Engine: o.Engine, PayloadBytes: o.PayloadBytes, Concurrency: o.Concurrency, Applier: !o.NoApplier}
	db, closeDB, err := openDB(ctx, o)
	if err != nil {
		return rep, err
	}
	defer closeDB()
	if err := ensureNumber(ctx, db); err != nil {
		return rep, err
	}
	progress := func(s string) {
		if o.Progress != nil {
			fmt.Fprintln(o.Progress, s)
		}
	}
	if err := prefill(ctx, db, o.Prefill, progress); err != nil {
		return rep, err
	}
	if rep.Prefill, _, err = db.CountWebhookEvents(ctx); err != nil {
		return rep, err
	}

	before := loadAvg()
	if !o.NoBaseline {
		url, stop, err := serve(bare)
		if err != nil {
			return rep, err
		}
		rep.Baseline = measure(ctx, url, o)
		stop()
	}

	n, err := startNode(ctx, db, o, o.Log)
	if err != nil {
		return rep, err
	}
	rep.Ingest = measure(ctx, n.url, o)
	if before != "" {
		rep.LoadAvg = before + " before, " + loadAvg() + " after"
	}
	if !o.NoApplier && o.Drain > 0 {
		// The writer is idle now, so the applier runs flat out: this is
		// the time to apply a burst that was acknowledged first.
		// Progress comes from the applier's own counter (read before the
		// count, which the applier races): counting rows while it works
		// would steal the CPU being measured.
		start, base := time.Now(), n.applied.Load()
		_, unapplied, err := db.CountWebhookEvents(ctx)
		if err != nil {
			return rep, err
		}
		rep.Unapplied = unapplied
		deadline := start.Add(o.Drain)
		for n.applied.Load()-base < unapplied && time.Now().Before(deadline) && ctx.Err() == nil {
			time.Sleep(20 * time.Millisecond)
		}
		rep.DrainTime = time.Since(start)
		if _, left, err := db.CountWebhookEvents(ctx); err == nil {
			rep.Drained, rep.Left = unapplied-left, left
		}
	}
	n.stop() // the applier stops within a transaction, so the counts agree
	rep.Applied = n.applied.Load()
	var unapplied int64
	rep.Rows, unapplied, err = db.CountWebhookEvents(ctx)
	if err != nil {
		return rep, err
	}
	if rep.DrainTime == 0 {
		rep.Unapplied = unapplied
	}
	if rep.Ingest.OK == 0 {
		return rep, fmt.Errorf("no request succeeded: %s", rep.Ingest.FirstErr)
	}
	return rep, ctx.Err()
}

// measure warms the connections up, then runs the measured load.
func measure(ctx context.Context, url string, o IngestOptions) LoadResult {
	l := &load{url: url, concurrency: o.Concurrency, payloads: newPayloads(o.AppSecret, o.PayloadBytes)}
	l.run(ctx, 0, int64(o.Warmup))
	return l.run(ctx, o.Duration, o.Requests)
}

// loadAvg reads the first three fields of /proc/loadavg ("" elsewhere).
func loadAvg() string {
	b, err := os.ReadFile("/proc/loadavg")
	if f := strings.Fields(string(b)); err == nil && len(f) >= 3 {
		return strings.Join(f[:3], " ")
	}
	return ""
}

func us(d time.Duration) string { return fmt.Sprintf("%.0fµs", float64(d)/float64(time.Microsecond)) }

func ms(d time.Duration) string { return fmt.Sprintf("%.1fms", float64(d)/float64(time.Millisecond)) }

// thousands renders 17912.4 as "17,912".
func thousands(f float64) string {
	s := fmt.Sprintf("%.0f", f)
	var b strings.Builder
	for i, c := range s {
		if i > 0 && (len(s)-i)%3 == 0 && s[0] != '-' {
			b.WriteByte(',')
		}
		b.WriteRune(c)
	}
	return b.String()
}

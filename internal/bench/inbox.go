package bench

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"log/slog"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/web"
)

// InboxOptions configure RunInbox. Zero values get the defaults noted.
type InboxOptions struct {
	Engine        string        // sqlite (default) | postgres
	DatabaseURL   string        // PostgreSQL server; a throwaway schema is used
	Conversations int           // default 100,000 (one contact each)
	Messages      int           // default 1,000,000; at least one per conversation
	Streams       int           // concurrent GET /api/v1/events streams, default 1,000
	Samples       int           // measured requests per API operation, default 500
	Events        int           // webhooks (and bare publishes) fanned out, default 200
	OpBudget      time.Duration // an operation stops sampling once its samples add up to this, default 20 s
	Progress      func(string)
	Log           *slog.Logger // the node's log; default discards
}

// OpResult is the latency of one API operation.
type OpResult struct {
	Name          string
	N, Errors     int
	Items         float64 // mean items per answer (conversations, messages, hits); 0 for single objects
	P50, P99, Max time.Duration
	FirstErr      string
}

// FanoutResult is one way of getting events to every stream.
type FanoutResult struct {
	Events, Streams        int
	Deliveries             int // (event, stream) pairs received
	Missing, Duplicates    int // pairs never received; extra copies received
	P50, P99, Max          time.Duration
	AckP50, AckP99, AckMax time.Duration // the sender's own call: the webhook's 200, or Publish returning
	// Per event, the first and the last stream to have it: the first is
	// the pipeline up to the hub, last − first the fan-out's spread.
	FirstP50, FirstP99, LastP50, LastP99 time.Duration
}

// StreamMemory is the memory an open event stream costs, per stream.
// Whole is the process: GoHavi's handler and subscription, and the
// in-process client reading the stream. Client is the same client holding
// streams to a raw listener that keeps only the socket.
type StreamMemory struct {
	Streams           int
	Whole, Client     MemSample
	FDBefore, FDAfter uint64 // soft RLIMIT_NOFILE before and after raising it
	FDHard            uint64
}

// InboxReport is what RunInbox measured.
type InboxReport struct {
	Engine                  string
	Conversations, Messages int
	Longest                 int           // messages in the longest thread
	Seed                    time.Duration // not part of the results
	Baseline                OpResult      // GET /healthz, same client, same run
	Ops                     []OpResult
	Webhook                 FanoutResult // webhook POST → message.created on each stream
	Publish                 FanoutResult // bare Hub.Publish → the same streams
	Memory                  StreamMemory
	LoadAvg                 string // /proc/loadavg around the measurements: other processes skew them
}

const inboxSecret = "gohavi-inbox-bench-secret"

// RunInbox seeds a fresh database, starts a node on it and measures the
// inbox over the real HTTP API, then the event fan-out to open streams.
func RunInbox(ctx context.Context, o InboxOptions) (InboxReport, error) {
	o.Engine = cmp.Or(o.Engine, "sqlite")
	o.Conversations, o.Messages = cmp.Or(o.Conversations, 100_000), cmp.Or(o.Messages, 1_000_000)
	o.Streams, o.Samples, o.Events = cmp.Or(o.Streams, 1000), cmp.Or(o.Samples, 500), cmp.Or(o.Events, 200)
	o.OpBudget = cmp.Or(o.OpBudget, 20*time.Second)
	if o.Messages < o.Conversations {
		return InboxReport{}, fmt.Errorf("--messages (%d) must be at least --conversations (%d): every conversation has a message", o.Messages, o.Conversations)
	}
	if o.Log == nil {
		o.Log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	rep := InboxReport{Engine: o.Engine, Conversations: o.Conversations, Messages: o.Messages}
	db, cleanup, err := openDB(ctx, IngestOptions{Engine: o.Engine, DatabaseURL: o.DatabaseURL})
	if err != nil {
		return rep, err
	}
	defer cleanup()
	start := time.Now()
	corpus, err := seedInbox(ctx, db, o.Conversations, o.Messages, progress)
	if err != nil {
		return rep, fmt.Errorf("seed: %w", err)
	}
	rep.Seed, rep.Longest = time.Since(start), corpus.longest
	progress(fmt.Sprintf("seeded in %s", rep.Seed.Round(time.Millisecond)))

	n, err := startInboxNode(ctx, db, o.Log)
	if err != nil {
		return rep, err
	}
	defer n.stop()
	progress(fmt.Sprintf("measuring the API: %d samples per operation", o.Samples))
	before := loadAvg()
	if rep.Baseline, rep.Ops, err = measureAPI(ctx, n.url, corpus, o.Samples, o.OpBudget); err != nil {
		return rep, err
	}
	progress(fmt.Sprintf("fan-out: %d streams, %d events", o.Streams, o.Events))
	rep.Memory, rep.Webhook, rep.Publish, err = measureFanout(ctx, n, corpus, o.Streams, o.Events, progress)
	if before != "" {
		rep.LoadAvg = before + " before, " + loadAvg() + " after"
	}
	return rep, err
}

// inboxNode is the server under test: the production handler stack with
// the ingest pipeline and the engine's own realtime hub (LISTEN/NOTIFY on
// PostgreSQL, as a multi-node deployment runs).
type inboxNode struct {
	url      string
	hub      realtime.Hub
	writer   *ingest.Writer
	stopHTTP func()
	stopWork context.CancelFunc
	work     sync.WaitGroup
}

func startInboxNode(ctx context.Context, db *store.DB, log *slog.Logger) (*inboxNode, error) {
	n := &inboxNode{}
	if db.Dialect == store.Postgres {
		// NOTIFY channels are database-wide: one of our own, so other
		// schemas' tests and benchmarks cannot reach this hub.
		var b [6]byte
		_, _ = rand.Read(b[:])
		hub, err := realtime.NewPostgres(ctx, realtime.PostgresConfig{ConnString: db.URL, Channel: "gohavi_bench_" + hex.EncodeToString(b[:]), Logger: log})
		if err != nil {
			return nil, err
		}
		n.hub = hub
	} else {
		n.hub = realtime.NewMemory()
	}
	var applier *ingest.Applier
	n.writer, applier = ingest.NewPipeline(db, n.hub, domain.SystemClock{}, log)
	h, err := web.New(web.Deps{DB: db, Hub: n.hub, Writer: n.writer, Metrics: metrics.New(db, log),
		Clock: domain.SystemClock{}, Log: log, AppSecret: inboxSecret, Ready: db.Ping})
	if err == nil {
		n.url, n.stopHTTP, err = serve(h)
	}
	if err != nil {
		n.writer.Close()
		_ = n.hub.Close()
		return nil, err
	}
	workCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	n.stopWork = cancel
	n.work.Go(func() { applier.Run(workCtx) })
	return n, nil
}

func (n *inboxNode) stop() {
	_ = n.hub.Close() // ends the event streams, so the HTTP server can shut down
	n.stopHTTP()
	n.writer.Close()
	n.stopWork()
	n.work.Wait()
}

func (r InboxReport) String() string {
	var b strings.Builder
	fmt.Fprintf(&b, "inbox %s: %s conversations, %s messages (longest thread %s); seeded in %.1fs (not part of the results)\n",
		r.Engine, thousands(float64(r.Conversations)), thousands(float64(r.Messages)), thousands(float64(r.Longest)), r.Seed.Seconds())
	fmt.Fprintf(&b, "  %-50s %5s %9s %9s %9s %8s %8s %6s\n", "operation (one client, sequential, interleaved)", "n", "p50", "p99", "max", "p50/base", "p99/base", "items")
	for _, op := range append([]OpResult{r.Baseline}, r.Ops...) {
		fmt.Fprintf(&b, "  %-50s %5d %9s %9s %9s %8.1f %8.1f %6.1f\n", op.Name, op.N, ms2(op.P50), ms2(op.P99), ms2(op.Max),
			ratio(op.P50, r.Baseline.P50), ratio(op.P99, r.Baseline.P99), op.Items)
		if op.Errors > 0 {
			fmt.Fprintf(&b, "    %d errors, first: %s\n", op.Errors, op.FirstErr)
		}
	}
	w, p := r.Webhook, r.Publish
	hub := "the in-memory hub"
	if r.Engine == "postgres" {
		hub = "the PostgreSQL hub (event table + LISTEN/NOTIFY)"
	}
	fmt.Fprintf(&b, "  SSE fan-out to %s streams through %s, %d events one at a time:\n", thousands(float64(w.Streams)), hub, w.Events)
	fmt.Fprintf(&b, "    webhook POST sent → message.created read on each stream: p50 %s p99 %s max %s (%s deliveries, %d missing, %d duplicated)\n",
		ms2(w.P50), ms2(w.P99), ms2(w.Max), thousands(float64(w.Deliveries)), w.Missing, w.Duplicates)
	fmt.Fprintf(&b, "    per event, first stream: p50 %s p99 %s; last stream: p50 %s p99 %s\n", ms2(w.FirstP50), ms2(w.FirstP99), ms2(w.LastP50), ms2(w.LastP99))
	fmt.Fprintf(&b, "    webhook answered 200: p50 %s p99 %s max %s\n", ms2(w.AckP50), ms2(w.AckP99), ms2(w.AckMax))
	fmt.Fprintf(&b, "    baseline, bare Hub.Publish → the same streams: p50 %s p99 %s max %s (%s deliveries, %d missing, %d duplicated); Publish returned p50 %s\n",
		ms2(p.P50), ms2(p.P99), ms2(p.Max), thousands(float64(p.Deliveries)), p.Missing, p.Duplicates, ms2(p.AckP50))
	fmt.Fprintf(&b, "    per publish, first stream: p50 %s p99 %s; last stream: p50 %s p99 %s\n", ms2(p.FirstP50), ms2(p.FirstP99), ms2(p.LastP50), ms2(p.LastP99))
	fmt.Fprintf(&b, "    webhook/baseline: p50 %.1f, p99 %.1f\n", ratio(w.P50, p.P50), ratio(w.P99, p.P99))
	m := r.Memory
	kb := func(s MemSample) string {
		return fmt.Sprintf("%5.1f KB live Go heap+stacks, %5.1f KB held by Go from the OS, %5.1f KB anonymous RSS", s.Live/1024, s.Mapped/1024, s.RSS/1024)
	}
	fmt.Fprintf(&b, "  memory per stream, %s streams open (differences before/after opening, after a GC, divided by the streams):\n", thousands(float64(m.Streams)))
	fmt.Fprintf(&b, "    whole process (server and the in-process client) %s\n", kb(m.Whole))
	fmt.Fprintf(&b, "    the client alone (same client, raw listener)     %s\n", kb(m.Client))
	fmt.Fprintf(&b, "    so the server side, per stream                   %s\n",
		kb(MemSample{Live: m.Whole.Live - m.Client.Live, Mapped: m.Whole.Mapped - m.Client.Mapped, RSS: m.Whole.RSS - m.Client.RSS}))
	if r.Engine == "sqlite" {
		b.WriteString("    (on SQLite the resident set also holds the embedded engine's own C heap, its page caches, about 100 MB,\n" +
			"    which changes on its own while the streams open: its difference is not the streams' cost; the Go figures are)\n")
	}
	fmt.Fprintf(&b, "  open files limit: %d before, %d after raising (hard %d); each stream holds two descriptors here (client and server)\n",
		m.FDBefore, m.FDAfter, m.FDHard)
	if r.LoadAvg != "" {
		fmt.Fprintf(&b, "  machine load average (1/5/15 min) %s; %d CPUs\n", r.LoadAvg, runtime.NumCPU())
	}
	return b.String()
}

func ms2(d time.Duration) string { return fmt.Sprintf("%.2fms", float64(d)/float64(time.Millisecond)) }

func ratio(a, b time.Duration) float64 {
	if b <= 0 {
		return 0
	}
	return float64(a) / float64(b)
}

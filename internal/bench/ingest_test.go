package bench

import (
	"context"
	"os"
	"strconv"
	"testing"
	"time"
)

// BenchmarkIngest posts b.N signed webhooks to the real handler stack on
// SQLite (BENCH_ENGINE=postgres for PostgreSQL at TEST_POSTGRES_URL) and
// reports req/s. BENCH_PREFILL=N starts from N stored rows; BENCH_APPLIER=0
// measures the writer alone. For profiles:
//
//	go test -run '^$' -bench Ingest -benchtime 100000x -cpuprofile cpu.out ./internal/bench
func BenchmarkIngest(b *testing.B) {
	o := IngestOptions{
		Engine:      envOr("BENCH_ENGINE", "sqlite"),
		DatabaseURL: envOr("TEST_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"),
		Requests:    int64(b.N),
		NoBaseline:  true,
		NoApplier:   os.Getenv("BENCH_APPLIER") == "0",
	}
	o.Prefill, _ = strconv.ParseInt(os.Getenv("BENCH_PREFILL"), 10, 64)
	if c, err := strconv.Atoi(os.Getenv("BENCH_CONCURRENCY")); err == nil {
		o.Concurrency = c
	}
	rep, err := RunIngest(context.Background(), o)
	if err != nil {
		b.Fatal(err)
	}
	if rep.Ingest.Errors > 0 {
		b.Fatalf("%d errors, first: %s", rep.Ingest.Errors, rep.Ingest.FirstErr)
	}
	b.ReportMetric(rep.Ingest.RPS(), "req/s")
	b.ReportMetric(float64(rep.Ingest.P99)/float64(time.Millisecond), "p99-ms")
	b.ReportMetric(float64(rep.Unapplied), "unapplied")
	b.ReportMetric(0, "ns/op") // wall time per op would count setup and prefill
}

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

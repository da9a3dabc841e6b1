package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// The inbox benchmark at a tiny scale on each engine: every operation
// answered every sample, lists and searches found something, and every
// stream received every event exactly once. Timings are not checked.
func TestRunInboxSmoke(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, engine store.Dialect) {
		o := InboxOptions{Engine: string(engine), Conversations: 200, Messages: 2000, Streams: 20, Samples: 10, Events: 8}
		if engine == store.Postgres {
			storetest.RequirePostgres(t)
			o.DatabaseURL = storetest.PostgresURL()
		}
		rep, err := RunInbox(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if b := rep.Baseline; b.N != o.Samples || b.Errors != 0 || b.P50 <= 0 {
			t.Fatalf("baseline: %+v", b)
		}
		if len(rep.Ops) < 15 {
			t.Fatalf("%d operations measured", len(rep.Ops))
		}
		for _, op := range rep.Ops {
			if op.N != o.Samples || op.Errors != 0 || op.P50 <= 0 || op.Max < op.P99 || op.P99 < op.P50 {
				t.Errorf("%s: n %d errors %d (%s) p50 %v p99 %v max %v", op.Name, op.N, op.Errors, op.FirstErr, op.P50, op.P99, op.Max)
			}
			// A list, a thread or a search that finds nothing measured
			// nothing (the rare label may have no conversation at 200).
			found := strings.HasPrefix(op.Name, "list: view=") || strings.HasPrefix(op.Name, "thread:") || strings.HasPrefix(op.Name, "search:")
			if found && op.Items <= 0 {
				t.Errorf("%s: found nothing", op.Name)
			}
		}
		for name, f := range map[string]FanoutResult{"webhook": rep.Webhook, "publish": rep.Publish} {
			if f.Streams != o.Streams || f.Events != o.Events || f.Deliveries != o.Streams*o.Events || f.Missing != 0 || f.Duplicates != 0 {
				t.Errorf("%s fan-out: %+v", name, f)
			}
			if f.P50 <= 0 || f.AckP50 <= 0 {
				t.Errorf("%s fan-out: no latency: %+v", name, f)
			}
		}
		if m := rep.Memory; m.Streams != o.Streams || m.Whole.Live <= 0 {
			t.Errorf("memory: %+v", m)
		}
		out := rep.String()
		for _, want := range []string{"inbox " + string(engine) + ": 200 conversations, 2,000 messages", "GET /healthz (baseline)",
			"webhook/baseline", "memory per stream", "open files limit"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
	})
}

// Contacts' numbers are distinct, the text of a message depends only on
// its index, and the rare word is in the corpus however small it is.
func TestInboxCorpus(t *testing.T) {
	seen := make(map[string]bool, 100_000)
	for i := range 100_000 {
		wa := waID(i)
		if len(wa) != 11 || seen[wa] {
			t.Fatalf("waID(%d) = %q: repeated or not 11 digits", i, wa)
		}
		seen[wa] = true
	}
	tt := newTexts(100)
	rare := 0
	for j := range 100 {
		if tt.text(j) != tt.text(j) {
			t.Fatalf("text(%d) differs between calls", j)
		}
		if strings.Contains(tt.text(j), tt.rare) {
			rare++
		}
	}
	if rare < 8 {
		t.Fatalf("the rare word %q is in %d of 100 messages, want at least 8", tt.rare, rare)
	}
}

package bench

import (
	"context"
	"strings"
	"testing"

	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// The load is what Meta sends: a signed "messages" webhook with one inbound
// text, near the requested size, with a new wamid every time.
func TestPayloads(t *testing.T) {
	p := newPayloads("s3cret", 750)
	seen := map[string]bool{}
	for range 50 {
		body, sig := p.next()
		if !whatsapp.VerifySignature("s3cret", body, sig) {
			t.Fatal("signature does not verify")
		}
		if n := len(body); n < 740 || n > 760 {
			t.Fatalf("body is %d bytes, want about 750", n)
		}
		pl, err := whatsapp.Parse(body)
		if err != nil || pl.Object != "whatsapp_business_account" || len(pl.Entry) != 1 || len(pl.Entry[0].Changes) != 1 {
			t.Fatalf("not a webhook: %v %s", err, body)
		}
		v, err := pl.Entry[0].Changes[0].DecodeMessages()
		if err != nil || len(v.Messages) != 1 || v.Metadata.PhoneNumberID != benchPhoneID || v.Messages[0].Type != "text" {
			t.Fatalf("messages value: %+v, %v", v, err)
		}
		if id := v.Messages[0].ID; seen[id] {
			t.Fatalf("wamid %s repeated", id)
		} else {
			seen[id] = true
		}
	}
}

// A short run against each engine: every request stored once, prefilled
// rows counted, the applier applying, and a readable report.
func TestRunIngestSmoke(t *testing.T) {
	storetest.Engines(t, func(t *testing.T, engine store.Dialect) {
		o := IngestOptions{Engine: string(engine), Requests: 300, Concurrency: 8, Prefill: 1500, Warmup: 20}
		if engine == store.Postgres {
			storetest.RequirePostgres(t)
			o.DatabaseURL = storetest.PostgresURL()
		}
		rep, err := RunIngest(context.Background(), o)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Ingest.OK != 300 || rep.Ingest.Errors != 0 || rep.Baseline.OK != 300 {
			t.Fatalf("ok %d errors %d (%s), baseline %d", rep.Ingest.OK, rep.Ingest.Errors, rep.Ingest.FirstErr, rep.Baseline.OK)
		}
		if rep.Prefill != 1500 || rep.Rows != 1500+20+300 {
			t.Fatalf("prefill %d rows %d", rep.Prefill, rep.Rows)
		}
		if rep.Applied+rep.Unapplied != 320 {
			t.Fatalf("applied %d + unapplied %d, want the 320 new events", rep.Applied, rep.Unapplied)
		}
		line := rep.String()
		if !strings.HasPrefix(line, "ingest "+string(engine)+" prefill=1,500: ") || !strings.Contains(line, "bare net/http") || !strings.Contains(line, "ratio") {
			t.Fatalf("summary: %s", line)
		}
		if !strings.Contains(rep.Details(), "unapplied") {
			t.Fatalf("details: %s", rep.Details())
		}
	})
}

func TestThousands(t *testing.T) {
	for in, want := range map[float64]string{0: "0", 999: "999", 1000: "1,000", 17912.4: "17,912", 2000000: "2,000,000"} {
		if got := thousands(in); got != want {
			t.Errorf("thousands(%v) = %q, want %q", in, got, want)
		}
	}
}

package ingest_test

import (
	"context"
	"crypto/sha256"
	"fmt"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/store/storetest"
)

// BenchmarkApply measures the applier alone: b.N stored inbound webhooks
// from 1,000 customers, applied as fast as it can (events/s).
func BenchmarkApply(b *testing.B) {
	for _, engine := range []store.Dialect{store.SQLite, store.Postgres} {
		b.Run(string(engine), func(b *testing.B) {
			clock := domain.NewFakeClock(storetest.T0)
			db := storetest.Open(b, engine, clock)
			t := &testing.T{}
			e := setup(t, db, clock)
			ctx := context.Background()
			var evs []*store.WebhookEvent
			for i := range b.N {
				body := inboundText(fmt.Sprintf("wamid.b%d", i), fmt.Sprintf("4477009%05d", i%1000), "Customer", "Hello, is this in stock?", clock.Now().Unix())
				evs = append(evs, &store.WebhookEvent{Hash: hashOf(body), Body: []byte(body)})
			}
			if err := db.InsertWebhookEvents(ctx, evs); err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			start := time.Now()
			for done := 0; done < b.N; {
				n, err := e.a.ApplyPending(ctx)
				if err != nil {
					b.Fatal(err)
				}
				done += n
			}
			b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "events/s")
		})
	}
}

func hashOf(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

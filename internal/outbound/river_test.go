package outbound_test

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

// With River's workers running, Submit alone gets the message to Meta: the
// job committed with the message is picked up and sent, and the sent
// status comes back through the status webhook path.
func TestRiverWorkersSendSubmittedMessage(t *testing.T) {
	storetest.Each(t, func(t *testing.T, db *store.DB, clock *domain.FakeClock) {
		e := newEnv(t, db, clock, envOpts{})
		workers := river.NewWorkers()
		e.svc.Workers(workers)
		j, err := jobs.New(db, jobs.Config{Workers: workers, Logger: quiet})
		if err != nil {
			t.Fatal(err)
		}
		e.svc.Jobs = j
		ctx, cancel := context.WithCancel(context.Background())
		if err := j.Start(ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			stopCtx, stop := context.WithTimeout(context.Background(), waitLimit)
			defer stop()
			_ = j.Stop(stopCtx)
			cancel()
		})

		e.inbound(t, customer, "hi")
		sub := e.hub.Subscribe(e.ws.ID)
		defer sub.Close()
		m := e.submitText(t, "sent by a worker")
		deadline := time.After(waitLimit)
		for e.message(t, m.ID).Status != domain.StatusSent {
			select {
			case <-sub.C: // message.created, conversation.updated, then message.updated
			case <-deadline:
				t.Fatalf("message still %s after %s", e.message(t, m.ID).Status, waitLimit)
			}
		}
		sent := e.sent()
		if len(sent) != 1 || sent[0].ID != e.message(t, m.ID).WAMID {
			t.Fatalf("simulator sends: %+v", sent)
		}
		if n := e.count(t, `SELECT COUNT(*) FROM river_job WHERE kind = 'send_message'`); n != 1 {
			t.Fatalf("%d send jobs", n)
		}
	})
}

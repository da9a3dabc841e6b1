package bench

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime"
	"runtime/pprof"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// BroadcastOptions configure RunBroadcast.
type BroadcastOptions struct {
	Engine      string // sqlite | postgres
	DatabaseURL string
	Recipients  int    // default 100,000
	Baseline    int    // requests of the raw simulator run (default 50,000)
	Workers     int    // concurrent Graph calls of the sender (default 64)
	Batch       int    // recipients per claim (default 500)
	HeapProfile string // if set, a heap profile is written here when the last status is applied
	Progress    func(string)
}

// BroadcastReport is what one run measured.
type BroadcastReport struct {
	Engine            string
	Recipients        int
	Setup             time.Duration // importing contacts
	Sent              time.Duration // launch → every recipient accepted by Meta and recorded
	Delivered         time.Duration // launch → every "delivered" status webhook applied
	RawSimRPS         float64       // the simulator alone accepting sends, same client, same concurrency
	PeakHeapMB        float64
	PeakRSSMB         float64 // the whole process: GoHavi, the simulator and the load
	Repeated, Missing int     // recipients the simulator saw more than once, or never
}

// SentRate is messages per second from launch to the last accepted send.
func (r BroadcastReport) SentRate() float64 { return float64(r.Recipients) / r.Sent.Seconds() }

// DeliveredRate counts to the last delivered status applied.
func (r BroadcastReport) DeliveredRate() float64 {
	return float64(r.Recipients) / r.Delivered.Seconds()
}

func (r BroadcastReport) String() string {
	return fmt.Sprintf("broadcast %s: %d recipients sent in %.1fs = %s msg/s (delivered statuses applied: %s msg/s); "+
		"raw simulator %s req/s, ratio %.2f; peak heap %.0f MB, peak RSS %.0f MB; repeated %d, missing %d; setup %.1fs",
		r.Engine, r.Recipients, r.Sent.Seconds(), thousands(r.SentRate()), thousands(r.DeliveredRate()),
		thousands(r.RawSimRPS), r.SentRate()/r.RawSimRPS, r.PeakHeapMB, r.PeakRSSMB, r.Repeated, r.Missing, r.Setup.Seconds())
}

const (
	bcSecret = "bench-broadcast-secret"
	bcToken  = "EAAG-bench-broadcast"
	bcPhone  = "109000000000001"
	bcWABA   = "109000000000009"
)

// RunBroadcast measures a whole broadcast: policy, persistence, Graph calls
// to the in-process simulator (its throughput limit raised out of the way)
// and the status webhooks back through the real handler stack, writer and
// applier. The baseline is the simulator alone accepting the same sends.
func RunBroadcast(ctx context.Context, o BroadcastOptions) (BroadcastReport, error) {
	o.Recipients, o.Baseline = cmp.Or(o.Recipients, 100_000), cmp.Or(o.Baseline, 50_000)
	o.Workers, o.Batch = cmp.Or(o.Workers, 64), cmp.Or(o.Batch, 500)
	progress := o.Progress
	if progress == nil {
		progress = func(string) {}
	}
	rep := BroadcastReport{Engine: o.Engine, Recipients: o.Recipients}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	db, cleanup, err := openDB(ctx, IngestOptions{Engine: o.Engine, DatabaseURL: o.DatabaseURL})
	if err != nil {
		return rep, err
	}
	defer cleanup()
	node, err := startNode(ctx, db, IngestOptions{AppSecret: bcSecret}, log)
	if err != nil {
		return rep, err
	}
	defer node.stop()
	sim := meta.New(meta.Config{AppSecret: bcSecret, Throughput: 10_000_000, Logger: log})
	defer sim.Close()
	simURL, stopSim, err := serve(sim.Handler())
	if err != nil {
		return rep, err
	}
	defer stopSim()
	sim.AddNumber(meta.NumberSpec{WABAID: bcWABA, PhoneNumberID: bcPhone, DisplayPhoneNumber: "15550009999", AccessToken: bcToken})
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxIdleConns = 256, 256
	graph := whatsapp.NewClient(simURL, "v24.0", &http.Client{Timeout: 30 * time.Second, Transport: tr})

	// Baseline: the simulator accepting template sends as fast as the
	// same client and concurrency can make them; its webhooks go nowhere.
	discard, stopDiscard, _ := serve(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.Copy(io.Discard, r.Body) }))
	sim.SetWebhookURL(discard)
	sim.AddTemplate(bcWABA, meta.TemplateSpec{Name: "bench_sale", Language: "en", Category: "UTILITY", Body: "Hi {{1}}, the sale is on."})
	progress("baseline: the simulator alone")
	rep.RawSimRPS = rawSends(ctx, graph, o.Baseline, o.Workers)
	stopDiscard()
	sim.SetWebhookURL(node.url)

	box, _ := secret.NewBox(bytes.Repeat([]byte{3}, secret.KeySize))
	ws, num, err := benchWorkspace(ctx, db, box)
	if err != nil {
		return rep, err
	}
	start := time.Now()
	progress(fmt.Sprintf("importing %d contacts", o.Recipients))
	if err := importBench(ctx, db, ws.ID, o.Recipients); err != nil {
		return rep, err
	}
	rep.Setup = time.Since(start)
	svc := &broadcast.Service{DB: db, Graph: graph, Box: box, Clock: domain.SystemClock{}, Log: log, MaxMPS: 10_000_000,
		Workers: o.Workers, Batch: o.Batch, Interval: 50 * time.Millisecond}
	b, err := svc.Create(ctx, ws.ID, 0, broadcast.Input{Name: "bench", NumberID: num.ID, Audience: domain.Audience{Tags: []string{"bench"}},
		Template: broadcast.TemplateInput{Name: "bench_sale", Language: "en", Parameters: []string{"{{first_name|there}}"}}})
	if err != nil {
		return rep, err
	}
	runCtx, stop := context.WithCancel(ctx)
	defer stop()
	var peak peakMem
	go peak.watch(runCtx)
	go svc.Run(runCtx)
	progress("sending")
	start = time.Now()
	if _, err := svc.Launch(ctx, ws.ID, b.ID); err != nil {
		return rep, err
	}
	tick := 0
	for rep.Delivered == 0 {
		select {
		case <-ctx.Done():
			return rep, ctx.Err()
		case <-time.After(time.Second):
		}
		c, err := db.BroadcastCounts(ctx, b.ID)
		if err != nil {
			return rep, err
		}
		if rep.Sent == 0 && c.Sent+c.Failed >= o.Recipients {
			rep.Sent = time.Since(start)
			progress(fmt.Sprintf("all sent in %s; waiting for delivered statuses", rep.Sent))
		}
		if c.Delivered >= o.Recipients {
			rep.Delivered = time.Since(start)
		}
		st, _ := db.BroadcastByIDAny(ctx, b.ID)
		if st.Status == domain.BroadcastPaused || st.Status == domain.BroadcastCanceled {
			return rep, fmt.Errorf("the broadcast stopped: %s", st.StatusReason)
		}
		if tick++; tick%5 == 0 {
			progress(fmt.Sprintf("%s: %s sent %d delivered %d failed %d pending %d %s", time.Since(start).Round(time.Second), st.Status, c.Sent, c.Delivered, c.Failed, c.Pending, st.StatusReason))
		}
		if time.Since(start) > 30*time.Minute {
			return rep, fmt.Errorf("broadcast did not finish: %+v", c)
		}
	}
	if o.HeapProfile != "" {
		if err := writeHeapProfile(o.HeapProfile); err != nil {
			return rep, err
		}
	}
	stop()
	rep.PeakHeapMB, rep.PeakRSSMB = peak.heapMB(), maxRSSMB()
	counts := sim.SentCounts(bcPhone)
	for i := range o.Recipients {
		switch counts[benchWaID(i)] {
		case 1:
		case 0:
			rep.Missing++
		default:
			rep.Repeated++
		}
	}
	return rep, nil
}

func benchWaID(i int) string { return fmt.Sprintf("4479%08d", i) }

func benchWorkspace(ctx context.Context, db *store.DB, box *secret.Box) (domain.Workspace, domain.Number, error) {
	ws, err := db.CreateWorkspace(ctx, "bench-broadcast", "Broadcast benchmark")
	if err != nil {
		return ws, domain.Number{}, err
	}
	sealed, err := box.Seal([]byte(bcToken), []byte(bcPhone))
	if err != nil {
		return ws, domain.Number{}, err
	}
	num, err := db.CreateNumber(ctx, domain.Number{WorkspaceID: ws.ID, WABAID: bcWABA, PhoneNumberID: bcPhone, DisplayPhoneNumber: "15550009999", AccessTokenEnc: sealed})
	if err != nil {
		return ws, num, err
	}
	comps := `[{"type":"BODY","text":"Hi {{1}}, the sale is on.","example":{"body_text":[["Ada"]]}}]`
	_, err = db.UpsertTemplate(ctx, domain.Template{WorkspaceID: ws.ID, WABAID: bcWABA, Name: "bench_sale", Language: "en", Category: "UTILITY",
		Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"})
	return ws, num, err
}

// importBench imports opted-in contacts through the product's import path,
// in chunks.
func importBench(ctx context.Context, db *store.DB, workspaceID int64, n int) error {
	const chunk = 10_000
	for lo := 0; lo < n; lo += chunk {
		rows := make([]store.ContactImport, 0, chunk)
		for i := lo; i < min(n, lo+chunk); i++ {
			wa := benchWaID(i)
			rows = append(rows, store.ContactImport{WaID: wa, Phone: "+" + wa, Name: fmt.Sprintf("Customer %d", i), Tags: []string{"bench"},
				OptInFrom: "bench", Evidence: wa})
		}
		if _, _, err := db.ImportContacts(ctx, workspaceID, rows, "bench"); err != nil {
			return err
		}
	}
	return nil
}

// rawSends is the baseline: n template sends to the simulator from workers
// goroutines, in requests per second.
func rawSends(ctx context.Context, graph *whatsapp.Client, n, workers int) float64 {
	var next atomic.Int64
	var wg sync.WaitGroup
	body := []byte(`{"name":"bench_sale","language":{"code":"en"},"components":[{"type":"body","parameters":[{"type":"text","text":"Ada"}]}]}`)
	start := time.Now()
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := next.Add(1); i <= int64(n) && ctx.Err() == nil; i = next.Add(1) {
				msg := whatsapp.OutgoingMessage{To: "+4478" + fmt.Sprintf("%08d", i), Type: "template", Body: body, BizOpaqueCallbackData: "raw"}
				_, _ = graph.Send(ctx, bcToken, bcPhone, msg)
			}
		}()
	}
	wg.Wait()
	return float64(n) / time.Since(start).Seconds()
}

// peakMem samples the Go heap while the run lasts.
type peakMem struct{ peak atomic.Uint64 }

func (p *peakMem) watch(ctx context.Context) {
	var ms runtime.MemStats
	for ctx.Err() == nil {
		runtime.ReadMemStats(&ms)
		if ms.HeapInuse > p.peak.Load() {
			p.peak.Store(ms.HeapInuse)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	runtime.GC()
	if err := pprof.WriteHeapProfile(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func (p *peakMem) heapMB() float64 { return float64(p.peak.Load()) / (1 << 20) }

package e2e

import (
	"bytes"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/whatsapp"
)

// TestCrashLosesNothing SIGKILLs a production node on SQLite while signed
// webhooks pour in. Every delivery answered 200 must survive the crash,
// none may be stored twice (also when Meta retries all of them), the
// killed node's data-dir lock must not block the restart, and a second
// node on the same data dir must be refused.
func TestCrashLosesNothing(t *testing.T) {
	t.Parallel()
	secret := randomSecret(t)
	sim := startSim(t, secret)
	dataDir := t.TempDir()
	env := append(productionEnv(sim, secret), "GOHAVI_DATA_DIR="+dataDir)
	srv := startServer(t, "serve", env...)
	a := api{base: srv.URL, key: createAPIKey(t, env)}
	a.do(t, "POST", "/api/v1/whatsapp/numbers", map[string]string{"waba_id": sim.Number.WABAID,
		"phone_number_id": sim.Number.PhoneNumberID, "access_token": sim.Number.AccessToken}, http.StatusCreated, nil)

	const total, customers, killAfter = 200, 10, 50
	bodies, wamids := make([][]byte, total), make([]string, total)
	for i := range total {
		wamids[i] = fmt.Sprintf("wamid.crash-%03d", i)
		bodies[i] = inboundBody(sim.Number, fmt.Sprintf("4477009010%02d", i%customers), wamids[i], fmt.Sprintf("message %d", i))
	}
	acked := deliver(srv.URL, secret, bodies, killAfter, func() { srv.kill() })
	n := 0
	for _, ok := range acked {
		if ok {
			n++
		}
	}
	t.Logf("%d of %d deliveries acknowledged before the kill", n, total)
	if n < killAfter || n == total {
		t.Fatalf("%d deliveries acknowledged: the kill did not land in the middle of the stream", n)
	}

	// The lock of the killed process is gone with it.
	srv = startServer(t, "serve (restarted)", env...)
	a.base = srv.URL
	var want []string
	for i, ok := range acked {
		if ok {
			want = append(want, wamids[i])
		}
	}
	checkStored(t, a, want)

	t.Run("second server refused", func(t *testing.T) {
		second := launchServer(t, "second serve", env...)
		if code := second.waitExit(t, startTimeout); code == 0 {
			t.Fatalf("a second server on %s exited 0", dataDir)
		}
		stderr := second.stderr.String()
		t.Logf("refused with: %s", strings.TrimSpace(stderr))
		if !strings.Contains(stderr, dataDir) || strings.Count(strings.TrimSpace(stderr), "\n") != 0 {
			t.Errorf("the refusal is not one line naming the data dir %s: %q", dataDir, stderr)
		}
		if code, _ := call(t, "GET", srv.URL+"/healthz", "", nil); code != http.StatusOK {
			t.Errorf("the running server is hurt by the refused one: /healthz %d", code)
		}
	})

	t.Run("Meta retries everything", func(t *testing.T) {
		if retried := deliver(srv.URL, secret, bodies, 0, nil); !allTrue(retried) {
			t.Fatalf("retries not all acknowledged: %v", retried)
		}
		checkStored(t, a, wamids)
	})
}

// deliver posts the signed bodies from 8 concurrent senders and reports
// which got a 200. After killAfter acknowledgements (0: never) it calls
// kill once and keeps going: later deliveries fail like Meta's would.
func deliver(base, secret string, bodies [][]byte, killAfter int32, kill func()) []bool {
	client := &http.Client{Timeout: 20 * time.Second}
	acked := make([]bool, len(bodies))
	var count atomic.Int32
	var once sync.Once
	next := make(chan int)
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for i := range next {
				req, _ := http.NewRequest("POST", base+"/webhooks/whatsapp", bytes.NewReader(bodies[i]))
				req.Header.Set("Content-Type", "application/json")
				req.Header.Set(whatsapp.SignatureHeader, whatsapp.Sign(secret, bodies[i]))
				resp, err := client.Do(req)
				if err != nil {
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				acked[i] = resp.StatusCode == http.StatusOK
				if acked[i] && count.Add(1) == killAfter {
					once.Do(kill)
				}
			}
		})
	}
	for i := range bodies {
		next <- i
	}
	close(next)
	wg.Wait()
	return acked
}

// checkStored waits until every wamid in want is an inbound message and
// then checks that no message is stored twice.
func checkStored(t *testing.T, a api, want []string) {
	t.Helper()
	var counts map[string]int
	ok := eventually(waitTimeout, func() bool {
		counts = map[string]int{}
		for _, c := range a.conversations(t) {
			for _, m := range a.messages(t, c.ID) {
				counts[m.WAMID]++
			}
		}
		for _, w := range want {
			if counts[w] == 0 {
				return false
			}
		}
		return true
	})
	if !ok {
		var lost []string
		for _, w := range want {
			if counts[w] == 0 {
				lost = append(lost, w)
			}
		}
		t.Fatalf("%d acknowledged deliveries lost: %v", len(lost), lost)
	}
	for w, n := range counts {
		if n > 1 {
			t.Errorf("%s stored %d times", w, n)
		}
	}
}

func allTrue(bs []bool) bool {
	for _, b := range bs {
		if !b {
			return false
		}
	}
	return true
}

package web_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/web"
)

// scrape returns every sample of /metrics by its full series name, e.g.
// `gohavi_messages{status="sent"}`.
func (n *node) scrape(t testing.TB) map[string]float64 {
	t.Helper()
	r := n.call(t, http.MethodGet, "/metrics", nil)
	if r.Status != http.StatusOK {
		t.Fatalf("/metrics: %d", r.Status)
	}
	out := map[string]float64{}
	sc := bufio.NewScanner(bytes.NewReader(r.Body))
	for sc.Scan() {
		line := sc.Text()
		if line == "" || line[0] == '#' {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		v, err := strconv.ParseFloat(line[i+1:], 64)
		if err != nil {
			t.Fatalf("bad metrics line %q", line)
		}
		out[line[:i]] = v
	}
	return out
}

func family(samples map[string]float64, name string) map[string]float64 {
	out := map[string]float64{}
	for k, v := range samples {
		if strings.HasPrefix(k, name+"{") || k == name {
			out[k] = v
		}
	}
	return out
}

func TestOps(t *testing.T) {
	parallelEngines(t, func(t *testing.T, n *node) {
		for _, p := range []string{"/healthz", "/readyz"} {
			r := n.call(t, http.MethodGet, p, nil)
			if r.Status != http.StatusOK || string(r.Body) != "ok\n" {
				t.Fatalf("%s: %d %q", p, r.Status, r.Body)
			}
			if r.Header.Get("X-Frame-Options") != "DENY" || r.Header.Get("X-Content-Type-Options") != "nosniff" {
				t.Errorf("%s lacks the security headers: %v", p, r.Header)
			}
		}
		m := n.scrape(t)
		for _, q := range []string{"transactional", "maintenance"} {
			if v, ok := m[`gohavi_job_queue_depth{queue="`+q+`"}`]; !ok || v < 0 {
				t.Errorf("queue depth for %s missing or negative: %v", q, family(m, "gohavi_job_queue_depth"))
			}
		}
		if f := family(m, "gohavi_messages"); len(f) != 0 {
			t.Errorf("messages before any were sent: %v", f)
		}

		// Traffic: a customer message (through the simulator), a reply, a
		// forged webhook and a retried one.
		key := bearer(n.apiKey(t, "default"))
		if _, err := n.Sim.Inject(context.Background(), meta.Inbound{PhoneNumberID: sandboxPhone, From: "447700900601", Text: "metrics"}); err != nil {
			t.Fatal(err)
		}
		n.conversationWith(t, key, "447700900601")
		out := n.sendText(t, key, "+447700900601", "counted")
		n.waitStatus(t, key, out.ID, "delivered")
		n.postWebhook(t, "forged", []byte(`{}`)).wantError(t, http.StatusUnauthorized, domain.CodeBadSignature)
		for range 2 {
			n.postWebhook(t, appSecret, []byte(`{"object":"page","entry":[]}`)).want(t, http.StatusOK, nil)
		}

		m = n.scrape(t)
		got := family(m, "gohavi_webhooks_received_total")
		// Stored: at least the customer's message and ours.
		if got[`gohavi_webhooks_received_total{result="stored"}`] < 2 ||
			got[`gohavi_webhooks_received_total{result="duplicate"}`] != 1 ||
			got[`gohavi_webhooks_received_total{result="bad_signature"}`] != 1 {
			t.Errorf("webhooks received: %v", got)
		}
		msgs := family(m, "gohavi_messages")
		if msgs[`gohavi_messages{status="delivered"}`] != 1 || len(msgs) != 1 {
			t.Errorf("gohavi_messages = %v, want one delivered", msgs)
		}
		eventually(t, 10*time.Second, "the transactional queue drains", func() bool {
			return n.scrape(t)[`gohavi_job_queue_depth{queue="transactional"}`] == 0
		})
	})
}

// TestHandlerFailures: not-ready is a 503 and a panicking handler a 500,
// both in the error shape; unknown API paths are a JSON 404.
func TestHandlerFailures(t *testing.T) {
	h, err := web.New(web.Deps{
		Log:   slog.New(slog.NewTextHandler(io.Discard, nil)),
		Ready: func(context.Context) error { return errors.New("database unreachable") },
	})
	if err != nil {
		t.Fatal(err)
	}
	do := func(method, path string, hdr ...string) *httptest.ResponseRecorder {
		req := httptest.NewRequest(method, path, nil)
		for i := 0; i+1 < len(hdr); i += 2 {
			req.Header.Set(hdr[i], hdr[i+1])
		}
		w := httptest.NewRecorder()
		h.ServeHTTP(w, req)
		return w
	}
	for _, c := range []struct {
		name, method, path string
		hdr                []string
		status             int
		code               string
	}{
		{"not ready", "GET", "/readyz", nil, http.StatusServiceUnavailable, `"code":"unavailable"`},
		{"panic", "GET", "/api/v1/me", []string{"Authorization", "Bearer ghk_x"}, http.StatusInternalServerError, `"code":"internal"`},
		{"unknown endpoint", "GET", "/api/v1/nope", nil, http.StatusNotFound, `"code":"not_found"`},
		{"no metrics", "GET", "/metrics", nil, http.StatusNotFound, ""},
	} {
		w := do(c.method, c.path, c.hdr...)
		if w.Code != c.status || !strings.Contains(w.Body.String(), c.code) {
			t.Errorf("%s: %d %s", c.name, w.Code, w.Body)
		}
	}
	if w := do("GET", "/healthz"); w.Code != http.StatusOK {
		t.Errorf("healthz while not ready: %d", w.Code)
	}
}

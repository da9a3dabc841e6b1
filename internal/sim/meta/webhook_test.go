package meta

import (
	"bytes"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestEscapeNonASCII(t *testing.T) {
	b, err := marshalASCII(map[string]string{"a": "café 👍 äöå <&> \u2028 \x01"})
	if err != nil {
		t.Fatal(err)
	}
	want := `{"a":"caf\u00e9 \ud83d\udc4d \u00e4\u00f6\u00e5 <&> \u2028 \u0001"}`
	if string(b) != want {
		t.Fatalf("got  %s\nwant %s", b, want)
	}
	var back map[string]string
	if err := json.Unmarshal(b, &back); err != nil || back["a"] != "café 👍 äöå <&> \u2028 \x01" {
		t.Errorf("round trip %q %v", back["a"], err)
	}
}

func TestWebhookBodyEscapedAndSigned(t *testing.T) {
	e := newEnv(t, Config{})
	e.inject(t, Inbound{From: customer, Name: "Zoë", Text: "café 👍"})
	waitFor(t, "webhook", func() bool { return len(e.rc.acked()) == 1 })
	p := e.rc.acked()[0] // the receiver already verified the signature over these bytes
	for _, c := range p.raw {
		if c >= 0x80 {
			t.Fatalf("raw body has non-ASCII bytes: %s", p.raw)
		}
	}
	if !bytes.Contains(p.raw, []byte(`"body":"caf\u00e9 \ud83d\udc4d"`)) || !bytes.Contains(p.raw, []byte(`"name":"Zo\u00eb"`)) {
		t.Errorf("escapes missing: %s", p.raw)
	}
	if got := e.rc.list("messages")[0]["text"].(map[string]any)["body"]; got != "café 👍" {
		t.Errorf("decoded body %q", got)
	}
	// Re-serializing the parsed body (the classic receiver bug) yields other bytes.
	reencoded, _ := json.Marshal(p.body)
	if bytes.Equal(reencoded, p.raw) {
		t.Error("a re-serialized body should differ from the signed bytes")
	}
}

func TestWebhookRetriesUntilAcknowledged(t *testing.T) {
	e := newEnv(t, Config{})
	e.rc.status = func(n int) int {
		if n < 2 {
			return http.StatusInternalServerError
		}
		return http.StatusOK
	}
	first := e.inject(t, Inbound{From: customer, Text: "first"})
	second := e.inject(t, Inbound{From: customer, Text: "second"})
	waitFor(t, "both delivered", func() bool { return len(e.rc.list("messages")) == 2 })
	msgs := e.rc.list("messages")
	if msgs[0]["id"] != first || msgs[1]["id"] != second {
		t.Errorf("order lost across retries: %v", msgs)
	}
	// The receiver can see the delivery before the simulator logs its
	// outcome: wait for the log, not just the receiver.
	waitFor(t, "the successful attempt logged", func() bool { return len(e.sim.Deliveries(0)) >= 3 })
	var codes []int
	for _, d := range e.sim.Deliveries(0) {
		codes = append(codes, d.StatusCode)
	}
	if len(codes) < 3 || codes[0] != 500 || codes[1] != 500 || codes[2] != 200 {
		t.Fatalf("attempts %v", codes)
	}
	if d := e.sim.Deliveries(0); d[1].Attempt != 2 || d[2].Attempt != 3 {
		t.Errorf("attempt numbers %+v", d)
	}
}

func TestWebhookGivesUpAfterMaxAge(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now, RetryMaxAge: time.Hour})
	e.rc.status = func(int) int { return http.StatusServiceUnavailable }
	e.inject(t, Inbound{From: customer, Text: "lost"})
	waitFor(t, "first failure", func() bool { return len(e.sim.Deliveries(0)) >= 1 })
	clock.Advance(2 * time.Hour)
	waitFor(t, "give up", func() bool {
		d := e.sim.Deliveries(0)
		return strings.Contains(d[len(d)-1].Error, "max age")
	})
}

// TestWebhookMaxAgeIsPerUpdate: an update that waited past the max age
// behind a slow delivery is dropped, but a fresh one batched with it is
// still delivered.
func TestWebhookMaxAgeIsPerUpdate(t *testing.T) {
	clock := newFakeClock()
	e := newEnv(t, Config{Now: clock.Now, RetryMaxAge: time.Hour})
	gate := make(chan struct{})
	e.rc.gate = gate
	e.inject(t, Inbound{From: customer, Text: "first"})
	<-e.rc.entered
	e.inject(t, Inbound{From: customer, Text: "stale"})
	clock.Advance(2 * time.Hour)
	e.inject(t, Inbound{From: customer, Text: "fresh"})
	close(gate)
	texts := func() []string {
		var out []string
		for _, v := range e.rc.values() {
			for _, m := range v["messages"].([]any) {
				out = append(out, m.(map[string]any)["text"].(map[string]any)["body"].(string))
			}
		}
		return out
	}
	waitFor(t, "the fresh update", func() bool { return slices.Contains(texts(), "fresh") })
	if got := texts(); slices.Contains(got, "stale") {
		t.Errorf("delivered %v; the stale update is past the max age", got)
	}
}

func TestWebhookBatching(t *testing.T) {
	e := newEnv(t, Config{DeliveredAfter: time.Hour})
	gate := make(chan struct{})
	e.rc.gate = gate
	start := time.Now()
	e.inject(t, Inbound{From: customer, Text: "0"})
	<-e.rc.entered
	if d := time.Since(start); d > 500*time.Millisecond {
		t.Errorf("a single update should go out promptly, took %v", d)
	}
	e.inject(t, Inbound{From: customer, Text: "1"})
	e.inject(t, Inbound{From: customer, Text: "2"})
	e.inject(t, Inbound{From: "16505550000", Text: "3"})
	wamid := e.sendOK(t, textTo(customer, "reply"))
	close(gate)
	waitFor(t, "two POSTs", func() bool { return len(e.rc.acked()) == 2 })
	time.Sleep(20 * time.Millisecond)
	if n := len(e.rc.acked()); n != 2 {
		t.Fatalf("queued updates should go in one POST, got %d POSTs", n)
	}
	changes := e.rc.acked()[1].body["entry"].([]any)[0].(map[string]any)["changes"].([]any)
	var shape []string
	for _, c := range changes {
		v := c.(map[string]any)["value"].(map[string]any)
		switch {
		case v["statuses"] != nil:
			shape = append(shape, "statuses:"+strconv.Itoa(len(v["statuses"].([]any))))
		default:
			who := v["contacts"].([]any)[0].(map[string]any)["wa_id"].(string)
			shape = append(shape, who+":"+strconv.Itoa(len(v["messages"].([]any))))
		}
	}
	if got := strings.Join(shape, " "); got != customer+":2 16505550000:1 statuses:1" {
		t.Errorf("batch shape %q", got)
	}
	if st := e.rc.statusesOf(wamid); len(st) != 1 || st[0]["status"] != "sent" {
		t.Errorf("status in batch: %v", st)
	}
}

func TestWebhookParkedUntilURLSet(t *testing.T) {
	rc := newReceiver(t)
	sim := New(Config{AppSecret: testSecret, Logger: quiet(), DeliveredAfter: time.Hour})
	defer sim.Close()
	n := sim.AddNumber(NumberSpec{})
	if _, err := sim.Inject(t.Context(), Inbound{PhoneNumberID: n.PhoneNumberID, From: customer, Text: "early"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(20 * time.Millisecond)
	sim.SetWebhookURL(rc.srv.URL)
	waitFor(t, "delivery after SetWebhookURL", func() bool { return len(rc.acked()) == 1 })

	// A per-number override wins over the default URL.
	other := newReceiver(t)
	n2 := sim.AddNumber(NumberSpec{WebhookURL: other.srv.URL})
	if _, err := sim.Inject(t.Context(), Inbound{PhoneNumberID: n2.PhoneNumberID, From: customer, Text: "x"}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "override delivery", func() bool { return len(other.acked()) == 1 })
	if len(rc.acked()) != 1 {
		t.Error("override number delivered to the default URL")
	}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	rc := newReceiver(t)
	rc.status = func(int) int { return http.StatusInternalServerError }
	sim := New(Config{AppSecret: testSecret, Logger: quiet(), DeliveredAfter: time.Hour, RetryInitial: time.Hour})
	api := httptest.NewServer(sim.Handler())
	parked := sim.AddNumber(NumberSpec{}) // no URL anywhere: its worker waits for one
	failing := sim.AddNumber(NumberSpec{WebhookURL: rc.srv.URL})
	e := &env{sim: sim, api: api, num: failing}
	e.inject(t, Inbound{PhoneNumberID: parked.PhoneNumberID, From: customer, Text: "hi"})
	e.inject(t, Inbound{From: customer, Text: "hi"})
	e.sendOK(t, textTo(customer, "arms a delivered timer"))
	waitFor(t, "a failed attempt (worker now in backoff)", func() bool {
		for _, d := range sim.Deliveries(0) {
			if d.StatusCode == http.StatusInternalServerError {
				return true
			}
		}
		return false
	})
	api.Close()
	done := make(chan struct{})
	go func() { sim.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(2 * time.Second):
		t.Fatal("Close hung")
	}
	var buf []byte
	for range 100 {
		buf = make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		if !bytes.Contains(buf, []byte("sim/meta.(*")) {
			return
		}
		time.Sleep(5 * time.Millisecond)
	}
	t.Fatalf("goroutines left after Close:\n%s", buf)
}

package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"os"
	"runtime"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Every measured event carries its sequence number in its wamid.
var seqMarker = []byte(`"wamid":"wamid.ibx.`)

// fanout is a set of event streams read by a minimal client: a raw TCP
// connection, net/http's response parser (chunked bodies) and a line
// reader, one goroutine per stream, as little client as possible on a
// machine the server shares.
type fanout struct {
	t0      time.Time
	events  int
	want    int32 // streams that must receive each event
	streams []*sseStream
	recv    []atomic.Int32  // per event: streams that received it
	done    []chan struct{} // per event: closed when all have
	sent    []time.Duration // per event: when it was sent, since t0
	ack     []time.Duration // per event: the sender's call
	ready   sync.WaitGroup
	readers sync.WaitGroup
	mu      sync.Mutex // guards streams while they open
}

type sseStream struct {
	conn net.Conn
	seen []uint8         // per event: copies received
	at   []time.Duration // per event: first received, since t0
}

func newFanout(events, streams int) *fanout {
	f := &fanout{t0: time.Now(), events: events, want: int32(streams), recv: make([]atomic.Int32, events),
		done: make([]chan struct{}, events), sent: make([]time.Duration, events), ack: make([]time.Duration, events)}
	for i := range f.done {
		f.done[i] = make(chan struct{})
	}
	return f
}

// open connects n streams and returns once each has read the stream's
// first id: the server has subscribed it and is waiting for events.
func (f *fanout) open(ctx context.Context, host string, cookies []string, n int) error {
	var firstErr atomic.Value
	sem := make(chan struct{}, 32)
	var dials sync.WaitGroup
	for i := range n {
		sem <- struct{}{}
		dials.Go(func() {
			defer func() { <-sem }()
			if err := f.dial(host, cookies[i%len(cookies)]); err != nil {
				firstErr.CompareAndSwap(nil, err)
			}
		})
	}
	dials.Wait()
	if err, ok := firstErr.Load().(error); ok {
		return err
	}
	ok := make(chan struct{})
	go func() { f.ready.Wait(); close(ok) }()
	select {
	case <-ok:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	case <-time.After(time.Minute):
		return errors.New("streams did not all start within a minute")
	}
}

func (f *fanout) dial(host, session string) error {
	c, err := net.DialTimeout("tcp", host, 10*time.Second)
	if err != nil {
		return err
	}
	if _, err = fmt.Fprintf(c, "GET /api/v1/events HTTP/1.1\r\nHost: %s\r\nCookie: gohavi_session=%s\r\nAccept: text/event-stream\r\n\r\n", host, session); err == nil {
		var resp *http.Response
		if resp, err = http.ReadResponse(bufio.NewReaderSize(c, 4096), nil); err == nil && resp.StatusCode != http.StatusOK {
			err = fmt.Errorf("GET /api/v1/events: HTTP %d", resp.StatusCode)
		}
		if err == nil {
			s := &sseStream{conn: c, seen: make([]uint8, f.events), at: make([]time.Duration, f.events)}
			f.mu.Lock()
			f.streams = append(f.streams, s)
			f.mu.Unlock()
			f.ready.Add(1)
			f.readers.Go(func() { s.read(f, resp.Body) })
			return nil
		}
	}
	c.Close()
	return err
}

// read parses the stream: "id:" lines, "event:" names, and the wamid of
// each message.created's data.
func (s *sseStream) read(f *fanout, body io.Reader) {
	r := bufio.NewReaderSize(body, 4096)
	started, isMsg := false, false
	var long []byte
	for {
		line, err := r.ReadSlice('\n')
		if errors.Is(err, bufio.ErrBufferFull) {
			long = append(long[:0], line...)
			for errors.Is(err, bufio.ErrBufferFull) {
				line, err = r.ReadSlice('\n')
				long = append(long, line...)
			}
			line = long
		}
		if err != nil {
			if !started {
				f.ready.Done()
			}
			return
		}
		switch {
		case bytes.HasPrefix(line, []byte("id: ")):
			if !started {
				started = true
				f.ready.Done()
			}
		case bytes.HasPrefix(line, []byte("event: ")):
			isMsg = bytes.Equal(bytes.TrimSpace(line[7:]), []byte(domain.EventMessageCreated))
		case isMsg && bytes.HasPrefix(line, []byte("data: ")):
			s.note(f, line)
		case len(bytes.TrimSpace(line)) == 0:
			isMsg = false
		}
	}
}

func (s *sseStream) note(f *fanout, line []byte) {
	i := bytes.Index(line, seqMarker)
	if i < 0 {
		return
	}
	seq := 0
	for _, b := range line[i+len(seqMarker):] {
		if b < '0' || b > '9' {
			break
		}
		seq = seq*10 + int(b-'0')
	}
	if seq >= f.events {
		return
	}
	if s.seen[seq] == 0 {
		s.at[seq] = time.Since(f.t0)
		if f.recv[seq].Add(1) == f.want {
			close(f.done[seq])
		}
	}
	s.seen[seq] = min(255, s.seen[seq]+1)
}

// wait waits until every stream has event seq, or gives up after 10 s.
func (f *fanout) wait(ctx context.Context, seq int) {
	select {
	case <-f.done[seq]:
	case <-ctx.Done():
	case <-time.After(10 * time.Second):
	}
}

// close ends every stream and waits for the readers.
func (f *fanout) close() {
	for _, s := range f.streams {
		s.conn.Close()
	}
	f.readers.Wait()
}

// result sums up events lo..hi-1.
func (f *fanout) result(lo, hi int) FanoutResult {
	r := FanoutResult{Events: hi - lo, Streams: len(f.streams)}
	var lat, first, last []time.Duration
	for seq := lo; seq < hi; seq++ {
		fst, lst := time.Duration(-1), time.Duration(-1)
		for _, s := range f.streams {
			if s.seen[seq] == 0 {
				r.Missing++
				continue
			}
			r.Deliveries++
			r.Duplicates += int(s.seen[seq]) - 1
			d := s.at[seq] - f.sent[seq]
			lat = append(lat, d)
			if fst < 0 || d < fst {
				fst = d
			}
			lst = max(lst, d)
		}
		if fst >= 0 {
			first, last = append(first, fst), append(last, lst)
		}
	}
	r.P50, r.P99, r.Max = quantiles(lat)
	r.FirstP50, r.FirstP99, _ = quantiles(first)
	r.LastP50, r.LastP99, _ = quantiles(last)
	r.AckP50, r.AckP99, r.AckMax = quantiles(slices.Clone(f.ack[lo:hi]))
	return r
}

func quantiles(d []time.Duration) (p50, p99, maxD time.Duration) {
	if len(d) == 0 {
		return 0, 0, 0
	}
	slices.Sort(d)
	return d[len(d)/2], d[min(len(d)-1, len(d)*99/100)], d[len(d)-1]
}

// measureFanout opens the streams (measuring their memory), then sends
// events signed webhooks one at a time, each awaited on every stream, then
// as many bare Hub.Publish calls to the same streams.
func measureFanout(ctx context.Context, n *inboxNode, c *inboxCorpus, streams, events int, progress func(string)) (StreamMemory, FanoutResult, FanoutResult, error) {
	mem := StreamMemory{Streams: streams}
	mem.FDBefore, mem.FDAfter, mem.FDHard = raiseFDLimit(uint64(2*streams + 1024))
	host := strings.TrimPrefix(n.url, "http://")

	// The client alone: the same streams to a listener that answers and
	// then only holds the connection (no goroutine, no buffer: a few
	// hundred bytes of socket bookkeeping per connection).
	rawHost, stopRaw, err := rawListener()
	if err != nil {
		return mem, FanoutResult{}, FanoutResult{}, err
	}
	m0 := memNow()
	raw := newFanout(2*events, streams)
	err = raw.open(ctx, rawHost, c.sessions, streams)
	mem.Client = perStream(m0, memNow(), streams)
	raw.close()
	stopRaw()
	if err != nil {
		return mem, FanoutResult{}, FanoutResult{}, fmt.Errorf("raw listener: %w", err)
	}

	m0 = memNow()
	f := newFanout(2*events, streams)
	defer f.close()
	if err := f.open(ctx, host, c.sessions, streams); err != nil {
		return mem, FanoutResult{}, FanoutResult{}, err
	}
	mem.Whole = perStream(m0, memNow(), streams)
	progress(fmt.Sprintf("fan-out: %d streams open", streams))

	rng := rand.New(rand.NewPCG(17, 17))
	wc := &conn{host: host, path: "/webhooks/whatsapp"}
	defer wc.close()
	for k := range events {
		i := rng.IntN(c.convs)
		body := inboxWebhook(c, i, k)
		sig := whatsapp.Sign(inboxSecret, body)
		f.sent[k] = time.Since(f.t0)
		if err := wc.post(body, sig); err != nil {
			return mem, FanoutResult{}, FanoutResult{}, fmt.Errorf("webhook %d: %w", k, err)
		}
		f.ack[k] = time.Since(f.t0) - f.sent[k]
		f.wait(ctx, k)
	}
	for k := range events {
		seq, i := events+k, rng.IntN(c.convs)
		num := c.numbers[i%len(c.numbers)]
		now := time.Now()
		m := domain.Message{ID: int64(1_000_000_000 + seq), WorkspaceID: c.ws, ConversationID: int64(i + 1), NumberID: num.ID, ContactID: int64(i + 1),
			Direction: domain.Inbound, Type: "text", Text: webhookText(seq), Payload: []byte(`{"body":"` + webhookText(seq) + `"}`),
			WAMID: "wamid.ibx." + strconv.Itoa(seq), Status: domain.StatusReceived, CreatedAt: now, Timestamp: now, UpdatedAt: now}
		ev := view.Event(c.ws, domain.EventMessageCreated, view.NewMessage(m, whatsapp.Describe))
		f.sent[seq] = time.Since(f.t0)
		if _, err := n.hub.Publish(ctx, ev); err != nil {
			return mem, FanoutResult{}, FanoutResult{}, fmt.Errorf("publish %d: %w", k, err)
		}
		f.ack[seq] = time.Since(f.t0) - f.sent[seq]
		f.wait(ctx, seq)
	}
	f.close()
	return mem, f.result(0, events), f.result(events, 2*events), ctx.Err()
}

func webhookText(seq int) string {
	return fmt.Sprintf("Hello, is order #%d out for delivery today? Thanks", 10000+seq)
}

// inboxWebhook is an inbound text from contact i, as Meta sends it.
func inboxWebhook(c *inboxCorpus, i, seq int) []byte {
	num, wa := c.numbers[i%len(c.numbers)], waID(i)
	return fmt.Appendf(nil, `{"object":"whatsapp_business_account","entry":[{"id":"%s","changes":[{"value":{"messaging_product":"whatsapp",`+
		`"metadata":{"display_phone_number":"%s","phone_number_id":"%s"},"contacts":[{"profile":{"name":%q},"wa_id":"%s"}],`+
		`"messages":[{"from":"%s","id":"wamid.ibx.%d","timestamp":"%d","text":{"body":"%s"},"type":"text"}]},"field":"messages"}]}]}`,
		num.WABAID, num.DisplayPhoneNumber, num.PhoneNumberID, contactName(i), wa, wa, seq, time.Now().Unix(), webhookText(seq))
}

// rawListener answers every connection with the head of an event stream
// and its first id, then only keeps it.
func rawListener() (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	var mu sync.Mutex
	var conns []net.Conn
	done := make(chan struct{})
	go func() {
		defer close(done)
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_, _ = io.WriteString(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nTransfer-Encoding: chunked\r\n\r\n7\r\nid: 0\n\n\r\n")
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	return ln.Addr().String(), func() {
		ln.Close()
		<-done
		for _, c := range conns {
			c.Close()
		}
	}, nil
}

// MemSample is the process's memory at one moment, in bytes.
type MemSample struct {
	Live   float64 // Go heap in use after a full collection, and goroutine stacks
	Mapped float64 // memory the Go runtime holds from the OS (Sys − HeapReleased)
	RSS    float64 // anonymous resident set: Go's and, on SQLite, the engine's C heap
}

// memNow samples after a full collection with freed pages returned to the
// OS, so samples compare. File-backed pages (the binary) are left out of
// the resident set: they come and go with the page cache.
func memNow() MemSample {
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return MemSample{Live: float64(ms.HeapAlloc + ms.StackInuse), Mapped: float64(ms.Sys - ms.HeapReleased), RSS: rssBytes()}
}

// perStream is (b − a) / n for each figure.
func perStream(a, b MemSample, n int) MemSample {
	k := float64(n)
	return MemSample{Live: (b.Live - a.Live) / k, Mapped: (b.Mapped - a.Mapped) / k, RSS: (b.RSS - a.RSS) / k}
}

// rssBytes reads RssAnon from /proc/self/status (0 elsewhere).
func rssBytes() float64 {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for line := range strings.SplitSeq(string(b), "\n") {
		if rest, ok := strings.CutPrefix(line, "RssAnon:"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb * 1024
		}
	}
	return 0
}

package bench

import (
	"bufio"
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	neturl "net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Fixed identities of the benchmark's business number.
const (
	benchWABA    = "102290129340398"
	benchPhoneID = "106540352242922"
	benchDisplay = "15550783881"
	customers    = 1000 // distinct senders, so conversations are reused as in real traffic
)

// payloads makes realistic signed "messages" webhooks: one inbound text,
// a unique wamid per request, padded to a target size.
type payloads struct {
	secret string
	run    string // random per run, so a kept database never sees a body twice
	pad    string
	seq    atomic.Uint64
}

func newPayloads(secret string, size int) *payloads {
	var b [6]byte
	_, _ = rand.Read(b[:])
	p := &payloads{secret: secret, run: hex.EncodeToString(b[:])}
	if n := size - len(p.body(0, 0)); n > 0 {
		const words = "Hi! Could you tell me when my order ships and whether it comes in blue? Thanks a lot. "
		p.pad = strings.Repeat(words, n/len(words)+1)[:n]
	}
	return p
}

// body renders request seq; ts is unix seconds.
func (p *payloads) body(seq uint64, ts int64) []byte {
	from := fmt.Sprintf("4477009%05d", seq%customers)
	return fmt.Appendf(make([]byte, 0, 1024),
		`{"object":"whatsapp_business_account","entry":[{"id":"%s","changes":[{"value":{"messaging_product":"whatsapp",`+
			`"metadata":{"display_phone_number":"%s","phone_number_id":"%s"},"contacts":[{"profile":{"name":"Customer %d"},"wa_id":"%s"}],`+
			`"messages":[{"from":"%s","id":"wamid.HBgMNDQ3NzAwOTAwMTIzFQIAEhgg%s%016X","timestamp":"%d","text":{"body":"%s"},"type":"text"}]},`+
			`"field":"messages"}]}]}`,
		benchWABA, benchDisplay, benchPhoneID, seq%customers, from, from, p.run, seq, ts, p.pad)
}

// next returns a fresh body and its X-Hub-Signature-256.
func (p *payloads) next() ([]byte, string) {
	b := p.body(p.seq.Add(1), time.Now().Unix())
	return b, whatsapp.Sign(p.secret, b)
}

// LoadResult is what one load run measured.
type LoadResult struct {
	OK       int64         // requests answered 200
	Errors   int64         // anything else, including transport errors
	Elapsed  time.Duration // from the first request to the last answer
	CPU      time.Duration // process CPU (user+system) used meanwhile: server, load and all
	P50, P99 time.Duration // latency of the 200s
	FirstErr string
}

// CPUPerRequest is process CPU per successful request. Unlike req/s it
// hardly moves when other processes compete for the machine, so it is the
// figure to compare between runs; NumCPU / CPUPerRequest bounds req/s.
func (r LoadResult) CPUPerRequest() time.Duration {
	if r.OK == 0 {
		return 0
	}
	return r.CPU / time.Duration(r.OK)
}

// RPS is successful requests per second.
func (r LoadResult) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.OK) / r.Elapsed.Seconds()
}

// load is N keep-alive HTTP/1.1 clients posting to url, each waiting for
// its answer before the next request. The client is a minimal one on raw
// TCP: net/http's client costs more CPU than the server it measures, and
// on a small machine the generator would otherwise be what is measured.
type load struct {
	url         string
	concurrency int
	payloads    *payloads
}

// run stops after d, or once total requests have been issued when total > 0.
func (l *load) run(ctx context.Context, d time.Duration, total int64) LoadResult {
	if d > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, d)
		defer cancel()
	}
	u, err := neturl.Parse(l.url)
	if err != nil {
		return LoadResult{Errors: 1, FirstErr: err.Error()}
	}
	var issued, errs atomic.Int64
	var firstErr atomic.Value
	lat := make([][]time.Duration, l.concurrency)
	var wg sync.WaitGroup
	start, cpu0 := time.Now(), cpuTime()
	for w := range l.concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &conn{host: u.Host, path: cmp.Or(u.Path, "/")}
			defer c.close()
			stop := context.AfterFunc(ctx, c.close)
			defer stop()
			mine := make([]time.Duration, 0, 4096)
			for ctx.Err() == nil && (total <= 0 || issued.Add(1) <= total) {
				body, sig := l.payloads.next()
				t0 := time.Now()
				if err := c.post(body, sig); err != nil {
					if ctx.Err() != nil {
						break // cut off by the end of the run, not a failure
					}
					errs.Add(1)
					firstErr.CompareAndSwap(nil, err.Error())
					continue
				}
				mine = append(mine, time.Since(t0))
			}
			lat[w] = mine
		}()
	}
	wg.Wait()
	res := LoadResult{Elapsed: time.Since(start), CPU: cpuTime() - cpu0, Errors: errs.Load()}
	if s, ok := firstErr.Load().(string); ok {
		res.FirstErr = s
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	res.OK = int64(len(all))
	if len(all) > 0 {
		res.P50, res.P99 = all[len(all)/2], all[len(all)*99/100]
	}
	return res
}

// conn is one keep-alive HTTP/1.1 connection.
type conn struct {
	host, path string
	mu         sync.Mutex
	c          net.Conn
	r          *bufio.Reader
	w          *bufio.Writer
	closed     bool
}

func (c *conn) close() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	if c.c != nil {
		c.c.Close()
	}
}

func (c *conn) dial() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return net.ErrClosed
	}
	nc, err := net.DialTimeout("tcp", c.host, 5*time.Second)
	if err != nil {
		return err
	}
	c.c, c.r, c.w = nc, bufio.NewReaderSize(nc, 4096), bufio.NewWriterSize(nc, 4096)
	return nil
}

func (c *conn) reset() {
	c.mu.Lock()
	if c.c != nil {
		c.c.Close()
		c.c = nil
	}
	c.mu.Unlock()
}

// post sends one signed webhook and reads the answer; anything but a 200
// is an error. A broken connection is redialled on the next call.
func (c *conn) post(body []byte, sig string) error {
	if c.c == nil {
		if err := c.dial(); err != nil {
			return err
		}
	}
	fmt.Fprintf(c.w, "POST %s HTTP/1.1\r\nHost: %s\r\nUser-Agent: facebookexternalua\r\nContent-Type: application/json\r\n%s: %s\r\nContent-Length: %d\r\n\r\n",
		c.path, c.host, whatsapp.SignatureHeader, sig, len(body))
	_, _ = c.w.Write(body) // a write error shows on Flush in readResponse
	status, keep, err := c.readResponse()
	if err != nil || !keep {
		c.reset()
	}
	if err != nil {
		return err
	}
	if status != http.StatusOK {
		return fmt.Errorf("HTTP %d", status)
	}
	return nil
}

func (c *conn) readResponse() (status int, keep bool, err error) {
	if err := c.w.Flush(); err != nil {
		return 0, false, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, false, err
	}
	if len(line) < 12 || !bytes.HasPrefix(line, []byte("HTTP/1.1 ")) {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	status, err = strconv.Atoi(string(line[9:12]))
	if err != nil {
		return 0, false, fmt.Errorf("bad status line %q", line)
	}
	length, keep := -1, true
	for {
		line, err = c.r.ReadSlice('\n')
		if err != nil {
			return 0, false, err
		}
		h := bytes.TrimRight(line, "\r\n")
		if len(h) == 0 {
			break
		}
		k, v, _ := bytes.Cut(h, []byte(":"))
		v = bytes.TrimSpace(v)
		switch {
		case bytes.EqualFold(k, []byte("Content-Length")):
			length, _ = strconv.Atoi(string(v))
		case bytes.EqualFold(k, []byte("Connection")) && bytes.EqualFold(v, []byte("close")):
			keep = false
		}
	}
	if length < 0 {
		return 0, false, errors.New("response without Content-Length")
	}
	_, err = c.r.Discard(length)
	return status, keep, err
}

// serve runs h on a loopback listener until the returned stop is called.
func serve(h http.Handler) (url string, stop func(), err error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute}
	done := make(chan struct{})
	go func() { _ = srv.Serve(ln); close(done) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		<-done
	}, nil
}

// bare is the baseline: net/http reading the body and answering 200, with
// no signature check and no storage.
var bare = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	_, _ = io.Copy(io.Discard, r.Body)
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = io.WriteString(w, "ok")
})

package hubspot

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"strconv"
	"sync"
	"time"
)

const (
	maxEventsPerPost = 100 // HubSpot's cap per delivery (spec §1.4.3)
	maxConcurrent    = 10  // HubSpot's default concurrency per installing account
	// dealStageSubscriptionID is the app's deal.propertyChange/dealstage
	// subscription, as in the spec's sample payload.
	dealStageSubscriptionID = 25
)

// event is one entry of a webhook delivery (spec §1.4.2).
type event struct {
	EventID          int64  `json:"eventId"`
	SubscriptionID   int64  `json:"subscriptionId"`
	PortalID         int64  `json:"portalId"`
	AppID            int64  `json:"appId"`
	OccurredAt       int64  `json:"occurredAt"`
	SubscriptionType string `json:"subscriptionType"`
	AttemptNumber    int    `json:"attemptNumber"`
	ObjectID         int64  `json:"objectId"`
	PropertyName     string `json:"propertyName,omitempty"`
	PropertyValue    string `json:"propertyValue,omitempty"`
	ChangeSource     string `json:"changeSource"`
	SourceID         string `json:"sourceId,omitempty"`
}

// pending is one event waiting for (re)delivery. Copies of an event are
// separate pendings with the same event, so they arrive as HubSpot's
// duplicates do: in different POSTs.
type pending struct {
	ev      event
	attempt int
	due     time.Time // real time: RetryDelays are real durations
}

// emitter delivers webhooks: one loop picks due events into POSTs of at
// most 100, and up to maxConcurrent POSTs run at once.
type emitter struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	wake   chan struct{}
	sem    chan struct{}
	wg     sync.WaitGroup

	mu    sync.Mutex
	url   string
	queue []*pending
}

func newEmitter(s *Server) *emitter {
	ctx, cancel := context.WithCancel(context.Background())
	e := &emitter{s: s, ctx: ctx, cancel: cancel, wake: make(chan struct{}, 1), sem: make(chan struct{}, maxConcurrent), url: s.cfg.WebhookURL}
	e.wg.Add(1)
	go e.loop()
	return e
}

func (e *emitter) poke() {
	select {
	case e.wake <- struct{}{}:
	default:
	}
}

func (e *emitter) close() {
	e.cancel()
	e.wg.Wait()
}

// SetWebhookURL changes where webhooks go. Events held for want of a URL
// are sent right away.
func (s *Server) SetWebhookURL(url string) {
	s.hooks.mu.Lock()
	s.hooks.url = url
	s.hooks.mu.Unlock()
	s.hooks.poke()
}

func (e *emitter) enqueue(ev event, copies int) {
	e.mu.Lock()
	for range max(copies, 1) {
		e.queue = append(e.queue, &pending{ev: ev, due: time.Now()})
	}
	e.mu.Unlock()
	e.poke()
}

func (e *emitter) loop() {
	defer e.wg.Done()
	for {
		e.mu.Lock()
		url := e.url
		var batch []*pending
		var next time.Time
		if url != "" {
			batch, next = e.takeDueLocked(time.Now())
		}
		e.mu.Unlock()
		if len(batch) > 0 {
			select {
			case e.sem <- struct{}{}:
			case <-e.ctx.Done():
				return
			}
			e.wg.Add(1)
			go func() {
				defer func() { <-e.sem; e.wg.Done() }()
				e.deliver(url, batch)
			}()
			continue
		}
		var t *time.Timer
		var timer <-chan time.Time
		if !next.IsZero() {
			t = time.NewTimer(time.Until(next))
			timer = t.C
		}
		select {
		case <-e.ctx.Done():
		case <-e.wake:
		case <-timer:
		}
		if t != nil {
			t.Stop()
		}
		if e.ctx.Err() != nil {
			return
		}
	}
}

// takeDueLocked removes up to 100 due events from the queue, one copy of
// each event per POST, and tells when the next one is due.
func (e *emitter) takeDueLocked(now time.Time) ([]*pending, time.Time) {
	var batch []*pending
	var next time.Time
	in := map[int64]bool{}
	rest := e.queue[:0]
	for _, p := range e.queue {
		if !p.due.After(now) && len(batch) < maxEventsPerPost && !in[p.ev.EventID] {
			in[p.ev.EventID] = true
			batch = append(batch, p)
			continue
		}
		rest = append(rest, p)
		if next.IsZero() || p.due.Before(next) {
			next = p.due
		}
	}
	e.queue = rest
	return batch, next
}

// deliver POSTs one signed batch. A non-2xx answer, a timeout or a
// connection failure puts every event back with its next delay; HubSpot
// retries on any of them (spec §1.4.3).
func (e *emitter) deliver(url string, batch []*pending) {
	s := e.s
	evs := make([]event, len(batch))
	for i, p := range batch {
		evs[i] = p.ev
		evs[i].AttemptNumber = p.attempt
	}
	body, _ := json.Marshal(evs)
	ts := strconv.FormatInt(s.now().UnixMilli(), 10)
	ok := false
	req, err := http.NewRequestWithContext(e.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("User-Agent", "HubSpot Connect 2.0 (http://dev.hubspot.com/) - WebhooksExecutorDaemon-executor")
		req.Header.Set("X-HubSpot-Request-Timestamp", ts)
		req.Header.Set("X-HubSpot-Signature-v3", SignV3(s.cfg.ClientSecret, http.MethodPost, url, body, ts))
		req.Header.Set("X-HubSpot-Signature", SignV1(s.cfg.ClientSecret, body))
		req.Header.Set("X-HubSpot-Signature-Version", "v1")
		var resp *http.Response
		if resp, err = s.cfg.HTTPClient.Do(req); err == nil {
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
			resp.Body.Close()
			ok = resp.StatusCode >= 200 && resp.StatusCode < 300
		}
	}
	if e.ctx.Err() != nil {
		return // closed: the queue is dropped
	}
	s.mu.Lock()
	if ok {
		s.stats.WebhooksDelivered++
		s.stats.WebhookEvents += len(batch)
	} else {
		s.stats.WebhooksFailed++
	}
	s.mu.Unlock()
	if ok {
		return
	}
	s.log.Debug("hubspot sim: webhook delivery failed", "url", url, "events", len(batch), "err", err)
	e.mu.Lock()
	for _, p := range batch {
		if p.attempt >= len(s.cfg.RetryDelays) {
			s.log.Warn("hubspot sim: webhook dropped after retries", "event", p.ev.EventID)
			continue
		}
		p.due = time.Now().Add(s.cfg.RetryDelays[p.attempt])
		p.attempt++
		e.queue = append(e.queue, p)
	}
	e.mu.Unlock()
	e.poke()
}

// SignV3 is X-HubSpot-Signature-v3: base64 HMAC-SHA256, keyed with the
// client secret, of method + URI + body + timestamp (spec §1.4.4).
func SignV3(secret, method, uri string, body []byte, timestamp string) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write([]byte(method + uri))
	m.Write(body)
	m.Write([]byte(timestamp))
	return base64.StdEncoding.EncodeToString(m.Sum(nil))
}

// SignV1 is the legacy X-HubSpot-Signature: hex SHA-256 of secret + body.
func SignV1(secret string, body []byte) string {
	h := sha256.New()
	h.Write([]byte(secret))
	h.Write(body)
	return hex.EncodeToString(h.Sum(nil))
}

package meta

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"sync"
	"time"
)

const (
	maxBatchUpdates = 1000            // Meta's documented cap per POST
	maxBatchBytes   = 2 << 20         // stay below Meta's 3 MB payload cap
	attemptLogSize  = 500             // delivery attempts kept for /_sim/webhooks
	logBodyLimit    = 16 << 10        // bytes of each body kept in that log
	maxResponseRead = int64(64 << 10) // drained from receiver responses for connection reuse
)

// update is one entry of a webhook's messages[] or statuses[], with what
// is needed to place it in an envelope.
type update struct {
	wabaID  string
	meta    metadata
	contact *contact        // inbound messages only
	message json.RawMessage // inbound message object
	status  json.RawMessage // status object
	field   string          // management webhooks (§2.8): the change's field…
	value   json.RawMessage // …and its whole value object
	entryID string          // entry[].id when not the WABA (PARTNER_* events carry the partner's portfolio)
	at      time.Time       // queued at, by the injected clock, for the max age
}

// messages tells messages webhooks (which honour alternate callbacks)
// from management ones.
func (u *update) messages() bool { return u.field == "" }

func (u *update) entry() string { return cmpOr(u.entryID, u.wabaID) }

type metadata struct {
	DisplayPhoneNumber string `json:"display_phone_number"`
	PhoneNumberID      string `json:"phone_number_id"`
}

type contact struct {
	Profile struct {
		Name string `json:"name"`
	} `json:"profile"`
	WaID string `json:"wa_id"`
}

type envelope struct {
	Object string  `json:"object"`
	Entry  []entry `json:"entry"`
}

type entry struct {
	ID      string   `json:"id"`
	Time    int64    `json:"time,omitempty"` // set when the batch holds a management update
	Changes []change `json:"changes"`
}

type change struct {
	Value any    `json:"value"` // *changeValue, or a management value (json.RawMessage)
	Field string `json:"field"`
}

type changeValue struct {
	MessagingProduct string            `json:"messaging_product"`
	Metadata         metadata          `json:"metadata"`
	Contacts         []contact         `json:"contacts,omitempty"`
	Messages         []json.RawMessage `json:"messages,omitempty"`
	Statuses         []json.RawMessage `json:"statuses,omitempty"`
}

// buildBody packs a batch of one lane's updates into one envelope, one
// entry per run of updates with the same entry id. Consecutive statuses
// share a change; consecutive messages from the same customer share a
// change with that customer's contact.
func buildBody(batch []*update) ([]byte, error) {
	var entries []entry
	e := entry{ID: batch[0].entry()}
	var last *changeValue // value of the last change, when it is a "messages" one
	for _, u := range batch {
		if u.entry() != e.ID {
			entries = append(entries, e)
			e, last = entry{ID: u.entry()}, nil
		}
		switch {
		case u.value != nil:
			e.Time = u.at.Unix()
			e.Changes = append(e.Changes, change{Field: u.field, Value: u.value})
			last = nil
			continue
		case u.status != nil && last != nil && last.Messages == nil:
			last.Statuses = append(last.Statuses, u.status)
			continue
		case u.status != nil:
			last = &changeValue{MessagingProduct: "whatsapp", Metadata: u.meta, Statuses: []json.RawMessage{u.status}}
		case last != nil && last.Statuses == nil && last.Contacts[0].WaID == u.contact.WaID:
			last.Messages = append(last.Messages, u.message)
			continue
		default:
			last = &changeValue{MessagingProduct: "whatsapp", Metadata: u.meta,
				Contacts: []contact{*u.contact}, Messages: []json.RawMessage{u.message}}
		}
		e.Changes = append(e.Changes, change{Field: "messages", Value: last})
	}
	return marshalASCII(envelope{Object: "whatsapp_business_account", Entry: append(entries, e)})
}

// sign is the X-Hub-Signature-256 value for body.
func sign(secret string, body []byte) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write(body)
	return "sha256=" + hex.EncodeToString(mac.Sum(nil))
}

// DeliveryAttempt is one webhook POST (or a decision not to make one).
type DeliveryAttempt struct {
	Time          time.Time `json:"time"`
	PhoneNumberID string    `json:"phone_number_id"`
	URL           string    `json:"url,omitempty"`
	Attempt       int       `json:"attempt"`
	Updates       int       `json:"updates"`
	StatusCode    int       `json:"status_code,omitempty"`
	Error         string    `json:"error,omitempty"`
	Fault         string    `json:"fault,omitempty"` // "dropped" or "duplicate"
	Body          string    `json:"body"`
}

// deliverer owns one queue ("lane") per business number. A lane's worker
// sends one batch at a time, so order is kept per number, and whatever
// queued while a POST was in flight goes out together in the next one.
type deliverer struct {
	s      *Server
	ctx    context.Context
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu       sync.Mutex
	lanes    map[string]*lane
	attempts []DeliveryAttempt
	closed   bool
}

type lane struct {
	phoneID string
	queue   []*update
	running bool
	wake    chan struct{} // nudged when a callback URL is set
}

func newDeliverer(s *Server) *deliverer {
	ctx, cancel := context.WithCancel(context.Background())
	return &deliverer{s: s, ctx: ctx, cancel: cancel, lanes: map[string]*lane{}}
}

// enqueue queues u for ns's number and starts the lane's worker if idle.
// It never blocks on delivery, so Graph handlers stay fast. Callers hold
// s.mu. A WABA the app is not subscribed to (§2.1) gets no webhooks: the
// update is only logged.
func (d *deliverer) enqueue(ns *numberState, u *update) {
	u.wabaID = ns.WABAID
	u.meta = metadata{DisplayPhoneNumber: ns.DisplayPhoneNumber, PhoneNumberID: ns.PhoneNumberID}
	u.at = d.s.now()
	if u.entryID == "" && !d.s.wabaSubscribed(ns.WABAID) {
		body, _ := buildBody([]*update{u})
		d.record(DeliveryAttempt{PhoneNumberID: ns.PhoneNumberID, Updates: 1,
			Error: "app not subscribed to WABA " + ns.WABAID + ": not sent", Body: clip(body)})
		return
	}
	d.push(ns.PhoneNumberID, u)
}

// enqueueApp queues an app-level update (entryID set), which goes to the
// app's callback URL on its own lane. Callers hold s.mu.
func (d *deliverer) enqueueApp(u *update) {
	u.at = d.s.now()
	d.push("", u)
}

func (d *deliverer) push(laneID string, u *update) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return
	}
	l := d.lanes[laneID]
	if l == nil {
		l = &lane{phoneID: laneID, wake: make(chan struct{}, 1)}
		d.lanes[laneID] = l
	}
	l.queue = append(l.queue, u)
	if !l.running {
		l.running = true
		d.wg.Add(1)
		go d.run(l)
	}
}

func (d *deliverer) wakeAll() {
	d.mu.Lock()
	defer d.mu.Unlock()
	for _, l := range d.lanes {
		select {
		case l.wake <- struct{}{}:
		default:
		}
	}
}

func (d *deliverer) close() {
	d.mu.Lock()
	d.closed = true
	d.mu.Unlock()
	d.cancel()
	d.wg.Wait()
}

func (d *deliverer) run(l *lane) {
	defer d.wg.Done()
	for {
		batch := d.next(l)
		if batch == nil {
			return
		}
		d.deliver(l, batch)
	}
}

// next takes the next batch, or stops the worker when the lane is empty.
func (d *deliverer) next(l *lane) []*update {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed || len(l.queue) == 0 {
		l.running = false
		return nil
	}
	n, size := 0, 0
	for n < len(l.queue) && n < maxBatchUpdates {
		size += len(l.queue[n].message) + len(l.queue[n].status) + len(l.queue[n].value)
		if n > 0 && size > maxBatchBytes {
			break
		}
		n++
	}
	batch := l.queue[:n:n]
	l.queue = l.queue[n:]
	return batch
}

// deliver sends a batch, split where messages and management updates go
// to different URLs (an alternate callback is set), in order.
func (d *deliverer) deliver(l *lane, batch []*update) {
	start := 0
	for i := 1; i <= len(batch); i++ {
		if i < len(batch) && batch[i].messages() == batch[start].messages() {
			continue
		}
		if i < len(batch) && d.s.callbackURL(l.phoneID, true) == d.s.callbackURL(l.phoneID, false) {
			continue
		}
		d.deliverRun(l, batch[start:i])
		start = i
	}
}

// deliverRun sends one run until the receiver acknowledges it, the updates
// are older than RetryMaxAge, or the simulator closes. The same bytes are
// re-sent on every retry, as Meta does.
func (d *deliverer) deliverRun(l *lane, batch []*update) {
	messages := batch[0].messages()
	body, err := buildBody(batch)
	if err != nil {
		d.s.log.Error("meta sim: encode webhook", "err", err)
		return
	}
	fault := d.s.takeWebhookFault()
	if fault == "dropped" {
		d.record(DeliveryAttempt{PhoneNumberID: l.phoneID, Updates: len(batch), Fault: fault, Body: clip(body)})
		return
	}
	backoff := d.s.cfg.RetryInitial
	parked := false
	for attempt := 1; ; attempt++ {
		url := d.s.callbackURL(l.phoneID, messages)
		if url == "" {
			// Park until a URL is configured rather than burn retries.
			if !parked {
				parked = true
				d.record(DeliveryAttempt{PhoneNumberID: l.phoneID, Updates: len(batch), Error: "no webhook URL configured: waiting for one", Body: clip(body)})
			}
			attempt--
			select {
			case <-l.wake:
				continue
			case <-d.ctx.Done():
				return
			}
		}
		if age := d.s.now().Sub(batch[0].at); age > d.s.cfg.RetryMaxAge {
			// Meta gives up on each update by its own age: younger updates
			// that were batched with expired ones are still delivered.
			old := 0
			for old < len(batch) && d.s.now().Sub(batch[old].at) > d.s.cfg.RetryMaxAge {
				old++
			}
			d.s.log.Warn("meta sim: webhook updates dropped after max age", "phone_number_id", l.phoneID, "updates", old, "age", age)
			d.record(DeliveryAttempt{PhoneNumberID: l.phoneID, URL: url, Attempt: attempt, Updates: old, Error: "gave up: older than max age", Body: clip(body)})
			if old < len(batch) {
				d.deliverRun(l, batch[old:])
			}
			return
		}
		if d.post(l.phoneID, url, body, attempt, len(batch), "") {
			if fault == "duplicate" {
				d.post(l.phoneID, url, body, attempt, len(batch), fault)
			}
			return
		}
		select {
		case <-time.After(backoff):
		case <-d.ctx.Done():
			return
		}
		backoff = min(backoff*2, d.s.cfg.RetryMax)
	}
}

// post makes one signed POST and reports whether it was acknowledged.
func (d *deliverer) post(phoneID, url string, body []byte, attempt, updates int, fault string) bool {
	rec := DeliveryAttempt{PhoneNumberID: phoneID, URL: url, Attempt: attempt, Updates: updates, Fault: fault, Body: clip(body)}
	defer func() { d.record(rec) }()
	req, err := http.NewRequestWithContext(d.ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		rec.Error = err.Error()
		return false
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "facebookexternalua")
	req.Header.Set("X-Hub-Signature-256", sign(d.s.cfg.AppSecret, body))
	resp, err := d.s.client.Do(req)
	if err != nil {
		rec.Error = err.Error()
		d.s.log.Debug("meta sim: webhook attempt failed", "url", url, "attempt", attempt, "err", err)
		return false
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseRead))
	_ = resp.Body.Close()
	rec.StatusCode = resp.StatusCode
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		d.s.log.Debug("meta sim: webhook rejected", "url", url, "attempt", attempt, "status", resp.StatusCode)
		return false
	}
	return true
}

func (d *deliverer) record(a DeliveryAttempt) {
	a.Time = d.s.now()
	d.mu.Lock()
	defer d.mu.Unlock()
	if len(d.attempts) >= attemptLogSize {
		d.attempts = append(d.attempts[:0], d.attempts[len(d.attempts)-attemptLogSize+1:]...)
	}
	d.attempts = append(d.attempts, a)
}

// Deliveries returns the most recent webhook delivery attempts, oldest
// first; limit <= 0 means all that are kept (the last 500).
func (s *Server) Deliveries(limit int) []DeliveryAttempt {
	s.hooks.mu.Lock()
	defer s.hooks.mu.Unlock()
	a := s.hooks.attempts
	if limit > 0 && len(a) > limit {
		a = a[len(a)-limit:]
	}
	return append([]DeliveryAttempt(nil), a...)
}

func clip(b []byte) string {
	if len(b) > logBodyLimit {
		return string(b[:logBodyLimit]) + "…"
	}
	return string(b)
}

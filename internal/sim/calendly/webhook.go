package simcalendly

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strconv"
	"time"
)

// Delivery is one webhook POST the simulator made. Attempt is 1 for the
// first try and counts up through the retries; duplicates of an attempt
// share its number. Status is 0 when no HTTP answer came (Err says why).
type Delivery struct {
	Subscription string    `json:"subscription"` // subscription URI
	Event        string    `json:"event"`        // "invitee.created", …
	Invitee      string    `json:"invitee"`      // invitee URI
	Attempt      int       `json:"attempt"`
	Status       int       `json:"status"`
	Err          string    `json:"error,omitempty"`
	At           time.Time `json:"at"`
}

// job is one event on its way to one subscription. The body is fixed
// when the change happens, so retries and duplicates carry the same bytes.
type job struct {
	subID, event, invitee string
	body                  []byte
}

type envelope struct {
	Event     string          `json:"event"`
	CreatedAt string          `json:"created_at"`
	CreatedBy string          `json:"created_by"`
	Payload   json.RawMessage `json:"payload"`
}

// notifyLocked renders event name about inv for every active
// subscription that covers the event's host and listens to name.
// created_by is the subscription's creator, as on Calendly.
func (s *Server) notifyLocked(name string, inv *invitee, now time.Time) []*job {
	host := s.users[s.events[inv.eventID].hostID]
	var payload json.RawMessage
	var jobs []*job
	for _, id := range s.subOrder {
		sub := s.subs[id]
		if sub.state != stateActive || !slices.Contains(sub.events, name) {
			continue
		}
		if (sub.scope == "user" && sub.userID != host.id) || (sub.scope == "organization" && sub.orgID != host.orgID) {
			continue
		}
		if payload == nil {
			payload = marshal(s.inviteeResource(inv, true))
		}
		body := marshal(envelope{Event: name, CreatedAt: calTime(now), CreatedBy: s.uri("users", sub.creatorID), Payload: payload})
		jobs = append(jobs, &job{subID: sub.id, event: name, invitee: s.inviteeURI(inv), body: body})
	}
	return jobs
}

// deliver makes the first attempt of each job in order, right away, and
// leaves the failed ones to retry in the background.
func (s *Server) deliver(ctx context.Context, jobs []*job) {
	for _, j := range jobs {
		if s.attempt(ctx, j, 1) {
			s.scheduleRetries(j)
		}
	}
}

// attempt POSTs a job (SetDuplicates times) and answers whether it needs
// another try. It counts as delivered when any copy got a 2xx.
func (s *Server) attempt(ctx context.Context, j *job, n int) (retry bool) {
	s.mu.Lock()
	sub := s.subs[j.subID]
	if sub == nil || sub.state != stateActive {
		s.mu.Unlock()
		return false
	}
	url, subURI, key, copies := sub.url, s.uri("webhook_subscriptions", sub.id), s.signingKeyLocked(sub), max(s.dups, 1)
	s.mu.Unlock()

	sig := ""
	if key != "" {
		t := s.now().Unix()
		sig = fmt.Sprintf("t=%d,v1=%s", t, Sign(key, t, j.body))
	}
	ok := false
	recs := make([]Delivery, 0, copies)
	for range copies {
		status, err := s.post(ctx, url, sig, j.body)
		d := Delivery{Subscription: subURI, Event: j.event, Invitee: j.invitee, Attempt: n, Status: status, At: s.now()}
		if err != nil {
			d.Err = err.Error()
		} else if status < 200 || status > 299 {
			d.Err = "HTTP " + strconv.Itoa(status)
		} else {
			ok = true
		}
		recs = append(recs, d)
	}

	now := s.now()
	s.mu.Lock()
	defer s.mu.Unlock()
	s.deliveries = append(s.deliveries, recs...)
	if s.subs[j.subID] != sub {
		return false // deleted meanwhile
	}
	switch {
	case ok && sub.retryStartedAt != nil:
		sub.retryStartedAt, sub.updated = nil, now
	case !ok && sub.retryStartedAt == nil:
		sub.retryStartedAt, sub.updated = &now, now
	}
	if !ok {
		s.log.Debug("calendly sim: webhook delivery failed", "subscription", subURI, "event", j.event, "attempt", n, "err", recs[len(recs)-1].Err)
	}
	return !ok && sub.state == stateActive
}

func (s *Server) post(ctx context.Context, url, sig string, body []byte) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Calendly-Webhooks (simulator)")
	if sig != "" {
		req.Header.Set("Calendly-Webhook-Signature", sig)
	}
	resp, err := s.client.Do(req)
	if err != nil {
		return 0, err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	resp.Body.Close()
	return resp.StatusCode, nil
}

// scheduleRetries runs a failed job's redelivery schedule in the
// background. With no retries configured the schedule is already spent.
func (s *Server) scheduleRetries(j *job) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return
	}
	if len(s.cfg.RetryDelays) == 0 {
		s.exhaustLocked(j.subID)
		return
	}
	if s.retrying == 0 {
		s.settled = make(chan struct{})
	}
	s.retrying++
	s.wg.Add(1)
	go s.retryLoop(j)
}

func (s *Server) retryLoop(j *job) {
	defer s.wg.Done()
	defer func() {
		s.mu.Lock()
		if s.retrying--; s.retrying == 0 {
			close(s.settled)
		}
		s.mu.Unlock()
	}()
	for i, d := range s.cfg.RetryDelays {
		t := time.NewTimer(d)
		select {
		case <-s.ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		if !s.attempt(s.ctx, j, i+2) {
			return
		}
	}
	if s.ctx.Err() != nil {
		return
	}
	s.mu.Lock()
	s.exhaustLocked(j.subID)
	s.mu.Unlock()
}

// exhaustLocked is the end of Calendly's 24 h of retries: a subscription
// still failing (retry_started_at set) is disabled. One that delivered
// something meanwhile stays active; the event is simply lost.
func (s *Server) exhaustLocked(subID string) {
	sub := s.subs[subID]
	if sub == nil || sub.state != stateActive || sub.retryStartedAt == nil {
		return
	}
	sub.state, sub.updated = stateDisabled, s.now()
	s.log.Info("calendly sim: webhook subscription disabled after failed retries", "subscription", s.uri("webhook_subscriptions", sub.id))
}

// signingKeyLocked picks the key for a subscription's deliveries: the app
// key for OAuth-created ones, the subscription's own for PAT-created ones,
// each falling back to the other ("" = unsigned).
func (s *Server) signingKeyLocked(sub *subscription) string {
	first, second := sub.signingKey, s.cfg.AppSigningKey
	if sub.viaOAuth {
		first, second = second, first
	}
	if first != "" {
		return first
	}
	return second
}

// Sign is the v1 part of Calendly-Webhook-Signature: lower-case hex
// HMAC-SHA256 under key of t + "." + body (spec §3.4).
func Sign(key string, t int64, body []byte) string {
	m := hmac.New(sha256.New, []byte(key))
	m.Write([]byte(strconv.FormatInt(t, 10) + "."))
	m.Write(body)
	return hex.EncodeToString(m.Sum(nil))
}

// SetDuplicates makes every delivery attempt POST the identical body and
// signature n times (n <= 1: once), as at-least-once delivery may.
func (s *Server) SetDuplicates(n int) {
	s.mu.Lock()
	s.dups = max(n, 1)
	s.mu.Unlock()
}

// Deliveries lists every webhook POST made so far, oldest first.
func (s *Server) Deliveries() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.deliveries)
}

// Flush waits until no delivery is waiting for a retry, or ctx ends.
func (s *Server) Flush(ctx context.Context) error {
	for {
		s.mu.Lock()
		if s.retrying == 0 {
			s.mu.Unlock()
			return nil
		}
		ch := s.settled
		s.mu.Unlock()
		select {
		case <-ch:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

package zoho

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// Notification callbacks (spec §2.3.1). Zoho's retry policy, timeouts and
// coalescing are UNCONFIRMED; the simulator delivers asynchronously, one
// POST per channel per write (all the write's ids in it), and retries a
// non-2xx or failed POST 3 more times after 200 ms, 400 ms and 800 ms, so
// a receiver that is briefly down still gets it but a test never waits
// long. No HMAC: the channel token in the body is the only proof.

var (
	ErrNotFound = errors.New("zoho sim: not found")
	ErrInvalid  = errors.New("zoho sim: invalid")
)

const (
	callbackAttempts = 4
	callbackBackoff  = 200 * time.Millisecond
)

// change is one record's part in a notification.
type change struct {
	id     string
	fields []string       // changed fields (edits)
	values map[string]any // their new values
}

type delivery struct {
	url  string
	body []byte
}

// notifyLocked builds the callbacks a write raises: one per active
// channel that watches op ("create", "edit") on module, `copies` times.
// It counts them in s.wg while the lock shows the server open, so Close
// waits for every one it lets through.
func (s *Server) notifyLocked(module, op string, changes []change, copies int) []delivery {
	if len(changes) == 0 || s.closed {
		return nil
	}
	now := s.now()
	operation := map[string]string{"create": "insert", "edit": "update", "delete": "delete"}[op]
	var out []delivery
	for _, ch := range s.sortedChannelsLocked() {
		if !now.Before(ch.expiry) || !ch.watches(module, op) {
			continue
		}
		var ids []string
		affected, values := []any{}, []any{}
		for _, c := range changes {
			if op == "edit" && len(ch.condFields[module]) > 0 && !touches(c.fields, ch.condFields[module]) {
				continue // notification_condition: none of the selected fields changed
			}
			ids = append(ids, c.id)
			if op == "edit" {
				affected = append(affected, map[string]any{c.id: c.fields})
				values = append(values, map[string]any{"record_id": c.id, "values": c.values})
			}
		}
		if len(ids) == 0 {
			continue
		}
		qp := map[string]string{}
		if u, err := url.Parse(ch.notifyURL); err == nil {
			for k, v := range u.Query() {
				qp[k] = v[0]
			}
		}
		body := map[string]any{
			"server_time": now.UnixMilli(), "query_params": qp, "module": module,
			// Zoho's sample carries crm/v2 even for newer subscriptions.
			"resource_uri": ch.base + "/crm/v2/" + module, "ids": ids, "affected_fields": affected,
			"operation": operation, "channel_id": strconv.FormatInt(ch.id, 10), "token": ch.token,
		}
		if ch.returnValues && op == "edit" {
			body["affected_values"] = values
		}
		b, _ := json.Marshal(body)
		for range max(copies, 1) {
			out = append(out, delivery{url: ch.notifyURL, body: b})
			s.wg.Add(1)
		}
	}
	return out
}

func touches(changed []string, want map[string]bool) bool {
	for _, f := range changed {
		if want[f] {
			return true
		}
	}
	return false
}

// deliver sends callbacks built by notifyLocked, each on its own goroutine.
func (s *Server) deliver(ds []delivery) {
	for _, d := range ds {
		go s.post(d)
	}
}

func (s *Server) post(d delivery) {
	defer s.wg.Done()
	wait := callbackBackoff
	for attempt := 1; ; attempt++ {
		req, err := http.NewRequestWithContext(s.ctx, http.MethodPost, d.url, bytes.NewReader(d.body))
		if err != nil {
			return
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := s.client.Do(req)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode/100 == 2 {
				s.mu.Lock()
				s.stats.CallbacksOK++
				s.mu.Unlock()
				return
			}
			err = fmt.Errorf("HTTP %d", resp.StatusCode)
		}
		if attempt == callbackAttempts || s.ctx.Err() != nil {
			s.log.Warn("zoho sim: notification not delivered", "url", d.url, "error", err)
			s.mu.Lock()
			s.stats.CallbacksFailed++
			s.mu.Unlock()
			return
		}
		select {
		case <-time.After(wait):
		case <-s.ctx.Done():
		}
		wait *= 2
	}
}

// MoveDeal plays a CRM user changing a deal's Stage: the record changes
// (Modified_Time, and it leaves the search index for IndexLag) and every
// active channel watching Deals.edit or Deals.all gets a callback,
// `copies` times (values below 1 mean 1), to exercise deduplication.
func (s *Server) MoveDeal(dealID, stage string, copies int) error {
	if !contains(defaultStages, stage) {
		return fmt.Errorf("%w: stage %q is not in the Stage picklist", ErrInvalid, stage)
	}
	s.mu.Lock()
	r := s.records[dealID]
	if r == nil || r.module != "Deals" {
		s.mu.Unlock()
		return fmt.Errorf("%w: deal %s", ErrNotFound, dealID)
	}
	r.fields["Stage"] = stage
	r.written = s.now()
	ds := s.notifyLocked("Deals", "edit", []change{{id: dealID, fields: []string{"Stage"}, values: map[string]any{"Stage": stage}}}, copies)
	s.mu.Unlock()
	s.deliver(ds)
	return nil
}

package meta

import (
	"context"
	"time"
)

// Faults are injected misbehaviours. Counters apply to the next N events
// of any number and count down to zero.
type Faults struct {
	DropWebhooks      int        `json:"drop_webhooks"`      // next N webhook POSTs are never sent
	DuplicateWebhooks int        `json:"duplicate_webhooks"` // next N webhook POSTs are sent twice
	OutOfOrder        int        `json:"out_of_order"`       // next N messages: "read" is sent before "delivered"
	SkipDelivered     int        `json:"skip_delivered"`     // next N messages: "read" without "delivered"
	GraphLatencyMS    int        `json:"graph_latency_ms"`   // added to every Graph API response while set
	FailSends         *FailSends `json:"fail_sends,omitempty"`
	ExpiredTokens     []string   `json:"expired_tokens,omitempty"` // tokens answered with 190/463

	PerUserMarketingCap int `json:"per_user_marketing_cap"` // next N MARKETING template sends fail (async) with 131049
}

// FailSends makes the next Count sends fail with Code: "sync" answers the
// send with the error envelope; "async" accepts it (200 + wamid) and then
// sends a "failed" status webhook.
type FailSends struct {
	Count   int    `json:"count"`
	Code    int    `json:"code"`
	Mode    string `json:"mode"`              // "sync" (default) or "async"
	Details string `json:"details,omitempty"` // error_data.details; defaults to Meta's wording
}

// Faults returns the current fault settings.
func (s *Server) Faults() Faults {
	s.mu.Lock()
	defer s.mu.Unlock()
	f := s.faults
	if f.FailSends != nil {
		fs := *f.FailSends
		f.FailSends = &fs
	}
	f.ExpiredTokens = append([]string(nil), f.ExpiredTokens...)
	return f
}

// SetFaults replaces the fault settings; the zero value clears them.
func (s *Server) SetFaults(f Faults) {
	if f.FailSends != nil {
		fs := *f.FailSends
		if fs.Mode == "" {
			fs.Mode = "sync"
		}
		if fs.Count <= 0 {
			f.FailSends = nil
		} else {
			f.FailSends = &fs
		}
	}
	f.ExpiredTokens = append([]string(nil), f.ExpiredTokens...)
	s.mu.Lock()
	s.faults = f
	s.mu.Unlock()
}

// takeWebhookFault consumes one webhook-level fault, if any is armed.
func (s *Server) takeWebhookFault() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case s.faults.DropWebhooks > 0:
		s.faults.DropWebhooks--
		return "dropped"
	case s.faults.DuplicateWebhooks > 0:
		s.faults.DuplicateWebhooks--
		return "duplicate"
	}
	return ""
}

// takeOrderFault consumes a status-ordering fault for a new message.
// Callers hold s.mu.
func (s *Server) takeOrderFault() string {
	switch {
	case s.faults.OutOfOrder > 0:
		s.faults.OutOfOrder--
		return "out_of_order"
	case s.faults.SkipDelivered > 0:
		s.faults.SkipDelivered--
		return "skip_delivered"
	}
	return ""
}

// takeSendFault consumes an injected send failure. Callers hold s.mu.
func (s *Server) takeSendFault() *FailSends {
	fs := s.faults.FailSends
	if fs == nil {
		return nil
	}
	taken := *fs
	if fs.Count--; fs.Count <= 0 {
		s.faults.FailSends = nil
	}
	return &taken
}

// graphLatency waits out the injected latency, giving up early if the
// client goes away or the simulator closes.
func (s *Server) graphLatency(ctx context.Context) {
	s.mu.Lock()
	d := time.Duration(s.faults.GraphLatencyMS) * time.Millisecond
	s.mu.Unlock()
	if d <= 0 {
		return
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
	case <-ctx.Done():
	case <-s.hooks.ctx.Done():
	}
}

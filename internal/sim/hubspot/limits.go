package hubspot

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Fault makes every API call (not /_sim, not webhooks, not the consent
// page; the token endpoint too, since it is on the same outage-prone host)
// answer Status until cleared with Fault{}. RetryAfter, when set, goes out
// as a Retry-After header in whole seconds (rounded up).
type Fault struct {
	Status     int           `json:"status"`
	RetryAfter time.Duration `json:"-"`
}

// Stats counts what the simulator saw. Calls is keyed by "METHOD path".
type Stats struct {
	APICalls          int            `json:"api_calls"`          // every call to the API, rejected ones included
	RateLimited       int            `json:"rate_limited"`       // 429s for the burst, daily or search limit (not faults)
	SearchCalls       int            `json:"search_calls"`       // search calls, rejected ones included
	Unauthorized      int            `json:"unauthorized"`       // 401s
	Faulted           int            `json:"faulted"`            // calls answered by SetFault
	WebhooksDelivered int            `json:"webhooks_delivered"` // webhook POSTs answered 2xx
	WebhooksFailed    int            `json:"webhooks_failed"`    // webhook POSTs that failed (each attempt counts)
	WebhookEvents     int            `json:"webhook_events"`     // events in the POSTs answered 2xx
	Calls             map[string]int `json:"calls"`
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.Calls = make(map[string]int, len(s.stats.Calls))
	for k, v := range s.stats.Calls {
		st.Calls[k] = v
	}
	return st
}

// SetFault sets (or, with Fault{}, clears) the answer to every API call.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	s.fault = f
	s.mu.Unlock()
}

const (
	burstWindow  = 10 * time.Second
	searchWindow = time.Second
)

type callKind int

const (
	apiCall callKind = iota
	searchCall
)

// api wraps a handler with what every HubSpot API call goes through, in
// HubSpot's order: an outage answers before anything else, then the token
// is checked (a 401 costs no quota), then the limits, then the scopes.
func (s *Server) api(kind callKind, h func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.stats.APICalls++
		s.stats.Calls[r.Method+" "+r.URL.Path]++
		if kind == searchCall {
			s.stats.SearchCalls++
		}
		if f := s.fault; f.Status != 0 {
			s.stats.Faulted++
			s.mu.Unlock()
			writeFault(w, f)
			return
		}
		c, msg, category := s.authenticateLocked(r)
		if c == nil {
			s.stats.Unauthorized++
			s.mu.Unlock()
			writeError(w, http.StatusUnauthorized, category, msg, nil)
			return
		}
		policy, headers := s.admitLocked(kind, c)
		if policy != "" {
			s.stats.RateLimited++
		}
		s.mu.Unlock()
		for k, v := range headers {
			w.Header().Set(k, v)
		}
		if policy != "" {
			writeRateLimited(w, policy)
			return
		}
		if need := requiredScopes(r); !c.hasAny(need) {
			writeMissingScopes(w, need)
			return
		}
		h(w, r, c)
	}
}

// admitLocked applies the daily quota and the burst or search window. It
// answers the policy that refused the call ("" if admitted) and the rate
// headers to send. Refused calls do not use up the window: HubSpot counts
// what it served, and a client backing off must be able to get back in.
func (s *Server) admitLocked(kind callKind, c *caller) (string, map[string]string) {
	now := s.now()
	if day := now.In(s.tz).Format(time.DateOnly); day != s.day {
		s.day, s.dayCount = day, 0
	}
	var headers map[string]string
	if kind == apiCall {
		s.burst = dropBefore(s.burst, now.Add(-burstWindow))
		headers = map[string]string{
			"X-HubSpot-RateLimit-Interval-Milliseconds": strconv.Itoa(int(burstWindow / time.Millisecond)),
			"X-HubSpot-RateLimit-Max":                   strconv.Itoa(s.cfg.BurstLimit),
		}
	}
	// HubSpot sends no daily headers on OAuth calls (spec §1.6).
	daily := func(used int) {
		if headers != nil && c.private {
			headers["X-HubSpot-RateLimit-Daily"] = strconv.Itoa(s.cfg.DailyLimit)
			headers["X-HubSpot-RateLimit-Daily-Remaining"] = strconv.Itoa(max(s.cfg.DailyLimit-used, 0))
		}
	}
	if s.dayCount >= s.cfg.DailyLimit {
		if headers != nil {
			headers["X-HubSpot-RateLimit-Remaining"] = strconv.Itoa(max(s.cfg.BurstLimit-len(s.burst), 0))
		}
		daily(s.dayCount)
		return "DAILY", headers
	}
	switch kind {
	case searchCall:
		s.searches = dropBefore(s.searches, now.Add(-searchWindow))
		if len(s.searches) >= s.cfg.SearchPerSecond {
			return "SECONDLY", nil
		}
		s.searches = append(s.searches, now)
	default:
		if len(s.burst) >= s.cfg.BurstLimit {
			headers["X-HubSpot-RateLimit-Remaining"] = "0"
			daily(s.dayCount)
			return "TEN_SECONDLY_ROLLING", headers
		}
		s.burst = append(s.burst, now)
		headers["X-HubSpot-RateLimit-Remaining"] = strconv.Itoa(s.cfg.BurstLimit - len(s.burst))
	}
	s.dayCount++
	daily(s.dayCount)
	return "", headers
}

// dropBefore removes the times at or before cut from an ascending list.
func dropBefore(ts []time.Time, cut time.Time) []time.Time {
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	return append(ts[:0], ts[i:]...)
}

func (s *Server) nextMidnight(now time.Time) time.Time {
	l := now.In(s.tz)
	return time.Date(l.Year(), l.Month(), l.Day()+1, 0, 0, 0, 0, s.tz)
}

// writeRateLimited answers HubSpot's 429 body (spec §1.6). HubSpot does
// not document a Retry-After on these, so none is sent. The search body's
// wording is not in the spec; it follows the same pattern.
func writeRateLimited(w http.ResponseWriter, policy string) {
	msg := map[string]string{
		"TEN_SECONDLY_ROLLING": "You have reached your ten_secondly_rolling limit.",
		"DAILY":                "You have reached your daily limit.",
		"SECONDLY":             "You have reached your secondly limit.",
	}[policy]
	writeJSON(w, http.StatusTooManyRequests, map[string]string{
		"status":        "error",
		"message":       msg,
		"errorType":     "RATE_LIMIT",
		"correlationId": newUUID(),
		"policyName":    policy,
		"requestId":     newUUID(),
	})
}

func writeFault(w http.ResponseWriter, f Fault) {
	if f.RetryAfter > 0 {
		secs := (f.RetryAfter + time.Second - 1) / time.Second
		w.Header().Set("Retry-After", strconv.Itoa(int(secs)))
	}
	switch f.Status {
	case http.StatusTooManyRequests:
		writeRateLimited(w, "TEN_SECONDLY_ROLLING")
	case http.StatusLocked:
		writeError(w, f.Status, "LOCKED", "Too many concurrent writes to the same record. Please retry.", nil)
	case 477:
		writeError(w, f.Status, "MIGRATION_IN_PROGRESS", "This portal is being migrated between data centers. Please retry later.", nil)
	case http.StatusUnauthorized:
		writeError(w, f.Status, "INVALID_AUTHENTICATION", "Authentication credentials not found.", nil)
	default:
		category := "INTERNAL_ERROR"
		if f.Status < 500 {
			category = "VALIDATION_ERROR"
		}
		writeError(w, f.Status, category, strings.TrimSpace(http.StatusText(f.Status)+" (simulated fault)"), nil)
	}
}

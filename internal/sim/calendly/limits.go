package simcalendly

import (
	"net/http"
	"strconv"
	"time"
)

// maxBody bounds every request body, API and OAuth alike.
const maxBody = 1 << 20

const rateWindow = time.Minute

// window is one user's current rate-limit minute. Calendly documents a
// per-minute budget and X-RateLimit-Reset in seconds until it renews,
// which is a fixed window opened by the first call.
type window struct {
	start time.Time
	n     int
}

// FailAPI makes the next n REST API calls (not OAuth, not /_sim/) answer
// status with Calendly's error body; 429 comes with X-RateLimit-*
// headers (Remaining 0, Reset 1). n <= 0 clears it; status 0 is 500.
func (s *Server) FailAPI(n, status int) {
	if status == 0 {
		status = http.StatusInternalServerError
	}
	s.mu.Lock()
	s.failN, s.failStatus = max(n, 0), status
	s.mu.Unlock()
}

// Calls counts the calls that hit a route, rejected ones included, by its
// pattern ("GET /users/me", "GET /scheduled_events/{uuid}") and by
// method and concrete path ("GET /scheduled_events/ABC…").
func (s *Server) Calls(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.calls[path]
}

func (s *Server) countLocked(r *http.Request) {
	s.calls[r.Pattern]++
	if concrete := r.Method + " " + r.URL.Path; concrete != r.Pattern {
		s.calls[concrete]++
	}
}

// counted counts a non-API route (OAuth) and caps its body.
func (s *Server) counted(h http.HandlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.countLocked(r)
		s.mu.Unlock()
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r)
	}
}

// api wraps a REST handler with what every call meets, in this order: a
// FailAPI fault, the bearer token (a 401 costs no budget), then the
// per-user rate limit, whose headers go on every authenticated answer.
func (s *Server) api(h func(http.ResponseWriter, *http.Request, *caller)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		now := s.now()
		s.mu.Lock()
		s.countLocked(r)
		if s.failN > 0 {
			s.failN--
			status := s.failStatus
			if status == http.StatusTooManyRequests {
				// Reset 1: a client honouring it retries at once, so
				// tests of the 429 path do not sleep a minute.
				setRateHeaders(w, s.cfg.RateLimit, 0, 1)
			}
			s.mu.Unlock()
			writeFault(w, status)
			return
		}
		c, msg := s.authenticateLocked(r, now)
		if c == nil {
			s.mu.Unlock()
			writeError(w, http.StatusUnauthorized, titleUnauth, msg, nil)
			return
		}
		ok := s.admitLocked(w, c.userID, now)
		s.mu.Unlock()
		if !ok {
			writeError(w, http.StatusTooManyRequests, titleTooMany, msgTooMany, nil)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, maxBody)
		h(w, r, c)
	}
}

// admitLocked spends one call of the user's minute and sets the headers.
// Refused calls are not spent, so a client that waits Reset gets back in.
func (s *Server) admitLocked(w http.ResponseWriter, userID string, now time.Time) bool {
	win := s.windows[userID]
	if win == nil || !now.Before(win.start.Add(rateWindow)) {
		win = &window{start: now}
		s.windows[userID] = win
	}
	reset := int((win.start.Add(rateWindow).Sub(now) + time.Second - 1) / time.Second)
	if win.n >= s.cfg.RateLimit {
		setRateHeaders(w, s.cfg.RateLimit, 0, reset)
		return false
	}
	win.n++
	setRateHeaders(w, s.cfg.RateLimit, s.cfg.RateLimit-win.n, reset)
	return true
}

func setRateHeaders(w http.ResponseWriter, limit, remaining, reset int) {
	w.Header().Set("X-RateLimit-Limit", strconv.Itoa(limit))
	w.Header().Set("X-RateLimit-Remaining", strconv.Itoa(remaining))
	w.Header().Set("X-RateLimit-Reset", strconv.Itoa(reset))
}

func writeFault(w http.ResponseWriter, status int) {
	title, msg := http.StatusText(status), "Simulated failure."
	switch status {
	case http.StatusBadRequest:
		title, msg = titleInvalid, msgInvalid
	case http.StatusUnauthorized:
		title, msg = titleUnauth, "The access token is invalid"
	case http.StatusForbidden:
		title, msg = titleDenied, msgDenied
	case http.StatusNotFound:
		title, msg = titleNotFound, msgNotFound
	case http.StatusTooManyRequests:
		title, msg = titleTooMany, msgTooMany
	case http.StatusInternalServerError:
		title, msg = titleInternal, msgInternal
	case http.StatusServiceUnavailable:
		title, msg = titleUnavailable, msgUnavailable
	}
	writeError(w, status, title, msg, nil)
}

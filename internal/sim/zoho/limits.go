package zoho

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// Every /crm/ call goes through serveAPI, which applies Zoho's gates in
// the order a call meets them: injected fault, OAuth token, URL, scope,
// concurrency (spec §2.4.2), credits (§2.4.1); then CallLatency; then the
// handler.

const maxBody = 5 << 20

// heavySubLimit is Zoho's sub-concurrency limit for search and bulk
// writes, whatever the edition (spec §2.4.2).
const heavySubLimit = 10

// call is one admitted API call as a handler sees it.
type call struct {
	w    http.ResponseWriter
	r    *http.Request
	body []byte
	base string
	now  time.Time
	rt   route
}

// route is what a /crm/ path names.
type route struct {
	kind   string // org, fields, watch, records, upsert, search, record, related_notes
	module *moduleMeta
	id     string
	heavy  bool
	cost   int
}

type apiErr struct {
	status  int
	code    string
	msg     string
	details map[string]any
}

var (
	versionRE = regexp.MustCompile(`^v[2-8](\.[0-9])?$`)
	idRE      = regexp.MustCompile(`^[0-9]{1,20}$`)
)

// allowed lists the methods each route kind answers.
var allowed = map[string]string{
	"org": "GET", "fields": "GET", "watch": "GET POST PUT PATCH DELETE",
	"records": "GET POST PUT", "upsert": "POST", "search": "GET",
	"record": "GET PUT", "related_notes": "GET POST",
}

func parseRoute(method, path string, body []byte) (route, *apiErr) {
	badURL := &apiErr{http.StatusNotFound, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", nil}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if len(parts) < 3 || parts[0] != "crm" || !versionRE.MatchString(parts[1]) {
		return route{}, badURL
	}
	p := parts[2:]
	var rt route
	switch {
	case len(p) == 1 && p[0] == "org":
		rt.kind = "org"
	case len(p) == 2 && p[0] == "settings" && p[1] == "fields":
		rt.kind = "fields"
	case len(p) == 2 && p[0] == "actions" && p[1] == "watch":
		rt.kind = "watch"
	case len(p) <= 3:
		rt.module = moduleByName(p[0])
		if rt.module == nil {
			return route{}, &apiErr{http.StatusBadRequest, "INVALID_MODULE", "the module name given seems to be invalid", nil}
		}
		isNotes := rt.module.APIName == "Notes"
		switch {
		case len(p) == 1:
			rt.kind = "records"
		case len(p) == 2 && p[1] == "upsert" && !isNotes:
			rt.kind = "upsert"
		case len(p) == 2 && p[1] == "search" && !isNotes:
			rt.kind = "search"
		case len(p) == 2 && idRE.MatchString(p[1]):
			rt.kind, rt.id = "record", p[1]
		case len(p) == 3 && idRE.MatchString(p[1]) && strings.EqualFold(p[2], "Notes") && !isNotes:
			rt.kind, rt.id = "related_notes", p[1]
		default:
			return route{}, badURL
		}
	default:
		return route{}, badURL
	}
	if !strings.Contains(" "+allowed[rt.kind]+" ", " "+method+" ") {
		return route{}, &apiErr{http.StatusBadRequest, "INVALID_REQUEST_METHOD", "The http request method type is not a valid one", nil}
	}
	rt.cost = 1
	if (method == "POST" || method == "PUT") && rt.kind != "watch" {
		// Writes cost 1 credit per 10 records and count as heavy above 10
		// (spec §2.4.1, §2.4.2). A body that does not parse costs 1 and
		// is refused by the handler.
		var in struct {
			Data []json.RawMessage `json:"data"`
		}
		if json.Unmarshal(body, &in) == nil && len(in.Data) > 0 {
			rt.cost = (len(in.Data) + 9) / 10
			rt.heavy = len(in.Data) > 10
		}
	}
	if rt.kind == "search" {
		rt.heavy = true
	}
	return rt, nil
}

// faultAnswer writes an injected failure.
func faultAnswer(w http.ResponseWriter, f Fault) {
	code, msg := f.Code, "Internal Server Error"
	if code == "" {
		switch {
		case f.Status == http.StatusTooManyRequests:
			code = "TOO_MANY_REQUESTS"
		case f.Status == http.StatusUnauthorized:
			code = "INVALID_TOKEN"
		case f.Status == http.StatusForbidden:
			code = "NO_PERMISSION"
		case f.Status == http.StatusNotFound:
			code = "INVALID_URL_PATTERN"
		case f.Status == http.StatusBadRequest:
			code = "INVALID_DATA"
		default:
			code = "INTERNAL_ERROR"
		}
	}
	switch code {
	case "TOO_MANY_REQUESTS":
		msg = "The number of concurrent requests has exceeded the limit"
	case "INVALID_TOKEN":
		msg = "invalid oauth token"
	case "NO_PERMISSION":
		msg = "permission denied"
	}
	apiError(w, f.Status, code, msg, nil)
}

func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		apiError(w, http.StatusBadRequest, "INVALID_DATA", "the request body could not be read", nil)
		return
	}
	rt, rerr := parseRoute(r.Method, r.URL.Path, body)
	now := s.now()

	s.mu.Lock()
	s.stats.Calls++
	if f := s.fault; f.Status != 0 {
		if f.Count > 0 {
			if s.fault.Count--; s.fault.Count == 0 {
				s.fault = Fault{}
			}
		}
		if f.Status == http.StatusTooManyRequests {
			s.stats.TooManyRequests++
		}
		s.mu.Unlock()
		faultAnswer(w, f)
		return
	}
	tok := s.tokenLocked(r, now)
	if tok == nil {
		s.mu.Unlock()
		apiError(w, http.StatusUnauthorized, "INVALID_TOKEN", "invalid oauth token", nil)
		return
	}
	if rerr != nil {
		s.mu.Unlock()
		apiError(w, rerr.status, rerr.code, rerr.msg, rerr.details)
		return
	}
	if !scopeOK(tok.scopes, rt, r.Method) {
		s.mu.Unlock()
		apiError(w, http.StatusUnauthorized, "OAUTH_SCOPE_MISMATCH", "invalid oauth scope to access this URL", nil)
		return
	}
	if s.inflight >= s.cfg.Concurrency || (rt.heavy && s.heavy >= heavySubLimit) {
		s.stats.TooManyRequests++
		s.mu.Unlock()
		apiError(w, http.StatusTooManyRequests, "TOO_MANY_REQUESTS", "The number of concurrent requests has exceeded the limit", nil)
		return
	}
	if s.creditsUsedLocked(now)+rt.cost > s.cfg.Credits {
		// Exhausted credits: code LIMIT_EXCEEDED is in Zoho's OAS enums, the
		// HTTP status is UNCONFIRMED (spec §2.4.2). 429 is chosen because
		// the caller's right move is to wait, not to drop the data.
		s.stats.TooManyRequests++
		s.mu.Unlock()
		apiError(w, http.StatusTooManyRequests, "LIMIT_EXCEEDED", "API credits for the last 24 hours are exhausted",
			map[string]any{"limit": s.cfg.Credits})
		return
	}
	s.credits = append(s.credits, creditUse{at: now, n: rt.cost})
	s.stats.CreditsTotal += rt.cost
	s.inflight++
	if rt.heavy {
		s.heavy++
	}
	s.stats.PeakConcurrency = max(s.stats.PeakConcurrency, s.inflight)
	s.mu.Unlock()

	if s.cfg.CallLatency > 0 {
		t := time.NewTimer(s.cfg.CallLatency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
		}
	}
	// The answer is buffered and the slot freed before a byte reaches the
	// client, so a client that waits for the body before sending its next
	// call never meets its own previous call still counted in flight.
	bw := &bufWriter{h: http.Header{}}
	s.dispatch(&call{w: bw, r: r, body: body, base: s.baseURL(r), now: s.now(), rt: rt})
	s.mu.Lock()
	s.inflight--
	if rt.heavy {
		s.heavy--
	}
	s.mu.Unlock()
	bw.flushTo(w)
}

func (s *Server) dispatch(c *call) {
	m := c.r.Method
	notes := c.rt.module != nil && c.rt.module.APIName == "Notes"
	switch c.rt.kind {
	case "org":
		s.serveOrg(c)
	case "fields":
		s.serveFields(c)
	case "watch":
		s.serveWatch(c)
	case "search":
		s.serveSearch(c)
	case "upsert":
		s.serveWrite(c, "upsert", "")
	case "records":
		switch {
		case m == "GET":
			s.serveList(c)
		case m == "POST" && notes:
			s.serveCreateNotes(c, nil)
		case m == "POST":
			s.serveWrite(c, "insert", "")
		default:
			s.serveWrite(c, "update", "")
		}
	case "record":
		if m == "GET" {
			s.serveGet(c)
		} else {
			s.serveWrite(c, "update", c.rt.id)
		}
	case "related_notes":
		if m == "GET" {
			s.serveRelatedNotes(c)
		} else {
			s.serveCreateNotes(c, &parentRef{module: c.rt.module.APIName, id: c.rt.id})
		}
	}
}

type creditUse struct {
	at time.Time
	n  int
}

// creditsUsedLocked sums the rolling 24 h window, dropping older uses.
func (s *Server) creditsUsedLocked(now time.Time) int {
	cut := now.Add(-24 * time.Hour)
	i := 0
	for i < len(s.credits) && !s.credits[i].at.After(cut) {
		i++
	}
	s.credits = s.credits[i:]
	n := 0
	for _, c := range s.credits {
		n += c.n
	}
	return n
}

// scopeOK checks the token's scopes the way Zoho names them
// (ZohoCRM.<type>.<name>.<operation>, spec §2.1): a client that forgot a
// scope in its authorize URL gets 401 OAUTH_SCOPE_MISMATCH here too.
func scopeOK(granted map[string]bool, rt route, method string) bool {
	ops := map[string][]string{"GET": {"read"}, "POST": {"create", "write"}, "PUT": {"update", "write"},
		"PATCH": {"update", "write"}, "DELETE": {"delete"}}[method]
	has := func(family string, names ...string) bool {
		for _, n := range names {
			if granted[strings.ToLower(family+"."+n)] {
				return true
			}
		}
		return false
	}
	switch rt.kind {
	case "org":
		return has("ZohoCRM.org", "ALL", "READ")
	case "fields":
		return granted["zohocrm.settings.all"] || has("ZohoCRM.settings.fields", "ALL", "READ")
	case "watch":
		return has("ZohoCRM.notifications", append([]string{"ALL"}, ops...)...)
	}
	mod := "ZohoCRM.modules." + rt.module.APIName
	if rt.kind == "related_notes" && method == "POST" {
		mod, ops = "ZohoCRM.modules.Notes", []string{"create", "write"}
	}
	if rt.kind == "upsert" {
		ops = []string{"create", "write"}
	}
	if !granted["zohocrm.modules.all"] && !has(mod, append([]string{"ALL"}, ops...)...) {
		return false
	}
	if rt.kind == "search" {
		return has("ZohoSearch.securesearch", "ALL", "READ")
	}
	return true
}

// bufWriter holds a handler's answer until the call has left the
// concurrency accounting.
type bufWriter struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (b *bufWriter) Header() http.Header { return b.h }

func (b *bufWriter) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.buf.Write(p)
}

func (b *bufWriter) WriteHeader(code int) {
	if b.status == 0 {
		b.status = code
	}
}

func (b *bufWriter) flushTo(w http.ResponseWriter) {
	for k, v := range b.h {
		w.Header()[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	w.WriteHeader(b.status)
	_, _ = w.Write(b.buf.Bytes())
}

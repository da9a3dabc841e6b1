package zoho

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config tunes the simulator. The zero value is usable.
type Config struct {
	// ClientID and ClientSecret of the registered Zoho client. Empty
	// accepts any, so a quick test needs no setup.
	ClientID, ClientSecret string
	// BaseURL is this server's public base URL, answered as api_domain
	// and accounts-server. "" derives it from each request's Host (http).
	BaseURL string
	DC      string // data centre reported as `location` (default "com")
	OrgID   string // default "10000001"
	OrgName string // company_name of GET /org (default "GoHavi Sim Org")
	// TimeZone is the org's IANA zone: GET /org reports it and record
	// times are written in it, as Zoho does (default "UTC").
	TimeZone string
	// IndexLag is how long after its last write a record stays invisible
	// to search (default 2s; negative: immediately visible).
	IndexLag time.Duration
	// Concurrency is the in-flight API calls allowed before 429
	// TOO_MANY_REQUESTS (default 5, Free edition). Heavy calls (search,
	// writes of more than 10 records) also meet a sub-limit of 10.
	Concurrency int
	Credits     int           // API credits per rolling 24 h (default 5000, Free edition)
	CallLatency time.Duration // every API call takes at least this long (default 0)
	Now         func() time.Time
	HTTPClient  *http.Client // notification callbacks (default: 10 s timeout)
	Logger      *slog.Logger
}

// Record is a stored CRM record (Contacts, Leads, Deals, Notes).
type Record struct {
	ID        string         `json:"id"`
	Module    string         `json:"module"`
	Fields    map[string]any `json:"fields"`
	CreatedAt time.Time      `json:"created_at"`
}

// Channel is a notification (watch) channel.
type Channel struct {
	ID        int64     `json:"id"`
	Events    []string  `json:"events"`
	NotifyURL string    `json:"notify_url"`
	Token     string    `json:"token"`
	Expiry    time.Time `json:"expiry"`
}

// Fault makes API calls fail. Status 0 clears it.
type Fault struct {
	Status int    `json:"status"`
	Code   string `json:"code"`  // default by status: 429 TOO_MANY_REQUESTS, 401 INVALID_TOKEN, 5xx INTERNAL_ERROR…
	Count  int    `json:"count"` // fail only the next Count calls; 0 = until cleared
}

// Stats counts what the simulator saw.
type Stats struct {
	Calls           int `json:"calls"`             // /crm/ API calls received
	TooManyRequests int `json:"too_many_requests"` // calls answered 429 (concurrency, credits or fault)
	CreditsUsed     int `json:"credits_used"`      // credits charged in the current rolling 24 h
	CreditsTotal    int `json:"credits_total"`     // credits charged since start
	CallbacksOK     int `json:"callbacks_ok"`      // notification POSTs answered 2xx
	CallbacksFailed int `json:"callbacks_failed"`  // notifications given up after the last retry
	PeakConcurrency int `json:"peak_concurrency"`  // most API calls in flight at once
}

// Server is one data centre's accounts server and CRM API host. All
// methods are safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	loc    *time.Location
	mux    *http.ServeMux

	mu       sync.Mutex
	grants   map[string]*grant
	refresh  map[string]*refreshToken
	access   map[string]*accessToken
	records  map[string]*record
	order    []string // record ids in creation order
	nextID   int64
	channels map[int64]*channel
	fault    Fault
	indexLag time.Duration
	credits  []creditUse
	inflight int
	heavy    int
	stats    Stats
	closed   bool

	ctx    context.Context // cancelled by Close: stops callback deliveries
	cancel context.CancelFunc
	wg     sync.WaitGroup
}

// New returns a running simulator; Close stops its callback deliveries.
func New(cfg Config) *Server {
	if cfg.DC == "" {
		cfg.DC = "com"
	}
	if cfg.OrgID == "" {
		cfg.OrgID = "10000001"
	}
	if cfg.OrgName == "" {
		cfg.OrgName = "GoHavi Sim Org"
	}
	if cfg.TimeZone == "" {
		cfg.TimeZone = "UTC"
	}
	if cfg.IndexLag == 0 {
		cfg.IndexLag = 2 * time.Second
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 5
	}
	if cfg.Credits <= 0 {
		cfg.Credits = 5000
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	s := &Server{
		cfg: cfg, log: cfg.Logger, client: cfg.HTTPClient,
		grants: map[string]*grant{}, refresh: map[string]*refreshToken{}, access: map[string]*accessToken{},
		records: map[string]*record{}, channels: map[int64]*channel{},
		nextID: 5725767000003000000, indexLag: cfg.IndexLag,
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	s.loc = time.UTC
	if l, err := time.LoadLocation(cfg.TimeZone); err == nil {
		s.loc = l
	}
	s.ctx, s.cancel = context.WithCancel(context.Background())
	s.mux = s.routes()
	return s
}

// ServeHTTP serves the accounts server (/oauth/v2/…), the CRM API
// (/crm/v7/…) and the control API (/_sim/…).
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops pending and future notification callbacks and waits for
// the ones in flight.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/v2/auth", s.oauthAuth)
	m.HandleFunc("POST /oauth/v2/token", s.oauthToken)
	m.HandleFunc("POST /oauth/v2/token/revoke", s.oauthRevoke)
	m.HandleFunc("GET /crm/tab/{module}/{id}", s.serveRecordPage)
	m.HandleFunc("/crm/", s.serveAPI)
	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		apiError(w, http.StatusNotFound, "INVALID_URL_PATTERN", "Please check if the URL trying to access is a correct one", nil)
	})
	return m
}

// baseURL is what api_domain, accounts-server and resource_uri carry.
func (s *Server) baseURL(r *http.Request) string {
	if s.cfg.BaseURL != "" {
		return s.cfg.BaseURL
	}
	return "http://" + r.Host
}

// zohoTime is how Zoho writes datetimes: seconds and a numeric offset in
// the org's zone, never "Z".
const zohoTime = "2006-01-02T15:04:05-07:00"

func (s *Server) fmtTime(t time.Time) string { return t.In(s.loc).Format(zohoTime) }

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=UTF-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError writes Zoho's error body (spec §2.4.3).
func apiError(w http.ResponseWriter, status int, code, msg string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	writeJSON(w, status, map[string]any{"code": code, "details": details, "message": msg, "status": "error"})
}

// errItem is one failed entry of a data[] (or watch[]) answer.
func errItem(code, msg string, details map[string]any) map[string]any {
	if details == nil {
		details = map[string]any{}
	}
	return map[string]any{"code": code, "details": details, "message": msg, "status": "error"}
}

// itemsStatus picks the HTTP status of a per-item answer. Zoho's status
// for mixed results is UNCONFIRMED (spec §2.2.1): the simulator answers
// okStatus when all succeed, 400 when all fail and 207 when mixed, so a
// client that trusts the status alone is caught.
func itemsStatus(items []map[string]any, okStatus int) int {
	failed := 0
	for _, it := range items {
		if it["status"] != "success" {
			failed++
		}
	}
	switch {
	case failed == 0:
		return okStatus
	case failed == len(items):
		return http.StatusBadRequest
	}
	return http.StatusMultiStatus
}

package hubspot

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"sync"
	"time"
)

// Config tunes the simulator. The zero value is usable.
type Config struct {
	ClientID, ClientSecret string // the OAuth app; ClientSecret also signs webhooks (v3 and v1 headers)
	AppID                  int64  // default 1160452
	PortalID               int64  // default 62515
	WebhookURL             string // where app webhooks go ("" = none until SetWebhookURL)
	// SearchLag: contacts become visible to search this long after
	// create/update (default 2s; negative = immediately).
	SearchLag       time.Duration
	BurstLimit      int // requests per rolling 10 s per portal, excluding search (default 100)
	DailyLimit      int // default 250000
	SearchPerSecond int // default 5
	// RetryDelays is the webhook redelivery schedule after a failed
	// delivery (default: 10 retries, 200ms doubling capped at 5s; HubSpot's
	// real one spreads 10 retries over 24h).
	RetryDelays []time.Duration
	Now         func() time.Time // default time.Now; token expiry and limits use it
	HTTPClient  *http.Client     // for webhook delivery, default 5 s timeout (HubSpot's)
	Logger      *slog.Logger
	// AnyPrivateAppToken accepts every "pat-…" bearer token as a private
	// app's, as the spec advises (§1.1.2: private-app tokens cannot be
	// listed, so a stand-in accepts them). Off, only tokens registered
	// with AddPrivateAppToken work, so refusals can be tested.
	AnyPrivateAppToken bool
}

// Defaults for the zero Config. The client id and secret are fixed so a
// sandbox and its app agree without configuration.
const (
	DefaultClientID     = "sim-hubspot-client-id"
	DefaultClientSecret = "sim-hubspot-client-secret"
	DefaultAppID        = 1160452
	DefaultPortalID     = 62515
)

// Server is one simulated HubSpot portal behind api.hubapi.com, with the
// OAuth app that is installed in it. All methods are safe for concurrent use.
type Server struct {
	cfg Config
	log *slog.Logger
	mux *http.ServeMux
	tz  *time.Location // the portal's time zone: the daily quota resets at its midnight

	mu sync.Mutex
	// auth (oauth.go)
	codes   map[string]*authCode
	access  map[string]*accessToken
	refresh map[string]*refreshGrant
	private map[string]bool
	// data (store.go)
	props   map[string]map[string]*propertyDef // object type → name → definition
	objects map[string]map[string]*object      // object type → id → object
	order   map[string][]string                // object type → ids in creation order
	assoc   map[assocKey][]*assocLink
	// One id counter for every type: ids stay numeric like HubSpot's, and
	// a contact id used as a deal id finds nothing instead of a wrong deal.
	nextID  int64
	nextEvt int64
	lag     time.Duration
	fault   Fault
	noComms bool // RefuseCommunications
	// limits (limits.go)
	burst    []time.Time // accepted non-search calls in the rolling window
	searches []time.Time // accepted search calls in the last second
	day      string      // the portal's current date, for the daily quota
	dayCount int
	stats    Stats

	hooks *emitter
}

// New returns a running simulator; call Close to stop webhook delivery.
func New(cfg Config) *Server {
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.AppID == 0 {
		cfg.AppID = DefaultAppID
	}
	if cfg.PortalID == 0 {
		cfg.PortalID = DefaultPortalID
	}
	if cfg.SearchLag == 0 {
		cfg.SearchLag = 2 * time.Second
	}
	if cfg.BurstLimit <= 0 {
		cfg.BurstLimit = 100
	}
	if cfg.DailyLimit <= 0 {
		cfg.DailyLimit = 250000
	}
	if cfg.SearchPerSecond <= 0 {
		cfg.SearchPerSecond = 5
	}
	if cfg.RetryDelays == nil {
		d := 200 * time.Millisecond
		for range 10 {
			cfg.RetryDelays = append(cfg.RetryDelays, d)
			d = min(2*d, 5*time.Second)
		}
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 5 * time.Second}
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Logger,
		codes:   map[string]*authCode{},
		access:  map[string]*accessToken{},
		refresh: map[string]*refreshGrant{},
		private: map[string]bool{},
		props:   map[string]map[string]*propertyDef{},
		objects: map[string]map[string]*object{},
		order:   map[string][]string{},
		assoc:   map[assocKey][]*assocLink{},
		nextID:  100,
		nextEvt: 3816279340,
		lag:     max(cfg.SearchLag, 0),
		stats:   Stats{Calls: map[string]int{}},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	// The portal is in US/Eastern (account-info says so); without tzdata
	// on the machine a fixed offset is close enough for a daily reset.
	if loc, err := time.LoadLocation("America/New_York"); err == nil {
		s.tz = loc
	} else {
		s.tz = time.FixedZone("EST", -5*3600)
	}
	s.seed()
	s.hooks = newEmitter(s)
	s.mux = s.routes()
	return s
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// ServeHTTP serves the HubSpot API, OAuth and the control API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops webhook delivery and waits for it. Events still queued are
// dropped; the HTTP handler keeps answering.
func (s *Server) Close() { s.hooks.close() }

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/authorize", s.authorize)
	m.HandleFunc("POST /oauth/v1/token", s.token(false))
	m.HandleFunc("POST /oauth/v3/token", s.token(true))
	m.HandleFunc("GET /oauth/v1/access-tokens/{token}", s.tokenInfo)

	m.HandleFunc("GET /account-info/v3/details", s.api(apiCall, s.accountDetails))
	m.HandleFunc("GET /account-info/v3/api-usage/daily/private-apps", s.api(apiCall, s.apiUsage))

	m.HandleFunc("POST /crm/v3/properties/{objectType}", s.api(apiCall, s.createProperty))
	m.HandleFunc("GET /crm/v3/properties/{objectType}", s.api(apiCall, s.listProperties))
	m.HandleFunc("GET /crm/v3/properties/{objectType}/{name}", s.api(apiCall, s.getProperty))

	m.HandleFunc("POST /crm/v3/objects/{objectType}", s.api(apiCall, s.createObject))
	m.HandleFunc("GET /crm/v3/objects/{objectType}/{id}", s.api(apiCall, s.getObject))
	m.HandleFunc("PATCH /crm/v3/objects/{objectType}/{id}", s.api(apiCall, s.updateObject))
	m.HandleFunc("POST /crm/v3/objects/{objectType}/search", s.api(searchCall, s.search))
	m.HandleFunc("POST /crm/v3/objects/{objectType}/batch/{op}", s.api(apiCall, s.batch))

	m.HandleFunc("GET /crm/v3/pipelines/{objectType}", s.api(apiCall, s.listPipelines))
	m.HandleFunc("GET /crm/v3/pipelines/{objectType}/{pipelineId}", s.api(apiCall, s.getPipeline))
	m.HandleFunc("GET /crm/v4/objects/{from}/{id}/associations/{to}", s.api(apiCall, s.listAssociations))
	m.HandleFunc("POST /crm/v4/associations/{from}/{to}/batch/create", s.api(apiCall, s.createAssociations))

	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, "OBJECT_NOT_FOUND", "Resource not found: "+r.Method+" "+r.URL.Path, nil)
	})
	return m
}

// writeJSON answers v. HubSpot always answers JSON, errors included.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// apiError is HubSpot's general error body (spec §1.2.5).
type apiError struct {
	Status        string         `json:"status"`
	Message       string         `json:"message"`
	CorrelationID string         `json:"correlationId"`
	Category      string         `json:"category,omitempty"`
	SubCategory   string         `json:"subCategory,omitempty"`
	Errors        []errorDetail  `json:"errors,omitempty"`
	Context       map[string]any `json:"context,omitempty"`
	Links         map[string]any `json:"links,omitempty"`
}

type errorDetail struct {
	Message string              `json:"message"`
	Code    string              `json:"code,omitempty"`
	In      string              `json:"in,omitempty"`
	Context map[string][]string `json:"context,omitempty"`
}

func writeError(w http.ResponseWriter, status int, category, msg string, details []errorDetail) {
	writeJSON(w, status, apiError{Status: "error", Message: msg, CorrelationID: newUUID(), Category: category, Errors: details})
}

// newUUID makes the correlation and request ids HubSpot puts in every
// error; clients only log them.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return fmt.Sprintf("%s-%s-%s-%s-%s", h[0:8], h[8:12], h[12:16], h[16:20], h[20:])
}

// hsTime is the timestamp format of createdAt and the date properties.
func hsTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func (s *Server) accountDetails(w http.ResponseWriter, r *http.Request, _ *caller) {
	_, off := s.now().In(s.tz).Zone()
	writeJSON(w, http.StatusOK, map[string]any{
		"portalId":              s.cfg.PortalID,
		"accountType":           "STANDARD",
		"timeZone":              "US/Eastern",
		"companyCurrency":       "USD",
		"additionalCurrencies":  []string{},
		"utcOffset":             fmt.Sprintf("%+03d:%02d", off/3600, abs(off%3600)/60),
		"utcOffsetMilliseconds": off * 1000,
		"uiDomain":              "app.hubspot.com",
		"dataHostingLocation":   "na1",
	})
}

func (s *Server) apiUsage(w http.ResponseWriter, r *http.Request, _ *caller) {
	s.mu.Lock()
	used := s.dayCount
	s.mu.Unlock()
	now := s.now()
	writeJSON(w, http.StatusOK, map[string]any{"results": []map[string]any{{
		"name": "private-apps-api-calls-daily", "usageLimit": s.cfg.DailyLimit, "currentUsage": used,
		"collectedAt": hsTime(now), "resetsAt": hsTime(s.nextMidnight(now)), "fetchStatus": "SUCCESS",
	}}})
}

func abs(n int) int {
	if n < 0 {
		return -n
	}
	return n
}

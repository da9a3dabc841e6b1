package meta

import (
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/sim/simctl"
)

// Config tunes the simulator. The zero value is usable.
type Config struct {
	AppSecret      string           // HMAC-SHA256 key for X-Hub-Signature-256 on webhook POSTs
	WebhookURL     string           // default callback URL for all numbers (may be "" until SetWebhookURL)
	DeliveredAfter time.Duration    // delay sent→delivered (default 300ms; 0 means default; negative means immediately)
	ReadAfter      time.Duration    // delay delivered→read when AutoRead (default 700ms; negative means immediately)
	AutoRead       bool             // customers read messages automatically (tests); otherwise read via the phone page / control API
	Throughput     int              // messages per second per business number before 130429 (default 80)
	HTTPClient     *http.Client     // for webhook delivery (default: 10s timeout client)
	Logger         *slog.Logger     // default slog.Default()
	Now            func() time.Time // injectable clock (default time.Now)

	// Webhook retry policy. Meta documents both 36 h and 7 days; the
	// simulator defaults to the shorter one and caps the backoff low so a
	// receiver that comes back is served again within seconds.
	RetryInitial time.Duration // first backoff (default 100ms)
	RetryMax     time.Duration // backoff cap (default 30s)
	RetryMaxAge  time.Duration // give up on updates older than this, by Now (default 36h)

	// Persistence (persist.go, state.go). With StatePath set, New loads
	// the numbers, messages, windows, read marks and customer names from
	// that JSON file and the simulator saves them back atomically, at
	// most once per StateSaveInterval and once more in Close. Empty: in
	// memory only.
	StatePath         string
	StateMaxMessages  int           // newest messages per number kept in the file (default 5000)
	StateSaveInterval time.Duration // minimum time between two saves (default 500ms)

	// Templates and limits (templates.go, portfolio.go).
	TemplateReviewAfter time.Duration // PENDING → APPROVED/REJECTED (default 2s; 0 means default; negative means immediately)
	DefaultTier         string        // messaging limit of new portfolios: 250|2000|10000|100000|unlimited ("" = unlimited)
	MessagingLimitCode  int           // async error code when a portfolio's limit is reached (default 131048)

	// Onboarding (signup.go): the simulated Meta app the product is, as a
	// Tech Provider, and its own business portfolio.
	AppID             string // client_id for /oauth/access_token, {app-id} of /uploads (default DefaultAppID)
	AppName           string // whatsapp_business_api_data.name in subscribed_apps (default "GoHavi Simulator")
	PartnerBusinessID string // entry[].id of account_update PARTNER_* webhooks (default DefaultPartnerBusinessID)

	stateSaved func(error) // test hook: called after each write attempt
}

// Server is one simulated Graph API host with its numbers, messages and
// webhook queue. All methods are safe for concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	client *http.Client
	mux    *http.ServeMux

	mu         sync.Mutex
	numbers    map[string]*numberState // by phone number id
	order      []string                // phone number ids in creation order
	tokens     map[string]map[string]bool
	webhookURL string
	windows    map[pairKey]time.Time // last inbound message per (number, customer)
	names      map[pairKey]string    // last profile name a customer used
	throughput map[string]*bucket
	pairRate   map[pairKey]*bucket
	faults     Faults
	templates  map[string]*Template  // by template id
	tplOrder   []string              // template ids in creation order
	portfolios map[string]*portfolio // by portfolio id
	optedOut   map[pairKey]time.Time // customers who stopped marketing messages, since when
	wabas      map[string]*wabaState // WABAs changed by signup, subscriptions, reviews (accounts.go)
	appHealth  *healthOverride       // health_status of the APP entity, set by /_sim/health
	codes      map[string]*authCode  // Embedded Signup codes (signup.go)
	uploads    map[string]*upload    // Resumable Upload API sessions by "upload:…" id (uploads.go)
	pictures   map[string]*picture   // business profile pictures by id (uploads.go)
	media      map[string]*mediaItem // Media API files by media id (media.go)
	mediaURLs  map[string]mediaURL   // download URLs handed out, by mid (media.go)
	closed     bool
	gen        uint64     // bumped on every change worth saving
	persist    *persister // nil without StatePath

	sched *scheduler
	hooks *deliverer
}

type pairKey struct{ phoneID, waID string }

// New returns a running simulator; call Close to stop its timers and
// webhook workers.
func New(cfg Config) *Server {
	if cfg.DeliveredAfter == 0 {
		cfg.DeliveredAfter = 300 * time.Millisecond
	}
	if cfg.ReadAfter == 0 {
		cfg.ReadAfter = 700 * time.Millisecond
	}
	if cfg.Throughput <= 0 {
		cfg.Throughput = 80
	}
	if cfg.RetryInitial <= 0 {
		cfg.RetryInitial = 100 * time.Millisecond
	}
	if cfg.RetryMax <= 0 {
		cfg.RetryMax = 30 * time.Second
	}
	if cfg.RetryMaxAge <= 0 {
		cfg.RetryMaxAge = 36 * time.Hour
	}
	if cfg.TemplateReviewAfter == 0 {
		cfg.TemplateReviewAfter = defaultTemplateReviewAfter
	}
	if cfg.MessagingLimitCode == 0 {
		cfg.MessagingLimitCode = defaultMessagingLimitCode
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.StateMaxMessages <= 0 {
		cfg.StateMaxMessages = defaultStateMaxMessages
	}
	if cfg.StateSaveInterval <= 0 {
		cfg.StateSaveInterval = defaultStateSaveInterval
	}
	s := &Server{
		cfg:        cfg,
		log:        cfg.Logger,
		client:     cfg.HTTPClient,
		numbers:    map[string]*numberState{},
		tokens:     map[string]map[string]bool{},
		webhookURL: cfg.WebhookURL,
		windows:    map[pairKey]time.Time{},
		names:      map[pairKey]string{},
		throughput: map[string]*bucket{},
		pairRate:   map[pairKey]*bucket{},
		templates:  map[string]*Template{},
		portfolios: map[string]*portfolio{},
		optedOut:   map[pairKey]time.Time{},
		wabas:      map[string]*wabaState{},
		codes:      map[string]*authCode{},
		uploads:    map[string]*upload{},
		pictures:   map[string]*picture{},
		media:      map[string]*mediaItem{},
		mediaURLs:  map[string]mediaURL{},
		sched:      newScheduler(),
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	if s.client == nil {
		s.client = &http.Client{Timeout: 10 * time.Second}
	}
	s.hooks = newDeliverer(s)
	s.mux = s.routes()
	if cfg.StatePath != "" {
		s.openState()
		s.resume()
	}
	return s
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// Handler serves the Graph API, the control API under /_sim/ and the phone
// page. Everything uses relative links, so it can be mounted under any
// prefix with http.StripPrefix.
func (s *Server) Handler() http.Handler { return s.mux }

// SetWebhookURL changes the default callback URL. Webhooks parked for want
// of a URL are sent right away.
func (s *Server) SetWebhookURL(url string) {
	s.mu.Lock()
	s.webhookURL = url
	s.changed()
	s.mu.Unlock()
	s.hooks.wakeAll()
}

// callbackURL is where a number's webhooks go. Messages webhooks
// (inbound, statuses) honour the alternate callbacks set through Graph,
// phone before WABA (§2.1, webhooks/override); management ones always go
// to the app. NumberSpec.WebhookURL stands in for the app's URL as seen
// by that number, so it takes every field, as it always did. phoneID ""
// is the app itself (PARTNER_* account_update).
func (s *Server) callbackURL(phoneID string, messages bool) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	ns := s.numbers[phoneID]
	if ns == nil {
		return s.webhookURL
	}
	if messages {
		if ns.info.OverrideURL != "" {
			return ns.info.OverrideURL
		}
		if w := s.wabas[ns.WABAID]; w != nil && w.OverrideURL != "" {
			return w.OverrideURL
		}
	}
	if ns.WebhookURL != "" {
		return ns.WebhookURL
	}
	return s.webhookURL
}

// Close stops the status timers and the webhook workers and waits for
// them, then saves the state a last time (with StatePath). Webhooks still
// queued are dropped. The HTTP handler keeps answering but emits no more
// webhooks, and what changes after Close is not saved.
func (s *Server) Close() {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.closed = true
	s.mu.Unlock()
	s.sched.close()
	s.hooks.close()
	if s.persist != nil {
		s.persist.close()
	}
	if s.cfg.HTTPClient == nil {
		s.client.CloseIdleConnections()
	}
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /_sim/numbers", s.ctlListNumbers)
	m.HandleFunc("POST /_sim/numbers", s.ctlAddNumber)
	m.HandleFunc("POST /_sim/webhook", s.ctlSetWebhook)
	m.HandleFunc("POST /_sim/inbound", s.ctlInbound)
	m.HandleFunc("POST /_sim/read", s.ctlRead)
	m.HandleFunc("GET /_sim/sent", s.ctlSent)
	m.HandleFunc("GET /_sim/sent/counts", s.ctlSentCounts)
	m.HandleFunc("GET /_sim/chat", s.ctlChat)
	m.HandleFunc("GET /_sim/faults", s.ctlGetFaults)
	m.HandleFunc("POST /_sim/faults", s.ctlFaults)
	m.HandleFunc("GET /_sim/webhooks", s.ctlWebhooks)
	m.HandleFunc("POST /_sim/templates/status", s.ctlTemplateStatus)
	m.HandleFunc("POST /_sim/templates/quality", s.ctlTemplateQuality)
	m.HandleFunc("POST /_sim/templates/pacing", s.ctlPacing)
	m.HandleFunc("POST /_sim/portfolio", s.ctlPortfolio)
	m.HandleFunc("POST /_sim/preferences", s.ctlPreferences)
	s.onboardingRoutes(m)
	m.HandleFunc("GET "+lookasidePath, s.serveLookaside)
	m.HandleFunc("GET /_sim/media/{id}", s.ctlMedia)
	m.HandleFunc("GET /_sim/phone", s.servePhone)
	m.HandleFunc("GET /_sim/phone.js", s.servePhoneJS)
	m.HandleFunc("/_sim/", func(w http.ResponseWriter, r *http.Request) {
		simctl.Error(w, http.StatusNotFound, "not_found", "no such control endpoint: "+r.Method+" "+r.URL.Path)
	})
	m.HandleFunc("/", s.serveGraph)
	return m
}

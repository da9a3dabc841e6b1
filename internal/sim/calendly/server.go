package simcalendly

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Config tunes the simulator. The zero value is usable.
type Config struct {
	// BaseURL is this server's public base: resource URIs are built on it
	// and query parameters must carry URIs built on it, as on Calendly.
	BaseURL                string // default "https://api.calendly.com"
	ClientID, ClientSecret string // the OAuth app (default DefaultClientID/DefaultClientSecret)
	// AppSigningKey is the OAuth app's webhook signing key. It signs
	// deliveries of subscriptions created with an OAuth access token;
	// PAT-created ones use their own signing_key and fall back to it.
	AppSigningKey string
	// AnyToken accepts any unknown bearer token as a PAT of the default
	// user (sandbox). Known but expired OAuth tokens still answer 401.
	AnyToken bool
	// DefaultToken is the default user's PAT (default: a generated one).
	DefaultToken string
	// RetryDelays stands for Calendly's 24 h of exponential backoff
	// (default: 8 retries, 20ms doubling). After the last retry fails the
	// subscription is disabled. Retry delays are real time, not Now.
	RetryDelays []time.Duration
	RateLimit   int              // REST requests per user per minute (default 500, a paid plan)
	Now         func() time.Time // default time.Now
	HTTPClient  *http.Client     // deliveries (default: 10 s connect, 15 s overall, Calendly's)
	Logger      *slog.Logger
}

// Defaults for the zero Config, fixed so a sandbox and its app agree
// without configuration.
const (
	DefaultBaseURL      = "https://api.calendly.com"
	DefaultClientID     = "sim-calendly-client-id"
	DefaultClientSecret = "sim-calendly-client-secret"
	DefaultRateLimit    = 500
)

// ErrNotFound is wrapped by the control methods when a URI names nothing.
var ErrNotFound = errors.New("not found")

// Server is one simulated Calendly: api.calendly.com and auth.calendly.com
// on one handler, plus the control API. All methods are safe for
// concurrent use.
type Server struct {
	cfg    Config
	log    *slog.Logger
	mux    *http.ServeMux
	client *http.Client

	ctx    context.Context // cancelled by Close: stops retries
	cancel context.CancelFunc
	wg     sync.WaitGroup

	mu     sync.Mutex
	closed bool
	// data (model.go)
	defaultUser string
	users       map[string]*user
	pats        map[string]string // PAT → user id
	eventTypes  map[string]*eventType
	typeOrder   []string
	events      map[string]*event
	eventOrder  []string
	invitees    map[string]*invitee
	subs        map[string]*subscription
	subOrder    []string
	// auth (oauth.go)
	codes     map[string]*authCode
	access    map[string]*accessToken
	refresh   map[string]*refreshToken
	tokenReqs map[string][]time.Time // user id → token requests in the last minute
	// limits (limits.go)
	windows    map[string]*window
	failN      int
	failStatus int
	calls      map[string]int
	// webhooks (webhook.go)
	dups       int
	deliveries []Delivery
	retrying   int
	settled    chan struct{} // closed when retrying drops to 0
}

// New returns a running simulator with a default user (an organization
// owner) holding one PAT and one event type, "30 Minute Meeting".
func New(cfg Config) *Server {
	if cfg.BaseURL == "" {
		cfg.BaseURL = DefaultBaseURL
	}
	cfg.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	if cfg.ClientID == "" {
		cfg.ClientID = DefaultClientID
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = DefaultClientSecret
	}
	if cfg.RetryDelays == nil {
		d := 20 * time.Millisecond
		for range 8 {
			cfg.RetryDelays = append(cfg.RetryDelays, d)
			d *= 2
		}
	}
	if cfg.RateLimit <= 0 {
		cfg.RateLimit = DefaultRateLimit
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{
		cfg: cfg, log: cfg.Logger,
		users: map[string]*user{}, pats: map[string]string{}, eventTypes: map[string]*eventType{},
		events: map[string]*event{}, invitees: map[string]*invitee{}, subs: map[string]*subscription{},
		codes: map[string]*authCode{}, access: map[string]*accessToken{}, refresh: map[string]*refreshToken{},
		tokenReqs: map[string][]time.Time{}, windows: map[string]*window{}, calls: map[string]int{},
	}
	if s.log == nil {
		s.log = slog.Default()
	}
	s.client = deliveryClient(cfg.HTTPClient)
	s.ctx, s.cancel = context.WithCancel(context.Background())
	u := s.AddUser("Sim Host", "host@example.com", "America/Sao_Paulo")
	s.mu.Lock()
	s.defaultUser = s.users[s.idOf(u.URI, "/users/")].id
	if cfg.DefaultToken != "" {
		delete(s.pats, u.Token)
		s.pats[cfg.DefaultToken] = s.defaultUser
		s.users[s.defaultUser].token = cfg.DefaultToken
	}
	s.mu.Unlock()
	s.AddEventType(u.URI, "30 Minute Meeting", 30*time.Minute)
	s.mux = s.routes()
	return s
}

// deliveryClient copies the configured client so 3xx answers count as
// failures, as Calendly retries on them instead of following.
func deliveryClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.DialContext = (&net.Dialer{Timeout: 10 * time.Second}).DialContext
		out = http.Client{Transport: tr, Timeout: 15 * time.Second}
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

func (s *Server) now() time.Time { return s.cfg.Now() }

// ServeHTTP serves the Calendly API, OAuth and the control API under /_sim/.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.mux.ServeHTTP(w, r) }

// Close stops retry goroutines and waits for them. Deliveries still
// waiting for a retry are dropped; the HTTP handler keeps answering.
func (s *Server) Close() {
	s.mu.Lock()
	s.closed = true
	s.mu.Unlock()
	s.cancel()
	s.wg.Wait()
}

func (s *Server) routes() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /oauth/authorize", s.counted(s.authorize))
	m.HandleFunc("POST /oauth/token", s.counted(s.token))
	m.HandleFunc("POST /oauth/introspect", s.counted(s.introspect))
	m.HandleFunc("POST /oauth/revoke", s.counted(s.revoke))

	m.HandleFunc("GET /users/me", s.api(s.getMe))
	m.HandleFunc("GET /users/{uuid}", s.api(s.getUser))
	m.HandleFunc("GET /event_types", s.api(s.listEventTypes))
	m.HandleFunc("GET /event_types/{uuid}", s.api(s.getEventType))
	m.HandleFunc("GET /scheduled_events", s.api(s.listEvents))
	m.HandleFunc("GET /scheduled_events/{uuid}", s.api(s.getEvent))
	m.HandleFunc("GET /scheduled_events/{uuid}/invitees", s.api(s.listInvitees))
	m.HandleFunc("GET /scheduled_events/{uuid}/invitees/{invitee}", s.api(s.getInvitee))
	m.HandleFunc("POST /webhook_subscriptions", s.api(s.createSubscription))
	m.HandleFunc("GET /webhook_subscriptions", s.api(s.listSubscriptions))
	m.HandleFunc("GET /webhook_subscriptions/{uuid}", s.api(s.getSubscription))
	m.HandleFunc("DELETE /webhook_subscriptions/{uuid}", s.api(s.deleteSubscription))

	s.controlRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, http.StatusNotFound, titleNotFound, msgNotFound, nil)
	})
	return m
}

// Calendly's error titles and messages (spec §3.1; the API reference's
// enums where the spec is silent).
const (
	titleInvalid      = "Invalid Argument"
	msgInvalid        = "The supplied parameters are invalid."
	titleUnauth       = "Unauthenticated"
	titleDenied       = "Permission Denied"
	msgDenied         = "You do not have permission to access this resource."
	titleNotFound     = "Resource Not Found"
	msgNotFound       = "The server could not find the requested resource."
	titleTooMany      = "Too Many Requests"
	msgTooMany        = "You have exceeded the rate limit. Please wait and try again."
	titleInternal     = "Internal Server Error"
	msgInternal       = "The server encountered an unexpected condition that prevented it from fulfilling the request."
	titleUnavailable  = "Service Unavailable"
	msgUnavailable    = "The server is currently unable to handle the request."
	titleAlreadyExist = "Already Exists"
)

// detail is one entry of an error's details list.
type detail struct {
	Parameter string `json:"parameter,omitempty"`
	Message   string `json:"message"`
}

type apiError struct {
	Title   string   `json:"title"`
	Message string   `json:"message"`
	Details []detail `json:"details,omitempty"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(append(marshal(v), '\n'))
}

// marshal encodes without HTML escaping, so URLs keep their "&" as in
// Calendly's answers rather than "\u0026".
func marshal(v any) []byte {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
	return bytes.TrimSuffix(b.Bytes(), []byte("\n"))
}

func writeError(w http.ResponseWriter, status int, title, msg string, details []detail) {
	writeJSON(w, status, apiError{Title: title, Message: msg, Details: details})
}

func writeInvalid(w http.ResponseWriter, details []detail) {
	writeError(w, http.StatusBadRequest, titleInvalid, msgInvalid, details)
}

const idAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"

// newID makes a 16-letter resource id like Calendly's
// ("GBGBDCAADAEDCRZ2"); uniqueness is by chance, 26^16 of it.
func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	for i := range b {
		b[i] = idAlphabet[int(b[i])%len(idAlphabet)]
	}
	return string(b[:])
}

// calTime is Calendly's timestamp: UTC with microseconds.
func calTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

func (s *Server) uri(kind, id string) string { return s.cfg.BaseURL + "/" + kind + "/" + id }

// idOf extracts the id from a resource URI of this server such as
// BaseURL+"/users/<id>" (prefix "/users/"); "" when it is not one. URIs
// on another host are refused, as Calendly refuses ids that are not URIs.
func (s *Server) idOf(uri, prefix string) string {
	id, ok := strings.CutPrefix(uri, s.cfg.BaseURL+prefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return ""
	}
	return id
}

func strPtr(v string) *string {
	if v == "" {
		return nil
	}
	return &v
}

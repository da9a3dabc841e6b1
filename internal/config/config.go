// Package config reads GoHavi's settings from GOHAVI_* environment
// variables, lets flags override them, and refuses to start on a bad value
// with one line that says what to fix.
package config

import (
	"cmp"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/secret"
)

// Config is the process configuration. Runtime settings (numbers,
// templates, connections) live in the database, not here.
type Config struct {
	Addr            string
	DataDir         string
	DatabaseURL     string
	SecretKey       string
	MetaAppSecret   string
	MetaAppID       string
	MetaConfigID    string
	FacebookSDKURL  string
	MetaVerifyToken string
	GraphBaseURL    string
	GraphVersion    string
	PublicURL       string
	Sandbox         bool
	AdminEmail      string
	AdminPassword   string
	LogLevel        string
	LogFormat       string
	// CRM apps (empty base URLs: the real services, or the simulators in
	// sandbox mode).
	HubSpotAPIURL       string
	HubSpotAuthURL      string
	HubSpotClientID     string
	HubSpotClientSecret string
	ZohoAccountsURL     string
	ZohoClientID        string
	ZohoClientSecret    string
	// Calendly: API and OAuth hosts, the OAuth app, and the app's webhook
	// signing key (subscriptions made with a personal access token are
	// signed with a key GoHavi generates per connection).
	CalendlyAPIURL       string
	CalendlyAuthURL      string
	CalendlyClientID     string
	CalendlyClientSecret string
	CalendlySigningKey   string
	// Broadcasting: a rate table to price with instead of the built-in
	// one, a throughput override (a simulator with its limit raised) and
	// how long an unacknowledged send waits for a status webhook.
	RateTable               string
	BroadcastMaxMPS         string
	BroadcastReconcileGrace string
}

// MaxMPS is the broadcast throughput override (0: the number's own).
func (c Config) MaxMPS() float64 {
	v, _ := strconv.ParseFloat(c.BroadcastMaxMPS, 64)
	return v
}

// ReconcileGrace is the wait for a status webhook (0: the default).
func (c Config) ReconcileGrace() time.Duration {
	d, _ := time.ParseDuration(c.BroadcastReconcileGrace)
	return d
}

// Defaults.
const (
	DefaultAddr           = "127.0.0.1:8080"
	DefaultDataDir        = "./data"
	DefaultGraphBaseURL   = "https://graph.facebook.com"
	DefaultFacebookSDKURL = "https://connect.facebook.net/en_US/sdk.js"
	DefaultGraphVersion   = "v25.0"
	DefaultHubSpotAPIURL  = "https://api.hubapi.com"
	DefaultHubSpotAuthURL = "https://app.hubspot.com"
	DefaultZohoAccounts   = "https://accounts.zoho.com"
)

// Postgres reports whether the database is PostgreSQL.
func (c Config) Postgres() bool {
	return strings.HasPrefix(c.DatabaseURL, "postgres://") || strings.HasPrefix(c.DatabaseURL, "postgresql://")
}

// SQLitePath is the database file used when no URL is set.
func (c Config) SQLitePath() string { return filepath.Join(c.DataDir, "gohavi.db") }

// DSN is what store.Open takes.
func (c Config) DSN() string {
	if c.DatabaseURL != "" {
		return c.DatabaseURL
	}
	return c.SQLitePath()
}

type binding struct {
	env, flag, usage string
	dst              *string
	def              string
}

func (c *Config) bindings() []binding {
	return []binding{
		{"GOHAVI_ADDR", "addr", "listen address", &c.Addr, DefaultAddr},
		{"GOHAVI_DATA_DIR", "data-dir", "directory for the SQLite database and generated keys", &c.DataDir, DefaultDataDir},
		{"GOHAVI_DATABASE_URL", "database-url", "empty for SQLite, or a postgres:// URL", &c.DatabaseURL, ""},
		{"GOHAVI_SECRET_KEY", "secret-key", "32-byte key (base64 or hex) encrypting tokens at rest", &c.SecretKey, ""},
		{"GOHAVI_META_APP_SECRET", "meta-app-secret", "Meta app secret (webhook signatures); empty starts the sandbox", &c.MetaAppSecret, ""},
		{"GOHAVI_META_APP_ID", "meta-app-id", "Meta app id (Embedded Signup, uploads)", &c.MetaAppID, ""},
		{"GOHAVI_META_CONFIG_ID", "meta-config-id", "Facebook Login for Business configuration id of the Embedded Signup flow", &c.MetaConfigID, ""},
		{"GOHAVI_FACEBOOK_SDK_URL", "facebook-sdk-url", "Facebook JavaScript SDK the Connect page loads", &c.FacebookSDKURL, DefaultFacebookSDKURL},
		{"GOHAVI_META_VERIFY_TOKEN", "meta-verify-token", "token Meta echoes in the webhook handshake", &c.MetaVerifyToken, ""},
		{"GOHAVI_GRAPH_BASE_URL", "graph-base-url", "Graph API base URL", &c.GraphBaseURL, DefaultGraphBaseURL},
		{"GOHAVI_GRAPH_VERSION", "graph-version", "Graph API version", &c.GraphVersion, DefaultGraphVersion},
		{"GOHAVI_PUBLIC_URL", "public-url", "URL people and Meta reach this server at", &c.PublicURL, ""},
		{"GOHAVI_ADMIN_EMAIL", "admin-email", "first owner's email (created when no user exists)", &c.AdminEmail, ""},
		{"GOHAVI_ADMIN_PASSWORD", "admin-password", "first owner's password", &c.AdminPassword, ""},
		{"GOHAVI_LOG_LEVEL", "log-level", "debug, info, warn or error", &c.LogLevel, "info"},
		{"GOHAVI_LOG_FORMAT", "log-format", "text or json", &c.LogFormat, "text"},
		{"GOHAVI_HUBSPOT_API_URL", "hubspot-api-url", "HubSpot API base URL (sandbox: the simulator)", &c.HubSpotAPIURL, ""},
		{"GOHAVI_HUBSPOT_AUTH_URL", "hubspot-auth-url", "HubSpot OAuth consent host (sandbox: the simulator)", &c.HubSpotAuthURL, ""},
		{"GOHAVI_HUBSPOT_CLIENT_ID", "hubspot-client-id", "HubSpot app client id (OAuth)", &c.HubSpotClientID, ""},
		{"GOHAVI_HUBSPOT_CLIENT_SECRET", "hubspot-client-secret", "HubSpot app client secret (OAuth, webhook signatures)", &c.HubSpotClientSecret, ""},
		{"GOHAVI_ZOHO_ACCOUNTS_URL", "zoho-accounts-url", "Zoho accounts server; API calls go to the api_domain it answers (sandbox: the simulator)", &c.ZohoAccountsURL, ""},
		{"GOHAVI_ZOHO_CLIENT_ID", "zoho-client-id", "Zoho API console client id", &c.ZohoClientID, ""},
		{"GOHAVI_ZOHO_CLIENT_SECRET", "zoho-client-secret", "Zoho API console client secret", &c.ZohoClientSecret, ""},
		{"GOHAVI_CALENDLY_API_URL", "calendly-api-url", "Calendly API base URL (sandbox: the simulator)", &c.CalendlyAPIURL, ""},
		{"GOHAVI_CALENDLY_AUTH_URL", "calendly-auth-url", "Calendly OAuth host (sandbox: the simulator)", &c.CalendlyAuthURL, ""},
		{"GOHAVI_CALENDLY_CLIENT_ID", "calendly-client-id", "Calendly OAuth app client id (optional: personal access tokens need none)", &c.CalendlyClientID, ""},
		{"GOHAVI_CALENDLY_CLIENT_SECRET", "calendly-client-secret", "Calendly OAuth app client secret", &c.CalendlyClientSecret, ""},
		{"GOHAVI_RATE_TABLE", "rate-table", "JSON file of Meta's rates to estimate broadcast costs with (default: the built-in table)", &c.RateTable, ""},
		{"GOHAVI_BROADCAST_MAX_MPS", "broadcast-max-mps", "messages per second broadcasts pace to, replacing the number's throughput (only for a simulator with its limit raised)", &c.BroadcastMaxMPS, ""},
		{"GOHAVI_BROADCAST_RECONCILE_GRACE", "broadcast-reconcile-grace", "how long a broadcast send Meta did not answer waits for a status webhook before it is sent again (default 2m)", &c.BroadcastReconcileGrace, ""},
		{"GOHAVI_CALENDLY_WEBHOOK_SIGNING_KEY", "calendly-webhook-signing-key", "the Calendly OAuth app's webhook signing key", &c.CalendlySigningKey, ""},
	}
}

// Load reads the environment (through getenv), then flags from args.
func Load(args []string, getenv func(string) string) (Config, error) {
	if getenv == nil {
		getenv = os.Getenv
	}
	var c Config
	fs := flag.NewFlagSet("gohavi", flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	for _, b := range c.bindings() {
		v := getenv(b.env)
		if v == "" {
			v = b.def
		}
		fs.StringVar(b.dst, b.flag, v, b.usage+" ("+b.env+")")
	}
	sandbox := getenv("GOHAVI_SANDBOX")
	fs.StringVar(&sandbox, "sandbox", sandbox, "true or false; default: true when no Meta app secret is set (GOHAVI_SANDBOX)")
	if err := fs.Parse(args); err != nil {
		return c, fmt.Errorf("config: %v (run 'gohavi help' for the flags)", err)
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("config: unexpected argument %q", fs.Arg(0))
	}
	if sandbox == "" {
		c.Sandbox = c.MetaAppSecret == ""
	} else {
		b, err := strconv.ParseBool(sandbox)
		if err != nil {
			return c, fmt.Errorf("config: GOHAVI_SANDBOX=%q: use true or false", sandbox)
		}
		c.Sandbox = b
	}
	return c, c.Validate()
}

var versionRe = regexp.MustCompile(`^v\d+\.\d+$`)

// Validate checks every setting and reports the first problem as one line.
func (c Config) Validate() error {
	if _, _, err := net.SplitHostPort(c.Addr); err != nil {
		return fmt.Errorf("config: GOHAVI_ADDR=%q is not host:port (for example 127.0.0.1:8080)", c.Addr)
	}
	if c.DatabaseURL != "" && !c.Postgres() {
		return errors.New("config: GOHAVI_DATABASE_URL must be empty (SQLite in the data dir) or a postgres:// URL")
	}
	if c.DatabaseURL == "" && c.DataDir == "" {
		return errors.New("config: GOHAVI_DATA_DIR is empty: set a directory for the SQLite database")
	}
	if c.SecretKey != "" {
		if _, err := secret.ParseKey(c.SecretKey); err != nil {
			return fmt.Errorf("config: GOHAVI_SECRET_KEY: %v (generate one with: gohavi secret)", err)
		}
	} else if c.Postgres() {
		return errors.New("config: GOHAVI_SECRET_KEY is required with PostgreSQL so every node decrypts the same tokens (generate one with: gohavi secret)")
	}
	if !c.Sandbox && c.MetaAppSecret == "" {
		return errors.New("config: GOHAVI_SANDBOX=false needs GOHAVI_META_APP_SECRET (your Meta app's secret) to verify webhooks")
	}
	if u, err := url.Parse(c.GraphBaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("config: GOHAVI_GRAPH_BASE_URL=%q is not an http(s) URL", c.GraphBaseURL)
	}
	if c.MetaAppID != "" && strings.Trim(c.MetaAppID, "0123456789") != "" {
		return fmt.Errorf("config: GOHAVI_META_APP_ID=%q: use the numeric app id from the App Dashboard", c.MetaAppID)
	}
	if u, err := url.Parse(c.FacebookSDKURL); err != nil || (u.Scheme != "http" && u.Scheme != "https" && u.Scheme != "") || (u.Scheme != "" && u.Host == "") {
		return fmt.Errorf("config: GOHAVI_FACEBOOK_SDK_URL=%q is not a URL", c.FacebookSDKURL)
	}
	if v, err := strconv.ParseFloat(c.BroadcastMaxMPS, 64); c.BroadcastMaxMPS != "" && (err != nil || v <= 0) {
		return fmt.Errorf("config: GOHAVI_BROADCAST_MAX_MPS=%q: use a positive number of messages per second", c.BroadcastMaxMPS)
	}
	if d, err := time.ParseDuration(c.BroadcastReconcileGrace); c.BroadcastReconcileGrace != "" && (err != nil || d <= 0) {
		return fmt.Errorf("config: GOHAVI_BROADCAST_RECONCILE_GRACE=%q: use a duration such as 2m", c.BroadcastReconcileGrace)
	}
	if !versionRe.MatchString(c.GraphVersion) {
		return fmt.Errorf("config: GOHAVI_GRAPH_VERSION=%q: use the form v25.0", c.GraphVersion)
	}
	if c.PublicURL != "" {
		if u, err := url.Parse(c.PublicURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("config: GOHAVI_PUBLIC_URL=%q is not an http(s) URL", c.PublicURL)
		}
	}
	for env, v := range map[string]string{"GOHAVI_HUBSPOT_API_URL": c.HubSpotAPIURL, "GOHAVI_HUBSPOT_AUTH_URL": c.HubSpotAuthURL, "GOHAVI_ZOHO_ACCOUNTS_URL": c.ZohoAccountsURL,
		"GOHAVI_CALENDLY_API_URL": c.CalendlyAPIURL, "GOHAVI_CALENDLY_AUTH_URL": c.CalendlyAuthURL} {
		if u, err := url.Parse(v); v != "" && (err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "") {
			return fmt.Errorf("config: %s=%q is not an http(s) URL", env, v)
		}
	}
	if (c.AdminEmail == "") != (c.AdminPassword == "") {
		return errors.New("config: set both GOHAVI_ADMIN_EMAIL and GOHAVI_ADMIN_PASSWORD, or neither")
	}
	if c.AdminEmail != "" && !strings.Contains(c.AdminEmail, "@") {
		return fmt.Errorf("config: GOHAVI_ADMIN_EMAIL=%q is not an email address", c.AdminEmail)
	}
	if c.AdminPassword != "" && len(c.AdminPassword) < 8 {
		return errors.New("config: GOHAVI_ADMIN_PASSWORD must be at least 8 characters")
	}
	switch c.LogLevel {
	case "debug", "info", "warn", "error":
	default:
		return fmt.Errorf("config: GOHAVI_LOG_LEVEL=%q: use debug, info, warn or error", c.LogLevel)
	}
	if c.LogFormat != "text" && c.LogFormat != "json" {
		return fmt.Errorf("config: GOHAVI_LOG_FORMAT=%q: use text or json", c.LogFormat)
	}
	return nil
}

// Usage lists every setting with its variable, flag and default.
func Usage() string {
	var c Config
	var sb strings.Builder
	sb.WriteString("Usage: gohavi [serve] [flags]\n\nSettings come from environment variables; each also works as a flag, which wins.\n\n")
	for _, b := range c.bindings() {
		def := ""
		if b.def != "" {
			def = " (default " + b.def + ")"
		}
		fmt.Fprintf(&sb, "  %-25s --%-18s %s%s\n", b.env, b.flag, b.usage, def)
	}
	fmt.Fprintf(&sb, "  %-25s --%-18s %s\n", "GOHAVI_SANDBOX", "sandbox", "true or false (default: true when no Meta app secret is set)")
	return sb.String()
}

func mask(s string) string {
	if s == "" {
		return ""
	}
	return "****"
}

// Summary lists the effective settings with secrets masked, for the log.
func (c Config) Summary() []any {
	db := "sqlite:" + c.SQLitePath()
	if c.Postgres() {
		if u, err := url.Parse(c.DatabaseURL); err == nil {
			u.User = nil
			db = u.Redacted()
		}
	}
	return []any{"addr", c.Addr, "database", db, "sandbox", c.Sandbox, "graph", c.GraphBaseURL + "/" + c.GraphVersion,
		"public_url", c.PublicURL, "secret_key", mask(c.SecretKey), "meta_app_secret", mask(c.MetaAppSecret), "verify_token", mask(c.MetaVerifyToken),
		"hubspot", cmp.Or(c.HubSpotAPIURL, "default"), "hubspot_client_secret", mask(c.HubSpotClientSecret), "zoho_accounts", cmp.Or(c.ZohoAccountsURL, "default"),
		"zoho_client_secret", mask(c.ZohoClientSecret), "calendly", cmp.Or(c.CalendlyAPIURL, "default"), "calendly_client_secret", mask(c.CalendlyClientSecret),
		"calendly_signing_key", mask(c.CalendlySigningKey)}
}

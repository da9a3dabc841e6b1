package app

import (
	"cmp"
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/appointments"
	"github.com/gohavi/gohavi/internal/calendly"
	simcalendly "github.com/gohavi/gohavi/internal/sim/calendly"
)

// appointmentsEngine builds the Calendly side. In sandbox mode, with no
// Calendly URL configured, it talks to an in-process simulator served
// under /sim/calendly that accepts any personal access token.
func (s *Server) appointmentsEngine() *appointments.Engine {
	cfg := s.Cfg
	api := &calendly.Client{BaseURL: cmp.Or(cfg.CalendlyAPIURL, calendly.DefaultAPIURL), AuthURL: cmp.Or(cfg.CalendlyAuthURL, calendly.DefaultAuthURL),
		ClientID: cfg.CalendlyClientID, ClientSecret: cfg.CalendlyClientSecret, HTTP: &http.Client{Timeout: 30 * time.Second}}
	signing := cfg.CalendlySigningKey
	if cfg.Sandbox && cfg.CalendlyAPIURL == "" {
		base := s.URL + "/sim/calendly"
		api.BaseURL, api.AuthURL = base, base
		api.ClientID = cmp.Or(api.ClientID, derive(s.Key, "calendly client id"))
		api.ClientSecret = cmp.Or(api.ClientSecret, derive(s.Key, "calendly client secret"))
		signing = cmp.Or(signing, derive(s.Key, "calendly signing key"))
		s.CalendlySim = simcalendly.New(simcalendly.Config{BaseURL: base, ClientID: api.ClientID, ClientSecret: api.ClientSecret,
			AppSigningKey: signing, AnyToken: true, Logger: s.Log})
	}
	return &appointments.Engine{DB: s.DB, Box: s.Box, Clock: s.Clock, Log: s.Log, Send: s.Outbound, API: api,
		PublicURL: cmp.Or(cfg.PublicURL, s.URL), AppSigningKey: signing}
}

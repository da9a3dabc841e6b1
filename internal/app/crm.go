package app

import (
	"cmp"
	"net/http"
	"time"

	"github.com/gohavi/gohavi/internal/config"
	"github.com/gohavi/gohavi/internal/crmsync"
	simhubspot "github.com/gohavi/gohavi/internal/sim/hubspot"
	simzoho "github.com/gohavi/gohavi/internal/sim/zoho"
)

// sandboxCRMs are the HubSpot and Zoho simulators a sandbox node serves
// under /sim/hubspot and /sim/zoho, so the Integrations page works end to
// end (OAuth, contacts, deals, webhooks) with nothing else installed.
type sandboxCRMs struct {
	HubSpot *simhubspot.Server
	Zoho    *simzoho.Server
}

func (c *sandboxCRMs) close() {
	if c == nil {
		return
	}
	c.HubSpot.Close()
	c.Zoho.Close()
}

// crmEngine builds the CRM sync. In sandbox mode, CRM settings left empty
// point at the in-process simulators, with app credentials derived from
// the installation's key.
func (s *Server) crmEngine() *crmsync.Engine {
	cfg := s.Cfg
	cc := crmsync.Config{
		HubSpotAPIURL: cmp.Or(cfg.HubSpotAPIURL, config.DefaultHubSpotAPIURL), HubSpotAuthURL: cmp.Or(cfg.HubSpotAuthURL, config.DefaultHubSpotAuthURL),
		HubSpotClientID: cfg.HubSpotClientID, HubSpotClientSecret: cfg.HubSpotClientSecret,
		ZohoAccountsURL: cmp.Or(cfg.ZohoAccountsURL, config.DefaultZohoAccounts), ZohoClientID: cfg.ZohoClientID, ZohoClientSecret: cfg.ZohoClientSecret,
		PublicURL: cmp.Or(cfg.PublicURL, s.URL), HTTPClient: &http.Client{Timeout: 30 * time.Second},
	}
	if cfg.Sandbox {
		s.CRMSims = &sandboxCRMs{}
		if cfg.HubSpotAPIURL == "" {
			cc.HubSpotAPIURL, cc.HubSpotAuthURL = s.URL+"/sim/hubspot", s.URL+"/sim/hubspot"
			cc.HubSpotClientID = cmp.Or(cc.HubSpotClientID, derive(s.Key, "hubspot client id"))
			cc.HubSpotClientSecret = cmp.Or(cc.HubSpotClientSecret, derive(s.Key, "hubspot client secret"))
			s.CRMSims.HubSpot = simhubspot.New(simhubspot.Config{ClientID: cc.HubSpotClientID, ClientSecret: cc.HubSpotClientSecret,
				WebhookURL: s.URL + "/webhooks/hubspot", Logger: s.Log, AnyPrivateAppToken: true})
		}
		if cfg.ZohoAccountsURL == "" {
			cc.ZohoAccountsURL = s.URL + "/sim/zoho"
			cc.ZohoClientID = cmp.Or(cc.ZohoClientID, derive(s.Key, "zoho client id"))
			cc.ZohoClientSecret = cmp.Or(cc.ZohoClientSecret, derive(s.Key, "zoho client secret"))
			s.CRMSims.Zoho = simzoho.New(simzoho.Config{ClientID: cc.ZohoClientID, ClientSecret: cc.ZohoClientSecret, BaseURL: cc.ZohoAccountsURL, Logger: s.Log})
		}
	}
	return &crmsync.Engine{DB: s.DB, Box: s.Box, Clock: s.Clock, Log: s.Log, Send: s.Outbound, Cfg: cc}
}

// simHandler serves the Cloud API simulator and, when present, the CRM
// simulators under their own prefixes.
func (s *Server) simHandler() http.Handler {
	mux := http.NewServeMux()
	if s.CalendlySim != nil {
		mux.Handle("/calendly/", http.StripPrefix("/calendly", s.CalendlySim))
	}
	if c := s.CRMSims; c != nil {
		if c.HubSpot != nil {
			mux.Handle("/hubspot/", http.StripPrefix("/hubspot", c.HubSpot))
		}
		if c.Zoho != nil {
			mux.Handle("/zoho/", http.StripPrefix("/zoho", c.Zoho))
		}
	}
	mux.Handle("/", s.Sim.Handler())
	return mux
}

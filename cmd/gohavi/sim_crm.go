package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"

	simhubspot "github.com/gohavi/gohavi/internal/sim/hubspot"
	simzoho "github.com/gohavi/gohavi/internal/sim/zoho"
)

// simCRMCmd runs the HubSpot or Zoho CRM simulator as its own server
// ("gohavi sim hubspot", "gohavi sim zoho"), for developers pointing
// GOHAVI_HUBSPOT_API_URL or GOHAVI_ZOHO_ACCOUNTS_URL at it.
func simCRMCmd(ctx context.Context, which string, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("sim "+which, flag.ContinueOnError)
	defAddr := map[string]string{"hubspot": "127.0.0.1:9091", "zoho": "127.0.0.1:9092"}[which]
	addr := fs.String("addr", defAddr, "listen address")
	id := fs.String("client-id", "", "OAuth client id of the simulated app (GOHAVI_HUBSPOT_CLIENT_ID / GOHAVI_ZOHO_CLIENT_ID)")
	secret := fs.String("client-secret", "", "OAuth client secret; HubSpot also signs webhooks with it")
	hook := fs.String("webhook-url", "", "HubSpot only: where app webhooks go, e.g. http://127.0.0.1:8080/webhooks/hubspot")
	token := fs.String("token", "", "HubSpot only: the one private-app token to accept (default: any \"pat-…\" token)")
	if which == "hubspot" {
		*id, *secret, *hook = getenv("GOHAVI_HUBSPOT_CLIENT_ID"), getenv("GOHAVI_HUBSPOT_CLIENT_SECRET"), getenv("GOHAVI_SIM_WEBHOOK_URL")
	} else {
		*id, *secret = getenv("GOHAVI_ZOHO_CLIENT_ID"), getenv("GOHAVI_ZOHO_CLIENT_SECRET")
	}
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *id == "" || *secret == "" {
		return fmt.Errorf("sim %s: set --client-id and --client-secret (the app GoHavi is configured with)", which)
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sim %s: listen on %s: %w", which, *addr, err)
	}
	url := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	var h http.Handler
	switch which {
	case "hubspot":
		s := simhubspot.New(simhubspot.Config{ClientID: *id, ClientSecret: *secret, WebhookURL: *hook, Logger: log, AnyPrivateAppToken: *token == ""})
		defer s.Close()
		if *token != "" {
			s.AddPrivateAppToken(*token)
		}
		h = s
		fmt.Fprintf(stdout, "HubSpot API and OAuth base URL %s (GOHAVI_HUBSPOT_API_URL and GOHAVI_HUBSPOT_AUTH_URL)\n", url)
	default:
		s := simzoho.New(simzoho.Config{ClientID: *id, ClientSecret: *secret, BaseURL: url, Logger: log})
		defer s.Close()
		h = s
		fmt.Fprintf(stdout, "Zoho accounts server and api_domain %s (GOHAVI_ZOHO_ACCOUNTS_URL)\n", url)
	}
	fmt.Fprintf(stdout, "simulator listening on %s\n", url)
	return serveSim(ctx, ln, h)
}

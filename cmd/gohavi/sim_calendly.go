package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"

	simcalendly "github.com/gohavi/gohavi/internal/sim/calendly"
)

// simCalendlyCmd runs the Calendly simulator as its own server ("gohavi
// sim calendly"): API and OAuth on one base URL, for developers pointing
// GOHAVI_CALENDLY_API_URL and GOHAVI_CALENDLY_AUTH_URL at it.
func simCalendlyCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	fs := flag.NewFlagSet("sim calendly", flag.ContinueOnError)
	addr := fs.String("addr", "127.0.0.1:9093", "listen address")
	id := fs.String("client-id", envOr(getenv, "GOHAVI_CALENDLY_CLIENT_ID", simcalendly.DefaultClientID), "OAuth client id of the simulated app (GOHAVI_CALENDLY_CLIENT_ID)")
	secret := fs.String("client-secret", envOr(getenv, "GOHAVI_CALENDLY_CLIENT_SECRET", simcalendly.DefaultClientSecret), "OAuth client secret (GOHAVI_CALENDLY_CLIENT_SECRET)")
	key := fs.String("signing-key", getenv("GOHAVI_CALENDLY_WEBHOOK_SIGNING_KEY"), "the OAuth app's webhook signing key (GOHAVI_CALENDLY_WEBHOOK_SIGNING_KEY); empty: deliveries are signed only with a subscription's own signing_key")
	token := fs.String("token", "", "the one personal access token to accept (default: any bearer token acts as the default user)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sim calendly: listen on %s: %w", *addr, err)
	}
	url := "http://" + ln.Addr().String()
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s := simcalendly.New(simcalendly.Config{
		BaseURL: url, ClientID: *id, ClientSecret: *secret, AppSigningKey: *key,
		AnyToken: *token == "", DefaultToken: *token, Logger: log,
	})
	defer s.Close()
	u := s.DefaultUser()
	fmt.Fprintf(stdout, "Calendly API and OAuth base URL %s (GOHAVI_CALENDLY_API_URL and GOHAVI_CALENDLY_AUTH_URL)\n", url)
	fmt.Fprintf(stdout, "default user %s (organization %s)\n", u.URI, u.OrganizationURI)
	fmt.Fprintf(stdout, "personal access token %s\n", u.Token)
	fmt.Fprintf(stdout, "OAuth client id %s; control API %s/_sim/ (book, cancel, reschedule, …)\n", *id, url)
	fmt.Fprintf(stdout, "simulator listening on %s\n", url)
	return serveSim(ctx, ln, s)
}

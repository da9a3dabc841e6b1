package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/gohavi/gohavi/internal/sim/meta"
)

func envOr(getenv func(string) string, k, def string) string {
	if v := getenv(k); v != "" {
		return v
	}
	return def
}

// simCmd runs the Cloud API simulator as its own server, for developers
// and for tests that run gohavi against it as if it were Meta.
func simCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) > 0 && (args[0] == "hubspot" || args[0] == "zoho") {
		return simCRMCmd(ctx, args[0], args[1:], stdout, getenv)
	}
	if len(args) > 0 && args[0] == "calendly" {
		return simCalendlyCmd(ctx, args[1:], stdout, getenv)
	}
	fs := flag.NewFlagSet("sim", flag.ContinueOnError)
	addr := fs.String("addr", envOr(getenv, "GOHAVI_SIM_ADDR", "127.0.0.1:9090"), "listen address (GOHAVI_SIM_ADDR)")
	hook := fs.String("webhook-url", getenv("GOHAVI_SIM_WEBHOOK_URL"), "where to deliver webhooks, e.g. http://127.0.0.1:8080/webhooks/whatsapp (GOHAVI_SIM_WEBHOOK_URL)")
	secret := fs.String("app-secret", getenv("GOHAVI_META_APP_SECRET"), "app secret signing webhooks (GOHAVI_META_APP_SECRET)")
	autoRead := fs.Bool("auto-read", false, "customers read business messages automatically")
	token := fs.String("token", getenv("GOHAVI_SIM_TOKEN"), "access token for the seeded number (generated when empty)")
	tput := fs.Int("throughput", 80, "messages per second per number before 130429 (Meta: 80, or 1000 upgraded); raise it for benchmarks")
	retryMax := fs.Duration("retry-max", 30*time.Second, "longest wait between webhook delivery retries")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("sim: set --app-secret or GOHAVI_META_APP_SECRET: webhooks are signed with it")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return fmt.Errorf("sim: listen on %s: %w", *addr, err)
	}
	log := slog.New(slog.NewTextHandler(os.Stderr, nil))
	s := meta.New(meta.Config{AppSecret: *secret, WebhookURL: *hook, AutoRead: *autoRead, Logger: log, Throughput: *tput, RetryMax: *retryMax})
	defer s.Close()
	n := s.AddNumber(meta.NumberSpec{AccessToken: *token, VerifiedName: "Simulated Business"})
	url := "http://" + ln.Addr().String()
	line, _ := json.Marshal(n)
	fmt.Fprintf(stdout, "number %s\n", line)
	fmt.Fprintf(stdout, "graph base URL %s (phone page %s/_sim/phone)\n", url, url)
	fmt.Fprintf(stdout, "simulator listening on %s\n", url)
	return serveSim(ctx, ln, s.Handler())
}

// serveSim serves a simulator on ln until ctx ends, then shuts it down.
func serveSim(ctx context.Context, ln net.Listener, h http.Handler) error {
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

// Command gohavi is the whole product in one binary: the server, its
// migrations, the Cloud API simulator and the admin commands.
package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"

	"github.com/gohavi/gohavi/internal/config"
)

// version is set at build time with -ldflags "-X main.version=…".
var version = "dev"

const usage = `gohavi — WhatsApp Business team inbox on Meta's Cloud API

Usage:
  gohavi [serve] [flags]                   run the server (default; sandbox when no Meta app secret is set)
  gohavi migrate                           apply database migrations and exit
  gohavi sim [flags]                       run the Cloud API simulator as its own server
  gohavi sim hubspot|zoho [flags]          run the HubSpot or Zoho CRM simulator
  gohavi sim calendly [flags]              run the Calendly API v2 simulator
  gohavi user create --email E --password P [--workspace SLUG] [--name N] [--role owner|admin|agent]
  gohavi apikey create --workspace SLUG --name NAME
  gohavi bench ingest [flags]              measure durable webhook ingest
  gohavi bench broadcast [flags]           measure a broadcast end to end
  gohavi bench inbox [flags]               measure the inbox API and event fan-out at 100k conversations
  gohavi secret                            print a new GOHAVI_SECRET_KEY
  gohavi version

Configuration comes from GOHAVI_* environment variables; 'gohavi serve -h' lists them.
`

func isHelp(arg string) bool { return arg == "-h" || arg == "-help" || arg == "--help" }

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr, os.Getenv); err != nil {
		fmt.Fprintln(os.Stderr, "gohavi:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer, getenv func(string) string) error {
	if len(args) == 1 && isHelp(args[0]) {
		args = []string{"help"}
	}
	cmd := "serve"
	if len(args) > 0 && len(args[0]) > 0 && args[0][0] != '-' {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		if slices.ContainsFunc(args, isHelp) {
			fmt.Fprint(stdout, config.Usage())
			return nil
		}
		return serve(ctx, args, getenv)
	case "migrate":
		return migrate(ctx, args, stdout, getenv)
	case "sim":
		return simCmd(ctx, args, stdout, getenv)
	case "user":
		return userCmd(ctx, args, stdout, getenv)
	case "apikey":
		return apikeyCmd(ctx, args, stdout, getenv)
	case "bench":
		return benchCmd(ctx, args, stdout, getenv)
	case "secret":
		return secretCmd(stdout)
	case "version":
		fmt.Fprintln(stdout, "gohavi", version)
		return nil
	case "help":
		fmt.Fprint(stdout, usage)
		return nil
	}
	fmt.Fprint(stderr, usage)
	return fmt.Errorf("unknown command %q", cmd)
}

func newLogger(cfg config.Config, w io.Writer) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(w, opts))
	}
	return slog.New(slog.NewTextHandler(w, opts))
}

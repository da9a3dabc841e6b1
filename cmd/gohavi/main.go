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
  gohavi user create --email E --password P [--workspace SLUG] [--name N] [--role owner|admin|agent]
  gohavi apikey create --workspace SLUG --name NAME
  gohavi bench ingest [flags]              measure durable webhook ingest
  gohavi secret                            print a new GOHAVI_SECRET_KEY
  gohavi version

Configuration comes from GOHAVI_* environment variables; 'gohavi serve -h' lists them.
`

// serveUsage lists the settings config.Load reads; keep it in step with
// config.bindings.
const serveUsage = `Usage: gohavi [serve] [flags]

Settings come from environment variables. Each also works as a flag, which
wins over the variable: GOHAVI_DATA_DIR is --data-dir, and so on.

  GOHAVI_ADDR               listen address (default 127.0.0.1:8080)
  GOHAVI_DATA_DIR           SQLite database, generated key, sandbox login (default ./data)
  GOHAVI_DATABASE_URL       empty for SQLite in the data dir, or a postgres:// URL
  GOHAVI_SECRET_KEY         32-byte key encrypting tokens; required with PostgreSQL (gohavi secret)
  GOHAVI_META_APP_SECRET    Meta app secret verifying webhooks; empty starts the sandbox
  GOHAVI_META_VERIFY_TOKEN  token Meta echoes in the webhook handshake
  GOHAVI_GRAPH_BASE_URL     Graph API base URL (default https://graph.facebook.com)
  GOHAVI_GRAPH_VERSION      Graph API version (default v25.0)
  GOHAVI_PUBLIC_URL         URL people and Meta reach this server at
  GOHAVI_SANDBOX            true or false (default: true when no Meta app secret is set)
  GOHAVI_ADMIN_EMAIL        first owner's email, used when no user exists
  GOHAVI_ADMIN_PASSWORD     first owner's password
  GOHAVI_LOG_LEVEL          debug, info, warn or error (default info)
  GOHAVI_LOG_FORMAT         text or json (default text)
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
			fmt.Fprint(stdout, serveUsage)
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

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/gohavi/gohavi/internal/app"
	"github.com/gohavi/gohavi/internal/config"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/secret"
)

func serve(ctx context.Context, args []string, getenv func(string) string) error {
	cfg, err := config.Load(args, getenv)
	if err != nil {
		return err
	}
	log := newLogger(cfg, os.Stderr)
	b, err := app.OpenForServe(ctx, cfg, log)
	if err != nil {
		return err
	}
	defer b.Close()
	s, err := app.NewServer(ctx, b)
	if err != nil {
		return err
	}
	return s.Run(ctx)
}

// openBase loads the environment's configuration for an admin command.
func openBase(ctx context.Context, getenv func(string) string) (*app.Base, error) {
	cfg, err := config.Load(nil, getenv)
	if err != nil {
		return nil, err
	}
	return app.Open(ctx, cfg, newLogger(cfg, io.Discard))
}

func migrate(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) > 0 {
		return fmt.Errorf("migrate takes no arguments; configure it with GOHAVI_* variables")
	}
	b, err := openBase(ctx, getenv)
	if err != nil {
		return err
	}
	defer b.Close()
	fmt.Fprintln(stdout, "migrations applied")
	return nil
}

func userCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: gohavi user create --email E --password P [--workspace SLUG] [--name N] [--role owner|admin|agent]")
	}
	fs := flag.NewFlagSet("user create", flag.ContinueOnError)
	ws := fs.String("workspace", app.DefaultWorkspace, "workspace slug (created if missing)")
	email := fs.String("email", "", "login email")
	name := fs.String("name", "", "display name")
	role := fs.String("role", "agent", "owner, admin or agent")
	pw := fs.String("password", getenv("GOHAVI_USER_PASSWORD"), "password (or GOHAVI_USER_PASSWORD)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *email == "" || *pw == "" {
		return fmt.Errorf("--email and --password (or GOHAVI_USER_PASSWORD) are required")
	}
	b, err := openBase(ctx, getenv)
	if err != nil {
		return err
	}
	defer b.Close()
	u, err := b.CreateUser(ctx, *ws, *email, *name, domain.Role(*role), *pw)
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "created %s %s (id %d) in workspace %s\n", u.Role, u.Email, u.ID, *ws)
	return nil
}

func apikeyCmd(ctx context.Context, args []string, stdout io.Writer, getenv func(string) string) error {
	if len(args) == 0 || args[0] != "create" {
		return fmt.Errorf("usage: gohavi apikey create --workspace SLUG --name NAME")
	}
	fs := flag.NewFlagSet("apikey create", flag.ContinueOnError)
	ws := fs.String("workspace", app.DefaultWorkspace, "workspace slug")
	name := fs.String("name", "", "a name to recognise the key by")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	b, err := openBase(ctx, getenv)
	if err != nil {
		return err
	}
	defer b.Close()
	key, k, err := b.CreateAPIKey(ctx, *ws, strings.TrimSpace(*name))
	if err != nil {
		return explain(err)
	}
	fmt.Fprintf(stdout, "API key %q for workspace %s (shown once; store it now):\n%s\n", k.Name, *ws, key)
	return nil
}

func secretCmd(stdout io.Writer) error {
	fmt.Fprintln(stdout, secret.GenerateKey())
	return nil
}

// explain renders a domain error with its remedy for the terminal.
func explain(err error) error {
	if de, ok := err.(*domain.Error); ok && de.Remedy != "" {
		return fmt.Errorf("%s. %s", de.Message, de.Remedy)
	}
	return err
}

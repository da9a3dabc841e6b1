package e2e

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestCLI checks the commands that need no server, and that a bad setting
// stops serve with one line naming the variable, before anything happens.
func TestCLI(t *testing.T) {
	t.Parallel()
	t.Run("version", func(t *testing.T) {
		out := mustRun(t, nil, "version")
		if !strings.HasPrefix(out, "gohavi ") || strings.Count(out, "\n") != 1 {
			t.Errorf("version printed %q", out)
		}
	})
	t.Run("help", func(t *testing.T) {
		out := mustRun(t, nil, "help")
		for _, cmd := range []string{"Usage:", "serve", "migrate", "sim", "user create", "apikey create", "secret", "version", "GOHAVI_"} {
			if !strings.Contains(out, cmd) {
				t.Errorf("help does not mention %q:\n%s", cmd, out)
			}
		}
	})
	t.Run("--help", func(t *testing.T) {
		for _, args := range [][]string{{"--help"}, {"-h"}} {
			if out := mustRun(t, nil, args...); !strings.Contains(out, "Usage:") || !strings.Contains(out, "apikey create") {
				t.Errorf("gohavi %s printed %q", args[0], out)
			}
		}
	})
	t.Run("serve -h", func(t *testing.T) {
		dir := filepath.Join(t.TempDir(), "data")
		out := mustRun(t, []string{"GOHAVI_DATA_DIR=" + dir}, "serve", "-h")
		for _, v := range []string{"GOHAVI_ADDR", "GOHAVI_DATA_DIR", "GOHAVI_DATABASE_URL", "GOHAVI_SECRET_KEY", "GOHAVI_META_APP_SECRET", "GOHAVI_SANDBOX", "GOHAVI_LOG_LEVEL"} {
			if !strings.Contains(out, v) {
				t.Errorf("serve -h does not list %s:\n%s", v, out)
			}
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("serve -h created the data dir")
		}
	})
	t.Run("unknown command", func(t *testing.T) {
		r := run(t, nil, "frobnicate")
		if r.code == 0 || !strings.Contains(r.stderr, `unknown command "frobnicate"`) || !strings.Contains(r.stderr, "Usage:") {
			t.Errorf("unknown command: exit %d, stderr %q", r.code, r.stderr)
		}
	})
	t.Run("secret", func(t *testing.T) {
		a, b := strings.TrimSpace(mustRun(t, nil, "secret")), strings.TrimSpace(mustRun(t, nil, "secret"))
		if len(a) < 32 || a == b {
			t.Errorf("secret printed %q then %q", a, b)
		}
	})

	bad := []struct{ name, env, variable string }{
		{"address", "GOHAVI_ADDR=nonsense", "GOHAVI_ADDR"},
		{"log level", "GOHAVI_LOG_LEVEL=loud", "GOHAVI_LOG_LEVEL"},
		{"database", "GOHAVI_DATABASE_URL=mysql://db/gohavi", "GOHAVI_DATABASE_URL"},
		{"postgres without key", "GOHAVI_DATABASE_URL=postgres://127.0.0.1:1/x", "GOHAVI_SECRET_KEY"},
		{"secret key", "GOHAVI_SECRET_KEY=short", "GOHAVI_SECRET_KEY"},
		{"sandbox", "GOHAVI_SANDBOX=maybe", "GOHAVI_SANDBOX"},
		{"production without app secret", "GOHAVI_SANDBOX=false", "GOHAVI_META_APP_SECRET"},
		{"graph URL", "GOHAVI_GRAPH_BASE_URL=graph.facebook.com", "GOHAVI_GRAPH_BASE_URL"},
		{"admin half set", "GOHAVI_ADMIN_EMAIL=owner@example.com", "GOHAVI_ADMIN_PASSWORD"},
	}
	for _, c := range bad {
		t.Run("bad "+c.name, func(t *testing.T) {
			t.Parallel()
			dir := filepath.Join(t.TempDir(), "data")
			r := run(t, []string{"GOHAVI_DATA_DIR=" + dir, c.env}, "serve")
			lines := strings.Split(strings.TrimRight(r.stderr, "\n"), "\n")
			if r.code == 0 || len(lines) != 1 || !strings.Contains(lines[0], c.variable) {
				t.Errorf("%s: exit %d, stderr %q; want a non-zero exit and one line naming %s", c.env, r.code, r.stderr, c.variable)
			}
			if strings.Contains(r.stdout, "listening") {
				t.Errorf("%s: the server started: %q", c.env, r.stdout)
			}
			if _, err := os.Stat(dir); err == nil {
				t.Errorf("%s: the data dir was created before the configuration was checked", c.env)
			}
		})
	}
}

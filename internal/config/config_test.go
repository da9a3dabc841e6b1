package config

import (
	"strings"
	"testing"
)

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestDefaultsAreSandboxOnSQLite(t *testing.T) {
	c, err := Load(nil, env(nil))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != DefaultAddr || c.DataDir != DefaultDataDir || !c.Sandbox || c.Postgres() || c.GraphVersion != DefaultGraphVersion {
		t.Fatalf("defaults: %+v", c)
	}
	if c.DSN() != "data/gohavi.db" {
		t.Fatalf("dsn %q", c.DSN())
	}
}

func TestFlagsOverrideEnv(t *testing.T) {
	c, err := Load([]string{"-addr", "127.0.0.1:9999"}, env(map[string]string{"GOHAVI_ADDR": "127.0.0.1:1", "GOHAVI_META_APP_SECRET": "s"}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9999" || c.Sandbox {
		t.Fatalf("%+v", c)
	}
	c, _ = Load([]string{"-sandbox=true"}, env(map[string]string{"GOHAVI_META_APP_SECRET": "s"}))
	if !c.Sandbox {
		t.Fatal("-sandbox=true ignored")
	}
}

func TestBadConfigSaysWhatToFix(t *testing.T) {
	key := "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="
	cases := map[string]struct {
		env  map[string]string
		want string
	}{
		"addr":           {map[string]string{"GOHAVI_ADDR": "nonsense"}, "GOHAVI_ADDR"},
		"mysql":          {map[string]string{"GOHAVI_DATABASE_URL": "mysql://x"}, "GOHAVI_DATABASE_URL"},
		"pg needs key":   {map[string]string{"GOHAVI_DATABASE_URL": "postgres://x/y"}, "GOHAVI_SECRET_KEY is required"},
		"bad key":        {map[string]string{"GOHAVI_SECRET_KEY": "short"}, "GOHAVI_SECRET_KEY"},
		"no sandbox":     {map[string]string{"GOHAVI_SANDBOX": "false"}, "GOHAVI_META_APP_SECRET"},
		"sandbox value":  {map[string]string{"GOHAVI_SANDBOX": "maybe"}, "GOHAVI_SANDBOX"},
		"graph url":      {map[string]string{"GOHAVI_GRAPH_BASE_URL": "ftp://x"}, "GOHAVI_GRAPH_BASE_URL"},
		"graph version":  {map[string]string{"GOHAVI_GRAPH_VERSION": "24"}, "GOHAVI_GRAPH_VERSION"},
		"admin half":     {map[string]string{"GOHAVI_ADMIN_EMAIL": "a@b.c"}, "GOHAVI_ADMIN_PASSWORD"},
		"admin short pw": {map[string]string{"GOHAVI_ADMIN_EMAIL": "a@b.c", "GOHAVI_ADMIN_PASSWORD": "x"}, "at least 8"},
		"public url":     {map[string]string{"GOHAVI_PUBLIC_URL": "example.com"}, "GOHAVI_PUBLIC_URL"},
		"log level":      {map[string]string{"GOHAVI_LOG_LEVEL": "loud"}, "GOHAVI_LOG_LEVEL"},
	}
	for name, c := range cases {
		_, err := Load(nil, env(c.env))
		if err == nil || !strings.Contains(err.Error(), c.want) || strings.Contains(err.Error(), "\n") {
			t.Errorf("%s: got %v, want one line mentioning %q", name, err, c.want)
		}
	}
	if _, err := Load(nil, env(map[string]string{"GOHAVI_DATABASE_URL": "postgres://x/y", "GOHAVI_SECRET_KEY": key})); err != nil {
		t.Errorf("valid postgres config rejected: %v", err)
	}
}

func TestSummaryMasksSecrets(t *testing.T) {
	c, _ := Load(nil, env(map[string]string{"GOHAVI_META_APP_SECRET": "topsecret", "GOHAVI_DATABASE_URL": "postgres://u:pw@h/db", "GOHAVI_SECRET_KEY": "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA="}))
	for _, v := range c.Summary() {
		s, _ := v.(string)
		if strings.Contains(s, "topsecret") || strings.Contains(s, "pw") || strings.Contains(s, "AAAA") {
			t.Fatalf("secret in summary: %v", c.Summary())
		}
	}
}

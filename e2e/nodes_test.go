package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"time"
)

// startTimeout covers migrations on a cold database and a loaded machine.
const startTimeout = 60 * time.Second

// server is a running 'gohavi serve'.
type server struct {
	*proc
	URL      string
	Email    string // the sandbox owner printed at first start, if any
	Password string
}

var loginLine = regexp.MustCompile(`Log in as (\S+) with password (\S+)`)

// startServer runs 'gohavi serve' on a free port with env on top of the
// defaults and waits until it serves.
func startServer(t testing.TB, name string, env ...string) *server {
	t.Helper()
	s := launchServer(t, name, env...)
	s.await(t)
	return s
}

// launchServer starts 'gohavi serve' without waiting for it; await does.
func launchServer(t testing.TB, name string, env ...string) *server {
	t.Helper()
	return &server{proc: startProc(t, name, append([]string{"GOHAVI_ADDR=127.0.0.1:0"}, env...), "serve")}
}

// await waits until the server listens and reads what it printed.
func (s *server) await(t testing.TB) {
	t.Helper()
	s.URL = strings.TrimPrefix(s.line(t, "listening on http://", startTimeout), "listening on ")
	for _, l := range s.out.snapshot() {
		if m := loginLine.FindStringSubmatch(l); m != nil {
			s.Email, s.Password = m[1], m[2]
		}
	}
}

// sqliteEnv is the environment of a node on a fresh SQLite data dir.
func sqliteEnv(t testing.TB) []string {
	return []string{"GOHAVI_DATA_DIR=" + t.TempDir()}
}

// productionEnv turns the sandbox off and points the node at a simulator
// standing in for Meta.
func productionEnv(sim *simServer, appSecret string) []string {
	return []string{
		"GOHAVI_SANDBOX=false",
		"GOHAVI_META_APP_SECRET=" + appSecret,
		"GOHAVI_GRAPH_BASE_URL=" + sim.URL,
		"GOHAVI_ADMIN_EMAIL=owner@example.com",
		"GOHAVI_ADMIN_PASSWORD=correct horse battery",
	}
}

// createAPIKey runs 'gohavi apikey create' with the node's environment,
// beside the running server, and returns the key.
func createAPIKey(t testing.TB, env []string) string {
	t.Helper()
	out := strings.TrimSpace(mustRun(t, env, "apikey", "create", "--workspace", "default", "--name", "e2e"))
	lines := strings.Split(out, "\n")
	key := strings.TrimSpace(lines[len(lines)-1])
	if key == "" || strings.ContainsAny(key, " \t") {
		t.Fatalf("apikey create: no key on the last line of %q", out)
	}
	return key
}

func randomSecret(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return hex.EncodeToString(b[:])
}

// simNumber is the number 'gohavi sim' seeds and prints.
type simNumber struct {
	WABAID             string `json:"waba_id"`
	PhoneNumberID      string `json:"phone_number_id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	AccessToken        string `json:"access_token"`
	QualityRating      string `json:"quality_rating"`
}

// simServer is a running 'gohavi sim', playing Meta.
type simServer struct {
	*proc
	URL    string
	Number simNumber
	ctl    simCtl
}

// startSim runs the simulator with no webhook URL yet: webhooks wait until
// setWebhook names the node that should get them.
func startSim(t testing.TB, appSecret string) *simServer {
	t.Helper()
	p := startProc(t, "sim", nil, "sim", "--addr", "127.0.0.1:0", "--app-secret", appSecret)
	s := &simServer{proc: p}
	s.URL = strings.TrimPrefix(p.line(t, "simulator listening on http://", startTimeout), "simulator listening on ")
	numLine := p.line(t, "number {", time.Second)
	if err := json.Unmarshal([]byte(strings.TrimPrefix(numLine, "number ")), &s.Number); err != nil {
		t.Fatalf("sim number line %q: %v", numLine, err)
	}
	if s.Number.PhoneNumberID == "" || s.Number.AccessToken == "" || s.Number.WABAID == "" {
		t.Fatalf("sim number incomplete: %+v", s.Number)
	}
	s.ctl = simCtl{base: s.URL}
	return s
}

func (s *simServer) setWebhook(t testing.TB, url string) {
	t.Helper()
	s.ctl.post(t, "/_sim/webhook", map[string]string{"url": url}, nil)
}

package appointments_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gohavi/gohavi/internal/appointments"
	"github.com/gohavi/gohavi/internal/auth"
	"github.com/gohavi/gohavi/internal/calendly"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/secret"
	simcalendly "github.com/gohavi/gohavi/internal/sim/calendly"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/web"
)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

const (
	phoneID = "106540352242922"
	wabaID  = "102290129340398"
	waitFor = 10 * time.Second
	// appSigningKey is the OAuth app's webhook key, shared by the simulator and GoHavi.
	appSigningKey = "app-signing-key"
)

// env is one workspace with a number and approved UTILITY templates, the
// real ingest pipeline and send pipeline (River insert-only: the messages
// it queues are what the tests count), the Calendly simulator behind a
// real HTTP server, and GoHavi's HTTP handler receiving its deliveries.
type env struct {
	db      *store.DB
	clock   *domain.FakeClock
	box     *secret.Box
	ws      domain.Workspace
	writer  *ingest.Writer
	applier *ingest.Applier
	svc     *outbound.Service
	eng     *appointments.Engine
	api     *calendly.Client
	cal     *simcalendly.Server
	url     string // GoHavi
	key     string // API key
	seq     atomic.Int64
}

func newEnv(t *testing.T, db *store.DB, clock *domain.FakeClock) *env {
	t.Helper()
	ctx := context.Background()
	e := &env{db: db, clock: clock}
	hub := realtime.NewMemory()
	t.Cleanup(func() { _ = hub.Close() })
	e.writer, e.applier = ingest.NewPipeline(db, hub, clock, quiet)
	t.Cleanup(e.writer.Close)
	var err error
	if e.box, err = secret.NewBox(bytes.Repeat([]byte{7}, secret.KeySize)); err != nil {
		t.Fatal(err)
	}
	if e.ws, err = db.CreateWorkspace(ctx, "default", "Default"); err != nil {
		t.Fatal(err)
	}
	if _, err = db.CreateNumber(ctx, domain.Number{WorkspaceID: e.ws.ID, WABAID: wabaID, PhoneNumberID: phoneID,
		DisplayPhoneNumber: "15550783881", AccessTokenEnc: []byte("unused: River jobs are not worked here")}); err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"demo_confirmed":   "Hi {{1}}, your demo is confirmed for {{2}}. Join here: {{3}}",
		"demo_reminder":    "Reminder: {{1}}, your demo starts {{2}}. Reply 1 to confirm.",
		"demo_canceled":    "Hi {{1}}, your demo on {{2}} was canceled.",
		"demo_rescheduled": "Hi {{1}}, your demo moved to {{2}}.",
	} {
		comps := fmt.Sprintf(`[{"type":"BODY","text":%q}]`, body)
		if _, err := db.UpsertTemplate(ctx, domain.Template{WorkspaceID: e.ws.ID, WABAID: wabaID, MetaID: "9" + name, Name: name,
			Language: "en_US", Category: "UTILITY", Status: "APPROVED", Components: []byte(comps), ParameterFormat: "POSITIONAL"}); err != nil {
			t.Fatal(err)
		}
	}
	if err := jobs.Migrate(ctx, db); err != nil {
		t.Fatal(err)
	}
	jb, err := jobs.New(db, jobs.Config{Logger: quiet})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = &outbound.Service{DB: db, Jobs: jb, Box: e.box, Hub: hub, Clock: clock, Log: quiet}

	var handler http.Handler
	gohavi := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	t.Cleanup(gohavi.Close)
	e.url = gohavi.URL

	calSrv := httptest.NewUnstartedServer(nil)
	calURL := "http://" + calSrv.Listener.Addr().String()
	e.cal = simcalendly.New(simcalendly.Config{BaseURL: calURL, Now: clock.Now, Logger: quiet, AppSigningKey: appSigningKey,
		RetryDelays: []time.Duration{20 * time.Millisecond, 40 * time.Millisecond}})
	t.Cleanup(e.cal.Close)
	calSrv.Config.Handler = e.cal
	calSrv.Start()
	t.Cleanup(calSrv.Close)

	e.api = &calendly.Client{BaseURL: calURL, AuthURL: calURL, ClientID: simcalendly.DefaultClientID, ClientSecret: simcalendly.DefaultClientSecret,
		HTTP: &http.Client{Timeout: 5 * time.Second}}
	e.eng = e.engine("node-a")
	h, err := web.New(web.Deps{DB: db, Hub: hub, Writer: e.writer, Outbound: e.svc, Metrics: metrics.New(db, quiet), Clock: clock, Log: quiet,
		AppSecret: "unused", Appointments: e.eng, Ready: db.Ping})
	if err != nil {
		t.Fatal(err)
	}
	handler = h
	token, hash := auth.NewToken(auth.PrefixAPIKey)
	if _, err := db.CreateAPIKey(ctx, domain.APIKey{WorkspaceID: e.ws.ID, Name: "test", Prefix: auth.TokenPrefix(token), Hash: hash}); err != nil {
		t.Fatal(err)
	}
	e.key = token
	return e
}

// engine is another node (or this node after a restart) on the same
// database: nothing is shared with the first but the database.
func (e *env) engine(node string) *appointments.Engine {
	return &appointments.Engine{DB: e.db, Box: e.box, Clock: e.clock, Log: quiet, Send: e.svc, API: e.api, PublicURL: e.url, Node: node, AppSigningKey: appSigningKey}
}

func settings() appointments.Settings {
	return appointments.Settings{
		Confirmation: appointments.TemplateRef{Name: "demo_confirmed", Language: "en_US"},
		Reminder:     appointments.TemplateRef{Name: "demo_reminder", Language: "en_US"},
		Cancellation: &appointments.TemplateRef{Name: "demo_canceled", Language: "en_US"},
		Rescheduled:  &appointments.TemplateRef{Name: "demo_rescheduled", Language: "en_US"},
	}
}

// connect connects through the public API, as a person would.
func (e *env) connect(t *testing.T, s appointments.Settings) {
	t.Helper()
	body := map[string]any{"token": e.cal.DefaultUser().Token}
	b, _ := json.Marshal(s)
	_ = json.Unmarshal(b, &body)
	var out map[string]any
	if code := e.call(t, "POST", "/api/v1/integrations/calendly", body, &out); code != http.StatusCreated {
		t.Fatalf("connect: %d %v", code, out)
	}
}

// call makes an authenticated API request and decodes the answer.
func (e *env) call(t *testing.T, method, path string, in, out any) int {
	t.Helper()
	var body io.Reader
	if in != nil {
		b, _ := json.Marshal(in)
		body = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, e.url+path, body)
	req.Header.Set("Authorization", "Bearer "+e.key)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		_ = json.NewDecoder(resp.Body).Decode(out)
	}
	return resp.StatusCode
}

var optIn = []simcalendly.QA{{Question: "May we send your confirmation and reminders on WhatsApp?", Answer: "Yes", Position: 1}}

// book books as an invitee would, in São Paulo, with an SMS-reminder
// number typed the local way.
func (e *env) book(t *testing.T, start time.Time, mods ...func(*simcalendly.Booking)) simcalendly.Invitee {
	t.Helper()
	n := e.seq.Add(1)
	b := simcalendly.Booking{StartTime: start, Name: fmt.Sprintf("Ana Silva %d", n), Email: fmt.Sprintf("ana%d@example.com", n),
		Timezone: "America/Sao_Paulo", TextReminderNumber: fmt.Sprintf("(11) 98765-%04d", n), Questions: optIn,
		Location: &simcalendly.Location{Type: "google_conference", JoinURL: "https://meet.google.com/abc-defg-hij"}}
	for _, m := range mods {
		m(&b)
	}
	inv, err := e.cal.Book(context.Background(), b)
	if err != nil {
		t.Fatal(err)
	}
	return inv
}

// pass runs the engine until it settles nothing more (bounded).
func (e *env) pass(t *testing.T, eng ...*appointments.Engine) {
	t.Helper()
	en := e.eng
	if len(eng) > 0 {
		en = eng[0]
	}
	for range 5 {
		if en.Pass(context.Background()) == 0 {
			return
		}
	}
}

// sent lists the template messages queued for a customer, oldest first,
// as "name:param1|param2…".
func (e *env) sent(t *testing.T, waID string) []string {
	t.Helper()
	rows, err := e.db.R.QueryContext(context.Background(), `SELECT m.payload FROM messages m JOIN contacts c ON c.id = m.contact_id
		WHERE c.wa_id = $1 AND m.type = 'template' AND m.direction = 'outbound' ORDER BY m.id`, waID)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var p []byte
		if err := rows.Scan(&p); err != nil {
			t.Fatal(err)
		}
		var tpl struct {
			Name       string `json:"name"`
			Components []struct {
				Parameters []struct {
					Text string `json:"text"`
				} `json:"parameters"`
			} `json:"components"`
		}
		_ = json.Unmarshal(p, &tpl)
		s := tpl.Name
		for _, c := range tpl.Components {
			for i, p := range c.Parameters {
				sep := "|"
				if i == 0 {
					sep = ":"
				}
				s += sep + p.Text
			}
		}
		out = append(out, s)
	}
	return out
}

func names(msgs []string) []string {
	out := make([]string, len(msgs))
	for i, m := range msgs {
		out[i], _, _ = cut(m)
	}
	return out
}

func cut(s string) (string, string, bool) {
	for i := range len(s) {
		if s[i] == ':' {
			return s[:i], s[i+1:], true
		}
	}
	return s, "", false
}

// waID is the customer's WhatsApp id for the n-th booking's number.
func waID(n int64) string { return fmt.Sprintf("551198765%04d", n) }

type appointment struct {
	ID      int64 `json:"id"`
	Invitee struct {
		Name  string `json:"name"`
		Phone string `json:"phone"`
	} `json:"invitee"`
	StartTime    string `json:"start_time"`
	Status       string `json:"status"`
	ConfirmedAt  string `json:"confirmed_at"`
	PhoneProblem string `json:"phone_problem"`
	Messages     []struct {
		Kind   string `json:"kind"`
		Status string `json:"status"`
		DueAt  string `json:"due_at"`
		Reason string `json:"reason"`
	} `json:"messages"`
}

// appointments reads GET /api/v1/appointments.
func (e *env) appointments(t *testing.T) []appointment {
	t.Helper()
	var out struct {
		Data []appointment `json:"data"`
	}
	if code := e.call(t, "GET", "/api/v1/appointments?from=2000-01-01T00:00:00Z", nil, &out); code != http.StatusOK {
		t.Fatalf("appointments: %d", code)
	}
	return out.Data
}

func (e *env) appointment(t *testing.T, phone string) appointment {
	t.Helper()
	for _, a := range e.appointments(t) {
		if a.Invitee.Phone == phone && a.Status == "active" {
			return a
		}
	}
	t.Fatalf("no active appointment for %s in %+v", phone, e.appointments(t))
	return appointment{}
}

// kinds is "kind=status" per message of an appointment.
func (a appointment) kinds() map[string]string {
	out := map[string]string{}
	for _, m := range a.Messages {
		out[m.Kind] = m.Status
	}
	return out
}

// inbound stores and applies a customer's message through the real
// ingest path.
func (e *env) inbound(t *testing.T, from, msgJSON string) {
	t.Helper()
	wamid := fmt.Sprintf("wamid.in%d", e.seq.Add(1))
	body := `{"object":"whatsapp_business_account","entry":[{"id":"` + wabaID + `","changes":[{"field":"messages","value":{"messaging_product":"whatsapp","metadata":{"display_phone_number":"15550783881","phone_number_id":"` + phoneID + `"},` +
		fmt.Sprintf(`"contacts":[{"profile":{"name":"Ana"},"wa_id":%q}],"messages":[{"from":%q,"id":%q,"timestamp":"%d",%s}]`, from, from, wamid, e.clock.Now().Unix(), msgJSON) + `}}]}]}`
	if _, _, err := e.writer.Store(context.Background(), []byte(body)); err != nil {
		t.Fatal(err)
	}
	for {
		n, err := e.applier.ApplyPending(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
}

func await(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(waitFor)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

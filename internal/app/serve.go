package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/gohavi/gohavi/internal/appointments"
	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/crmsync"
	"github.com/gohavi/gohavi/internal/inbox"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/jobs"
	"github.com/gohavi/gohavi/internal/media"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/realtime"
	simcalendly "github.com/gohavi/gohavi/internal/sim/calendly"
	"github.com/gohavi/gohavi/internal/sim/meta"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/web"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// Server is a running gohavi node.
type Server struct {
	*Base
	URL          string // where this node listens, e.g. http://127.0.0.1:8080
	Hub          realtime.Hub
	Jobs         *jobs.Jobs
	Writer       *ingest.Writer
	Applier      *ingest.Applier
	Outbound     *outbound.Service
	Numbers      *numbers.Service
	Templating   *templating.Service
	Sim          *meta.Server
	CRM          *crmsync.Engine
	CRMSims      *sandboxCRMs // HubSpot and Zoho simulators in sandbox mode
	Appointments *appointments.Engine
	Broadcasts   *broadcast.Service
	CalendlySim  *simcalendly.Server // Calendly simulator in sandbox mode
	Metrics      *metrics.Metrics

	ln        net.Listener
	http      *http.Server
	appSecret string
	login     *Login
	graphURL  string
}

// NewServer builds a node on b, listening on cfg.Addr (port 0 picks one).
func NewServer(ctx context.Context, b *Base) (_ *Server, err error) {
	s := &Server{Base: b}
	if err := b.claimDataDir(); err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			s.closeParts()
		}
	}()
	if s.ln, err = net.Listen("tcp", b.Cfg.Addr); err != nil {
		return nil, fmt.Errorf("listen on %s: %w (set GOHAVI_ADDR to a free address)", b.Cfg.Addr, err)
	}
	s.URL = loopbackURL(s.ln.Addr())
	if s.login, err = b.bootstrapOwner(ctx, b.Cfg.Sandbox); err != nil {
		return nil, fmt.Errorf("create the first owner: %w", err)
	}

	if b.DB.Dialect == store.Postgres {
		hub, err := realtime.NewPostgres(ctx, realtime.PostgresConfig{ConnString: b.DB.URL, Logger: b.Log})
		if err != nil {
			return nil, fmt.Errorf("realtime: %w", err)
		}
		s.Hub = hub
	} else {
		s.Hub = realtime.NewMemory()
	}
	s.Metrics = metrics.New(b.DB, b.Log)

	graphURL := b.Cfg.GraphBaseURL
	s.appSecret = b.Cfg.MetaAppSecret
	verifyToken := b.Cfg.MetaVerifyToken
	signup := web.SignupConfig{AppID: b.Cfg.MetaAppID, ConfigID: b.Cfg.MetaConfigID, SDKURL: b.Cfg.FacebookSDKURL, GraphVersion: b.Cfg.GraphVersion, Sandbox: b.Cfg.Sandbox}
	if b.Cfg.Sandbox {
		if s.appSecret == "" {
			s.appSecret = derive(b.Key, "app secret")
		}
		if verifyToken == "" {
			verifyToken = derive(b.Key, "verify token")
		}
		graphURL = s.URL + "/sim"
		// The simulator keeps its chats in the data dir so the sandbox
		// phone and the customer windows survive a restart.
		// Embedded Signup runs against the simulator's popup and SDK.
		signup.AppID, signup.ConfigID, signup.SDKURL = meta.DefaultAppID, "sandbox-config", "/sim/_sim/sdk.js"
		s.Sim = meta.New(meta.Config{AppSecret: s.appSecret, WebhookURL: s.URL + "/webhooks/whatsapp", Logger: b.Log,
			StatePath: filepath.Join(b.Cfg.DataDir, "sandbox-sim.json")})
	}
	s.graphURL = graphURL
	// Broadcasts keep dozens of calls in flight: keep as many connections.
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConnsPerHost, tr.MaxIdleConns = 128, 256
	graph := whatsapp.NewClient(graphURL, b.Cfg.GraphVersion, &http.Client{Timeout: 30 * time.Second, Transport: tr})

	s.Writer, s.Applier = ingest.NewPipeline(b.DB, s.Hub, b.Clock, b.Log)
	s.Applier.Applied = func(n int) { s.Metrics.WebhooksApplied.Add(float64(n)) }
	s.Outbound = &outbound.Service{DB: b.DB, Graph: graph, Box: b.Box, Hub: s.Hub, Clock: b.Clock, Log: b.Log}
	s.Numbers = &numbers.Service{DB: b.DB, Graph: graph, Box: b.Box, AppID: signup.AppID, AppSecret: s.appSecret, Hub: s.Hub, Clock: b.Clock, Log: b.Log}
	s.Templating = &templating.Service{DB: b.DB, Graph: graph, Box: b.Box, Clock: b.Clock}
	s.Applier.KeywordHook = s.confirmKeyword
	workers := river.NewWorkers()
	s.Outbound.Workers(workers)
	river.AddWorker(workers, &templating.SyncWorker{S: s.Templating})
	river.AddWorker(workers, &numbers.RefreshWorker{S: s.Numbers})
	river.AddWorker(workers, &media.DownloadWorker{S: &media.Service{DB: b.DB, Graph: graph, Box: b.Box, Hub: s.Hub, Clock: b.Clock, Log: b.Log}})
	periodic := []*river.PeriodicJob{templating.Periodic(), numbers.RefreshPeriodic()}
	if s.Jobs, err = jobs.New(b.DB, jobs.Config{Workers: workers, Logger: b.Log, Periodic: periodic}); err != nil {
		return nil, err
	}
	s.Outbound.Jobs = s.Jobs
	s.Applier.MediaJobs = s.Jobs
	s.CRM = s.crmEngine()
	s.Appointments = s.appointmentsEngine()
	if s.Broadcasts, err = s.broadcastService(graph); err != nil {
		return nil, err
	}

	d := web.Deps{
		DB: b.DB, Hub: s.Hub, Writer: s.Writer, Outbound: s.Outbound, Numbers: s.Numbers, Templating: s.Templating, Metrics: s.Metrics,
		Clock: b.Clock, Log: b.Log, AppSecret: s.appSecret, VerifyToken: verifyToken,
		SecureCookies: len(b.Cfg.PublicURL) > 5 && b.Cfg.PublicURL[:5] == "https",
		Sandbox:       b.Cfg.Sandbox, Ready: b.DB.Ping, Signup: signup,
		KeywordsChanged: s.Applier.Keywords.Invalidate,
		CRM:             s.CRM, PublicURL: b.Cfg.PublicURL, Appointments: s.Appointments, Broadcasts: s.Broadcasts,
	}
	if b.Cfg.Sandbox && s.login != nil {
		d.SandboxHint = "Sandbox login: " + s.login.Where
	}
	if s.Sim != nil {
		d.Sim = s.simHandler()
	}
	h, err := web.New(d)
	if err != nil {
		return nil, err
	}
	s.http = &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second, IdleTimeout: 2 * time.Minute, ErrorLog: slog.NewLogLogger(b.Log.Handler(), slog.LevelWarn)}
	return s, nil
}

// Run serves until ctx ends, then shuts down in order: stop taking
// requests, finish stored webhooks' commits, stop workers, close.
func (s *Server) Run(ctx context.Context) error {
	baseCtx, cancelBase := context.WithCancel(context.WithoutCancel(ctx))
	defer cancelBase()
	s.http.BaseContext = func(net.Listener) context.Context { return baseCtx }
	serveErr := make(chan error, 1)
	go func() { serveErr <- s.http.Serve(s.ln) }()

	var wg sync.WaitGroup
	workCtx, stopWork := context.WithCancel(context.WithoutCancel(ctx))
	defer stopWork()
	wg.Add(6)
	go func() { defer wg.Done(); s.Applier.Run(workCtx) }()
	go func() { defer wg.Done(); s.inbox().Run(workCtx) }()
	go func() { defer wg.Done(); s.CRM.Run(workCtx) }()
	go func() { defer wg.Done(); s.Appointments.Run(workCtx) }()
	go func() { defer wg.Done(); s.Broadcasts.Run(workCtx) }()
	go func() { defer wg.Done(); s.housekeeping(workCtx) }()
	wg.Go(func() { s.scheduler().Run(workCtx) })
	var err error
	if err = s.Jobs.Start(workCtx); err != nil {
		err = fmt.Errorf("start jobs: %w", err)
	} else {
		if err := s.connectSandbox(ctx); err != nil {
			s.Log.Error("connecting the sandbox number failed", "err", err)
		}
		s.announce(s.login)
		select {
		case <-ctx.Done():
		case err = <-serveErr:
		}
	}
	s.Log.Info("shutting down")
	cancelBase() // ends SSE streams so Shutdown does not wait on them
	shutCtx, cancel := context.WithTimeout(context.Background(), 15*time.Second)
	defer cancel()
	_ = s.http.Shutdown(shutCtx)
	s.Writer.Close()
	_ = s.Jobs.Stop(shutCtx)
	stopWork()
	wg.Wait()
	s.closeParts()
	if errors.Is(err, http.ErrServerClosed) {
		err = nil
	}
	return err
}

// loopbackURL is how this process reaches itself: a wildcard listen
// address (0.0.0.0, ::) is reached on the loopback interface.
func loopbackURL(a net.Addr) string {
	tcp, ok := a.(*net.TCPAddr)
	if !ok {
		return "http://" + a.String()
	}
	if tcp.IP.IsUnspecified() {
		ip := net.IPv4(127, 0, 0, 1)
		if tcp.IP.To4() == nil {
			ip = net.IPv6loopback
		}
		return "http://" + net.JoinHostPort(ip.String(), strconv.Itoa(tcp.Port))
	}
	return "http://" + tcp.String()
}

// confirmKeyword answers STOP and START, as the customer expects, in the
// keyword's language when the workspace wrote a reply for it, else in its
// English one. The customer just wrote, so the window is open and the
// reply goes through the rules like any other message.
func (s *Server) confirmKeyword(ctx context.Context, workspaceID, numberID int64, waID, action, language string) {
	text, err := s.DB.KeywordReplyText(ctx, workspaceID, language, action)
	if err != nil {
		// The customer is owed an answer even if the workspace's text is
		// out of reach: the built-in one is better than none.
		s.Log.Warn("keyword reply text not read; sending the default", "err", err)
		text = store.DefaultKeywordReply(action)
	}
	if _, err := s.Outbound.Submit(ctx, outbound.Request{WorkspaceID: workspaceID, NumberID: numberID, To: waID, Type: "text", Text: text}); err != nil {
		s.Log.Warn("keyword confirmation not sent", "action", action, "language", language, "err", err)
	}
}

// inbox works conversations: here, the loop that wakes snoozed ones.
func (s *Server) inbox() *inbox.Service {
	return &inbox.Service{DB: s.DB, Hub: s.Hub, Clock: s.Clock, Log: s.Log}
}

// closeParts releases what NewServer built; safe on a partly built node.
func (s *Server) closeParts() {
	if s.Writer != nil {
		s.Writer.Close()
	}
	if s.Sim != nil {
		s.Sim.Close()
	}
	s.CRMSims.close()
	if s.CalendlySim != nil {
		s.CalendlySim.Close()
	}
	if s.Hub != nil {
		_ = s.Hub.Close()
	}
	if s.ln != nil {
		_ = s.ln.Close()
	}
}

func (s *Server) housekeeping(ctx context.Context) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := s.DB.DeleteExpiredSessions(ctx); err == nil && n > 0 {
			s.Log.Info("expired sessions removed", "count", n)
		}
		// Slots older than the tier's 24-hour window count for nothing.
		if _, err := s.DB.DeleteOldTierSlots(ctx, s.Clock.Now().Add(-25*time.Hour)); err != nil && ctx.Err() == nil {
			s.Log.Warn("tier slot cleanup failed", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Package crmsync keeps a workspace and its CRM in step: new WhatsApp
// customers become CRM contacts, deal stage changes send templates, and
// every message lands on the contact's timeline.
//
// Everything is a row first (crm_events, crm_sends, crm_timeline, the
// message cursor), so the engine can stop at any moment and pick up where
// it left off. One node at a time works a connection (a lease), which
// keeps its calls to the CRM in order and under one client-side limiter.
// A CRM that fails or throttles puts the connection into backoff; a CRM
// that rejects our token marks it broken until a person reconnects. In
// both cases the work waits in its tables instead of being lost.
package crmsync

import (
	"context"
	"log/slog"
	"math"
	"net/http"
	"sync"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/loop"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/policy"
	"github.com/gohavi/gohavi/internal/secret"
	"github.com/gohavi/gohavi/internal/store"
)

// Sender is the send pipeline: every template a rule asks for goes through
// policy like any other message.
type Sender interface {
	Submit(ctx context.Context, req outbound.Request) (domain.Message, error)
	Check(ctx context.Context, req outbound.Request) (policy.Decision, error)
}

// Config holds the CRM apps GoHavi is registered as and where their APIs
// live (configurable so tests and the sandbox use the simulators).
type Config struct {
	HubSpotAPIURL       string // https://api.hubapi.com
	HubSpotAuthURL      string // https://app.hubspot.com
	HubSpotClientID     string
	HubSpotClientSecret string // also verifies webhook signatures
	ZohoAccountsURL     string // https://accounts.zoho.com
	ZohoClientID        string
	ZohoClientSecret    string
	PublicURL           string // where the CRMs reach GoHavi (OAuth redirects, Zoho notify_url)
	HTTPClient          *http.Client
}

// Engine runs the sync. Set the fields, then call Run (or Pass in tests).
type Engine struct {
	DB    *store.DB
	Box   *secret.Box
	Clock domain.Clock
	Log   *slog.Logger
	Send  Sender
	Cfg   Config
	// Interval is how often Run looks for work when nobody wakes it.
	Interval time.Duration
	// Node names this process in leases (random when empty).
	Node string

	once       sync.Once
	waker      loop.Waker
	mu         sync.Mutex
	clients    map[int64]*connClient
	watchRetry map[int64]time.Time // Zoho channels that failed: not before
}

const (
	leaseFor   = time.Minute
	maxBackoff = 5 * time.Minute
	batchSize  = crm.MaxBatch
)

func (e *Engine) init() {
	e.once.Do(func() {
		e.clients = map[int64]*connClient{}
		e.watchRetry = map[int64]time.Time{}
		if e.Node == "" {
			e.Node = loop.NodeName()
		}
		if e.Log == nil {
			e.Log = slog.Default()
		}
	})
}

// Wake asks the engine to look for work now (a webhook was stored, a
// message arrived).
func (e *Engine) Wake() { e.waker.Wake() }

// Run works connections until ctx ends.
func (e *Engine) Run(ctx context.Context) {
	e.init()
	loop.Run(ctx, e.Interval, &e.waker, func(ctx context.Context) { e.Pass(ctx) })
}

// Pass works every due connection once: acted-on webhooks, queued sends,
// the timeline, the notification channel. It reports how many connections
// it worked.
func (e *Engine) Pass(ctx context.Context) int {
	e.init()
	now := e.Clock.Now()
	conns, err := e.DB.LeaseCRMConnections(ctx, e.Node, domain.Millis(now.Add(leaseFor)))
	if err != nil {
		if ctx.Err() == nil {
			e.Log.Error("crm: leasing connections", "err", err)
		}
		return 0
	}
	for _, c := range conns {
		e.work(ctx, c)
		// Released even when ctx ended: the lease must not outlive us.
		_ = e.DB.ReleaseCRMLease(context.WithoutCancel(ctx), c.ID, e.Node)
	}
	return len(conns)
}

// work runs one connection's steps in order. A step stops the pass only
// when the CRM as a whole is unreachable, throttling or refusing us; an
// item the CRM refuses is set aside by the step itself.
func (e *Engine) work(ctx context.Context, c store.CRMConnection) {
	cl, err := e.client(c)
	if err != nil {
		e.fail(ctx, c, err)
		return
	}
	w := &pass{e: e, conn: c, cl: cl, settings: parseSettings(c.Settings)}
	for _, step := range []func(context.Context) error{w.events, w.sends, w.queueTimeline, w.writeTimeline, w.updateTimeline, w.renewWatch} {
		if err := step(ctx); err != nil {
			if ctx.Err() == nil {
				e.fail(ctx, c, err)
			}
			return
		}
	}
	if c.Failures > 0 {
		_ = e.DB.SetCRMBackoff(ctx, c.ID, 0, 0, "")
		e.log(ctx, c.ID, store.CRMLogEntry{Kind: "connection", Status: "ok", Detail: "the CRM answers again; waiting work is going out"})
	}
}

// fail decides what a connection-level failure means: a rejected token
// breaks the connection until a person reconnects; anything else waits
// (the CRM's Retry-After, or exponential backoff) and tries again.
func (e *Engine) fail(ctx context.Context, c store.CRMConnection, err error) {
	now := e.Clock.Now()
	switch crm.KindOf(err) {
	case crm.KindAuth, crm.KindForbidden:
		reason := brokenReason(c.Provider, err)
		_ = e.DB.SetCRMStatus(ctx, c.ID, store.CRMBroken, reason)
		e.log(ctx, c.ID, store.CRMLogEntry{Kind: "connection", Status: "failed", Detail: "connection broken; pending work waits until it is reconnected", Error: reason})
		e.Log.Warn("crm connection broken", "connection", c.ID, "provider", c.Provider, "err", err)
		return
	}
	wait := crm.RetryAfterOf(err)
	if wait <= 0 {
		wait = time.Duration(math.Min(float64(maxBackoff), float64(time.Second)*math.Pow(2, float64(c.Failures))))
	}
	_ = e.DB.SetCRMBackoff(ctx, c.ID, domain.Millis(now.Add(wait)), c.Failures+1, err.Error())
	if c.Failures == 0 {
		e.log(ctx, c.ID, store.CRMLogEntry{Kind: "connection", Status: "retrying", Detail: "the CRM did not accept work; retrying with backoff, nothing is lost", Error: err.Error()})
	}
	e.Log.Info("crm pass failed; backing off", "connection", c.ID, "wait", wait, "err", err)
}

func brokenReason(provider string, err error) string {
	name := providerName(provider)
	if crm.KindOf(err) == crm.KindForbidden {
		return name + " refused for lack of permission (" + err.Error() + "). Reconnect with an account or token that has the CRM scopes GoHavi asks for."
	}
	return name + " no longer accepts GoHavi's access (" + err.Error() + "). Reconnect it on the Integrations page."
}

func providerName(p string) string {
	switch crm.Provider(p) {
	case crm.HubSpot:
		return "HubSpot"
	case crm.Zoho:
		return "Zoho CRM"
	}
	return p
}

func (e *Engine) log(ctx context.Context, connID int64, l store.CRMLogEntry) {
	l.ConnectionID = connID
	if err := e.DB.AddCRMLog(ctx, l); err != nil {
		e.Log.Warn("crm: writing the sync log failed", "err", err)
	}
}

// pass is one connection's work in one Pass.
type pass struct {
	e        *Engine
	conn     store.CRMConnection
	cl       crm.Client
	settings Settings
	deals    map[string]crm.Deal // read this pass
}

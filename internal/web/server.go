// Package web is GoHavi's HTTP face: the HTML pages, the JSON API under
// /api/v1, the realtime stream, Meta's webhook endpoint and the operations
// endpoints. It translates HTTP to calls on the services and domain errors
// back to HTTP; no business rule lives here.
package web

import (
	"context"
	"html/template"
	"log/slog"
	"net/http"

	"github.com/gohavi/gohavi/internal/appointments"
	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/crmsync"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/ingest"
	"github.com/gohavi/gohavi/internal/metrics"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/realtime"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/templating"
	"github.com/gohavi/gohavi/internal/web/ui"
)

// Deps are the services the handlers call.
type Deps struct {
	DB            *store.DB
	Hub           realtime.Hub
	Writer        *ingest.Writer
	Outbound      *outbound.Service
	Numbers       *numbers.Service
	Templating    *templating.Service
	Metrics       *metrics.Metrics
	Clock         domain.Clock
	Log           *slog.Logger
	AppSecret     string // verifies X-Hub-Signature-256
	VerifyToken   string // Meta's webhook handshake
	SecureCookies bool
	Sandbox       bool
	SandboxHint   string       // login hint shown in sandbox mode
	Sim           http.Handler // the in-process simulator, mounted at /sim/ in sandbox mode
	Signup        SignupConfig // what the Connect page needs for Embedded Signup
	Ready         func(ctx context.Context) error
	CRM           *crmsync.Engine      // HubSpot and Zoho sync (nil: integrations off)
	Appointments  *appointments.Engine // Calendly bookings and reminders (nil: off)
	Broadcasts    *broadcast.Service   // broadcasting (nil: off)
	PublicURL     string               // where outside services reach this server ("" = the request's host)
	// KeywordsChanged, if set, is told after a workspace's keywords change
	// so this node's applier stops using its cached copy.
	KeywordsChanged func(workspaceID int64)
}

type server struct {
	Deps
	tmpl *template.Template
	seen presence     // this node's throttle on last_seen_at writes
	live livePresence // this node's throttle on presence.updated
}

// New builds the handler tree.
func New(d Deps) (http.Handler, error) {
	tmpl, err := ui.Templates()
	if err != nil {
		return nil, err
	}
	s := &server{Deps: d, tmpl: tmpl}
	mux := http.NewServeMux()

	mux.HandleFunc("GET /healthz", s.healthz)
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", s.metricsHandler())

	mux.HandleFunc("GET /webhooks/whatsapp", s.webhookHandshake)
	mux.HandleFunc("POST /webhooks/whatsapp", s.webhookReceive)
	mux.HandleFunc("POST /webhooks/hubspot", s.hubspotWebhook)
	mux.HandleFunc("POST /webhooks/zoho", s.zohoWebhook)
	mux.HandleFunc("POST /webhooks/{provider}/workflow", s.workflowWebhook)
	mux.HandleFunc("GET /integrations/{provider}/callback", s.integrationCallback)
	mux.HandleFunc("GET /integrations/calendly/callback", s.calendlyCallback)
	mux.HandleFunc("POST /webhooks/calendly/hook/{key}", s.calendlyWebhook)

	mux.Handle("GET /static/", http.StripPrefix("/static/", staticCache(http.FileServerFS(ui.Static()))))
	mux.HandleFunc("GET /login", s.loginPage)
	mux.HandleFunc("POST /login", s.login)
	mux.HandleFunc("POST /logout", s.logout)
	mux.HandleFunc("GET /{$}", s.page(s.inboxPage))
	mux.HandleFunc("GET /compliance", s.page(s.compliancePage))
	mux.HandleFunc("GET /numbers", s.page(s.numbersPage))
	mux.HandleFunc("GET /numbers/connect", s.page(s.numbersConnectPage))
	mux.HandleFunc("GET /integrations", s.page(s.integrationsPage))
	mux.HandleFunc("GET /appointments", s.page(s.appointmentsPage))
	mux.HandleFunc("GET /broadcasts", s.page(s.broadcastsPage))
	mux.HandleFunc("GET /team", s.page(s.teamPage))

	api := func(pattern string, h func(http.ResponseWriter, *http.Request, domain.Principal)) {
		mux.HandleFunc(pattern, s.api(h))
	}
	api("GET /api/v1/me", s.me)
	api("GET /api/v1/conversations", s.listConversations)
	api("GET /api/v1/conversations/{id}", s.getConversation)
	api("GET /api/v1/conversations/{id}/messages", s.listMessages)
	api("GET /api/v1/search", s.search)
	api("POST /api/v1/conversations/{id}/read", s.readConversation)
	api("GET /api/v1/conversations/counts", s.conversationCounts)
	api("POST /api/v1/conversations/{id}/assign", s.assignConversation)
	api("POST /api/v1/conversations/{id}/status", s.setConversationStatus)
	api("GET /api/v1/conversations/{id}/activity", s.conversationActivity)
	api("GET /api/v1/members", s.listMembers)
	api("POST /api/v1/members", s.createMember)
	api("PUT /api/v1/members/{id}", s.updateMember)
	api("DELETE /api/v1/members/{id}", s.deactivateMember)
	api("GET /api/v1/conversations/{id}/notes", s.listNotes)
	api("POST /api/v1/conversations/{id}/notes", s.createNote)
	api("GET /api/v1/conversations/{id}/timeline", s.timeline)
	api("PUT /api/v1/notes/{id}", s.updateNote)
	api("DELETE /api/v1/notes/{id}", s.deleteNote)
	api("GET /api/v1/conversations/{id}/labels", s.getConversationLabels)
	api("PUT /api/v1/conversations/{id}/labels", s.putConversationLabels)
	api("POST /api/v1/conversations/{id}/labels/{name}", s.addConversationLabel)
	api("DELETE /api/v1/conversations/{id}/labels/{name}", s.removeConversationLabel)
	api("GET /api/v1/labels", s.listLabels)
	api("POST /api/v1/labels", s.createLabel)
	api("PUT /api/v1/labels/{name}", s.updateLabel)
	api("DELETE /api/v1/labels/{name}", s.deleteLabel)
	api("GET /api/v1/canned", s.listCanned)
	api("POST /api/v1/canned", s.createCanned)
	api("PUT /api/v1/canned/{id}", s.updateCanned)
	api("DELETE /api/v1/canned/{id}", s.deleteCanned)
	api("POST /api/v1/conversations/{id}/canned/{shortcut}/render", s.renderCanned)
	api("POST /api/v1/messages", s.sendMessage)
	api("POST /api/v1/policy/check", s.checkPolicy)
	api("GET /api/v1/compliance", s.compliance)
	api("GET /api/v1/settings", s.getSettings)
	api("PUT /api/v1/settings", s.putSettings)
	api("GET /api/v1/settings/keywords", s.getKeywords)
	api("POST /api/v1/settings/keywords", s.addKeyword)
	api("DELETE /api/v1/settings/keywords", s.removeKeyword)
	api("PUT /api/v1/settings/keywords/builtin", s.setBuiltinKeyword)
	api("PUT /api/v1/settings/keywords/replies", s.putKeywordReply)
	api("GET /api/v1/messages/{id}", s.getMessage)
	api("POST /api/v1/media", s.postMedia)
	api("GET /api/v1/media/{id}", s.getMedia)
	api("POST /api/v1/messages/{id}/reactions", s.reactToMessage)
	api("POST /api/v1/messages/{id}/retry", s.retryMessage)
	api("POST /api/v1/conversations/{id}/presence", s.postPresence)
	api("GET /api/v1/whatsapp/numbers", s.listNumbers)
	api("POST /api/v1/whatsapp/numbers", s.connectNumber)
	api("GET /api/v1/whatsapp/signup/config", s.signupConfig)
	api("POST /api/v1/whatsapp/signup", s.signup)
	api("POST /api/v1/whatsapp/signup/abandoned", s.signupAbandoned)
	api("POST /api/v1/whatsapp/numbers/{id}/refresh", s.refreshNumber)
	api("DELETE /api/v1/whatsapp/numbers/{id}", s.disconnectNumber)
	api("GET /api/v1/whatsapp/numbers/{id}/history", s.numberHistory)
	api("PUT /api/v1/whatsapp/numbers/{id}/webhook", s.putNumberWebhook)
	api("GET /api/v1/whatsapp/numbers/{id}/profile", s.getProfile)
	api("PUT /api/v1/whatsapp/numbers/{id}/profile", s.putProfile)
	api("POST /api/v1/whatsapp/numbers/{id}/profile/photo", s.postProfilePhoto)
	api("GET /api/v1/whatsapp/numbers/{id}/green-tick", s.getGreenTick)
	api("POST /api/v1/whatsapp/numbers/{id}/green-tick", s.postGreenTick)
	api("GET /api/v1/events", s.events)
	api("GET /api/v1/templates", s.listTemplates)
	api("POST /api/v1/templates", s.createTemplate)
	api("POST /api/v1/templates/lint", s.lintTemplate)
	api("POST /api/v1/templates/sync", s.syncTemplates)
	api("GET /api/v1/templates/{id}", s.getTemplate)
	api("POST /api/v1/templates/{id}/ttl", s.setTemplateTTL)
	api("POST /api/v1/templates/{id}/preview", s.previewTemplate)
	api("POST /api/v1/contacts", s.createContact)
	api("POST /api/v1/contacts/import", s.importContacts)
	api("GET /api/v1/contacts/{id}", s.getContact)
	api("POST /api/v1/contacts/{id}/consent", s.addConsent)
	api("GET /api/v1/contacts/{id}/consent", s.listConsent)
	api("GET /api/v1/contacts/{id}/consent.csv", s.consentCSV)
	api("GET /api/v1/contacts/{id}/crm", s.contactCRM)
	api("GET /api/v1/contacts/{id}/panel", s.contactPanel)
	api("POST /api/v1/conversations/{id}/scheduled", s.createScheduled)
	api("GET /api/v1/conversations/{id}/scheduled", s.listScheduled)
	api("DELETE /api/v1/scheduled/{id}", s.cancelScheduled)
	api("GET /api/v1/integrations", s.listIntegrations)
	api("POST /api/v1/integrations/calendly", s.connectCalendly)
	api("GET /api/v1/integrations/calendly", s.getCalendly)
	api("DELETE /api/v1/integrations/calendly", s.disconnectCalendly)
	api("POST /api/v1/integrations/calendly/authorize", s.authorizeCalendly)
	api("PUT /api/v1/integrations/calendly/settings", s.putCalendlySettings)
	api("POST /api/v1/integrations/calendly/subscription", s.resubscribeCalendly)
	api("GET /api/v1/broadcasts", s.listBroadcasts)
	api("POST /api/v1/broadcasts", s.createBroadcast)
	api("GET /api/v1/broadcasts/{id}", s.getBroadcast)
	api("PUT /api/v1/broadcasts/{id}", s.updateBroadcast)
	api("DELETE /api/v1/broadcasts/{id}", s.deleteBroadcast)
	api("GET /api/v1/broadcasts/{id}/plan", s.planBroadcast)
	api("GET /api/v1/broadcasts/{id}/preview", s.previewBroadcast)
	api("POST /api/v1/broadcasts/{id}/follow-up", s.followUpBroadcast)
	api("POST /api/v1/broadcasts/{id}/{action}", s.steerBroadcast)
	api("GET /api/v1/broadcasts/{id}/recipients", s.broadcastRecipients)
	api("GET /api/v1/broadcasts/{id}/recipients.csv", s.broadcastRecipientsCSV)
	api("GET /api/v1/appointments", s.listAppointments)
	api("GET /api/v1/appointments/{id}", s.getAppointment)
	api("POST /api/v1/integrations/hubspot", s.connectHubSpot)
	api("POST /api/v1/integrations/zoho", s.connectZoho)
	api("GET /api/v1/integrations/{provider}/authorize", s.authorizeIntegration)
	api("DELETE /api/v1/integrations/{provider}", s.disconnectIntegration)
	api("GET /api/v1/integrations/{provider}/settings", s.getIntegrationSettings)
	api("PUT /api/v1/integrations/{provider}/settings", s.putIntegrationSettings)
	api("GET /api/v1/integrations/{provider}/pipelines", s.integrationPipelines)
	api("GET /api/v1/integrations/{provider}/rules", s.listIntegrationRules)
	api("POST /api/v1/integrations/{provider}/rules", s.addIntegrationRule)
	api("DELETE /api/v1/integrations/{provider}/rules/{id}", s.deleteIntegrationRule)
	api("POST /api/v1/integrations/{provider}/rules/{id}/test", s.testIntegrationRule)
	api("GET /api/v1/integrations/{provider}/log", s.integrationLog)
	api("POST /api/v1/integrations/{provider}/log/{id}/retry", s.retryIntegrationLog)
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, domain.Errorf(domain.CodeNotFound, "See the API reference in the README.", "no such endpoint: %s %s", r.Method, r.URL.Path))
	})

	if d.Sandbox && d.Sim != nil {
		mux.Handle("/sim/", http.StripPrefix("/sim", d.Sim))
	}

	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, domain.Errorf(domain.CodeForbidden, "Use GoHavi from its own pages, or call the API with an API key.", "cross-origin request refused"))
	}))
	return s.recoverer(securityHeaders(cop.Handler(mux))), nil
}

func (s *server) healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

func (s *server) readyz(w http.ResponseWriter, r *http.Request) {
	if s.Ready != nil {
		if err := s.Ready(r.Context()); err != nil {
			writeError(w, r, &domain.Error{Code: domain.CodeUnavailable, Message: "not ready: " + err.Error(), Remedy: "Check the database connection."})
			return
		}
	}
	s.healthz(w, r)
}

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "same-origin")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

func staticCache(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Query().Get("v") != "" {
			w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
		}
		next.ServeHTTP(w, r)
	})
}

func (s *server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				writeError(w, r, &domain.Error{Code: domain.CodeInternal, Message: "internal error"})
			}
		}()
		next.ServeHTTP(w, r)
	})
}

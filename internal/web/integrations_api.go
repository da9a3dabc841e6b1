package web

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/crm"
	"github.com/gohavi/gohavi/internal/crmsync"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// CRM integrations (HubSpot, Zoho CRM). Reading is for every member;
// connecting, rules, settings and retries are for owners and admins.
//
//	GET    /api/v1/integrations                          connections with status and queues
//	POST   /api/v1/integrations/hubspot                  {"access_token"} (private app) or {"code","redirect_uri"} → 201
//	POST   /api/v1/integrations/zoho                     {"code"|"refresh_token", "accounts_server"?} → 201
//	GET    /api/v1/integrations/{provider}/authorize     {"url"}: where to send the person for OAuth
//	DELETE /api/v1/integrations/{provider}               disconnect → 204
//	GET    /api/v1/integrations/{provider}/settings      field mapping and options
//	PUT    /api/v1/integrations/{provider}/settings
//	GET    /api/v1/integrations/{provider}/pipelines     deal pipelines and stages
//	GET    /api/v1/integrations/{provider}/rules
//	POST   /api/v1/integrations/{provider}/rules         {"pipeline_id","stage_id","template":{"name","language","parameters"}} → 201
//	DELETE /api/v1/integrations/{provider}/rules/{id}
//	POST   /api/v1/integrations/{provider}/rules/{id}/test  {"deal_id"}: what would be sent, nothing sent
//	GET    /api/v1/integrations/{provider}/log           {"data":[{"kind","status","error"?,…}]} newest first
//	POST   /api/v1/integrations/{provider}/log/{id}/retry
//	GET    /api/v1/contacts/{id}/crm                     where the contact lives in each CRM

type connectionView struct {
	Provider     string         `json:"provider"`
	Auth         string         `json:"auth"`
	AccountID    string         `json:"account_id"`
	AccountName  string         `json:"account_name"`
	Status       string         `json:"status"`
	StatusReason string         `json:"status_reason,omitempty"`
	LastError    string         `json:"last_error,omitempty"`
	RetryAt      *string        `json:"retry_at,omitempty"`
	ConnectedAt  *string        `json:"connected_at"`
	WorkflowURL  string         `json:"workflow_webhook_url"`
	WebhookURL   string         `json:"webhook_url"`
	WatchUntil   *string        `json:"notifications_until,omitempty"`
	Queue        store.CRMQueue `json:"queue"`
}

func (s *server) newConnectionView(r *http.Request, c store.CRMConnection) (connectionView, error) {
	v := connectionView{Provider: c.Provider, Auth: c.Auth, AccountID: c.AccountID, AccountName: c.AccountName, Status: c.Status,
		StatusReason: c.StatusReason, LastError: c.LastError, ConnectedAt: view.Time(c.CreatedAt)}
	base := s.publicBase(r)
	v.WebhookURL = base + "/webhooks/" + c.Provider
	v.WorkflowURL = base + "/webhooks/" + c.Provider + "/workflow?key=" + c.WebhookKey
	if c.NextAttemptAt > domain.Millis(s.Clock.Now()) {
		v.RetryAt = view.Time(domain.FromMillis(c.NextAttemptAt))
	}
	if c.WatchExpiresAt > 0 {
		v.WatchUntil = view.Time(domain.FromMillis(c.WatchExpiresAt))
	}
	var err error
	v.Queue, err = s.DB.CRMQueueCounts(r.Context(), c.ID)
	return v, err
}

// publicBase is the URL the CRMs call GoHavi at.
func (s *server) publicBase(r *http.Request) string {
	if s.PublicURL != "" {
		return strings.TrimRight(s.PublicURL, "/")
	}
	scheme := "http"
	if r.TLS != nil || r.Header.Get("X-Forwarded-Proto") == "https" {
		scheme = "https"
	}
	return scheme + "://" + r.Host
}

func provider(r *http.Request) (string, error) {
	switch p := r.PathValue("provider"); crm.Provider(p) {
	case crm.HubSpot, crm.Zoho:
		return p, nil
	}
	return "", domain.Errorf(domain.CodeNotFound, "Use hubspot or zoho.", "unknown CRM %q", r.PathValue("provider"))
}

func (s *server) crmReady() error {
	if s.CRM == nil {
		return domain.Errorf(domain.CodeUnavailable, "Restart GoHavi with the CRM sync enabled.", "CRM integrations are not running on this node")
	}
	return nil
}

func (s *server) listIntegrations(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	cs, err := s.DB.CRMConnections(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[connectionView]{Data: make([]connectionView, 0, len(cs))}
	for _, c := range cs {
		v, err := s.newConnectionView(r, c)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out.Data = append(out.Data, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) connectHubSpot(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req struct {
		AccessToken string `json:"access_token"`
		Code        string `json:"code"`
		RedirectURI string `json:"redirect_uri"`
	}
	err := firstErr(requireManager(p), s.crmReady(), func() error { return decodeJSON(w, r, &req) })
	var c store.CRMConnection
	if err == nil {
		if req.Code != "" {
			c, err = s.CRM.ConnectHubSpotCode(r.Context(), p.WorkspaceID, req.Code, req.RedirectURI)
		} else {
			c, err = s.CRM.ConnectHubSpotToken(r.Context(), p.WorkspaceID, req.AccessToken)
		}
	}
	s.answerConnection(w, r, c, err)
}

func (s *server) connectZoho(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req struct {
		Code           string `json:"code"`
		RefreshToken   string `json:"refresh_token"`
		AccountsServer string `json:"accounts_server"`
		RedirectURI    string `json:"redirect_uri"`
	}
	err := firstErr(requireManager(p), s.crmReady(), func() error { return decodeJSON(w, r, &req) })
	var c store.CRMConnection
	if err == nil {
		c, err = s.CRM.ConnectZoho(r.Context(), p.WorkspaceID, req.AccountsServer, req.Code, req.RefreshToken, req.RedirectURI)
	}
	s.answerConnection(w, r, c, err)
}

func (s *server) answerConnection(w http.ResponseWriter, r *http.Request, c store.CRMConnection, err error) {
	if err != nil {
		writeError(w, r, err)
		return
	}
	v, err := s.newConnectionView(r, c)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, v)
}

// firstErr runs checks in order and returns the first failure; later
// checks (reading the body) only run when the earlier ones pass.
func firstErr(errs ...any) error {
	for _, e := range errs {
		switch e := e.(type) {
		case error:
			return e
		case func() error:
			if err := e(); err != nil {
				return err
			}
		}
	}
	return nil
}

func (s *server) authorizeIntegration(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	prov, err := provider(r)
	var url string
	if err = firstErr(err, requireManager(p), s.crmReady()); err == nil {
		url, err = s.CRM.AuthorizeURL(p.WorkspaceID, prov)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]string{"url": url})
}

// integrationCallback is where the CRM sends the person back after OAuth.
func (s *server) integrationCallback(w http.ResponseWriter, r *http.Request) {
	prov, err := provider(r)
	q := r.URL.Query()
	if err == nil && q.Get("error") != "" {
		err = domain.Errorf(domain.CodeUnauthenticated, "Start again and allow GoHavi's access.", "the CRM did not grant access: %s", q.Get("error"))
	}
	if err = firstErr(err, s.crmReady()); err == nil {
		_, err = s.CRM.CompleteOAuth(r.Context(), prov, q.Get("state"), q.Get("code"), q.Get("accounts-server"))
	}
	oauthDone(w, r, prov, err)
}

// oauthDone sends the person back to the Integrations page after an OAuth
// redirect, saying what was connected or what went wrong.
func oauthDone(w http.ResponseWriter, r *http.Request, provider string, err error) {
	target := "/integrations?connected=" + provider
	if err != nil {
		var de *domain.Error
		if !errors.As(err, &de) {
			logFrom(r).Error("oauth callback", "provider", provider, "err", err)
			de = &domain.Error{Message: "internal error"}
		}
		target = "/integrations?error=" + url.QueryEscape(de.Message+" "+de.Remedy)
	}
	http.Redirect(w, r, target, http.StatusSeeOther)
}

func (s *server) disconnectIntegration(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	prov, err := provider(r)
	if err = firstErr(err, requireManager(p), s.crmReady()); err == nil {
		err = s.CRM.Disconnect(r.Context(), p.WorkspaceID, prov)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// connectionOf is the workspace's connection named in the path.
func (s *server) connectionOf(r *http.Request, p domain.Principal) (store.CRMConnection, error) {
	prov, err := provider(r)
	if err != nil {
		return store.CRMConnection{}, err
	}
	c, err := s.DB.CRMConnection(r.Context(), p.WorkspaceID, prov)
	if domain.IsNotFound(err) {
		return c, domain.Errorf(domain.CodeNotFound, "Connect it first (POST /api/v1/integrations/"+prov+").", "%s is not connected", prov)
	}
	return c, err
}

func (s *server) getIntegrationSettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	c, err := s.connectionOf(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, crmsync.SettingsOf(c))
}

func (s *server) putIntegrationSettings(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req crmsync.Settings
	prov, err := provider(r)
	err = firstErr(err, requireManager(p), s.crmReady(), func() error { return decodeJSON(w, r, &req) })
	if err == nil {
		req, err = s.CRM.SaveSettings(r.Context(), p.WorkspaceID, prov, req)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, req)
}

type pipelineView struct {
	ID     string      `json:"id"`
	Label  string      `json:"label"`
	Stages []stageView `json:"stages"`
}

type stageView struct {
	ID    string `json:"id"`
	Label string `json:"label"`
}

func (s *server) integrationPipelines(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	prov, err := provider(r)
	var ps []crm.Pipeline
	if err = firstErr(err, s.crmReady()); err == nil {
		ps, err = s.CRM.Pipelines(r.Context(), p.WorkspaceID, prov)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[pipelineView]{Data: make([]pipelineView, 0, len(ps))}
	for _, pl := range ps {
		v := pipelineView{ID: pl.ID, Label: pl.Label, Stages: make([]stageView, 0, len(pl.Stages))}
		for _, st := range pl.Stages {
			v.Stages = append(v.Stages, stageView{ID: st.ID, Label: st.Label})
		}
		out.Data = append(out.Data, v)
	}
	writeJSON(w, http.StatusOK, out)
}

type ruleView struct {
	ID         int64            `json:"id"`
	PipelineID string           `json:"pipeline_id"`
	StageID    string           `json:"stage_id"`
	NumberID   int64            `json:"number_id,omitempty"`
	Template   crmsync.RuleTmpl `json:"template"`
	CreatedAt  *string          `json:"created_at"`
}

func newRuleView(r store.CRMRule) ruleView {
	v := ruleView{ID: r.ID, PipelineID: r.PipelineID, StageID: r.StageID, NumberID: r.NumberID, CreatedAt: view.Time(r.CreatedAt),
		Template: crmsync.RuleTmpl{Name: r.TemplateName, Language: r.TemplateLanguage, Parameters: crmsync.RuleParams(r)}}
	return v
}

func (s *server) listIntegrationRules(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	c, err := s.connectionOf(r, p)
	var rules []store.CRMRule
	if err == nil {
		rules, err = s.DB.CRMRules(r.Context(), c.ID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[ruleView]{Data: make([]ruleView, 0, len(rules))}
	for _, rl := range rules {
		out.Data = append(out.Data, newRuleView(rl))
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) addIntegrationRule(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req crmsync.Rule
	prov, err := provider(r)
	err = firstErr(err, requireManager(p), s.crmReady(), func() error { return decodeJSON(w, r, &req) })
	var rule store.CRMRule
	if err == nil {
		rule, err = s.CRM.AddRule(r.Context(), p.WorkspaceID, prov, req)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newRuleView(rule))
}

func (s *server) deleteIntegrationRule(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	c, err := s.connectionOf(r, p)
	id, idErr := pathID(r)
	if err = firstErr(err, idErr, requireManager(p)); err == nil {
		err = s.DB.DeleteCRMRule(r.Context(), c.ID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) testIntegrationRule(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req struct {
		DealID string `json:"deal_id"`
	}
	prov, err := provider(r)
	id, idErr := pathID(r)
	err = firstErr(err, idErr, requireManager(p), s.crmReady(), func() error { return decodeJSON(w, r, &req) })
	var res crmsync.TestResult
	if err == nil {
		res, err = s.CRM.TestRule(r.Context(), p.WorkspaceID, prov, id, req.DealID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, res)
}

type crmLogView struct {
	ID        int64   `json:"id"`
	At        *string `json:"at"`
	Kind      string  `json:"kind"`
	Status    string  `json:"status"`
	Subject   string  `json:"subject,omitempty"`
	Detail    string  `json:"detail,omitempty"`
	Error     string  `json:"error,omitempty"`
	Retryable bool    `json:"retryable"`
}

func (s *server) integrationLog(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	c, err := s.connectionOf(r, p)
	var entries []store.CRMLogEntry
	if err == nil {
		before, _ := strconv.ParseInt(r.URL.Query().Get("before"), 10, 64)
		entries, err = s.DB.CRMLog(r.Context(), c.ID, before, queryLimit(r, 100, 500))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[crmLogView]{Data: make([]crmLogView, 0, len(entries))}
	for _, e := range entries {
		out.Data = append(out.Data, crmLogView{ID: e.ID, At: view.Time(e.At), Kind: e.Kind, Status: e.Status, Subject: e.Subject,
			Detail: e.Detail, Error: e.Error, Retryable: e.RefKind != "" && e.Status == "failed"})
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) retryIntegrationLog(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	prov, err := provider(r)
	id, idErr := pathID(r)
	if err = firstErr(err, idErr, requireManager(p), s.crmReady()); err == nil {
		err = s.CRM.Retry(r.Context(), p.WorkspaceID, prov, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusAccepted)
}

type crmRecordView struct {
	Provider string `json:"provider"`
	ID       string `json:"id"`
	URL      string `json:"url,omitempty"`
}

func (s *server) contactCRM(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleContactID(r, p)
	var recs []store.CRMRecord
	if err == nil {
		var c domain.Contact
		if c, err = s.DB.ContactByID(r.Context(), p.WorkspaceID, id); err == nil {
			recs, err = s.DB.CRMRecordsForPhone(r.Context(), p.WorkspaceID, c.Phone)
		}
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[crmRecordView]{Data: make([]crmRecordView, 0, len(recs))}
	for _, rec := range recs {
		out.Data = append(out.Data, crmRecordView{Provider: rec.Provider, ID: rec.CRMID, URL: rec.URL})
	}
	writeJSON(w, http.StatusOK, out)
}

package meta

import (
	"encoding/base64"
	"io"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

const maxTemplatesPerWABA = 250 // unverified portfolio (§6.7)

// serveTemplates handles /{waba_id}/message_templates (§6.1).
func (s *Server) serveTemplates(w http.ResponseWriter, r *http.Request, wabaID string) {
	method := strings.ToLower(r.Method)
	if gerr := s.authorizeWABA(r, wabaID, method); gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	switch r.Method {
	case http.MethodPost:
		s.createTemplate(w, r, wabaID)
	case http.MethodGet:
		s.listTemplates(w, r, wabaID)
	case http.MethodDelete:
		s.deleteTemplates(w, r, wabaID)
	default:
		writeGraphError(w, errUnsupported(method, ""))
	}
}

// authorizeWABA accepts a token granted the WABA or any of its numbers;
// the token is checked before the node, as everywhere on Graph.
func (s *Server) authorizeWABA(r *http.Request, wabaID, method string) *graphError {
	token := bearer(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	grants, gerr := s.tokenGrants(token)
	if gerr != nil {
		return gerr
	}
	if !s.wabaKnown(wabaID) {
		return errUnsupported(method, wabaID)
	}
	if !s.grantedWABA(grants, wabaID) {
		return newGraphError(200, "The access token does not have permission to access WhatsApp Business Account "+wabaID+".")
	}
	return nil
}

func (s *Server) createTemplate(w http.ResponseWriter, r *http.Request, wabaID string) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxSendBody))
	if err != nil {
		writeGraphError(w, errBadRequest("Could not read the request body."))
		return
	}
	t, gerr := parseTemplateCreate(body)
	if gerr != nil {
		writeGraphError(w, gerr)
		return
	}
	s.mu.Lock()
	s.sweepTemplates()
	if s.findTemplate(wabaID, t.Name, t.Language) != nil {
		s.mu.Unlock()
		writeGraphError(w, errTemplate(2388024, "Content in This Language Already Exists",
			"There is already "+t.Language+" content for this template. You can create a new template and try again."))
		return
	}
	if len(s.wabaTemplates(wabaID)) >= maxTemplatesPerWABA {
		s.mu.Unlock()
		writeGraphError(w, errTemplate(2388019, "Message Template Limit Exceeded",
			"This WhatsApp Business Account has reached its limit of message templates."))
		return
	}
	t.ID, t.WABAID, t.QualityScore, t.CreatedAt = newNumericID(), wabaID, "UNKNOWN", s.now()
	s.putTemplate(t)
	s.startReview(t)
	out := map[string]any{"id": t.ID, "status": t.Status, "category": t.Category}
	s.mu.Unlock()
	writeGraphJSON(w, http.StatusOK, out)
}

// startReview puts a stored template in PENDING until the simulated
// review decides, after Config.TemplateReviewAfter (at once when that is
// negative). Callers hold s.mu.
func (s *Server) startReview(t *Template) {
	d := max(s.cfg.TemplateReviewAfter, 0)
	t.Status, t.Reason, t.PausedUntil, t.ReviewAt = "PENDING", "", time.Time{}, s.now().Add(d)
	s.changed()
	if d == 0 {
		s.sweepTemplates()
		return
	}
	s.sched.after(d, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if !s.closed {
			s.sweepTemplates()
		}
	})
}

// wabaTemplates lists a WABA's templates without sweeping. Callers hold s.mu.
func (s *Server) wabaTemplates(wabaID string) []*Template {
	var out []*Template
	for _, id := range s.tplOrder {
		if t := s.templates[id]; t.WABAID == wabaID {
			out = append(out, t)
		}
	}
	return out
}

// templateJSON renders a template node; fields limits it (plus id).
func templateJSON(t *Template, fields string) map[string]any {
	all := map[string]any{
		"name": t.Name, "parameter_format": t.ParameterFormat, "components": t.Components,
		"language": t.Language, "status": t.Status, "category": t.Category, "id": t.ID,
	}
	if t.Status == "REJECTED" {
		all["rejected_reason"] = t.Reason
	}
	if t.MessageSendTTLSeconds != 0 {
		all["message_send_ttl_seconds"] = t.MessageSendTTLSeconds
	}
	if fields == "" {
		return all
	}
	out := map[string]any{"id": t.ID}
	for f := range strings.SplitSeq(fields, ",") {
		switch f = strings.TrimSpace(f); f {
		case "quality_score":
			out[f] = map[string]any{"score": t.QualityScore, "date": t.CreatedAt.Unix()}
		case "rejected_reason":
			out[f] = cmpOr(t.Reason, "NONE")
		default:
			if v, ok := all[f]; ok {
				out[f] = v
			}
		}
	}
	return out
}

func cmpOr(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

func (s *Server) listTemplates(w http.ResponseWriter, r *http.Request, wabaID string) {
	q := r.URL.Query()
	limit := 25
	if l, err := strconv.Atoi(q.Get("limit")); err == nil && l > 0 {
		limit = min(l, 1000)
	}
	var statuses []string
	for st := range strings.SplitSeq(strings.ToUpper(q.Get("status")), ",") {
		if st = strings.TrimSpace(st); st != "" {
			statuses = append(statuses, st)
		}
	}
	s.mu.Lock()
	s.sweepTemplates()
	var match []*Template
	for _, t := range s.wabaTemplates(wabaID) {
		if (q.Get("name") == "" || strings.Contains(t.Name, q.Get("name"))) &&
			(len(statuses) == 0 || slices.Contains(statuses, t.Status)) &&
			(q.Get("category") == "" || strings.EqualFold(q.Get("category"), t.Category)) &&
			(q.Get("language") == "" || q.Get("language") == t.Language) {
			match = append(match, t)
		}
	}
	start := 0
	if after := q.Get("after"); after != "" {
		id, err := base64.RawURLEncoding.DecodeString(after)
		i := slices.IndexFunc(match, func(t *Template) bool { return t.ID == string(id) })
		if err != nil || i < 0 {
			s.mu.Unlock()
			writeGraphError(w, newGraphError(131059, "Invalid pagination cursor."))
			return
		}
		start = i + 1
	}
	page := match[start:min(start+limit, len(match))]
	data := make([]map[string]any, 0, len(page))
	for _, t := range page {
		data = append(data, templateJSON(t, q.Get("fields")))
	}
	s.mu.Unlock()
	out := map[string]any{"data": data}
	if len(page) > 0 {
		cur := func(t *Template) string { return base64.RawURLEncoding.EncodeToString([]byte(t.ID)) }
		paging := map[string]any{"cursors": map[string]string{"before": cur(page[0]), "after": cur(page[len(page)-1])}}
		if start+len(page) < len(match) {
			nq := r.URL.Query()
			nq.Set("after", cur(page[len(page)-1]))
			paging["next"] = "https://graph.facebook.com" + r.URL.Path + "?" + nq.Encode()
		}
		out["paging"] = paging
	}
	writeGraphJSON(w, http.StatusOK, out)
}

func (s *Server) deleteTemplates(w http.ResponseWriter, r *http.Request, wabaID string) {
	name, hsmID := r.URL.Query().Get("name"), r.URL.Query().Get("hsm_id")
	if name == "" {
		writeGraphError(w, errTemplateParam("The parameter name is required."))
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	var victims []*Template
	for _, t := range s.wabaTemplates(wabaID) {
		if t.Name == name && (hsmID == "" || t.ID == hsmID) {
			victims = append(victims, t)
		}
	}
	if len(victims) == 0 {
		writeGraphError(w, errTemplate(2593002, "Message template not found",
			"The message template "+name+" could not be found."))
		return
	}
	for _, t := range victims {
		if t.Status == "DISABLED" {
			writeGraphError(w, errTemplateParam("Disabled message templates cannot be deleted."))
			return
		}
	}
	for _, t := range victims {
		s.removeTemplate(t.ID)
	}
	writeGraphJSON(w, http.StatusOK, map[string]bool{"success": true})
}

// getTemplate answers GET /{template_id}; ok is false when id is no
// template, so the caller tries a phone number.
func (s *Server) getTemplate(w http.ResponseWriter, r *http.Request, id string) bool {
	s.mu.Lock()
	t := s.templates[id]
	s.mu.Unlock()
	if t == nil {
		return false
	}
	if gerr := s.authorizeWABA(r, t.WABAID, "get"); gerr != nil {
		writeGraphError(w, gerr)
		return true
	}
	s.mu.Lock()
	s.sweepTemplates()
	fields := r.URL.Query().Get("fields")
	body := templateJSON(t, fields)
	if slices.Contains(strings.Split(fields, ","), "health_status") {
		body["health_status"] = s.templateHealth(t)
	}
	s.mu.Unlock()
	writeGraphJSON(w, http.StatusOK, body)
	return true
}

// errTemplate is a template-management error: code 100 with a 23880xx
// subcode and the user title/message Graph adds (§4.2).
func errTemplate(subcode int, title, msg string) *graphError {
	e := newGraphError(100, "")
	e.Subcode, e.Message, e.UserTitle, e.UserMsg = subcode, "Invalid parameter", title, msg
	return e
}

func errTemplateParam(msg string) *graphError {
	e := newGraphError(100, "")
	e.Message, e.UserTitle, e.UserMsg = "Invalid parameter", "Invalid parameter", msg
	return e
}

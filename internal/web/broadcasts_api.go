package web

import (
	"cmp"
	"net/http"
	"strconv"
	"strings"

	"github.com/gohavi/gohavi/internal/broadcast"
	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// Broadcasts. Every member reads them; owners and admins compose, launch
// and steer them.
//
//	GET  /api/v1/broadcasts                        newest first
//	POST /api/v1/broadcasts                        {"name","number_id","template":{"name","language","parameters","header"?,"body_named"?,"buttons"?},"audience",
//	                                                "schedule_at"?,"timezone"?,"failure_threshold"?} → 201 draft
//	GET  /api/v1/broadcasts/{id}                   status and live counts
//	PUT  /api/v1/broadcasts/{id}                   edit a draft
//	DELETE /api/v1/broadcasts/{id}                 delete a draft → 204
//	GET  /api/v1/broadcasts/{id}/plan              what a launch would do now
//	GET  /api/v1/broadcasts/{id}/preview?n=5       the first recipients' messages as they will read them
//	POST /api/v1/broadcasts/{id}/launch|pause|resume|cancel
//	GET  /api/v1/broadcasts/{id}/recipients?state=failed&after=&limit=
//	GET  /api/v1/broadcasts/{id}/recipients.csv?state=
//	POST /api/v1/broadcasts/{id}/follow-up         {"group","name"?,"template"?} → 201 draft to a result group

type broadcastView struct {
	ID               int64                   `json:"id"`
	Name             string                  `json:"name"`
	NumberID         int64                   `json:"number_id"`
	Template         broadcast.TemplateInput `json:"template"`
	Audience         domain.Audience         `json:"audience"`
	ScheduleAt       *string                 `json:"schedule_at"`
	TimeZone         string                  `json:"timezone,omitempty"`
	Status           string                  `json:"status"`
	StatusReason     *reasonView             `json:"status_reason,omitempty"`
	Waiting          *waitView               `json:"waiting,omitempty"`
	FailureThreshold float64                 `json:"failure_threshold"`
	ParentID         int64                   `json:"parent_id,omitempty"`
	FollowUp         string                  `json:"follow_up,omitempty"`
	CreatedAt        *string                 `json:"created_at"`
	LaunchedAt       *string                 `json:"launched_at"`
	FinishedAt       *string                 `json:"finished_at"`
	Counts           store.BroadcastCounts   `json:"counts"`
}

type reasonView struct {
	Code    string `json:"code,omitempty"`
	Message string `json:"message"`
	Remedy  string `json:"remedy,omitempty"`
}

type waitView struct {
	Until  *string `json:"until"`
	Reason string  `json:"reason"`
}

func newBroadcastView(b domain.Broadcast, c store.BroadcastCounts) broadcastView {
	v := broadcastView{ID: b.ID, Name: b.Name, NumberID: b.NumberID, Audience: b.Audience, ScheduleAt: view.Time(b.ScheduleAt), TimeZone: b.TimeZone,
		Template: broadcast.TemplateInput{Name: b.TemplateName, Language: b.TemplateLanguage, Parameters: b.Parameters,
			Header: b.Args.Header, BodyNamed: b.Args.BodyNamed, Buttons: b.Args.Buttons},
		Status: string(b.Status), FailureThreshold: b.FailureThreshold, ParentID: b.ParentID, FollowUp: b.FollowUp,
		CreatedAt: view.Time(b.CreatedAt), LaunchedAt: view.Time(b.LaunchedAt), FinishedAt: view.Time(b.FinishedAt), Counts: c}
	if v.Template.Parameters == nil {
		v.Template.Parameters = []string{}
	}
	if b.StatusReason != "" {
		code, msg, remedy := broadcast.ReasonOf(b.StatusReason)
		v.StatusReason = &reasonView{Code: code, Message: msg, Remedy: remedy}
	}
	if b.Status == domain.BroadcastRunning && !b.NextAt.IsZero() {
		v.Waiting = &waitView{Until: view.Time(b.NextAt), Reason: b.WaitReason}
	}
	return v
}

func (s *server) broadcastsReady() error {
	if s.Broadcasts == nil {
		return domain.Errorf(domain.CodeUnavailable, "Restart GoHavi with broadcasting enabled.", "broadcasting is not available on this server")
	}
	return nil
}

func (s *server) listBroadcasts(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := s.broadcastsReady(); err != nil {
		writeError(w, r, err)
		return
	}
	bs, err := s.Broadcasts.List(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]broadcastView, 0, len(bs))
	for _, b := range bs {
		c := store.BroadcastCounts{}
		if b.Status != domain.BroadcastDraft {
			if c, err = s.DB.BroadcastCounts(r.Context(), b.ID); err != nil {
				writeError(w, r, err)
				return
			}
		}
		out = append(out, newBroadcastView(b, c))
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out})
}

func (s *server) createBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var in broadcast.Input
	err := firstErr(requireManager(p), s.broadcastsReady())
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var b domain.Broadcast
	if err == nil {
		b, err = s.Broadcasts.Create(r.Context(), p.WorkspaceID, p.UserID, in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newBroadcastView(b, store.BroadcastCounts{}))
}

func (s *server) updateBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var in broadcast.Input
	id, err := pathID(r)
	err = firstErr(err, requireManager(p), s.broadcastsReady())
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var b domain.Broadcast
	if err == nil {
		b, err = s.Broadcasts.Update(r.Context(), p.WorkspaceID, id, in)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newBroadcastView(b, store.BroadcastCounts{}))
}

// deleteBroadcast removes a draft; a launched broadcast is history and
// stays.
func (s *server) deleteBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, requireManager(p), s.broadcastsReady())
	if err == nil {
		err = s.Broadcasts.Delete(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) getBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, s.broadcastsReady())
	var b domain.Broadcast
	var c store.BroadcastCounts
	if err == nil {
		b, c, err = s.Broadcasts.Counts(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newBroadcastView(b, c))
}

func (s *server) planBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, s.broadcastsReady())
	var plan broadcast.Plan
	if err == nil {
		plan, err = s.Broadcasts.Plan(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, plan)
}

func (s *server) previewBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, s.broadcastsReady())
	n, _ := strconv.Atoi(r.URL.Query().Get("n"))
	if n <= 0 {
		n = 5
	}
	n = min(n, 50)
	var items []broadcast.PreviewItem
	if err == nil {
		items, err = s.Broadcasts.Preview(r.Context(), p.WorkspaceID, id, n)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": items})
}

// personName names who acted, as a reason shown to the team reads it:
// the member's name (or email), else the API key.
func (s *server) personName(r *http.Request, p domain.Principal) string {
	if p.UserID != 0 {
		if u, err := s.DB.UserByID(r.Context(), p.WorkspaceID, p.UserID); err == nil {
			return cmp.Or(strings.TrimSpace(u.Name), u.Email)
		}
		return actor(p)
	}
	return "API key " + strconv.FormatInt(p.APIKeyID, 10)
}

// steerBroadcast handles launch, pause, resume and cancel.
func (s *server) steerBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, requireManager(p), s.broadcastsReady())
	var b domain.Broadcast
	if err == nil {
		ctx, ws := r.Context(), p.WorkspaceID
		switch r.PathValue("action") {
		case "launch":
			b, err = s.Broadcasts.Launch(ctx, ws, id)
		case "pause":
			b, err = s.Broadcasts.Pause(ctx, ws, id, s.personName(r, p))
		case "resume":
			b, err = s.Broadcasts.Resume(ctx, ws, id)
		case "cancel":
			b, err = s.Broadcasts.Cancel(ctx, ws, id, s.personName(r, p))
		default:
			err = domain.Errorf(domain.CodeNotFound, "Use launch, pause, resume or cancel.", "no such broadcast action %q", r.PathValue("action"))
		}
	}
	var c store.BroadcastCounts
	if err == nil {
		c, err = s.DB.BroadcastCounts(r.Context(), b.ID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newBroadcastView(b, c))
}

type recipientView struct {
	ID        int64      `json:"id"`
	ContactID int64      `json:"contact_id"`
	Phone     string     `json:"phone"`
	Name      string     `json:"name"`
	Outcome   string     `json:"outcome"`
	State     string     `json:"state"`
	Reason    string     `json:"reason,omitempty"`
	Detail    string     `json:"detail,omitempty"`
	Error     *errorView `json:"error,omitempty"`
	MessageID int64      `json:"message_id,omitempty"`
	Attempts  int        `json:"attempts"`
	UpdatedAt *string    `json:"updated_at"`
}

type errorView struct {
	Code    int    `json:"code"`
	Title   string `json:"title"`
	Meaning string `json:"meaning,omitempty"`
	Remedy  string `json:"remedy,omitempty"`
}

func (s *server) broadcastRecipients(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, s.broadcastsReady())
	q := r.URL.Query()
	after, _ := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, _ := strconv.Atoi(q.Get("limit"))
	if limit <= 0 || limit > 1000 {
		limit = 100
	}
	var rows []store.RecipientResult
	if err == nil {
		rows, err = s.Broadcasts.Recipients(r.Context(), p.WorkspaceID, id, q.Get("state"), after, limit)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := make([]recipientView, 0, len(rows))
	for _, rr := range rows {
		v := recipientView{ID: rr.ID, ContactID: rr.ContactID, Phone: rr.Phone, Name: rr.Name, Outcome: broadcast.Outcome(rr), State: string(rr.State),
			Reason: rr.Reason, Detail: rr.Detail, MessageID: rr.MessageID, Attempts: rr.Attempts, UpdatedAt: view.Time(rr.UpdatedAt)}
		if rr.ErrorCode != 0 {
			meaning, remedy := broadcast.Meaning(rr.ErrorCode)
			v.Error = &errorView{Code: rr.ErrorCode, Title: rr.ErrorTitle, Meaning: meaning, Remedy: remedy}
		}
		out = append(out, v)
	}
	next := ""
	if len(rows) == limit {
		next = strconv.FormatInt(rows[len(rows)-1].ID, 10)
	}
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "next_after": next})
}

func (s *server) broadcastRecipientsCSV(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	err = firstErr(err, s.broadcastsReady())
	group := r.URL.Query().Get("state")
	if err == nil {
		// Checked before the first byte: a bad group is a JSON error, not a broken file.
		_, err = s.Broadcasts.Recipients(r.Context(), p.WorkspaceID, id, group, 0, 1)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	name := "broadcast-" + strconv.FormatInt(id, 10) + "-" + cmp.Or(group, "all") + "-" + s.Clock.Now().UTC().Format("20060102T150405") + ".csv"
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	if err := s.Broadcasts.ExportCSV(r.Context(), p.WorkspaceID, id, group, w); err != nil {
		s.Log.Warn("broadcast CSV export stopped", "id", id, "err", err)
	}
}

type followUpRequest struct {
	Group string `json:"group"`
	broadcast.Input
}

func (s *server) followUpBroadcast(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var in followUpRequest
	id, err := pathID(r)
	err = firstErr(err, requireManager(p), s.broadcastsReady())
	if err == nil {
		err = decodeJSON(w, r, &in)
	}
	var b domain.Broadcast
	if err == nil {
		b, err = s.Broadcasts.FollowUp(r.Context(), p.WorkspaceID, p.UserID, id, in.Group, in.Input)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newBroadcastView(b, store.BroadcastCounts{}))
}

package web

import (
	"encoding/json"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/schedule"
	"github.com/gohavi/gohavi/internal/view"
)

func (s *server) schedule() *schedule.Service {
	return &schedule.Service{DB: s.DB, Send: s.Outbound, Hub: s.Hub, Clock: s.Clock, Log: s.Log}
}

// scheduleRequest is a send request (the message part of POST /messages;
// the conversation says to whom and from which number) with its time.
type scheduleRequest struct {
	Type string `json:"type"`
	Text *struct {
		Body string `json:"body"`
	} `json:"text"`
	Template json.RawMessage `json:"template"`
	Context  *struct {
		MessageID string `json:"message_id"`
	} `json:"context"`
	SendAt      string `json:"send_at"`
	SendAtLocal string `json:"send_at_local"`
	TimeZone    string `json:"time_zone"`
}

// policyPreview is what the rules would answer were the message sent now.
type policyPreview struct {
	Allowed bool        `json:"allowed"`
	Code    domain.Code `json:"code,omitempty"`
	Message string      `json:"message,omitempty"`
	Remedy  string      `json:"remedy,omitempty"`
}

type scheduledCreated struct {
	view.Scheduled
	Warnings []string      `json:"warnings"`
	Policy   policyPreview `json:"policy"`
}

func (s *server) createScheduled(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	conv, err := s.inbox().Visible(r.Context(), p, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req scheduleRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	d := schedule.Draft{Type: req.Type, Body: req.Template,
		When: schedule.When{SendAt: req.SendAt, Local: req.SendAtLocal, Zone: req.TimeZone}}
	if req.Text != nil {
		d.Text = req.Text.Body
	}
	if req.Context != nil {
		d.ReplyTo = req.Context.MessageID
	}
	c, err := s.schedule().Create(r.Context(), p, conv, d)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := scheduledCreated{Scheduled: view.NewScheduled(c.Message), Warnings: append([]string{}, c.Warnings...),
		Policy: policyPreview{Allowed: c.Preview.Allowed, Code: c.Preview.Code, Message: c.Preview.Message, Remedy: c.Preview.Remedy}}
	writeJSON(w, http.StatusCreated, out)
}

// listScheduled lists a conversation's scheduled messages: those still to
// go first, soonest first, then the ones sent, canceled or failed.
func (s *server) listScheduled(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ms, err := s.DB.ListScheduled(r.Context(), p.WorkspaceID, id, queryLimit(r, 100, 200))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[view.Scheduled]{Data: make([]view.Scheduled, 0, len(ms))}
	for _, m := range ms {
		out.Data = append(out.Data, view.NewScheduled(m))
	}
	writeJSON(w, http.StatusOK, out)
}

// cancelScheduled cancels a message that has not gone yet; 409 once it
// is being sent, sent or failed.
func (s *server) cancelScheduled(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := s.schedule().Cancel(r.Context(), p, id, func(convID int64) error {
		_, err := s.inbox().Visible(r.Context(), p, convID)
		return err
	})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.NewScheduled(m))
}

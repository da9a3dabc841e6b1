package web

import (
	"encoding/json"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/view"
)

func (s *server) me(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ws, err := s.DB.WorkspaceByID(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := map[string]any{"workspace": map[string]any{"id": ws.ID, "slug": ws.Slug, "name": ws.Name}, "user": nil}
	if p.UserID != 0 {
		u, err := s.DB.UserByID(r.Context(), p.WorkspaceID, p.UserID)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out["user"] = map[string]any{"id": u.ID, "email": u.Email, "name": u.Name, "role": u.Role}
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) listMessages(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	msgs, err := s.DB.ListMessages(r.Context(), p.WorkspaceID, id, queryLimit(r, 100, 500))
	if err != nil {
		writeError(w, r, err)
		return
	}
	data, err := s.renderMessages(r.Context(), p.WorkspaceID, msgs)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataList[view.Message]{Data: data})
}

func (s *server) readConversation(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	if err == nil {
		err = s.Outbound.MarkConversationRead(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// sendRequest is the §3.1 shape, trimmed to what a client chooses; the
// object under "type" is passed through for non-text types.
type sendRequest struct {
	To       string `json:"to"`
	Type     string `json:"type"`
	NumberID int64  `json:"number_id"`
	Text     *struct {
		Body string `json:"body"`
	} `json:"text"`
	Context *struct {
		MessageID string `json:"message_id"`
	} `json:"context"`
	ReplyToID int64 `json:"reply_to_id"` // our id of the message to quote, instead of context
}

// parseSend reads a send request (the body of POST /messages and of
// POST /policy/check) into the pipeline's form.
func parseSend(w http.ResponseWriter, r *http.Request, p domain.Principal) (outbound.Request, error) {
	var raw map[string]json.RawMessage
	if err := decodeJSON(w, r, &raw); err != nil {
		return outbound.Request{}, err
	}
	var req sendRequest
	b, _ := json.Marshal(raw)
	if err := json.Unmarshal(b, &req); err != nil {
		return outbound.Request{}, domain.Errorf(domain.CodeInvalidArgument, `Send {"to":"+447700900123","type":"text","text":{"body":"Hello"}}.`, "bad message: %v", err)
	}
	or := outbound.Request{WorkspaceID: p.WorkspaceID, NumberID: req.NumberID, To: req.To, Type: req.Type, SentBy: p.UserID}
	if req.Text != nil {
		or.Text = req.Text.Body
	}
	if req.Type != "text" && req.Type != "" {
		or.Body = raw[req.Type]
	}
	if req.Context != nil {
		or.ReplyTo = req.Context.MessageID
	}
	or.ReplyToID = req.ReplyToID
	return or, nil
}

func (s *server) sendMessage(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	or, err := parseSend(w, r, p)
	if err == nil {
		or.InTx, err = s.sendGuard(r.Context(), p)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	m, err := s.Outbound.Submit(r.Context(), or)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out, err := s.renderMessage(r.Context(), m)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, out)
}

// checkPolicy answers what POST /messages would decide, sending nothing.
func (s *server) checkPolicy(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	or, err := parseSend(w, r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	d, err := s.Outbound.Check(r.Context(), or)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"allowed": d.Allowed, "code": d.Code, "message": d.Message, "remedy": d.Remedy,
		"business_initiated": d.BusinessInitiated, "warnings": append([]string{}, d.Warnings...),
	})
}

func (s *server) getMessage(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err == nil {
		var m domain.Message
		if m, err = s.visibleMessage(r.Context(), p, id); err == nil {
			var out view.Message
			if out, err = s.renderMessage(r.Context(), m); err == nil {
				writeJSON(w, http.StatusOK, out)
				return
			}
		}
	}
	writeError(w, r, err)
}

package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// Labels: a catalogue the workspace's owners and admins keep, and the
// labels on each conversation, which any member sets from it (broadcast
// audiences select on them).
//
//	GET    /api/v1/labels                              catalogue with colours and conversation counts
//	POST   /api/v1/labels                              {"name","color"?} → 201 (owners, admins)
//	PUT    /api/v1/labels/{name}                       {"color"} → the label (owners, admins)
//	DELETE /api/v1/labels/{name}                       → 204, off every conversation too (owners, admins)
//	GET    /api/v1/conversations/{id}/labels           {"id","labels":[…]}
//	PUT    /api/v1/conversations/{id}/labels           {"labels":[…]} replaces the set
//	POST   /api/v1/conversations/{id}/labels/{name}    adds one
//	DELETE /api/v1/conversations/{id}/labels/{name}    removes one
//
// Names are trimmed, inner spaces collapsed and lower-cased
// (domain.NormalizeLabel), so "VIP " and "vip" are one label. A change to a
// conversation's labels publishes conversation.updated {"id","labels"}.

type labelView struct {
	Name          string  `json:"name"`
	Color         string  `json:"color"`
	Conversations int     `json:"conversations"`
	CreatedAt     *string `json:"created_at"`
}

func newLabelView(l domain.Label) labelView {
	return labelView{Name: l.Name, Color: l.Color, Conversations: l.Conversations, CreatedAt: view.Time(l.CreatedAt)}
}

// conversationLabels is the answer of the conversation endpoints and the
// payload of their conversation.updated event.
type conversationLabels struct {
	ID     int64    `json:"id"`
	Labels []string `json:"labels"`
}

func (s *server) listLabels(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ls, err := s.DB.Labels(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[labelView]{Data: make([]labelView, 0, len(ls))}
	for _, l := range ls {
		out.Data = append(out.Data, newLabelView(l))
	}
	writeJSON(w, http.StatusOK, out)
}

type labelRequest struct {
	Name  string `json:"name"`
	Color string `json:"color"`
}

func (s *server) createLabel(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req labelRequest
	if err := firstErr(requireManager(p), func() error { return decodeJSON(w, r, &req) }); err != nil {
		writeError(w, r, err)
		return
	}
	l, err := s.DB.CreateLabel(r.Context(), p.WorkspaceID, req.Name, req.Color)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newLabelView(l))
}

func (s *server) updateLabel(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req labelRequest
	if err := firstErr(requireManager(p), func() error { return decodeJSON(w, r, &req) }); err != nil {
		writeError(w, r, err)
		return
	}
	l, err := s.DB.RecolorLabel(r.Context(), p.WorkspaceID, r.PathValue("name"), req.Color)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newLabelView(l))
}

// deleteLabel takes the label off every conversation in the same commit.
// It publishes no per-conversation event (there may be thousands); open
// inboxes show the change when they next load the conversation.
func (s *server) deleteLabel(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	err := requireManager(p)
	if err == nil {
		_, err = s.DB.DeleteLabel(r.Context(), p.WorkspaceID, r.PathValue("name"))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) getConversationLabels(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	var labels []string
	if err == nil {
		labels, err = s.DB.ConversationLabels(r.Context(), p.WorkspaceID, id)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, conversationLabels{ID: id, Labels: labels})
}

func (s *server) putConversationLabels(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	var req struct {
		Labels *[]string `json:"labels"`
	}
	err = firstErr(err, func() error { return decodeJSON(w, r, &req) })
	if err == nil && req.Labels == nil {
		err = domain.Errorf(domain.CodeInvalidArgument, `Send {"labels":["vip","billing"]}; [] removes them all.`, "labels is missing")
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.answerLabels(w, r, p, id)(s.DB.SetConversationLabels(r.Context(), p.WorkspaceID, id, *req.Labels))
}

func (s *server) addConversationLabel(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.answerLabels(w, r, p, id)(s.DB.AddConversationLabel(r.Context(), p.WorkspaceID, id, r.PathValue("name")))
}

func (s *server) removeConversationLabel(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.answerLabels(w, r, p, id)(s.DB.RemoveConversationLabel(r.Context(), p.WorkspaceID, id, r.PathValue("name")))
}

// answerLabels answers a label change with the conversation's labels and,
// when they changed, tells open inboxes.
func (s *server) answerLabels(w http.ResponseWriter, r *http.Request, p domain.Principal, id int64) func([]string, bool, error) {
	return func(labels []string, changed bool, err error) {
		if err != nil {
			writeError(w, r, err)
			return
		}
		v := conversationLabels{ID: id, Labels: labels}
		if changed {
			s.publishLive(r, p.WorkspaceID, domain.EventConversationUpdated, v)
		}
		writeJSON(w, http.StatusOK, v)
	}
}

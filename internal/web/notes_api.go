package web

import (
	"context"
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// Internal notes: remarks agents leave on a conversation for each other.
// They are stored apart from messages and nothing that sends reads them,
// so a note never reaches the customer or Meta.
//
//	GET    /api/v1/conversations/{id}/notes        the newest notes, oldest first (?limit=, max 500)
//	POST   /api/v1/conversations/{id}/notes        {"body"} → 201 note; publishes note.created
//	GET    /api/v1/conversations/{id}/timeline     messages and notes in thread order (?before=&limit=)
//	PUT    /api/v1/notes/{id}                      {"body"} → the note; the author, owners and admins
//	DELETE /api/v1/notes/{id}                      → 204; the author, owners and admins
//
// A body is 1 to 4,000 characters of plain text. "@Name" or "@email" of a
// workspace member mentions them (domain.FindMentions has the rule); the
// note lists them and its note.created event carries them, so their
// clients can notify them.

type noteRequest struct {
	Body string `json:"body"`
}

func (s *server) createNote(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	var req noteRequest
	if err = firstErr(err, func() error { return decodeJSON(w, r, &req) }); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.DB.CreateNote(r.Context(), store.NewNote{WorkspaceID: p.WorkspaceID, ConversationID: id,
		AuthorUserID: p.UserID, AuthorKeyID: p.APIKeyID, Body: req.Body})
	if err != nil {
		writeError(w, r, err)
		return
	}
	v := view.NewNote(n)
	s.publishLive(r, p.WorkspaceID, domain.EventNoteCreated, v)
	writeJSON(w, http.StatusCreated, v)
}

func (s *server) listNotes(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	var notes []domain.Note
	if err == nil {
		notes, err = s.DB.ListNotes(r.Context(), p.WorkspaceID, id, queryLimit(r, 100, 500))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[view.Note]{Data: make([]view.Note, 0, len(notes))}
	for _, n := range notes {
		out.Data = append(out.Data, view.NewNote(n))
	}
	writeJSON(w, http.StatusOK, out)
}

// editableNote loads a note the caller may change.
func (s *server) editableNote(r *http.Request, p domain.Principal) (domain.Note, error) {
	id, err := pathID(r)
	if err != nil {
		return domain.Note{}, err
	}
	n, err := s.DB.NoteByID(r.Context(), p.WorkspaceID, id)
	if err == nil && !domain.CanEditNote(p, n) {
		err = domain.Errorf(domain.CodeForbidden, "Ask the note's author or a workspace owner or admin.", "only the author, owners and admins can change a note")
	}
	return n, err
}

func (s *server) updateNote(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req noteRequest
	n, err := s.editableNote(r, p)
	if err = firstErr(err, func() error { return decodeJSON(w, r, &req) }); err == nil {
		n, err = s.DB.UpdateNote(r.Context(), p.WorkspaceID, n.ID, req.Body)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	v := view.NewNote(n)
	s.publishLive(r, p.WorkspaceID, domain.EventNoteUpdated, v)
	writeJSON(w, http.StatusOK, v)
}

func (s *server) deleteNote(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	n, err := s.editableNote(r, p)
	if err == nil {
		n, err = s.DB.DeleteNote(r.Context(), p.WorkspaceID, n.ID)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.publishLive(r, p.WorkspaceID, domain.EventNoteDeleted, map[string]int64{"id": n.ID, "conversation_id": n.ConversationID})
	w.WriteHeader(http.StatusNoContent)
}

// Timeline entries are the message or note view with "kind" beside its
// fields, and the entry's cursor (pass it as ?before= to page from it).
type timelineMessage struct {
	Kind   string `json:"kind"`
	Cursor string `json:"cursor"`
	view.Message
}

type timelineNote struct {
	Kind   string `json:"kind"`
	Cursor string `json:"cursor"`
	view.Note
}

type timelinePage struct {
	Data       []any   `json:"data"`
	NextBefore *string `json:"next_before"` // null: this page reaches the start
}

// timeline interleaves a conversation's messages and notes. Messages are
// in id order, as GET …/messages lists them; a note comes right after the
// newest message there was when it was written, so it stays where its
// author saw it, however late older messages are delivered.
func (s *server) timeline(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	var before store.TimelineCursor
	if err == nil {
		before, err = store.ParseTimelineCursor(r.URL.Query().Get("before"))
	}
	var items []store.TimelineItem
	var more bool
	if err == nil {
		items, more, err = s.DB.Timeline(r.Context(), p.WorkspaceID, id, before, queryLimit(r, 100, 500))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	var msgs []domain.Message
	for _, it := range items {
		if it.Message != nil {
			msgs = append(msgs, *it.Message)
		}
	}
	rendered, err := s.renderMessages(r.Context(), p.WorkspaceID, msgs)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := timelinePage{Data: make([]any, 0, len(items))}
	for _, it := range items {
		c := it.Cursor().String()
		if it.Note != nil {
			out.Data = append(out.Data, timelineNote{Kind: "note", Cursor: c, Note: view.NewNote(*it.Note)})
		} else {
			out.Data = append(out.Data, timelineMessage{Kind: "message", Cursor: c, Message: rendered[0]})
			rendered = rendered[1:]
		}
	}
	if more && len(items) > 0 {
		c := items[0].Cursor().String()
		out.NextBefore = &c
	}
	writeJSON(w, http.StatusOK, out)
}

// publishLive tells the workspace's open clients about a committed change.
// A failure is logged, not returned: the change stands, and clients re-sync
// from the API when they reconnect.
func (s *server) publishLive(r *http.Request, workspaceID int64, typ string, v any) {
	if s.Hub == nil {
		return
	}
	if _, err := s.Hub.Publish(context.WithoutCancel(r.Context()), view.Event(workspaceID, typ, v)); err != nil {
		s.Log.Warn("realtime publish failed", "type", typ, "err", err)
	}
}

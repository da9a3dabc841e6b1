package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
)

// The workspace's opt-out and opt-in keywords: an inbound text that is
// exactly one of them records the customer's consent and is answered with
// the confirmation for the keyword's language.
//
//	GET    /api/v1/settings/keywords           effective lists and replies (any member)
//	POST   /api/v1/settings/keywords           add a word: {"language","action","word"} → 201
//	DELETE /api/v1/settings/keywords?word=W    remove one of the workspace's own words → 204
//	PUT    /api/v1/settings/keywords/builtin   switch a built-in word off or on: {"word","enabled"}
//	PUT    /api/v1/settings/keywords/replies   set a confirmation: {"language","action","text"};
//	                                           an empty text restores the fallback
//
// Built-in words are switched off rather than deleted, so the list still
// shows them and switching one back on is one call. Changes are for owners
// and admins.

type keywordView struct {
	Language string `json:"language"`
	Action   string `json:"action"`
	Word     string `json:"word"`
	Builtin  bool   `json:"builtin"`
	Enabled  bool   `json:"enabled"`
}

type keywordReplyView struct {
	Language string `json:"language"`
	Action   string `json:"action"`
	Text     string `json:"text"`
	Default  bool   `json:"default"` // not saved by the workspace: the fallback that is sent
}

type keywordsView struct {
	Data    []keywordView      `json:"data"`
	Replies []keywordReplyView `json:"replies"`
}

func newKeywordView(k store.Keyword) keywordView {
	return keywordView{Language: k.Language, Action: k.Action, Word: k.Word, Builtin: k.Builtin, Enabled: k.Enabled}
}

func newKeywordReplyView(r store.KeywordReply) keywordReplyView {
	return keywordReplyView{Language: r.Language, Action: r.Action, Text: r.Text, Default: r.Default}
}

func (s *server) getKeywords(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ks, err := s.DB.Keywords(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	rs, err := s.DB.KeywordReplies(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	v := keywordsView{Data: make([]keywordView, 0, len(ks)), Replies: make([]keywordReplyView, 0, len(rs))}
	for _, k := range ks {
		v.Data = append(v.Data, newKeywordView(k))
	}
	for _, rep := range rs {
		v.Replies = append(v.Replies, newKeywordReplyView(rep))
	}
	writeJSON(w, http.StatusOK, v)
}

// keywordsChanged tells this node's applier; other nodes notice within
// seconds (ingest.Keywords).
func (s *server) keywordsChanged(workspaceID int64) {
	if s.KeywordsChanged != nil {
		s.KeywordsChanged(workspaceID)
	}
}

func (s *server) addKeyword(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	var in keywordView
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	k, err := s.DB.AddKeyword(r.Context(), p.WorkspaceID, store.Keyword{Language: in.Language, Action: in.Action, Word: in.Word})
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.keywordsChanged(p.WorkspaceID)
	writeJSON(w, http.StatusCreated, newKeywordView(k))
}

func (s *server) removeKeyword(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	word := r.URL.Query().Get("word")
	if word == "" {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, "Name the word in the query: ?word=…", "which keyword to remove is missing"))
		return
	}
	if err := s.DB.RemoveKeyword(r.Context(), p.WorkspaceID, word); err != nil {
		writeError(w, r, err)
		return
	}
	s.keywordsChanged(p.WorkspaceID)
	w.WriteHeader(http.StatusNoContent)
}

func (s *server) setBuiltinKeyword(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	var in struct {
		Word    string `json:"word"`
		Enabled *bool  `json:"enabled"`
	}
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	if in.Enabled == nil {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Send {"word": "end", "enabled": false} to switch a built-in word off.`, "enabled is missing"))
		return
	}
	k, err := s.DB.SetBuiltinKeyword(r.Context(), p.WorkspaceID, in.Word, *in.Enabled)
	if err != nil {
		writeError(w, r, err)
		return
	}
	s.keywordsChanged(p.WorkspaceID)
	writeJSON(w, http.StatusOK, newKeywordView(k))
}

func (s *server) putKeywordReply(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	var in keywordReplyView
	if err := decodeJSON(w, r, &in); err != nil {
		writeError(w, r, err)
		return
	}
	rep, err := s.DB.SetKeywordReply(r.Context(), p.WorkspaceID, store.KeywordReply{Language: in.Language, Action: in.Action, Text: in.Text})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, newKeywordReplyView(rep))
}

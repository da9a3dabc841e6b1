package web

import (
	"net/http"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

// searchHit is one result of GET /api/v1/search.
//
// snippet is plain text: the matched words are between « and » (guillemets
// that were in the text are shown as ‹ ›, so every « opens a match), and …
// marks text cut off. A client escapes the text as it would any other and
// may then turn the markers into <mark> elements; nothing in it is HTML.
//
// A contact hit (kind "contact", matched on name or number) opens the
// contact's most recent conversation and has message_id null; at is that
// conversation's last message. A message hit has its message's id and time.
type searchHit struct {
	Kind           string  `json:"kind"`
	ConversationID int64   `json:"conversation_id"`
	MessageID      *int64  `json:"message_id"`
	ContactID      int64   `json:"contact_id"`
	ContactName    string  `json:"contact_name"`
	At             *string `json:"at"`
	Snippet        string  `json:"snippet"`
}

// search answers GET /api/v1/search?q=…&limit=…: the workspace's messages
// and contacts matching q, newest first.
func (s *server) search(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	hits, err := s.DB.Search(r.Context(), p.WorkspaceID, r.URL.Query().Get("q"), queryLimit(r, store.SearchDefaultLimit, store.SearchMaxLimit))
	if err != nil {
		writeError(w, r, err)
		return
	}
	see, err := s.DB.AgentsSee(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[searchHit]{Data: make([]searchHit, 0, len(hits))}
	for _, h := range hits {
		if see.Restricted(p) {
			// An agent who sees only their own and unassigned
			// conversations finds only those (a page may come back short).
			if c, err := s.DB.ConversationByID(r.Context(), p.WorkspaceID, h.ConversationID); err != nil || !see.Sees(p, c.AssigneeID) {
				continue
			}
		}
		sh := searchHit{Kind: h.Kind, ConversationID: h.ConversationID, ContactID: h.ContactID, ContactName: h.ContactName, At: view.Time(h.At), Snippet: h.Snippet}
		if h.Kind == store.SearchHitMessage {
			sh.MessageID = &h.MessageID
		}
		out.Data = append(out.Data, sh)
	}
	writeJSON(w, http.StatusOK, out)
}

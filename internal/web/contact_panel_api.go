package web

import (
	"net/http"
	"strconv"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/view"
)

// contactPanelView is GET /contacts/{id}/panel: the customer beside the
// conversation, in one request.
type contactPanelView struct {
	Contact       view.Contact        `json:"contact"`
	Attributes    map[string]string   `json:"attributes"`
	Tags          []string            `json:"tags"`
	Consent       panelConsent        `json:"consent"`
	Conversations []panelConversation `json:"conversations"`
}

type panelConsent struct {
	State consentState `json:"state"`
	// Recent are the newest ledger entries, newest first; Total counts
	// them all (GET /contacts/{id}/consent lists every one).
	Recent []consentView `json:"recent"`
	Total  int           `json:"total"`
}

type consentState struct {
	OptedIn         bool    `json:"opted_in"`
	OptedOut        bool    `json:"opted_out"`
	MarketingOptOut bool    `json:"marketing_opt_out"`
	Since           *string `json:"since"`
}

type panelNumber struct {
	ID                 int64  `json:"id"`
	DisplayPhoneNumber string `json:"display_phone_number"`
	VerifiedName       string `json:"verified_name"`
	Connected          bool   `json:"connected"`
}

type panelConversation struct {
	ID              int64           `json:"id"`
	Number          panelNumber     `json:"number"`
	Status          string          `json:"status"`
	Assignee        *view.MemberRef `json:"assignee"`
	LastMessageAt   *string         `json:"last_message_at"`
	LastMessageText string          `json:"last_message_text"`
	UnreadCount     int             `json:"unread_count"`
	WindowOpen      bool            `json:"window_open"`
	WindowExpiresAt *string         `json:"window_expires_at"`
}

// contactPanel answers the contact's attributes, tags, consent (state and
// the newest consent_limit entries, default 10) and every conversation
// the caller may see with this customer, across the workspace's numbers.
// An agent limited to their own and unassigned conversations sees only
// those, and a contact none of whose conversations they see is not found.
func (s *server) contactPanel(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	limit := 10
	if v := r.URL.Query().Get("consent_limit"); v != "" {
		if limit, err = strconv.Atoi(v); err != nil || limit < 0 || limit > 500 {
			writeError(w, r, badQuery("Pass consent_limit from 0 to 500.", "bad consent_limit %q", v))
			return
		}
	}
	see, err := s.DB.AgentsSee(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	panel, err := s.DB.ContactPanel(r.Context(), p.WorkspaceID, id)
	if err != nil {
		writeError(w, r, err)
		return
	}
	now := s.Clock.Now()
	out := contactPanelView{Contact: newContactView(panel.Contact), Attributes: panel.Attributes, Tags: panel.Tags,
		Conversations: []panelConversation{}}
	for _, t := range panel.Threads {
		c := t.Conversation
		if !see.Sees(p, c.AssigneeID) {
			continue
		}
		out.Conversations = append(out.Conversations, panelConversation{ID: c.ID, Status: string(c.Status),
			Number:   panelNumber{ID: c.NumberID, DisplayPhoneNumber: t.NumberPhone, VerifiedName: t.NumberName, Connected: t.NumberConnected},
			Assignee: assigneeRef(c), LastMessageAt: view.Time(c.LastMessageAt), LastMessageText: c.LastMessageText,
			UnreadCount: c.UnreadCount, WindowOpen: c.WindowOpen(now), WindowExpiresAt: view.Time(c.WindowExpiresAt)})
	}
	if see.Restricted(p) && len(out.Conversations) == 0 {
		writeError(w, r, domain.ErrNotFound)
		return
	}
	st := domain.Consent(panel.Consent)
	out.Consent = panelConsent{Total: len(panel.Consent), Recent: []consentView{},
		State: consentState{OptedIn: st.OptedIn, OptedOut: st.OptedOut, MarketingOptOut: st.MarketingOptOut, Since: view.Time(st.Since)}}
	for i := len(panel.Consent) - 1; i >= 0 && len(out.Consent.Recent) < limit; i-- {
		out.Consent.Recent = append(out.Consent.Recent, newConsentView(panel.Consent[i]))
	}
	writeJSON(w, http.StatusOK, out)
}

func assigneeRef(c domain.Conversation) *view.MemberRef {
	if c.AssigneeID == 0 {
		return nil
	}
	return &view.MemberRef{ID: c.AssigneeID, Name: c.AssigneeName}
}

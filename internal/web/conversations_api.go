package web

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/inbox"
	"github.com/gohavi/gohavi/internal/store"
	"github.com/gohavi/gohavi/internal/view"
)

func (s *server) inbox() *inbox.Service {
	return &inbox.Service{DB: s.DB, Hub: s.Hub, Clock: s.Clock, Log: s.Log}
}

// visibleID reads the conversation id of the path and checks p may see
// it (agents_see): one p may not see is not found.
func (s *server) visibleID(r *http.Request, p domain.Principal) (int64, error) {
	id, err := pathID(r)
	if err == nil {
		_, err = s.inbox().Visible(r.Context(), p, id)
	}
	return id, err
}

// conversationPage is a page of the inbox; Next, when not null, is passed
// back as ?before= for the following page.
type conversationPage struct {
	Data []view.Conversation `json:"data"`
	Next *string             `json:"next"`
}

func badQuery(remedy, format string, args ...any) error {
	return domain.Errorf(domain.CodeInvalidArgument, remedy, format, args...)
}

// inboxFilter reads the list's query: view=all|mine|unassigned,
// status=open,pending (the default)|…|all, label, number_id, assignee_id,
// before (a cursor) and limit. Restricted agents are narrowed to their own
// and unassigned conversations whatever they ask for.
func inboxFilter(r *http.Request, p domain.Principal, see domain.AgentsSee) (store.InboxFilter, error) {
	q := r.URL.Query()
	f := store.InboxFilter{WorkspaceID: p.WorkspaceID, Label: strings.TrimSpace(q.Get("label")), Limit: queryLimit(r, 50, 200)}
	switch st := q.Get("status"); st {
	case "":
		f.Statuses = domain.ConvActive
	case "all":
	default:
		for _, one := range strings.Split(st, ",") {
			cs, err := domain.ParseConvStatus(strings.TrimSpace(one))
			if err != nil {
				return f, badQuery("Use status=open, pending, snoozed or resolved (several joined by commas), or status=all.", "unknown status %q", one)
			}
			f.Statuses = append(f.Statuses, cs)
		}
	}
	// Each narrowing intersects the set of assignees kept (nil: anyone).
	narrow := func(ids ...int64) {
		if f.Assignees == nil {
			f.Assignees = ids
			return
		}
		kept := []int64{}
		for _, a := range f.Assignees {
			for _, b := range ids {
				if a == b {
					kept = append(kept, a)
				}
			}
		}
		f.Assignees = kept
	}
	switch q.Get("view") {
	case "", "all":
	case "mine":
		if p.UserID == 0 {
			return f, badQuery("Use view=all with assignee_id=N; an API key has no conversations of its own.", "view=mine needs a member's session")
		}
		narrow(p.UserID)
	case "unassigned":
		narrow(0)
	default:
		return f, badQuery("Use view=all, mine or unassigned.", "unknown view %q", q.Get("view"))
	}
	for _, k := range []string{"assignee_id", "number_id"} {
		v := q.Get(k)
		if v == "" {
			continue
		}
		id, err := strconv.ParseInt(v, 10, 64)
		if err != nil || id <= 0 {
			return f, badQuery("Pass a positive id.", "bad %s %q", k, v)
		}
		if k == "assignee_id" {
			narrow(id)
		} else {
			f.NumberID = id
		}
	}
	if see.Restricted(p) {
		narrow(p.UserID, 0)
	}
	var err error
	f.Before, err = store.ParseCursor(q.Get("before"))
	return f, err
}

func (s *server) listConversations(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	see, err := s.DB.AgentsSee(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	f, err := inboxFilter(r, p, see)
	if err != nil {
		writeError(w, r, err)
		return
	}
	convs, next, err := s.DB.ListInbox(r.Context(), f)
	if err != nil {
		writeError(w, r, err)
		return
	}
	ids := make([]int64, len(convs))
	for i, c := range convs {
		ids[i] = c.ID
	}
	labels, err := s.DB.LabelsOfConversations(r.Context(), p.WorkspaceID, ids)
	if err != nil {
		writeError(w, r, err)
		return
	}
	now := s.Clock.Now()
	out := conversationPage{Data: make([]view.Conversation, 0, len(convs))}
	for _, c := range convs {
		v := view.NewConversation(c, now)
		ls := labels[c.ID]
		v.Labels = &ls
		out.Data = append(out.Data, v)
	}
	if !next.IsZero() {
		n := next.String()
		out.Next = &n
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) getConversation(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err == nil {
		var c domain.Conversation
		var labels map[int64][]string
		if c, err = s.inbox().Visible(r.Context(), p, id); err == nil {
			labels, err = s.DB.LabelsOfConversations(r.Context(), p.WorkspaceID, []int64{id})
		}
		if err == nil {
			v := view.NewConversation(c, s.Clock.Now())
			ls := labels[id]
			v.Labels = &ls
			writeJSON(w, http.StatusOK, v)
			return
		}
	}
	writeError(w, r, err)
}

// assignRequest is {"user_id": N}; null, 0 or leaving it out unassigns.
type assignRequest struct {
	UserID json.RawMessage `json:"user_id"`
}

func (s *server) assignConversation(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req assignRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	var userID int64
	if raw := bytes.TrimSpace(req.UserID); len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &userID); err != nil || userID < 0 {
			writeError(w, r, badQuery(`Send {"user_id": 12} to assign, or {"user_id": null} to unassign.`, "user_id must be a member's id or null"))
			return
		}
	}
	c, err := s.inbox().Assign(r.Context(), p, id, userID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.NewConversation(c, s.Clock.Now()))
}

type statusRequest struct {
	Status      string `json:"status"`
	SnoozeUntil string `json:"snooze_until"`
}

func (s *server) setConversationStatus(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := pathID(r)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req statusRequest
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	st, err := domain.ParseConvStatus(req.Status)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var until time.Time
	if req.SnoozeUntil != "" {
		if until, err = time.Parse(time.RFC3339, req.SnoozeUntil); err != nil {
			writeError(w, r, badQuery(`Send snooze_until as RFC 3339, e.g. "2026-11-25T09:00:00Z".`, "snooze_until %q is not an RFC 3339 time", req.SnoozeUntil))
			return
		}
	}
	c, err := s.inbox().SetStatus(r.Context(), p, id, st, until)
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, view.NewConversation(c, s.Clock.Now()))
}

func (s *server) conversationActivity(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleID(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	as, err := s.DB.ConversationActivity(r.Context(), p.WorkspaceID, id, queryLimit(r, 100, 500))
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[view.Activity]{Data: make([]view.Activity, 0, len(as))}
	for _, a := range as {
		out.Data = append(out.Data, view.NewActivity(a))
	}
	writeJSON(w, http.StatusOK, out)
}

// countsView is what GET /conversations/counts answers: all, mine and
// unassigned count open and pending conversations (the default list);
// the statuses count everything the caller sees, resolved up to
// store.ResolvedCountCap (resolved_capped: there are more); unread counts
// conversations with unread customer messages. Read state is the
// conversation's, shared by the team, so every tab and device agrees.
type countsView struct {
	All              int  `json:"all"`
	Mine             int  `json:"mine"`
	Unassigned       int  `json:"unassigned"`
	Open             int  `json:"open"`
	Pending          int  `json:"pending"`
	Snoozed          int  `json:"snoozed"`
	Resolved         int  `json:"resolved"`
	ResolvedCapped   bool `json:"resolved_capped"`
	Unread           int  `json:"unread"`
	UnreadMine       int  `json:"unread_mine"`
	UnreadUnassigned int  `json:"unread_unassigned"`
}

func (s *server) conversationCounts(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	see, err := s.DB.AgentsSee(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	c, err := s.DB.CountInbox(r.Context(), p.WorkspaceID, p.UserID, see.Restricted(p))
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, countsView{All: c.All, Mine: c.Mine, Unassigned: c.Unassigned, Open: c.Open, Pending: c.Pending,
		Snoozed: c.Snoozed, Resolved: c.Resolved, ResolvedCapped: c.ResolvedCapped, Unread: c.Unread, UnreadMine: c.UnreadMine, UnreadUnassigned: c.UnreadUnassigned})
}

// sendGuard is inbox.ReplyGuard for the API: a conversation p may not
// see is not found, without saying whose it is.
func (s *server) sendGuard(ctx context.Context, p domain.Principal) (inbox.Guard, error) {
	return inbox.ReplyGuard(ctx, s.DB, p, func(string) error {
		return domain.Errorf(domain.CodeNotFound, "Ask the conversation's assignee, or an owner or admin, to hand it over.", "no conversation with this customer that you can see")
	})
}

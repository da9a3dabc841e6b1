package web

import (
	"encoding/csv"
	"errors"
	"fmt"
	"net/http"
	"strconv"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/outbound"
	"github.com/gohavi/gohavi/internal/view"
)

func newContactView(c domain.Contact) view.Contact {
	return view.Contact{ID: c.ID, WaID: c.WaID, Name: c.Name, Phone: c.Phone}
}

// createContact adds a contact. The phone (E.164 or a WhatsApp id) is
// normalised; a contact the workspace already has is answered with 200
// and the existing contact (its name is left as it was), a new one 201.
func (s *server) createContact(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req struct {
		Phone string `json:"phone"`
		Name  string `json:"name"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	waID, err := outbound.NormalizeRecipient(req.Phone)
	if err != nil {
		writeError(w, r, domain.Errorf(domain.CodeInvalidArgument, `Send {"phone":"+447700900123","name":"Ada"}.`, "phone: %s", domainMessage(err)))
		return
	}
	c, err := s.DB.CreateContact(r.Context(), p.WorkspaceID, waID, "+"+waID, req.Name)
	status := http.StatusCreated
	if de := (*domain.Error)(nil); errors.As(err, &de) && de.Code == domain.CodeConflict && c.ID != 0 {
		status, err = http.StatusOK, nil
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, status, newContactView(c))
}

func domainMessage(err error) string {
	if de := (*domain.Error)(nil); errors.As(err, &de) {
		return de.Message
	}
	return err.Error()
}

// visibleContactID is the {id} of a contact route, or not found for an
// agent limited to their own and unassigned conversations who has none
// with this contact: the contact and its ledger follow its conversations.
func (s *server) visibleContactID(r *http.Request, p domain.Principal) (int64, error) {
	id, err := pathID(r)
	if err != nil {
		return 0, err
	}
	see, err := s.DB.AgentsSee(r.Context(), p.WorkspaceID)
	if err != nil || !see.Restricted(p) {
		return id, err
	}
	ok, err := s.DB.ContactSeenBy(r.Context(), p.WorkspaceID, id, p.UserID)
	if err == nil && !ok {
		err = domain.ErrNotFound
	}
	return id, err
}

func (s *server) getContact(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleContactID(r, p)
	if err == nil {
		var c domain.Contact
		if c, err = s.DB.ContactByID(r.Context(), p.WorkspaceID, id); err == nil {
			writeJSON(w, http.StatusOK, newContactView(c))
			return
		}
	}
	writeError(w, r, err)
}

type consentView struct {
	ID        int64   `json:"id"`
	ContactID int64   `json:"contact_id"`
	Action    string  `json:"action"`
	Source    string  `json:"source"`
	Wording   string  `json:"wording"`
	Evidence  string  `json:"evidence"`
	Actor     string  `json:"actor"`
	CreatedAt *string `json:"created_at"`
}

func newConsentView(e domain.ConsentEvent) consentView {
	return consentView{ID: e.ID, ContactID: e.ContactID, Action: e.Action, Source: e.Source, Wording: e.Wording,
		Evidence: e.Evidence, Actor: e.Actor, CreatedAt: view.Time(e.CreatedAt)}
}

// actor names who records a consent event: the user's email, else the API key.
func (s *server) actor(r *http.Request, p domain.Principal) (string, error) {
	if p.UserID != 0 {
		u, err := s.DB.UserByID(r.Context(), p.WorkspaceID, p.UserID)
		if err != nil {
			return "", err
		}
		return u.Email, nil
	}
	return "api key #" + strconv.FormatInt(p.APIKeyID, 10), nil
}

func (s *server) addConsent(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	id, err := s.visibleContactID(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	var req struct {
		Action   string `json:"action"`
		Source   string `json:"source"`
		Wording  string `json:"wording"`
		Evidence string `json:"evidence"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	actor, err := s.actor(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	e, err := s.DB.AddConsentEvent(r.Context(), domain.ConsentEvent{WorkspaceID: p.WorkspaceID, ContactID: id,
		Action: req.Action, Source: req.Source, Wording: req.Wording, Evidence: req.Evidence, Actor: actor})
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, newConsentView(e))
}

func (s *server) consentEvents(w http.ResponseWriter, r *http.Request, p domain.Principal) ([]domain.ConsentEvent, bool) {
	id, err := s.visibleContactID(r, p)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	events, err := s.DB.ConsentEvents(r.Context(), p.WorkspaceID, id)
	if err != nil {
		writeError(w, r, err)
		return nil, false
	}
	return events, true
}

func (s *server) listConsent(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	events, ok := s.consentEvents(w, r, p)
	if !ok {
		return
	}
	out := make([]consentView, 0, len(events))
	for _, e := range events {
		out = append(out, newConsentView(e))
	}
	st := domain.Consent(events)
	writeJSON(w, http.StatusOK, map[string]any{"data": out, "state": map[string]any{
		"opted_in": st.OptedIn, "opted_out": st.OptedOut, "marketing_opt_out": st.MarketingOptOut, "since": view.Time(st.Since)}})
}

// consentCSV exports the ledger, oldest first, as an attachment.
func (s *server) consentCSV(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	events, ok := s.consentEvents(w, r, p)
	if !ok {
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", fmt.Sprintf(`attachment; filename="contact-%s-consent.csv"`, r.PathValue("id")))
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"id", "created_at", "action", "source", "wording", "evidence", "actor"})
	for _, e := range events {
		at := ""
		if t := view.Time(e.CreatedAt); t != nil {
			at = *t
		}
		_ = cw.Write([]string{strconv.FormatInt(e.ID, 10), at, e.Action, csvSafe(e.Source), csvSafe(e.Wording), csvSafe(e.Evidence), csvSafe(e.Actor)})
	}
	cw.Flush()
}

// csvSafe defuses spreadsheet formulas in user-supplied cells.
func csvSafe(v string) string {
	if v != "" && (v[0] == '=' || v[0] == '+' || v[0] == '-' || v[0] == '@' || v[0] == '\t' || v[0] == '\r') {
		return "'" + v
	}
	return v
}

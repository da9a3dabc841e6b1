package web

import (
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/gohavi/gohavi/internal/domain"
	"github.com/gohavi/gohavi/internal/numbers"
	"github.com/gohavi/gohavi/internal/view"
	"github.com/gohavi/gohavi/internal/whatsapp"
)

// SignupConfig is what the Connect page needs to open Meta's Embedded
// Signup popup.
type SignupConfig struct {
	AppID        string `json:"app_id"`
	ConfigID     string `json:"config_id"`
	SDKURL       string `json:"sdk_url"`
	GraphVersion string `json:"graph_version"`
	Sandbox      bool   `json:"sandbox"`
}

type limitView struct {
	Tier      string `json:"tier"` // "" until Meta reported it
	Limit     int    `json:"limit"`
	Unlimited bool   `json:"unlimited"`
	Used      int    `json:"used"`
}

type numberView struct {
	ID                 int64               `json:"id"`
	WABAID             string              `json:"waba_id"`
	PhoneNumberID      string              `json:"phone_number_id"`
	DisplayPhoneNumber string              `json:"display_phone_number"`
	VerifiedName       string              `json:"verified_name"`
	QualityRating      string              `json:"quality_rating"`
	Sandbox            bool                `json:"sandbox"`
	CreatedAt          *string             `json:"created_at"`
	CallbackOverride   string              `json:"callback_override"`
	Connected          bool                `json:"connected"`
	DisconnectedAt     *string             `json:"disconnected_at"`
	Health             domain.NumberHealth `json:"health"`
	MessagingLimit     *limitView          `json:"messaging_limit,omitempty"`
}

func newNumberView(n domain.Number) numberView {
	return numberView{ID: n.ID, WABAID: n.WABAID, PhoneNumberID: n.PhoneNumberID, DisplayPhoneNumber: n.DisplayPhoneNumber,
		VerifiedName: n.VerifiedName, QualityRating: n.QualityRating, Sandbox: n.Sandbox, CreatedAt: view.Time(n.CreatedAt),
		CallbackOverride: n.CallbackOverride, Connected: n.Connected(), DisconnectedAt: view.Time(n.DisconnectedAt), Health: n.Health}
}

// numberWithLimit adds the portfolio's messaging limit and its use.
func (s *server) numberWithLimit(r *http.Request, n domain.Number) (numberView, error) {
	v := newNumberView(n)
	tier, err := s.DB.PortfolioTier(r.Context(), n.WABAID)
	if err != nil {
		return v, err
	}
	l := &limitView{Tier: tier}
	l.Limit, l.Unlimited = whatsapp.TierLimit(tier)
	if l.Used, _, _, err = s.DB.TierUsage(r.Context(), n.WABAID, "", s.Clock.Now()); err != nil {
		return v, err
	}
	v.MessagingLimit = l
	return v, nil
}

func (s *server) listNumbers(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	ns, err := s.DB.ListNumbers(r.Context(), p.WorkspaceID)
	if err != nil {
		writeError(w, r, err)
		return
	}
	out := dataList[numberView]{Data: make([]numberView, 0, len(ns))}
	for _, n := range ns {
		v, err := s.numberWithLimit(r, n)
		if err != nil {
			writeError(w, r, err)
			return
		}
		out.Data = append(out.Data, v)
	}
	writeJSON(w, http.StatusOK, out)
}

func (s *server) connectNumber(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	var req struct {
		WABAID        string `json:"waba_id"`
		PhoneNumberID string `json:"phone_number_id"`
		AccessToken   string `json:"access_token"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.Numbers.Connect(r.Context(), numbers.ConnectRequest{WorkspaceID: p.WorkspaceID, WABAID: req.WABAID, PhoneNumberID: req.PhoneNumberID, AccessToken: req.AccessToken})
	s.writeNumber(w, r, n, err, http.StatusCreated)
}

func (s *server) writeNumber(w http.ResponseWriter, r *http.Request, n domain.Number, err error, status int) {
	var v numberView
	if err == nil {
		v, err = s.numberWithLimit(r, n)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, status, v)
}

func (s *server) signupConfig(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	writeJSON(w, http.StatusOK, s.Signup)
}

// signup finishes Embedded Signup: the page posts what the popup handed
// over, within the code's 30 seconds.
func (s *server) signup(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	var req struct {
		Code          string `json:"code"`
		WABAID        string `json:"waba_id"`
		PhoneNumberID string `json:"phone_number_id"`
		BusinessID    string `json:"business_id"`
		PIN           string `json:"pin"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	res, err := s.Numbers.Signup(r.Context(), numbers.SignupRequest{WorkspaceID: p.WorkspaceID, Code: req.Code, WABAID: req.WABAID,
		PhoneNumberID: req.PhoneNumberID, PIN: req.PIN, Sandbox: s.Signup.Sandbox})
	var v numberView
	if err == nil {
		v, err = s.numberWithLimit(r, res.Number)
	}
	if err != nil {
		s.Log.Warn("embedded signup failed", "workspace", p.WorkspaceID, "waba_id", req.WABAID, "phone_number_id", req.PhoneNumberID, "err", err)
		writeError(w, r, err)
		return
	}
	var pin *string
	if res.GeneratedPIN != "" {
		pin = &res.GeneratedPIN
	}
	writeJSON(w, http.StatusCreated, map[string]any{"number": v, "pin": pin})
}

// signupAbandoned explains a popup that closed without a number, and logs
// it: a person stuck at a step is what an operator needs to see.
func (s *server) signupAbandoned(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	var req struct {
		Event        string `json:"event"`
		CurrentStep  string `json:"current_step"`
		ErrorMessage string `json:"error_message"`
		ErrorID      string `json:"error_id"`
		SessionID    string `json:"session_id"`
	}
	if err := decodeJSON(w, r, &req); err != nil {
		writeError(w, r, err)
		return
	}
	e := numbers.SignupAbandoned(req.Event, req.CurrentStep, req.ErrorMessage, req.ErrorID)
	s.Log.Info("embedded signup abandoned", "workspace", p.WorkspaceID, "event", req.Event, "step", req.CurrentStep,
		"error_id", req.ErrorID, "session_id", req.SessionID, "error", req.ErrorMessage)
	writeJSON(w, http.StatusOK, map[string]string{"code": string(e.Code), "message": e.Message, "remedy": e.Remedy})
}

// number loads the path's number of the caller's workspace.
func (s *server) number(r *http.Request, p domain.Principal) (domain.Number, error) {
	id, err := pathID(r)
	if err != nil {
		return domain.Number{}, err
	}
	return s.DB.NumberByID(r.Context(), p.WorkspaceID, id)
}

func (s *server) refreshNumber(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	n, err := s.number(r, p)
	if err == nil {
		n, err = s.Numbers.Refresh(r.Context(), n)
	}
	s.writeNumber(w, r, n, err, http.StatusOK)
}

// disconnectNumber deregisters the number at Meta (unless
// ?deregister=false) and stops using it; its history stays.
func (s *server) disconnectNumber(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.number(r, p)
	if err == nil {
		n, err = s.Numbers.Disconnect(r.Context(), n, r.URL.Query().Get("deregister") == "false", actor(p))
	}
	s.writeNumber(w, r, n, err, http.StatusOK)
}

// putNumberWebhook sets or clears the number's own webhook URL at Meta.
func (s *server) putNumberWebhook(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.number(r, p)
	var req struct {
		URI         string `json:"override_callback_uri"`
		VerifyToken string `json:"verify_token"`
	}
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	if err == nil {
		n, err = s.Numbers.SetCallback(r.Context(), n, strings.TrimSpace(req.URI), req.VerifyToken, actor(p))
	}
	s.writeNumber(w, r, n, err, http.StatusOK)
}

func (s *server) numberHistory(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	n, err := s.number(r, p)
	var events []domain.NumberEvent
	if err == nil {
		events, err = s.DB.NumberEvents(r.Context(), p.WorkspaceID, n.ID, 200)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, dataList[domain.NumberEvent]{Data: events})
}

func (s *server) getProfile(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	n, err := s.number(r, p)
	var bp whatsapp.BusinessProfile
	if err == nil {
		bp, err = s.Numbers.Profile(r.Context(), n)
	}
	writeProfile(w, r, bp, err)
}

func (s *server) putProfile(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.number(r, p)
	var bp whatsapp.BusinessProfile
	if err == nil {
		err = decodeJSON(w, r, &bp)
	}
	if err == nil {
		bp, err = s.Numbers.UpdateProfile(r.Context(), n, bp, actor(p))
	}
	writeProfile(w, r, bp, err)
}

// postProfilePhoto takes the image as the raw body.
func (s *server) postProfilePhoto(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.number(r, p)
	if err != nil {
		writeError(w, r, err)
		return
	}
	data, err := io.ReadAll(http.MaxBytesReader(w, r.Body, numbers.MaxPhotoBytes))
	if err != nil {
		writeError(w, r, domain.Errorf(domain.CodeTooLarge, "Upload an image of at most 5 MB.", "the photo is larger than %d bytes", numbers.MaxPhotoBytes))
		return
	}
	mime, _, _ := strings.Cut(r.Header.Get("Content-Type"), ";")
	bp, err := s.Numbers.UploadPhoto(r.Context(), n, strings.TrimSpace(mime), data, actor(p))
	writeProfile(w, r, bp, err)
}

func writeProfile(w http.ResponseWriter, r *http.Request, bp whatsapp.BusinessProfile, err error) {
	if err != nil {
		writeError(w, r, err)
		return
	}
	if bp.Websites == nil {
		bp.Websites = []string{}
	}
	writeJSON(w, http.StatusOK, map[string]any{"about": bp.About, "address": bp.Address, "description": bp.Description,
		"email": bp.Email, "websites": bp.Websites, "vertical": bp.Vertical, "profile_picture_url": bp.ProfilePictureURL})
}

func (s *server) getGreenTick(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	n, err := s.number(r, p)
	var g numbers.GreenTick
	if err == nil {
		g, err = s.Numbers.GreenTickFor(r.Context(), n)
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, g)
}

func (s *server) postGreenTick(w http.ResponseWriter, r *http.Request, p domain.Principal) {
	if err := requireManager(p); err != nil {
		writeError(w, r, err)
		return
	}
	n, err := s.number(r, p)
	var req whatsapp.OBARequest
	if err == nil {
		err = decodeJSON(w, r, &req)
	}
	var g numbers.GreenTick
	if err == nil {
		g, err = s.Numbers.RequestGreenTick(r.Context(), n, req, actor(p))
	}
	if err != nil {
		writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusAccepted, g)
}

// actor names who did something, for histories.
func actor(p domain.Principal) string {
	if p.UserID != 0 {
		return fmt.Sprintf("user:%d", p.UserID)
	}
	return fmt.Sprintf("api_key:%d", p.APIKeyID)
}

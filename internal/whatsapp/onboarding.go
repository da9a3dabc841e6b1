package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strconv"
)

// ExchangeCode trades an Embedded Signup code for the business's token
// (§7.4). The code lives 30 seconds, so call this as soon as it arrives.
func (c *Client) ExchangeCode(ctx context.Context, appID, appSecret, code string) (string, error) {
	if appID == "" || appSecret == "" || code == "" {
		return "", errors.New("whatsapp: app id, app secret and code are required")
	}
	q := url.Values{"client_id": {appID}, "client_secret": {appSecret}, "code": {code}}
	p := "/oauth/access_token?" + q.Encode()
	if c.Version != "" {
		p = "/" + c.Version + p
	}
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := c.send(ctx, request{method: http.MethodGet, path: p}, &out); err != nil {
		return "", err
	}
	if out.AccessToken == "" {
		return "", &CallError{Method: http.MethodGet, Path: stripQuery(p), Sent: true, Err: errors.New("no access_token in the answer")}
	}
	return out.AccessToken, nil
}

// SubscribeApp subscribes the app to a WABA's webhooks; a non-empty
// override sends that WABA's webhooks to its own callback URL (Meta
// verifies it with verifyToken first).
func (c *Client) SubscribeApp(ctx context.Context, token, wabaID, override, verifyToken string) error {
	p, err := c.path(wabaID, "/subscribed_apps")
	if err != nil {
		return err
	}
	var body []byte
	if override != "" {
		body, _ = json.Marshal(map[string]string{"override_callback_uri": override, "verify_token": verifyToken})
	}
	return c.do(ctx, http.MethodPost, p, token, body, nil)
}

// Register registers a number for the Cloud API with its two-step PIN.
func (c *Client) Register(ctx context.Context, token, phoneNumberID, pin string) error {
	p, err := c.path(phoneNumberID, "/register")
	if err != nil {
		return err
	}
	body, _ := json.Marshal(map[string]string{"messaging_product": "whatsapp", "pin": pin})
	return c.do(ctx, http.MethodPost, p, token, body, nil)
}

// Deregister takes a number off the Cloud API (it counts toward the same
// 10-per-72-hours limit as Register).
func (c *Client) Deregister(ctx context.Context, token, phoneNumberID string) error {
	p, err := c.path(phoneNumberID, "/deregister")
	if err != nil {
		return err
	}
	return c.do(ctx, http.MethodPost, p, token, []byte(`{}`), nil)
}

// WABA is the WhatsApp Business Account node (§8.2).
type WABA struct {
	ID                         string `json:"id"`
	Name                       string `json:"name"`
	Status                     string `json:"status"`
	BusinessVerificationStatus string `json:"business_verification_status"`
}

// GetWABA reads a WABA's name, status and its portfolio's verification.
func (c *Client) GetWABA(ctx context.Context, token, wabaID string) (WABA, error) {
	var w WABA
	p, err := c.path(wabaID, "")
	if err != nil {
		return w, err
	}
	q := url.Values{"fields": {"id,name,status,business_verification_status"}}
	return w, c.do(ctx, http.MethodGet, p+"?"+q.Encode(), token, nil, &w)
}

// BusinessProfile is what customers see about the business (§8.3).
type BusinessProfile struct {
	About             string   `json:"about,omitempty"`
	Address           string   `json:"address,omitempty"`
	Description       string   `json:"description,omitempty"`
	Email             string   `json:"email,omitempty"`
	Websites          []string `json:"websites,omitempty"`
	Vertical          string   `json:"vertical,omitempty"`
	ProfilePictureURL string   `json:"profile_picture_url,omitempty"`
}

const profileFields = "about,address,description,email,profile_picture_url,websites,vertical"

// GetBusinessProfile reads a number's business profile.
func (c *Client) GetBusinessProfile(ctx context.Context, token, phoneNumberID string) (BusinessProfile, error) {
	p, err := c.path(phoneNumberID, "/whatsapp_business_profile")
	if err != nil {
		return BusinessProfile{}, err
	}
	var out struct {
		Data []BusinessProfile `json:"data"`
	}
	if err := c.do(ctx, http.MethodGet, p+"?"+url.Values{"fields": {profileFields}}.Encode(), token, nil, &out); err != nil {
		return BusinessProfile{}, err
	}
	if len(out.Data) == 0 {
		return BusinessProfile{}, nil
	}
	return out.Data[0], nil
}

// UpdateBusinessProfile writes the profile; pictureHandle, when set, is an
// upload handle (UploadFile) for the new profile photo. Every text field is
// sent, so an emptied field is cleared.
func (c *Client) UpdateBusinessProfile(ctx context.Context, token, phoneNumberID string, bp BusinessProfile, pictureHandle string) error {
	p, err := c.path(phoneNumberID, "/whatsapp_business_profile")
	if err != nil {
		return err
	}
	body := map[string]any{"messaging_product": "whatsapp", "about": bp.About, "address": bp.Address,
		"description": bp.Description, "email": bp.Email, "websites": append([]string{}, bp.Websites...)}
	if bp.Vertical != "" {
		body["vertical"] = bp.Vertical
	}
	if pictureHandle != "" {
		body["profile_picture_handle"] = pictureHandle
	}
	b, _ := json.Marshal(body)
	return c.do(ctx, http.MethodPost, p, token, b, nil)
}

// UploadFile stores a file with the Resumable Upload API (one chunk) and
// returns its handle, as profile photos need.
func (c *Client) UploadFile(ctx context.Context, token, appID, mimeType string, data []byte) (string, error) {
	if err := checkToken(token); err != nil {
		return "", err
	}
	p, err := c.path(appID, "/uploads")
	if err != nil {
		return "", err
	}
	q := url.Values{"file_length": {strconv.Itoa(len(data))}, "file_type": {mimeType}}
	var session struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, http.MethodPost, p+"?"+q.Encode(), token, nil, &session); err != nil {
		return "", err
	}
	up, err := c.path(session.ID, "")
	if err != nil {
		return "", err
	}
	var out struct {
		H string `json:"h"`
	}
	err = c.send(ctx, request{method: http.MethodPost, path: up, auth: "OAuth " + token, body: data, contentType: mimeType,
		headers: map[string]string{"file_offset": "0"}}, &out)
	if err == nil && out.H == "" {
		err = &CallError{Method: http.MethodPost, Path: up, Sent: true, Err: errors.New("no handle in the answer")}
	}
	return out.H, err
}

// OBARequest is an Official Business Account request (§8.5).
type OBARequest struct {
	BusinessWebsiteURL              string   `json:"business_website_url"`
	PrimaryCountryOfOperation       string   `json:"primary_country_of_operation"`
	PrimaryLanguage                 string   `json:"primary_language"`
	ParentBusinessOrBrand           string   `json:"parent_business_or_brand,omitempty"`
	SupportingLinks                 []string `json:"supporting_links"`
	AdditionalSupportingInformation string   `json:"additional_supporting_information,omitempty"`
}

// RequestOBA submits the number for an Official Business Account (the
// green tick); success means submitted, not granted.
func (c *Client) RequestOBA(ctx context.Context, token, phoneNumberID string, r OBARequest) error {
	p, err := c.path(phoneNumberID, "/official_business_account")
	if err != nil {
		return err
	}
	b, _ := json.Marshal(r)
	return c.do(ctx, http.MethodPost, p, token, b, nil)
}

// SetCallbackOverride points one number's message webhooks at uri (Meta
// checks it with the verify token first); an empty uri removes the
// override, so the WABA's or the app's callback applies again.
func (c *Client) SetCallbackOverride(ctx context.Context, token, phoneNumberID, uri, verifyToken string) error {
	p, err := c.path(phoneNumberID, "")
	if err != nil {
		return err
	}
	wc := map[string]string{"override_callback_uri": uri}
	if uri != "" {
		wc["verify_token"] = verifyToken
	}
	b, _ := json.Marshal(map[string]any{"webhook_configuration": wc})
	return c.do(ctx, http.MethodPost, p, token, b, nil)
}

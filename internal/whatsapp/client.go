// Package whatsapp is the only code that speaks Meta's Graph API: the Cloud
// API client for sending, and the wire types, signature check and parser for
// webhooks. It knows nothing of workspaces or storage.
package whatsapp

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"time"
)

// maxResponseBytes caps what we read from Graph: real answers are a few
// hundred bytes, and a misbehaving proxy must not make us buffer gigabytes.
const maxResponseBytes = 1 << 20

// phoneNumberFields are the fields GetPhoneNumber asks for; Graph returns only
// id and a few defaults unless fields are named.
const phoneNumberFields = "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,status,throughput,platform_type," +
	healthFields + ",messaging_limit_tier,whatsapp_business_manager_messaging_limit"

// healthFields are the standing fields shown on a number's health page.
const healthFields = "new_name_status,new_display_name,account_mode,is_official_business_account,official_business_account,is_pin_enabled,health_status"

// legacyPhoneNumberFields is phoneNumberFields for Graph versions before
// v24.0, which do not know whatsapp_business_manager_messaging_limit and
// would fail the whole call over it.
const legacyPhoneNumberFields = "id,display_phone_number,verified_name,quality_rating,code_verification_status,name_status,status,throughput,platform_type," +
	healthFields + ",messaging_limit_tier"

// Client calls the Graph API. The access token is passed per call, not held,
// because every connected number has its own token. A Client is safe for
// concurrent use; it never logs.
type Client struct {
	BaseURL string // e.g. "https://graph.facebook.com" or a simulator; no trailing slash
	Version string // e.g. "v24.0"; empty lets Graph pick the app's newest
	HTTP    *http.Client
}

// NewClient returns a client for baseURL and version. A nil httpClient gets
// one with a 30 s timeout, so a stuck connection can never hang a sender
// forever even when the caller forgot a deadline.
func NewClient(baseURL, version string, httpClient *http.Client) *Client {
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 30 * time.Second}
	}
	return &Client{
		BaseURL: strings.TrimRight(baseURL, "/"),
		Version: strings.Trim(version, "/"),
		HTTP:    httpClient,
	}
}

// PhoneNumber is the subset of the phone-number node GoHavi shows and checks.
type PhoneNumber struct {
	ID                     string     `json:"id"`
	DisplayPhoneNumber     string     `json:"display_phone_number"`
	VerifiedName           string     `json:"verified_name"`
	QualityRating          string     `json:"quality_rating"`
	CodeVerificationStatus string     `json:"code_verification_status"`
	NameStatus             string     `json:"name_status"`
	Status                 string     `json:"status"`
	Throughput             Throughput `json:"throughput"`
	PlatformType           string     `json:"platform_type"`
	// MessagingLimit is the portfolio's messaging limit (§5.1), TIER_250 …
	// TIER_UNLIMITED: whatsapp_business_manager_messaging_limit, or the
	// deprecated messaging_limit_tier when Graph sends only that.
	MessagingLimit     string `json:"whatsapp_business_manager_messaging_limit"`
	MessagingLimitTier string `json:"messaging_limit_tier"` // deprecated by Meta; as sent

	NewNameStatus  string       `json:"new_name_status"`
	NewDisplayName string       `json:"new_display_name"`
	AccountMode    string       `json:"account_mode"`
	IsOBA          bool         `json:"is_official_business_account"`
	OBA            OBAState     `json:"official_business_account"`
	PinEnabled     bool         `json:"is_pin_enabled"`
	HealthStatus   HealthStatus `json:"health_status"`
}

// OBAState is the official_business_account field.
type OBAState struct {
	Status string `json:"oba_status"`
}

// HealthStatus says whether the number can send and, if not, why (§5.2).
type HealthStatus struct {
	CanSendMessage string         `json:"can_send_message"` // AVAILABLE, LIMITED or BLOCKED
	Entities       []HealthEntity `json:"entities"`
}

// HealthEntity is one node's standing: the number, its WABA, the
// business portfolio or the app.
type HealthEntity struct {
	EntityType     string        `json:"entity_type"`
	ID             string        `json:"id"`
	CanSendMessage string        `json:"can_send_message"`
	Errors         []HealthError `json:"errors"`
	AdditionalInfo []string      `json:"additional_info"`
}

// HealthError is a reason an entity is limited or blocked.
type HealthError struct {
	ErrorCode        int    `json:"error_code"`
	ErrorDescription string `json:"error_description"`
	PossibleSolution string `json:"possible_solution"`
}

// Throughput is the number's messages-per-second level.
type Throughput struct {
	Level string `json:"level"`
}

// GetPhoneNumber reads the phone-number node, e.g. to check a token and show
// quality when a number is connected.
func (c *Client) GetPhoneNumber(ctx context.Context, token, phoneNumberID string) (PhoneNumber, error) {
	var pn PhoneNumber
	path, err := c.path(phoneNumberID, "")
	if err != nil {
		return pn, err
	}
	fields := phoneNumberFields
	if versionBefore(c.Version, 24) {
		fields = legacyPhoneNumberFields
	}
	q := url.Values{"fields": {fields}}
	err = c.do(ctx, http.MethodGet, path+"?"+q.Encode(), token, nil, &pn)
	if pn.MessagingLimit == "" {
		pn.MessagingLimit = pn.MessagingLimitTier
	}
	return pn, err
}

// versionBefore reports whether a Graph version such as "v23.0" is older
// than major. An empty or unparsable version lets Graph pick its newest,
// so it is never "before".
func versionBefore(version string, major int) bool {
	v, ok := strings.CutPrefix(version, "v")
	if !ok {
		return false
	}
	v, _, _ = strings.Cut(v, ".")
	n, err := strconv.Atoi(v)
	return err == nil && n < major
}

// SendResult is what Meta answers to an accepted send. Accepted is not
// delivered: failures may still arrive later as a "failed" status webhook.
type SendResult struct {
	WAID          string // the recipient's WhatsApp id, may differ from Input
	Input         string // the "to" we sent
	WAMID         string
	MessageStatus string // "accepted" or "held_for_quality_assessment"; template sends only
}

// Held reports whether Meta is holding the message back while it assesses
// the template's (or the portfolio's) quality: template pacing (§5.3).
func (r SendResult) Held() bool { return r.MessageStatus == "held_for_quality_assessment" }

type sendResponse struct {
	Contacts []struct {
		Input string `json:"input"`
		WaID  string `json:"wa_id"`
	} `json:"contacts"`
	Messages []struct {
		ID            string `json:"id"`
		MessageStatus string `json:"message_status"`
	} `json:"messages"`
}

// Send posts msg from phoneNumberID. On error, use IsAmbiguous before any
// retry: a timeout after the request was written may have sent the message.
func (c *Client) Send(ctx context.Context, token, phoneNumberID string, msg OutgoingMessage) (SendResult, error) {
	path, err := c.path(phoneNumberID, "/messages")
	if err != nil {
		return SendResult{}, err
	}
	body, err := msg.MarshalJSON()
	if err != nil {
		return SendResult{}, err
	}
	var resp sendResponse
	if err := c.do(ctx, http.MethodPost, path, token, body, &resp); err != nil {
		return SendResult{}, err
	}
	if len(resp.Messages) == 0 || resp.Messages[0].ID == "" {
		// Meta accepted the request but we cannot tell which wamid it got.
		return SendResult{}, &CallError{Method: http.MethodPost, Path: path, Sent: true, Err: errors.New("response carries no message id")}
	}
	res := SendResult{WAMID: resp.Messages[0].ID, MessageStatus: resp.Messages[0].MessageStatus}
	if len(resp.Contacts) > 0 {
		res.Input, res.WAID = resp.Contacts[0].Input, resp.Contacts[0].WaID
	}
	return res, nil
}

// MarkRead marks an inbound message (and the earlier ones in its thread) as
// read, which shows the customer blue ticks.
func (c *Client) MarkRead(ctx context.Context, token, phoneNumberID, wamid string) error {
	if wamid == "" {
		return errors.New("whatsapp: mark read: empty message id")
	}
	path, err := c.path(phoneNumberID, "/messages")
	if err != nil {
		return err
	}
	return c.readCall(ctx, token, path, map[string]any{"messaging_product": "whatsapp", "status": "read", "message_id": wamid})
}

// readCall posts a mark-as-read body (§3.7), which Meta answers with
// {"success": true}.
func (c *Client) readCall(ctx context.Context, token, path string, msg map[string]any) error {
	body, err := json.Marshal(msg)
	if err != nil {
		return err
	}
	var resp struct {
		Success bool `json:"success"`
	}
	if err := c.do(ctx, http.MethodPost, path, token, body, &resp); err != nil {
		return err
	}
	if !resp.Success {
		return &CallError{Method: http.MethodPost, Path: path, Sent: true, Err: errors.New(`response lacks "success": true`)}
	}
	return nil
}

func (c *Client) path(nodeID, edge string) (string, error) {
	if nodeID == "" {
		return "", errors.New("whatsapp: empty phone number id")
	}
	p := "/" + url.PathEscape(nodeID) + edge
	if c.Version != "" {
		p = "/" + c.Version + p
	}
	return p, nil
}

// do performs one Graph call and decodes a 2xx body into out. It records via
// httptrace whether the request was fully written, which is what separates a
// safe-to-retry failure from an ambiguous one.
func (c *Client) do(ctx context.Context, method, path, token string, body []byte, out any) error {
	if err := checkToken(token); err != nil {
		return err
	}
	return c.send(ctx, request{method: method, path: path, auth: "Bearer " + token, body: body, contentType: "application/json"}, out)
}

func checkToken(token string) error {
	if token == "" {
		return errors.New("whatsapp: empty access token")
	}
	if strings.ContainsFunc(token, func(r rune) bool { return r <= ' ' || r == 0x7f }) {
		// Rejected here so net/http never builds an error around the value.
		return errors.New("whatsapp: access token contains invalid characters")
	}
	return nil
}

// request is one Graph call: auth is the whole Authorization value ("" for
// none, as in the OAuth code exchange); headers are extra ones.
type request struct {
	method, path, auth string
	body               []byte
	contentType        string
	headers            map[string]string
}

func (c *Client) send(ctx context.Context, r request, out any) error {
	method, path, body := r.method, r.path, r.body
	var wrote atomic.Bool
	trace := &httptrace.ClientTrace{WroteRequest: func(info httptrace.WroteRequestInfo) {
		if info.Err == nil {
			wrote.Store(true)
		}
	}}
	var rdr io.Reader
	if body != nil {
		rdr = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(httptrace.WithClientTrace(ctx, trace), method, c.BaseURL+path, rdr)
	if err != nil {
		return fmt.Errorf("whatsapp: build request: %w", err)
	}
	if r.auth != "" {
		req.Header.Set("Authorization", r.auth)
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", r.contentType)
	}
	for k, v := range r.headers {
		req.Header.Set(k, v)
	}
	callErr := func(sent bool, err error) error {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // its text repeats the URL we already report
		}
		return &CallError{Method: method, Path: stripQuery(path), Sent: sent, Err: err}
	}

	httpClient := c.HTTP
	if httpClient == nil {
		httpClient = http.DefaultClient
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return callErr(wrote.Load(), err)
	}
	defer resp.Body.Close()
	data, readErr := io.ReadAll(io.LimitReader(resp.Body, maxResponseBytes+1))
	ok := resp.StatusCode >= 200 && resp.StatusCode < 300
	if !ok {
		// Even a truncated or cut-off error body is an answer: Meta refused.
		return parseGraphError(resp.StatusCode, data)
	}
	switch {
	case readErr != nil:
		return callErr(true, fmt.Errorf("read response: %w", readErr))
	case len(data) > maxResponseBytes:
		return callErr(true, fmt.Errorf("response larger than %d bytes", maxResponseBytes))
	}
	if out != nil {
		if err := json.Unmarshal(data, out); err != nil {
			return callErr(true, fmt.Errorf("decode response: %w", err))
		}
	}
	return nil
}

func stripQuery(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

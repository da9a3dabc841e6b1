// Package zoho is GoHavi's Zoho CRM client: the crm.Client calls over
// the CRM API v7 of the org's data centre, the OAuth helpers of Zoho's
// accounts servers, and the Notifications API ("watch") with its
// callback parser. It follows /work/shared/spec/integrations-apis.md §2;
// internal/sim/zoho is the simulator its tests run against.
//
// The client never retries on its own except once after a 401, when the
// token source has refreshed: every other failure is classified as a
// *crm.Error and the sync engine decides.
package zoho

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// Config tunes a client. The zero value is usable.
type Config struct {
	HTTPClient *http.Client // default: 30 s timeout
	// Concurrency is how many calls may be in flight at once. Zoho counts
	// simultaneous calls per app per org (spec §2.4.2) and the Free
	// edition allows 5, so 5 (the default) never meets a 429 by itself.
	Concurrency int
}

// Client is one Zoho connection. Safe for concurrent use.
type Client struct {
	http   *http.Client
	tokens crm.TokenSource
	api    string // {api_domain}/crm/v7
	domain string
	sem    chan struct{}
}

var _ crm.Client = (*Client)(nil)

// New returns a client calling {apiDomain}/crm/v7/…; apiDomain is the
// api_domain of the token answer (the org's data centre).
func New(cfg Config, tokens crm.TokenSource, apiDomain string) *Client {
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = 5
	}
	d := strings.TrimRight(apiDomain, "/")
	return &Client{http: cfg.HTTPClient, tokens: tokens, api: d + "/crm/v7", domain: d, sem: make(chan struct{}, cfg.Concurrency)}
}

// defaultRetryAfter is the wait suggested for a 429 without Retry-After:
// a concurrency 429 clears as soon as a call in flight returns.
const defaultRetryAfter = 3 * time.Second

// creditsRetryAfter is the wait after LIMIT_EXCEEDED (credits for the
// rolling 24 h are gone): credits come back only as old calls age out.
const creditsRetryAfter = 10 * time.Minute

// do sends one call and decodes a 2xx JSON answer into out (which may be
// nil). It returns the HTTP status; a 204 leaves out untouched, so
// callers test for it instead of decoding an empty body. Failures are
// *crm.Error, except a done context, whose error is returned as is.
func (c *Client) do(ctx context.Context, method, path string, q url.Values, body, out any) (int, error) {
	var payload []byte
	if body != nil {
		var err error
		if payload, err = json.Marshal(body); err != nil {
			return 0, &crm.Error{Kind: crm.KindInvalid, Message: "encode request: " + err.Error()}
		}
	}
	u := c.api + path
	if len(q) > 0 {
		u += "?" + q.Encode() // Encode writes "+" as %2B: criteria values survive
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return 0, err
		}
		status, hdr, raw, err := c.send(ctx, method, u, tok, payload)
		if err != nil {
			return 0, err
		}
		if status == http.StatusUnauthorized {
			e := classify(status, hdr, raw)
			if e.Kind != crm.KindAuth {
				return status, e // OAUTH_SCOPE_MISMATCH: refreshing will not add a scope
			}
			if attempt == 0 {
				// The token expired or was revoked: the source refreshes once
				// (under the connection's lock) and the call is tried again.
				if err := c.tokens.Invalidate(ctx, tok); err != nil {
					return status, err
				}
				continue
			}
			return status, e
		}
		if status/100 != 2 {
			if status == http.StatusBadRequest && out != nil {
				// A write whose items all failed is a 400 with data[]:
				// callers that map items to inputs still get them.
				_ = decode(raw, out)
			}
			return status, classify(status, hdr, raw)
		}
		if status == http.StatusNoContent || out == nil || len(bytes.TrimSpace(raw)) == 0 {
			return status, nil
		}
		if err := decode(raw, out); err != nil {
			return status, &crm.Error{Kind: crm.KindTransient, Status: status, Message: "undecodable answer: " + err.Error()}
		}
		return status, nil
	}
}

func decode(raw []byte, out any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber() // ids and amounts keep their digits
	return dec.Decode(out)
}

// send makes one HTTP exchange inside the concurrency semaphore, which is
// released only after the whole answer is read.
func (c *Client) send(ctx context.Context, method, u, tok string, payload []byte) (int, http.Header, []byte, error) {
	select {
	case c.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, nil, ctx.Err()
	}
	defer func() { <-c.sem }()
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, method, u, rd)
	if err != nil {
		return 0, nil, nil, &crm.Error{Kind: crm.KindInvalid, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return 0, nil, nil, ctx.Err()
		}
		return 0, nil, nil, &crm.Error{Kind: crm.KindTransient, Message: err.Error()}
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, nil, nil, &crm.Error{Kind: crm.KindTransient, Status: resp.StatusCode, Message: "read answer: " + err.Error()}
	}
	return resp.StatusCode, resp.Header, raw, nil
}

// item is one entry of a per-item answer (data[] or watch[]).
type item struct {
	Code           string          `json:"code"`
	Status         string          `json:"status"`
	Message        string          `json:"message"`
	Details        json.RawMessage `json:"details"`
	Action         string          `json:"action"`
	DuplicateField *string         `json:"duplicate_field"`
}

func (it item) ok() bool { return strings.EqualFold(it.Status, "success") }

func (it item) details() map[string]any {
	var d map[string]any
	_ = json.Unmarshal(it.Details, &d)
	return d
}

// classify turns a non-2xx answer into a *crm.Error: by status first,
// then by Zoho's code, which for request-level errors is at the top and
// for per-item ones in the first failed data[]/watch[] entry.
func classify(status int, hdr http.Header, raw []byte) *crm.Error {
	var body struct {
		item
		Data  []item `json:"data"`
		Watch []item `json:"watch"`
	}
	_ = json.Unmarshal(raw, &body)
	it := body.item
	if it.Code == "" {
		for _, x := range append(body.Data, body.Watch...) {
			if !x.ok() {
				it = x
				break
			}
		}
	}
	e := itemError(it)
	e.Status = status
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind, e.RetryAfter = crm.KindRateLimit, retryAfter(hdr)
		if e.RetryAfter == 0 {
			e.RetryAfter = defaultRetryAfter
			if it.Code == "LIMIT_EXCEEDED" {
				e.RetryAfter = creditsRetryAfter
			}
		}
	case status >= 500 || status == http.StatusLocked || status == 477:
		e.Kind = crm.KindTransient
	case it.Code == "OAUTH_SCOPE_MISMATCH" || it.Code == "NO_PERMISSION" || it.Code == "AUTHORIZATION_FAILED" || status == http.StatusForbidden:
		e.Kind = crm.KindForbidden
	case status == http.StatusUnauthorized:
		e.Kind = crm.KindAuth
	case status == http.StatusNotFound:
		e.Kind = crm.KindNotFound
	}
	if e.Message == "" {
		e.Message = http.StatusText(status)
	}
	return e
}

// itemError classifies a failed entry by its code alone; its Status is
// 400, the status Zoho gives per-item errors (spec §2.4.3), whatever the
// status of the whole answer (200, 207, 400).
func itemError(it item) *crm.Error {
	e := &crm.Error{Kind: crm.KindInvalid, Status: http.StatusBadRequest, Code: it.Code, Message: it.Message}
	d := it.details()
	switch it.Code {
	case "DUPLICATE_DATA":
		e.Kind = crm.KindConflict
		if dr, ok := d["duplicate_record"].(map[string]any); ok {
			e.ExistingID = fmt.Sprint(dr["id"])
		}
		if api, _ := d["api_name"].(string); api != "" {
			e.Message += " (" + api + ")"
		}
	case "NOT_SUBSCRIBED":
		e.Kind = crm.KindNotFound
	case "INVALID_DATA":
		if d["api_name"] == "id" {
			e.Kind = crm.KindNotFound // an update of a record that no longer exists
		} else if api, _ := d["api_name"].(string); api != "" {
			e.Message += " (" + api + ")"
		}
	case "MANDATORY_NOT_FOUND":
		if api, _ := d["api_name"].(string); api != "" {
			e.Message += " (" + api + ")"
		}
	case "NO_PERMISSION", "OAUTH_SCOPE_MISMATCH", "AUTHORIZATION_FAILED":
		e.Kind = crm.KindForbidden
	case "TOO_MANY_REQUESTS":
		e.Kind, e.RetryAfter = crm.KindRateLimit, defaultRetryAfter
	case "INTERNAL_ERROR":
		e.Kind = crm.KindTransient
	}
	return e
}

func retryAfter(h http.Header) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if s, err := strconv.Atoi(v); err == nil && s >= 0 {
		return time.Duration(s) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// isKind reports whether err is a *crm.Error of kind k.
func isKind(err error, k crm.Kind) bool {
	var e *crm.Error
	return errors.As(err, &e) && e.Kind == k
}

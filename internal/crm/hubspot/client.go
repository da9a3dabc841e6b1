// Package hubspot is GoHavi's HubSpot client: the crm.Client calls over
// HubSpot's CRM v3/v4 API, the OAuth exchange and refresh, and the
// webhook signature checks and event parsing. It follows
// /work/shared/spec/integrations-apis.md §1; internal/sim/hubspot speaks
// the same wire format for tests.
package hubspot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// Config says where HubSpot is and how fast the client may call it.
type Config struct {
	APIURL          string // default https://api.hubapi.com
	HTTPClient      *http.Client
	BurstPer10s     int // default 100 (private app, Free/Starter; public apps get 110)
	SearchPerSecond int // default 5
	// BurstWindow is the length of HubSpot's rolling burst window
	// (default 10 s). Only tests change it, together with the simulator's
	// clock, so a burst test need not wait out real windows.
	BurstWindow time.Duration
}

// Client is one connection to one HubSpot portal. It is safe for
// concurrent use; all calls share its rate limiters.
type Client struct {
	base   string
	hc     *http.Client
	tokens crm.TokenSource
	burst  *window
	search *window

	// notesOnly is set once the portal refused communications: timeline
	// entries go to notes from then on.
	notesOnly atomic.Bool
	// tz is the portal's time zone, learned from Account, for when the
	// daily quota resets.
	tz atomic.Pointer[time.Location]
}

var _ crm.Client = (*Client)(nil)

// New returns a client that takes its tokens from tokens.
func New(cfg Config, tokens crm.TokenSource) *Client {
	if cfg.APIURL == "" {
		cfg.APIURL = "https://api.hubapi.com"
	}
	if cfg.HTTPClient == nil {
		cfg.HTTPClient = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.BurstPer10s <= 0 {
		cfg.BurstPer10s = 100
	}
	if cfg.SearchPerSecond <= 0 {
		cfg.SearchPerSecond = 5
	}
	if cfg.BurstWindow <= 0 {
		cfg.BurstWindow = 10 * time.Second
	}
	return &Client{
		base:   strings.TrimRight(cfg.APIURL, "/"),
		hc:     cfg.HTTPClient,
		tokens: tokens,
		burst:  newWindow(cfg.BurstPer10s, cfg.BurstWindow),
		search: newWindow(cfg.SearchPerSecond, time.Second),
	}
}

// call is one API request.
type call struct {
	method, path string
	query        url.Values
	body         any
	search       bool // counts against the search limit, not the burst one
}

const maxResponse = 32 << 20

// do sends c and decodes a 2xx answer into out (when not nil), answering
// the status. A 401 makes the token source refresh, and the call is sent
// once more; every other failure is returned classified, unretried: the
// engine owns retries and backoff.
func (c *Client) do(ctx context.Context, cl call, out any) (int, error) {
	var payload []byte
	if cl.body != nil {
		var err error
		if payload, err = json.Marshal(cl.body); err != nil {
			return 0, &crm.Error{Kind: crm.KindInvalid, Message: "encoding request: " + err.Error()}
		}
	}
	for attempt := 0; ; attempt++ {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return 0, err
		}
		status, hdr, body, err := c.send(ctx, cl, payload, tok)
		if err != nil {
			return 0, err
		}
		if status == http.StatusUnauthorized && attempt == 0 {
			if err := c.tokens.Invalidate(ctx, tok); err != nil {
				return 0, err
			}
			continue
		}
		if status < 200 || status > 299 {
			return status, c.classify(status, hdr, body)
		}
		if out != nil && len(bytes.TrimSpace(body)) > 0 {
			if err := json.Unmarshal(body, out); err != nil {
				return status, &crm.Error{Kind: crm.KindTransient, Status: status, Message: "decoding HubSpot's answer: " + err.Error()}
			}
		}
		return status, nil
	}
}

func (c *Client) send(ctx context.Context, cl call, payload []byte, token string) (int, http.Header, []byte, error) {
	lim := c.burst
	if cl.search {
		lim = c.search
	}
	release, err := lim.acquire(ctx)
	if err != nil {
		return 0, nil, nil, err
	}
	defer release()
	u := c.base + cl.path
	if len(cl.query) > 0 {
		u += "?" + cl.query.Encode()
	}
	var rd io.Reader
	if payload != nil {
		rd = bytes.NewReader(payload)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, u, rd)
	if err != nil {
		return 0, nil, nil, &crm.Error{Kind: crm.KindInvalid, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, nil, nil, networkError(ctx, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxResponse))
	if err != nil {
		return 0, nil, nil, networkError(ctx, err)
	}
	return resp.StatusCode, resp.Header, body, nil
}

// networkError keeps the caller's own cancellation recognisable and makes
// everything else a transient failure.
func networkError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return ctx.Err()
	}
	return &crm.Error{Kind: crm.KindTransient, Message: err.Error()}
}

// isKind tells whether err is a *crm.Error of one of kinds.
func isKind(err error, kinds ...crm.Kind) bool {
	var e *crm.Error
	if !errors.As(err, &e) {
		return false
	}
	for _, k := range kinds {
		if e.Kind == k {
			return true
		}
	}
	return false
}

func pathf(format string, args ...any) string {
	esc := make([]any, len(args))
	for i, a := range args {
		esc[i] = url.PathEscape(fmt.Sprint(a))
	}
	return fmt.Sprintf(format, esc...)
}

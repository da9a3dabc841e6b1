package calendly

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
)

// DefaultAPIURL and DefaultAuthURL are Calendly's production hosts.
const (
	DefaultAPIURL  = "https://api.calendly.com"
	DefaultAuthURL = "https://auth.calendly.com"
)

// Client calls the API. One Client serves every connection; the token is
// passed per call.
type Client struct {
	BaseURL string
	AuthURL string
	// ClientID and ClientSecret are the OAuth app's, for the token calls.
	ClientID, ClientSecret string
	HTTP                   *http.Client
}

// Kind says what a caller should do about an error.
type Kind string

// Error kinds.
const (
	KindAuth        Kind = "auth"         // the token is refused: reconnect
	KindForbidden   Kind = "forbidden"    // plan or role does not allow it
	KindNotFound    Kind = "not_found"    // the resource is gone
	KindConflict    Kind = "conflict"     // already exists
	KindRateLimited Kind = "rate_limited" // wait RetryAfter
	KindTransient   Kind = "transient"    // 5xx or network: try again later
	KindInvalid     Kind = "invalid"      // the request is wrong
)

// Error is a failed call, with Calendly's title and message.
type Error struct {
	Status     int
	Kind       Kind
	Title      string
	Message    string
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	if e.Status == 0 {
		return "calendly: " + e.Message
	}
	return fmt.Sprintf("calendly: %d %s: %s", e.Status, e.Title, e.Message)
}

// KindOf classifies err: "" for nil; anything that is not an *Error is
// transient.
func KindOf(err error) Kind {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	return KindTransient
}

func kindFor(status int) Kind {
	switch {
	case status == http.StatusUnauthorized:
		return KindAuth
	case status == http.StatusForbidden:
		return KindForbidden
	case status == http.StatusNotFound:
		return KindNotFound
	case status == http.StatusConflict:
		return KindConflict
	case status == http.StatusTooManyRequests:
		return KindRateLimited
	case status >= 500:
		return KindTransient
	}
	return KindInvalid
}

func (c *Client) http() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return &http.Client{Timeout: 30 * time.Second}
}

// resolve turns a resource URI (absolute, as Calendly returns them) into
// a URL on the configured base. A URI elsewhere keeps only its path, so a
// URI from a payload can never send our token to another host.
func (c *Client) resolve(uriOrPath string) string {
	base := strings.TrimRight(c.BaseURL, "/")
	if strings.HasPrefix(uriOrPath, base+"/") {
		return uriOrPath
	}
	p := uriOrPath
	if u, err := url.Parse(uriOrPath); err == nil && u.IsAbs() {
		p = u.RequestURI()
	}
	return base + p
}

// do sends a JSON request and decodes a JSON answer into out.
func (c *Client) do(ctx context.Context, token, method, uriOrPath string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.resolve(uriOrPath), body)
	if err != nil {
		return &Error{Kind: KindInvalid, Message: err.Error()}
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Accept", "application/json")
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http().Do(req)
	if err != nil {
		return &Error{Kind: KindTransient, Message: err.Error()}
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return &Error{Kind: KindTransient, Message: "reading the answer: " + err.Error()}
	}
	if resp.StatusCode/100 != 2 {
		return apiError(resp, b)
	}
	if out == nil || len(b) == 0 {
		return nil
	}
	if err := json.Unmarshal(b, out); err != nil {
		return &Error{Status: resp.StatusCode, Kind: KindTransient, Message: "unreadable answer: " + err.Error()}
	}
	return nil
}

func apiError(resp *http.Response, b []byte) error {
	var body struct {
		Title   string `json:"title"`
		Message string `json:"message"`
		Details []struct {
			Parameter string `json:"parameter"`
			Message   string `json:"message"`
		} `json:"details"`
	}
	_ = json.Unmarshal(b, &body)
	e := &Error{Status: resp.StatusCode, Kind: kindFor(resp.StatusCode), Title: body.Title, Message: body.Message}
	for _, d := range body.Details {
		e.Message += "; " + strings.TrimSpace(d.Parameter+" "+d.Message)
	}
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	if e.Kind == KindRateLimited {
		e.RetryAfter = time.Minute
		if n, err := strconv.Atoi(resp.Header.Get("X-RateLimit-Reset")); err == nil && n >= 0 {
			e.RetryAfter = time.Duration(n) * time.Second
		}
	}
	return e
}

// Me is the token's user.
func (c *Client) Me(ctx context.Context, token string) (User, error) {
	var out struct {
		Resource User `json:"resource"`
	}
	err := c.do(ctx, token, http.MethodGet, "/users/me", nil, &out)
	return out.Resource, err
}

// CreateSubscription creates a webhook subscription; KindConflict when one
// with the same URL exists.
func (c *Client) CreateSubscription(ctx context.Context, token string, in NewSubscription) (Subscription, error) {
	var out struct {
		Resource Subscription `json:"resource"`
	}
	err := c.do(ctx, token, http.MethodPost, "/webhook_subscriptions", in, &out)
	return out.Resource, err
}

// Subscriptions lists the subscriptions of an organisation, or of one user
// when user is set.
func (c *Client) Subscriptions(ctx context.Context, token, organization, scope, user string) ([]Subscription, error) {
	q := url.Values{"organization": {organization}, "scope": {scope}, "count": {"100"}}
	if user != "" {
		q.Set("user", user)
	}
	var all []Subscription
	err := c.pages(ctx, token, "/webhook_subscriptions?"+q.Encode(), func(raw json.RawMessage) error {
		var page []Subscription
		err := json.Unmarshal(raw, &page)
		all = append(all, page...)
		return err
	})
	return all, err
}

// pages follows next_page links; each page's collection goes to fn.
func (c *Client) pages(ctx context.Context, token, first string, fn func(json.RawMessage) error) error {
	next := first
	for n := 0; next != "" && n < 100; n++ {
		var out struct {
			Collection json.RawMessage `json:"collection"`
			Pagination struct {
				NextPage *string `json:"next_page"`
			} `json:"pagination"`
		}
		if err := c.do(ctx, token, http.MethodGet, next, nil, &out); err != nil {
			return err
		}
		if err := fn(out.Collection); err != nil {
			return err
		}
		next = ""
		if out.Pagination.NextPage != nil {
			next = *out.Pagination.NextPage
		}
	}
	return nil
}

// Subscription reads one subscription by URI.
func (c *Client) Subscription(ctx context.Context, token, uri string) (Subscription, error) {
	var out struct {
		Resource Subscription `json:"resource"`
	}
	err := c.do(ctx, token, http.MethodGet, uri, nil, &out)
	return out.Resource, err
}

// DeleteSubscription removes a subscription; one already gone is not an
// error.
func (c *Client) DeleteSubscription(ctx context.Context, token, uri string) error {
	err := c.do(ctx, token, http.MethodDelete, uri, nil, nil)
	if KindOf(err) == KindNotFound {
		return nil
	}
	return err
}

// Event reads a scheduled event by URI.
func (c *Client) Event(ctx context.Context, token, uri string) (Event, error) {
	var out struct {
		Resource Event `json:"resource"`
	}
	err := c.do(ctx, token, http.MethodGet, uri, nil, &out)
	return out.Resource, err
}

// EventTypes lists a user's event types.
func (c *Client) EventTypes(ctx context.Context, token, user string) ([]EventType, error) {
	var all []EventType
	err := c.pages(ctx, token, "/event_types?"+url.Values{"user": {user}, "count": {"100"}}.Encode(), func(raw json.RawMessage) error {
		var page []EventType
		err := json.Unmarshal(raw, &page)
		all = append(all, page...)
		return err
	})
	return all, err
}

// Events lists scheduled events of a user (or, with user empty, of the
// organisation) starting at or after from.
func (c *Client) Events(ctx context.Context, token, organization, user string, from time.Time, status string) ([]Event, error) {
	q := url.Values{"min_start_time": {from.UTC().Format(time.RFC3339)}, "count": {"100"}, "sort": {"start_time:asc"}}
	if user != "" {
		q.Set("user", user)
	} else {
		q.Set("organization", organization)
	}
	if status != "" {
		q.Set("status", status)
	}
	var all []Event
	err := c.pages(ctx, token, "/scheduled_events?"+q.Encode(), func(raw json.RawMessage) error {
		var page []Event
		err := json.Unmarshal(raw, &page)
		all = append(all, page...)
		return err
	})
	return all, err
}

// Invitees lists an event's invitees with the given status ("" for all).
func (c *Client) Invitees(ctx context.Context, token, eventURI, status string) ([]Invitee, error) {
	q := url.Values{"count": {"100"}}
	if status != "" {
		q.Set("status", status)
	}
	var all []Invitee
	err := c.pages(ctx, token, strings.TrimRight(eventURI, "/")+"/invitees?"+q.Encode(), func(raw json.RawMessage) error {
		var page []Invitee
		err := json.Unmarshal(raw, &page)
		all = append(all, page...)
		return err
	})
	return all, err
}

package hubspot

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/gohavi/gohavi/internal/crm"
)

// errorBody covers HubSpot's error shapes: the general one (§1.2.5), the
// 429 one (§1.6) and the OAuth one ({"status":"BAD_REFRESH_TOKEN",…}).
type errorBody struct {
	Status     string              `json:"status"`
	Message    string              `json:"message"`
	Category   string              `json:"category"`
	ErrorType  string              `json:"errorType"`
	PolicyName string              `json:"policyName"`
	Context    map[string][]string `json:"context"`
	Errors     []struct {
		Message string `json:"message"`
		Code    string `json:"code"`
	} `json:"errors"`
}

func (b *errorBody) code() string {
	switch {
	case b.Category != "":
		return b.Category
	case b.ErrorType != "":
		return b.ErrorType
	case b.Status != "" && b.Status != "error":
		return b.Status
	}
	return ""
}

var existingID = regexp.MustCompile(`Existing ID: ?(\d+)`)

// classify turns a non-2xx answer into a *crm.Error by what the engine
// should do about it (the table in §1.2.5).
func (c *Client) classify(status int, hdr http.Header, raw []byte) *crm.Error {
	var b errorBody
	if json.Unmarshal(raw, &b) != nil || b.Message == "" {
		b.Message = strings.TrimSpace(string(raw))
		if len(b.Message) > 300 || strings.HasPrefix(b.Message, "<") {
			b.Message = http.StatusText(status)
		}
	}
	e := &crm.Error{Status: status, Code: b.code(), Message: b.Message, RetryAfter: retryAfter(hdr)}
	switch {
	case status == http.StatusTooManyRequests:
		e.Kind = crm.KindRateLimit
		if e.Code == "" {
			e.Code = "RATE_LIMIT"
		}
		if e.RetryAfter == 0 {
			e.RetryAfter = c.policyWait(b.PolicyName)
		}
	case status == http.StatusUnauthorized:
		e.Kind = crm.KindAuth
	case status == http.StatusForbidden:
		e.Kind = crm.KindForbidden
	case status == http.StatusNotFound:
		e.Kind = crm.KindNotFound
	case status == http.StatusConflict:
		e.Kind = crm.KindConflict
		if m := existingID.FindStringSubmatch(b.Message); m != nil {
			e.ExistingID = m[1]
		}
	case status == http.StatusLocked:
		// HubSpot asks for at least 2 s before writing the record again.
		e.Kind = crm.KindTransient
		e.RetryAfter = max(e.RetryAfter, 2*time.Second)
	case status == 477 || status >= 500 || status == http.StatusRequestTimeout:
		e.Kind = crm.KindTransient
	default:
		e.Kind = crm.KindInvalid
	}
	return e
}

// policyWait is how long a 429 without Retry-After asks to wait: the
// rolling window slides within 10 s, search's within 1 s, and the daily
// quota comes back at the portal's midnight (an hour when the portal's
// time zone is not known yet, to look again rather than guess).
func (c *Client) policyWait(policy string) time.Duration {
	switch policy {
	case "DAILY":
		if loc := c.tz.Load(); loc != nil {
			now := time.Now().In(loc)
			return time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc).Sub(now)
		}
		return time.Hour
	case "SECONDLY":
		return time.Second
	}
	return 10 * time.Second
}

// retryAfter reads Retry-After in seconds or as an HTTP date.
func retryAfter(h http.Header) time.Duration {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(time.Until(t), 0)
	}
	return 0
}

// batchError is one entry of a 207's errors.
type batchError struct {
	Status   string              `json:"status"`
	Category string              `json:"category"`
	Message  string              `json:"message"`
	Context  map[string][]string `json:"context"`
}

// classifyItem turns a 207 entry into a *crm.Error. Its category stands in
// for the status HubSpot did not give; an unknown one is retried.
func classifyItem(be batchError) *crm.Error {
	e := &crm.Error{Status: http.StatusMultiStatus, Code: be.Category, Message: be.Message}
	switch be.Category {
	case "VALIDATION_ERROR", "INVALID_EMAIL", "PROPERTY_DOESNT_EXIST":
		e.Kind = crm.KindInvalid
	case "CONFLICT", "OBJECT_ALREADY_EXISTS":
		e.Kind = crm.KindConflict
		if m := existingID.FindStringSubmatch(be.Message); m != nil {
			e.ExistingID = m[1]
		}
	case "OBJECT_NOT_FOUND":
		e.Kind = crm.KindNotFound
	case "MISSING_SCOPES":
		e.Kind = crm.KindForbidden
	case "RATE_LIMIT", "RATE_LIMITS":
		e.Kind = crm.KindRateLimit
		e.RetryAfter = 10 * time.Second
	default:
		e.Kind = crm.KindTransient
	}
	return e
}

package whatsapp

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"syscall"
)

// GraphError is a non-2xx answer from the Graph API. Branch on Code (and
// Details), never on Message or HTTPStatus: Meta documents codes, and sends
// the same code with different statuses (190 arrives as 400 or 401).
type GraphError struct {
	HTTPStatus  int
	Code        int
	Subcode     int // error_subcode: often 0 on sends, 2388xxx on template create errors
	Type        string
	Message     string // "(#131047) Re-engagement message", or the body text when not JSON
	Title       string // error_user_title, else Message without its "(#code)" prefix
	Details     string // error_data.details, else error_user_msg
	UserTitle   string // error_user_title as sent (template create errors carry it), else ""
	UserMessage string // error_user_msg as sent, else ""
	FBTraceID   string
	IsTransient bool // Graph's own is_transient hint, when present

	enveloped bool // the body was a Graph error envelope
}

// FromMeta reports whether the answer was a Graph error envelope. When false
// (an HTML page from a proxy, an empty 502), Code is 0 and means nothing.
func (e *GraphError) FromMeta() bool { return e.enveloped }

func (e *GraphError) Error() string {
	var b strings.Builder
	if e.enveloped {
		fmt.Fprintf(&b, "whatsapp: graph error %d (HTTP %d)", e.Code, e.HTTPStatus)
	} else {
		fmt.Fprintf(&b, "whatsapp: HTTP %d from Graph API", e.HTTPStatus)
	}
	if e.Message != "" {
		b.WriteString(": " + e.Message)
	}
	if e.Details != "" && e.Details != e.Message {
		b.WriteString(": " + e.Details)
	}
	if e.FBTraceID != "" {
		b.WriteString(" (fbtrace_id " + e.FBTraceID + ")")
	}
	return b.String()
}

// transientCodes clear up on their own; retrying later (with backoff) helps.
var transientCodes = map[int]bool{
	2: true, 4: true, 80007: true, 130429: true, 131000: true, 131016: true,
	131056: true, 131057: true, 133004: true, 2494100: true,
}

// permanentCodes fail again on retry until a person changes something,
// even where Meta answers them with a 5xx.
var permanentCodes = map[int]bool{
	0: true, 1: true, 3: true, 10: true, 33: true, 100: true, 190: true, 368: true,
	130472: true, 130497: true, 131005: true, 131008: true, 131009: true, 131021: true,
	131026: true, 131030: true, 131031: true, 131037: true, 131042: true, 131045: true,
	131047: true, 131048: true, 131049: true, 131050: true, 131051: true, 131052: true,
	131053: true, 131055: true, 133000: true, 133005: true, 133006: true, 133010: true,
	133015: true, 133016: true, 134011: true, 135000: true, 137000: true,
}

// Transient reports whether the same request may succeed if retried later.
// Meta's code decides first; the HTTP status only breaks ties.
func (e *GraphError) Transient() bool {
	if e.enveloped {
		switch {
		case transientCodes[e.Code]:
			return true
		case permanentCodes[e.Code], e.Code >= 200 && e.Code <= 299, e.Code/1000 == 132:
			return false
		case e.IsTransient:
			return true
		}
	}
	return e.HTTPStatus >= 500 || e.HTTPStatus == http.StatusTooManyRequests
}

// Explain returns a title and a remedy for a business user.
func (e *GraphError) Explain() (title, remedy string) {
	if !e.enveloped {
		if e.HTTPStatus >= 500 {
			return fmt.Sprintf("WhatsApp is not answering (HTTP %d)", e.HTTPStatus), "This is usually temporary. Try again in a few minutes."
		}
		return fmt.Sprintf("Unexpected answer from WhatsApp (HTTP %d)", e.HTTPStatus), "Check the base URL and API version of the connection; if they are right, contact support."
	}
	return Describe(e.Code)
}

type graphEnvelope struct {
	Error *struct {
		Message     string          `json:"message"`
		Type        string          `json:"type"`
		Code        flexInt         `json:"code"`
		Subcode     flexInt         `json:"error_subcode"`
		UserTitle   string          `json:"error_user_title"`
		UserMsg     string          `json:"error_user_msg"`
		IsTransient bool            `json:"is_transient"`
		FBTraceID   string          `json:"fbtrace_id"`
		ErrorData   json.RawMessage `json:"error_data"`
	} `json:"error"`
}

// maxErrorText bounds the body text kept from a non-JSON error page.
const maxErrorText = 512

func parseGraphError(status int, body []byte) *GraphError {
	ge := &GraphError{HTTPStatus: status}
	var env graphEnvelope
	if tolerate(json.Unmarshal(body, &env)) != nil || env.Error == nil {
		text := strings.TrimSpace(strings.ToValidUTF8(string(body), ""))
		if len(text) > maxErrorText {
			text = strings.ToValidUTF8(text[:maxErrorText], "") + "…"
		}
		if text == "" {
			text = http.StatusText(status)
		}
		ge.Message = text
		return ge
	}
	g := env.Error
	ge.enveloped = true
	ge.Code, ge.Subcode = int(g.Code), int(g.Subcode)
	ge.Type, ge.Message, ge.FBTraceID, ge.IsTransient = g.Type, g.Message, g.FBTraceID, g.IsTransient
	ge.Title, ge.UserTitle, ge.UserMessage = g.UserTitle, g.UserTitle, g.UserMsg
	if ge.Title == "" {
		ge.Title = stripCodePrefix(g.Message)
	}
	ge.Details = errorDetails(g.ErrorData)
	if ge.Details == "" {
		ge.Details = g.UserMsg
	}
	return ge
}

// errorDetails reads error_data, which Graph sends as an object and, on some
// older endpoints, as a string holding JSON or plain text.
func errorDetails(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = json.RawMessage(s)
	}
	var d struct {
		Details string `json:"details"`
	}
	if json.Unmarshal(raw, &d) == nil {
		return d.Details
	}
	return s
}

func stripCodePrefix(msg string) string {
	if strings.HasPrefix(msg, "(#") {
		if i := strings.Index(msg, ") "); i > 0 {
			return msg[i+2:]
		}
	}
	return msg
}

// CallError is a call that got no usable answer from Graph: a transport
// failure, or a 2xx body we could not read or understand.
type CallError struct {
	Method string
	Path   string // no host, no query, never a token
	Sent   bool   // the request was fully written, so Meta may have acted on it
	Err    error
}

func (e *CallError) Error() string {
	s := fmt.Sprintf("whatsapp: %s %s: %v", e.Method, e.Path, e.Err)
	if e.Sent {
		s += " (request was sent; outcome unknown)"
	}
	return s
}

func (e *CallError) Unwrap() error { return e.Err }

// IsAmbiguous reports whether err leaves it unknown if Meta acted on the
// request: a timeout or reset after the request was written, an unreadable
// 2xx, or a gateway 502/504 without a Graph body. An ambiguous send must be
// reconciled (status webhooks carry biz_opaque_callback_data), not resent
// blindly. Dial, DNS and refused connections are not ambiguous.
func IsAmbiguous(err error) bool {
	if err == nil {
		return false
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return ce.Sent
	}
	var ge *GraphError
	if errors.As(err, &ge) {
		return !ge.enveloped && (ge.HTTPStatus == http.StatusBadGateway || ge.HTTPStatus == http.StatusGatewayTimeout)
	}
	// An error not made by Client: judge by its kind alone.
	if notSent(err) {
		return false
	}
	var ne net.Error
	return (errors.As(err, &ne) && ne.Timeout()) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, io.EOF)
}

// notSent recognises failures that happen before a request leaves the host.
func notSent(err error) bool {
	var dns *net.DNSError
	var op *net.OpError
	return errors.As(err, &dns) || (errors.As(err, &op) && op.Op == "dial") ||
		errors.Is(err, syscall.ECONNREFUSED)
}

// IsRetryable reports whether retrying err is both useful and free of the
// risk of a duplicate: a transient Graph error, or a call that never left.
// Ambiguous errors are not retryable; neither is the caller's cancellation.
func IsRetryable(err error) bool {
	var ge *GraphError
	if errors.As(err, &ge) {
		return ge.Transient() && !IsAmbiguous(ge)
	}
	var ce *CallError
	if errors.As(err, &ce) {
		return !ce.Sent && !errors.Is(err, context.Canceled)
	}
	return false
}

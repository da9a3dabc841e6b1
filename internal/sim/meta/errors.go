package meta

import (
	"fmt"
	"net/http"
)

// graphError is a synchronous Graph API error (§4.1). The same code and
// title also feed asynchronous status errors (AsyncError).
type graphError struct {
	HTTP     int
	Code     int
	Subcode  int
	Title    string
	Details  string
	Message  string // overrides "(#code) title" where Graph uses its own wording
	TypeName string // overrides "OAuthException"

	UserTitle string // error_user_title (template management errors)
	UserMsg   string // error_user_msg
}

// codeInfo is Meta's title and HTTP status per code (§4.2). Unknown codes
// get a generic title and 400, which is what Meta's table implies.
var codeInfo = map[int]struct {
	title string
	http  int
}{
	0:      {"AuthException", 401},
	1:      {"API Unknown", 400},
	2:      {"API Service", 503},
	3:      {"API Method", 500},
	4:      {"API Too Many Calls", 400},
	10:     {"Permission Denied", 403},
	100:    {"Invalid parameter", 400},
	190:    {"Invalid OAuth access token", 401},
	200:    {"Permissions error", 403},
	368:    {"Temporarily blocked for policies violations", 403},
	2200:   {"Callback verification failed", 400},
	80007:  {"Rate limit issues", 400},
	130429: {"Rate limit hit", 400},
	130472: {"User's number is part of an experiment", 400},
	130497: {"Business account is restricted from messaging users in this country", 403},
	131000: {"Something went wrong", 500},
	131005: {"Access denied", 403},
	131008: {"Required parameter is missing", 400},
	131009: {"Parameter value is not valid", 400},
	131016: {"Service unavailable", 500},
	131021: {"Recipient cannot be sender", 400},
	131026: {"Message undeliverable", 400},
	131030: {"Recipient phone number not in allowed list", 400},
	131031: {"Account has been locked", 403},
	131042: {"Business eligibility payment issue", 400},
	131047: {"Re-engagement message", 400},
	131048: {"Spam rate limit hit", 400},
	131049: {"This message was not delivered to maintain healthy ecosystem engagement.", 400},
	131050: {"Unable to deliver the message. This recipient has chosen to stop receiving marketing messages on WhatsApp from your business.", 400},
	131051: {"Message type unknown", 400},
	131052: {"Media download error", 400},
	131053: {"Media upload error", 400},
	131056: {"(Business Account, Consumer Account) pair rate limit hit", 400},
	131057: {"Account in maintenance mode", 500},
	132000: {"Number of parameters does not match the expected number of params", 400},
	132001: {"Template name does not exist in the translation", 404},
	132012: {"Parameter format does not match format in the created template", 400},
	132015: {"Template is Paused", 400},
	132016: {"Template is Disabled", 400},
	133005: {"Two step verification PIN Mismatch", 400},
	133010: {"Phone number Not Registered", 400},
	133016: {"Account register deregister rate limit exceeded", 400},
	137000: {"Identity key hash mismatch", 400},
}

// errorDetails is the error_data.details Meta sends for the codes whose
// wording product code (and people) look for.
var errorDetails = map[int]string{
	130429: "Cloud API message throughput has been reached.",
	131026: "Message Undeliverable.",
	131047: "Message failed to send because more than 24 hours have passed since the customer last replied to this number.",
	131049: "In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
	131056: "Message failed to send because there were too many messages sent from this phone number to the same phone number in a short period of time.",
	131057: "Business Account is in maintenance mode.",
	133005: "Two-step verification PIN incorrect.",
	133010: "Phone number not registered on the WhatsApp Business Platform.",
	133016: "Registration or Deregistration failed because there were too many attempts for this phone number in a short period of time.",
}

func newGraphError(code int, details string) *graphError {
	info, ok := codeInfo[code]
	if !ok {
		info.title, info.http = "Simulated error", 400
	}
	if details == "" {
		details = errorDetails[code]
	}
	return &graphError{HTTP: info.http, Code: code, Title: info.title, Details: details}
}

func errMissing(path string) *graphError {
	return newGraphError(131008, fmt.Sprintf("The parameter %s is required.", path))
}

func errInvalid(path, why string) *graphError {
	return newGraphError(131009, fmt.Sprintf("Param %s is invalid: %s", path, why))
}

func errBadRequest(details string) *graphError { return newGraphError(100, details) }

func errUnknownField(f string) *graphError {
	e := newGraphError(100, "")
	e.Message = fmt.Sprintf("(#100) Tried accessing nonexisting field (%s) on node type (WhatsAppBusinessPhoneNumber)", f)
	return e
}

func errUnsupported(method, id string) *graphError {
	e := newGraphError(100, "")
	e.Subcode = 33
	e.TypeName = "GraphMethodException"
	if id == "" {
		e.Message = fmt.Sprintf("Unsupported %s request.", method)
	} else {
		e.Message = fmt.Sprintf("Unsupported %s request. Object with ID '%s' does not exist, cannot be loaded due to missing permissions, or does not support this operation. Please read the Graph API documentation at https://developers.facebook.com/docs/graph-api", method, id)
	}
	return e
}

func errToken(expired bool) *graphError {
	e := newGraphError(190, "")
	if expired {
		e.Subcode = 463
		e.Message = "Error validating access token: Session has expired."
	} else {
		e.Subcode = 467
		e.Message = "Invalid OAuth access token - Cannot parse access token"
	}
	return e
}

func errPermission(phoneID string) *graphError {
	return newGraphError(200, "The access token does not have permission to access phone number "+phoneID+".")
}

func (e *graphError) body() map[string]any {
	msg := e.Message
	if msg == "" {
		msg = fmt.Sprintf("(#%d) %s", e.Code, e.Title)
	}
	typ := e.TypeName
	if typ == "" {
		typ = "OAuthException"
	}
	inner := map[string]any{
		"message":    msg,
		"type":       typ,
		"code":       e.Code,
		"fbtrace_id": newTraceID(),
	}
	if e.Details != "" {
		inner["error_data"] = map[string]string{"messaging_product": "whatsapp", "details": e.Details}
	}
	if e.Subcode != 0 {
		inner["error_subcode"] = e.Subcode
	}
	if e.UserTitle != "" {
		inner["is_transient"] = false
		inner["error_user_title"] = e.UserTitle
		inner["error_user_msg"] = e.UserMsg
	}
	return map[string]any{"error": inner}
}

// AsyncError is an error as carried in webhooks (statuses[].errors,
// messages[].errors): no type, no fbtrace_id, plus an href (§4.1).
type AsyncError struct {
	Code      int            `json:"code"`
	Title     string         `json:"title"`
	Message   string         `json:"message"`
	ErrorData AsyncErrorData `json:"error_data"`
	Href      string         `json:"href,omitempty"`
}

// AsyncErrorData holds the human-readable cause.
type AsyncErrorData struct {
	Details string `json:"details"`
}

const errorHref = "/documentation/business-messaging/whatsapp/support/error-codes"

func asyncError(code int, details string) AsyncError {
	e := newGraphError(code, details)
	return AsyncError{Code: code, Title: e.Title, Message: e.Title, ErrorData: AsyncErrorData{Details: e.Details}, Href: errorHref}
}

func writeGraphError(w http.ResponseWriter, e *graphError) {
	writeGraphJSON(w, e.HTTP, e.body())
}

// writeGraphJSON answers like graph.facebook.com: non-ASCII escaped.
func writeGraphJSON(w http.ResponseWriter, status int, v any) {
	b, err := marshalASCII(v)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

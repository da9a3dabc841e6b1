package domain

import (
	"errors"
	"fmt"
)

// Code is a stable, machine-readable error code. Clients branch on it, so a
// code never changes meaning once released.
type Code string

// Error codes shared by the API, the CLI and the jobs.
const (
	CodeInvalidArgument Code = "invalid_argument"
	CodeNotFound        Code = "not_found"
	CodeConflict        Code = "conflict"
	CodeUnauthenticated Code = "unauthenticated"
	CodeForbidden       Code = "forbidden"
	CodeWindowClosed    Code = "window_closed"
	CodeNotOptedIn      Code = "not_opted_in"
	CodeOptedOut        Code = "opted_out"
	CodeTemplateNotOK   Code = "template_not_approved"
	CodeTemplatePaused  Code = "template_paused"
	CodeTemplateParams  Code = "template_params"
	CodeTierExhausted   Code = "tier_exhausted"
	CodeMarketingUS     Code = "marketing_us_blocked"
	CodeQualityRed      Code = "quality_red"
	CodeNumberOff       Code = "number_disconnected"
	CodeNumberBlocked   Code = "number_blocked"
	CodeGraphError      Code = "graph_error"
	CodeMetaRejected    Code = "meta_rejected" // Meta refused; the message carries Meta's words
	CodeTooLarge        Code = "payload_too_large"
	CodeBadSignature    Code = "bad_signature"
	CodeUnavailable     Code = "unavailable"
	CodeInternal        Code = "internal"
	CodeFailureRate     Code = "failure_rate" // a broadcast stopped itself: too many sends failed
)

// Error is a domain error: a code, a message for a person, and a remedy that
// says what to do about it.
type Error struct {
	Code    Code
	Message string
	Remedy  string
	Err     error // optional cause, never shown to users
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf builds an *Error with a formatted message.
func Errorf(code Code, remedy, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...), Remedy: remedy}
}

// ErrNotFound is returned by stores when a row does not exist in the caller's
// workspace; rows of other workspaces are indistinguishable from missing ones.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found", Remedy: "Check the id; it may belong to another workspace or have been deleted."}

// ErrorCode extracts the code of err, or CodeInternal for foreign errors.
func ErrorCode(err error) Code {
	var de *Error
	if errors.As(err, &de) {
		return de.Code
	}
	return CodeInternal
}

// IsNotFound reports whether err carries CodeNotFound.
func IsNotFound(err error) bool { return err != nil && ErrorCode(err) == CodeNotFound }

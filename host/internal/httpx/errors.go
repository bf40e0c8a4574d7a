// Package httpx holds the host's HTTP edge helpers: the typed API error that
// maps to a status code and the JSON error envelope, strict JSON decoding,
// JSON responses and the request id carried in the context. It owns no routes
// and must not import other host packages.
package httpx

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/nexuspos/nexus/internal/dbfault"
)

// Error is an error that knows how it is shown to an API client. Every
// package returns these (or wraps them) for anything the client caused.
type Error struct {
	Status  int
	Code    string
	Message string
	Details map[string]any
	// Err is the underlying cause; it is logged, never shown to the client.
	Err error
	// RetryAfter, when positive, is sent as Retry-After (seconds).
	RetryAfter int
}

// Error implements error.
func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return e.Code + ": " + e.Message
}

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// WithDetails returns a copy of e carrying details.
func (e *Error) WithDetails(details map[string]any) *Error {
	c := *e
	c.Details = details
	return &c
}

// NewError returns an Error with the given status, code and message.
func NewError(status int, code, message string) *Error {
	return &Error{Status: status, Code: code, Message: message}
}

// BadRequest is a 400 with the given code.
func BadRequest(code, message string) *Error { return NewError(http.StatusBadRequest, code, message) }

// Unauthorized is a 401.
func Unauthorized(message string) *Error {
	return NewError(http.StatusUnauthorized, "unauthorized", message)
}

// Forbidden is a 403 with the given code.
func Forbidden(code, message string) *Error { return NewError(http.StatusForbidden, code, message) }

// NotFound is a 404 with the given code.
func NotFound(code, message string) *Error { return NewError(http.StatusNotFound, code, message) }

// Conflict is a 409 with the given code.
func Conflict(code, message string) *Error { return NewError(http.StatusConflict, code, message) }

// Unprocessable is a 422 with the given code.
func Unprocessable(code, message string) *Error {
	return NewError(http.StatusUnprocessableEntity, code, message)
}

// Unavailable is a 503 with the given code.
func Unavailable(code, message string) *Error {
	return NewError(http.StatusServiceUnavailable, code, message)
}

// Internal wraps an unexpected error as a 500 whose message reveals nothing.
func Internal(err error) *Error {
	return &Error{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error", Err: err}
}

// RetryAfter is the Retry-After, in seconds, of the host's 503s (a
// vertical or the database unavailable).
const RetryAfter = 1

// AsError returns err as an *Error. A database that cannot be reached
// (dbfault.Unavailable), even under an Internal error, is a 503
// database_unavailable with Retry-After; anything else unknown is Internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Status != http.StatusInternalServerError {
		return e
	}
	if dbfault.Unavailable(err) {
		return &Error{Status: http.StatusServiceUnavailable, Code: "database_unavailable",
			Message: "the database is unavailable right now; retry later", Err: err, RetryAfter: RetryAfter}
	}
	if e != nil {
		return e
	}
	return Internal(err)
}

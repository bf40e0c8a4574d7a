// Package httpx holds the host's HTTP edge helpers: the typed API error whose
// kind (sdk/kind) maps, here and only here, to a status code and the JSON
// error envelope, strict JSON decoding,
// JSON responses, the request id carried in the context and the observed
// response (status, bytes, route) the host's middlewares share. It owns no
// routes and must not import other host packages.
package httpx

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"

	"github.com/nexuspos/nexus/internal/dbfault"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Error is an error that knows how it is shown to an API client: its kind
// gives the status (Status), its code and message the envelope. Every
// package returns these (or wraps them) for anything the client caused.
type Error struct {
	Kind    kind.Kind
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

// Status returns the HTTP status of e's kind.
func (e *Error) Status() int { return e.Kind.Status() }

// Unwrap returns the underlying cause.
func (e *Error) Unwrap() error { return e.Err }

// WithDetails returns a copy of e carrying details.
func (e *Error) WithDetails(details map[string]any) *Error {
	c := *e
	c.Details = details
	return &c
}

// NewError returns an Error of kind k with the given code and message.
func NewError(k kind.Kind, code, message string) *Error {
	return &Error{Kind: k, Code: code, Message: message}
}

// BadRequest is an Invalid error (400) with the given code.
func BadRequest(code, message string) *Error { return NewError(kind.Invalid, code, message) }

// Unauthorized is an Unauthenticated error (401) with the code
// "unauthorized".
func Unauthorized(message string) *Error {
	return NewError(kind.Unauthenticated, "unauthorized", message)
}

// Forbidden is a Forbidden error (403) with the given code.
func Forbidden(code, message string) *Error { return NewError(kind.Forbidden, code, message) }

// NotFound is a NotFound error (404) with the given code.
func NotFound(code, message string) *Error { return NewError(kind.NotFound, code, message) }

// Conflict is a Conflict error (409) with the given code.
func Conflict(code, message string) *Error { return NewError(kind.Conflict, code, message) }

// Unprocessable is an Unprocessable error (422) with the given code.
func Unprocessable(code, message string) *Error {
	return NewError(kind.Unprocessable, code, message)
}

// Unavailable is an Unavailable error (503) with the given code.
func Unavailable(code, message string) *Error {
	return NewError(kind.Unavailable, code, message)
}

// BodyTooLarge is the 413 body_too_large of a request body over limit
// bytes, naming the limit.
func BodyTooLarge(limit int64) *Error {
	return NewError(kind.TooLarge, "body_too_large", fmt.Sprintf("the request body may have at most %d bytes", limit)).
		WithDetails(map[string]any{"max_bytes": limit})
}

// ReadError is the answer to a failed read of a request body: one over
// the limit of its http.MaxBytesReader is BodyTooLarge, anything else a
// 400 unreadable_body.
func ReadError(err error) *Error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return BodyTooLarge(mbe.Limit)
	}
	return BadRequest("unreadable_body", "the request body could not be read")
}

// InvalidQuery is a 400 invalid_query about the query parameter field.
func InvalidQuery(field, message string) *Error {
	return BadRequest("invalid_query", message).WithDetails(map[string]any{"field": field})
}

// KnownQuery refuses a query parameter of r that is not in known: 400
// invalid_query naming it and listing the known ones. Every list endpoint
// checks its parameters here, so a misspelt filter is never ignored.
func KnownQuery(r *http.Request, known []string) error {
	for name := range r.URL.Query() {
		if !slices.Contains(known, name) {
			return InvalidQuery(name, fmt.Sprintf("unknown query parameter %q (known: %s)", name, strings.Join(known, ", ")))
		}
	}
	return nil
}

// Internal wraps an unexpected error as an Internal error (500) whose
// message reveals nothing.
func Internal(err error) *Error {
	return &Error{Kind: kind.Internal, Code: "internal", Message: "internal error", Err: err}
}

// ClientClosed is the Canceled error (499) of a request whose client went
// away before its answer, caused by err: nobody reads it but the log.
func ClientClosed(err error) *Error {
	return &Error{Kind: kind.Canceled, Code: "client_closed_request", Message: "the client closed the request", Err: err}
}

// RetryAfter is the Retry-After, in seconds, of the host's 503s (a
// vertical or the database unavailable).
const RetryAfter = 1

// AsError returns err as an *Error. A *money.Error or *taxid.Error of the
// SDK is the 422 every vertical answers for it (sdk.ValidationError: the
// one mapping, naming the field). A database that cannot be reached
// (dbfault.Unavailable), even under an Internal error, is a 503
// database_unavailable with Retry-After; anything else unknown is Internal.
func AsError(err error) *Error {
	var e *Error
	if errors.As(err, &e) && e.Kind != kind.Internal {
		return e
	}
	if v, ok := sdk.ValidationError(err); ok {
		return &Error{Kind: v.Kind, Code: v.Code, Message: v.Message, Details: v.Details, Err: err}
	}
	if dbfault.Unavailable(err) {
		return &Error{Kind: kind.Unavailable, Code: "database_unavailable",
			Message: "the database is unavailable right now; retry later", Err: err, RetryAfter: RetryAfter}
	}
	if e != nil {
		return e
	}
	return Internal(err)
}

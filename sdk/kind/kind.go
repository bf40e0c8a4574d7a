// Package kind is the one set of error kinds shared by the host, its data
// access layer, the wire between host and plugins, and the SDK. A kind
// says what the caller can do about a failure; the envelope's code says
// exactly what went wrong. Each edge (the host's envelope writer, the SDK's
// route answer) maps a kind to its HTTP status with Status, and nowhere
// else is a status chosen for an error.
//
// The set is append-only: a kind is never renamed, removed or given
// another status, so an older peer reading a newer kind falls back to the
// gRPC code it travels with. The package holds names only; it must not
// import anything.
//
//	kind                    status  meaning
//	invalid                 400     the request is malformed (syntax, unknown field, bad id or cursor)
//	unauthenticated         401     no valid credentials
//	forbidden               403     the caller, or the vertical acting for it, may not do this
//	not_found               404     what the request names does not exist (for this company)
//	method_not_allowed      405     the path exists, the method does not
//	conflict                409     the current state refuses it (duplicate, stale version, retry)
//	gone                    410     it existed and is no longer usable
//	too_large               413     the body or a part of it is too big
//	unsupported_media_type  415     the body's content type is not accepted
//	unprocessable           422     well-formed, but a value breaks a business rule
//	rate_limited            429     too many requests; retry later
//	canceled                499     the client went away before the answer
//	internal                500     the platform failed; nothing about it is shown
//	bad_gateway             502     a vertical answered something the host cannot send
//	unavailable             503     a dependency is down; retry later
//	timeout                 504     an operation ran out of time
package kind

import "net/http"

// Kind is the category of an error, in snake_case.
type Kind string

// The kinds, with the HTTP status each answers.
const (
	// Invalid is a malformed request: 400.
	Invalid Kind = "invalid"
	// Unauthenticated is a request without valid credentials: 401.
	Unauthenticated Kind = "unauthenticated"
	// Forbidden is an action the caller — or the vertical acting for
	// it, reaching past its own tables or a managed status — may not
	// take: 403.
	Forbidden Kind = "forbidden"
	// NotFound is something the request names that does not exist: 404.
	NotFound Kind = "not_found"
	// MethodNotAllowed is a method the path does not serve: 405.
	MethodNotAllowed Kind = "method_not_allowed"
	// Conflict is a request the current state refuses: 409.
	Conflict Kind = "conflict"
	// Gone is something that existed and no longer can be used: 410.
	Gone Kind = "gone"
	// TooLarge is a body, or a part of one, over its limit: 413.
	TooLarge Kind = "too_large"
	// UnsupportedMediaType is a body of a type not accepted: 415.
	UnsupportedMediaType Kind = "unsupported_media_type"
	// Unprocessable is a well-formed request breaking a rule (a
	// validation of the money or tax id packages, a constraint): 422.
	Unprocessable Kind = "unprocessable"
	// RateLimited is a request over a rate limit: 429.
	RateLimited Kind = "rate_limited"
	// Canceled is a request its client abandoned: 499 (nginx's "client
	// closed request"; nobody reads it but the log).
	Canceled Kind = "canceled"
	// Internal is a failure of the platform: 500, with nothing shown.
	Internal Kind = "internal"
	// BadGateway is a vertical's answer the host cannot send: 502.
	BadGateway Kind = "bad_gateway"
	// Unavailable is a dependency that is down: 503.
	Unavailable Kind = "unavailable"
	// Timeout is an operation that ran out of time, a statement timeout
	// included: 504.
	Timeout Kind = "timeout"
)

// statuses maps each kind to its HTTP status: the one table.
var statuses = map[Kind]int{
	Invalid:              http.StatusBadRequest,
	Unauthenticated:      http.StatusUnauthorized,
	Forbidden:            http.StatusForbidden,
	NotFound:             http.StatusNotFound,
	MethodNotAllowed:     http.StatusMethodNotAllowed,
	Conflict:             http.StatusConflict,
	Gone:                 http.StatusGone,
	TooLarge:             http.StatusRequestEntityTooLarge,
	UnsupportedMediaType: http.StatusUnsupportedMediaType,
	Unprocessable:        http.StatusUnprocessableEntity,
	RateLimited:          http.StatusTooManyRequests,
	Canceled:             499,
	Internal:             http.StatusInternalServerError,
	BadGateway:           http.StatusBadGateway,
	Unavailable:          http.StatusServiceUnavailable,
	Timeout:              http.StatusGatewayTimeout,
}

// All returns every kind, in the order of the package's table.
func All() []Kind {
	return []Kind{Invalid, Unauthenticated, Forbidden, NotFound, MethodNotAllowed, Conflict, Gone,
		TooLarge, UnsupportedMediaType, Unprocessable, RateLimited, Canceled, Internal, BadGateway,
		Unavailable, Timeout}
}

// Known reports whether k is one of the kinds this build knows.
func (k Kind) Known() bool {
	_, ok := statuses[k]
	return ok
}

// Status returns the HTTP status k answers; an unknown kind is a 500.
func (k Kind) Status() int {
	if s, ok := statuses[k]; ok {
		return s
	}
	return http.StatusInternalServerError
}

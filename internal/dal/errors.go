package dal

import (
	"context"
	"errors"
	"fmt"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/internal/dbfault"
	"github.com/nexuspos/nexus/internal/wire"
	"github.com/nexuspos/nexus/sdk/kind"
)

// Error is a failure the caller can act on: its kind (which the SDK maps
// to an HTTP status), a snake_case reason (the JSON envelope's code), a
// human message and optional details.
type Error struct {
	Kind    kind.Kind
	Reason  string
	Message string
	// Details may reach an API client: they name what the request itself
	// carried (row ids, versions, states, limits), never the schema.
	Details map[string]any
	// Internal names the failure in the vertical's own schema (see
	// internalDetails): for the vertical's code and its logs, never for an
	// API client's envelope.
	Internal map[string]any

	cause error
}

// internalDetails are the detail keys that name internals — tables,
// columns, constraints, named queries, operation indexes and kinds,
// filter operators and aggregate names. with files them under
// Error.Internal, so no envelope can carry them.
var internalDetails = map[string]bool{
	"table": true, "column": true, "constraint": true, "query": true,
	"op": true, "kind": true, "as": true, "fn": true,
}

// Error returns the message prefixed with the reason.
func (e *Error) Error() string {
	if e.cause != nil && e.Kind == kind.Internal {
		return fmt.Sprintf("%s: %s: %v", e.Reason, e.Message, e.cause)
	}
	return e.Reason + ": " + e.Message
}

// Unwrap returns the underlying error (a PostgreSQL or context error), if
// any.
func (e *Error) Unwrap() error { return e.cause }

// Reasons of the errors the DAL returns, beyond those mapped from
// PostgreSQL.
const (
	ReasonInvalidArgument = "invalid_argument"
	ReasonInvalidJSON     = "invalid_json"
	ReasonInvalidID       = "invalid_id"
	ReasonInvalidValue    = "invalid_value"
	ReasonInvalidCursor   = "invalid_cursor"
	ReasonInvalidFilter   = "invalid_filter"
	ReasonInvalidLimit    = "invalid_limit"
	ReasonUnknownKind     = "unknown_kind"
	ReasonUnknownTable    = "unknown_table"
	ReasonUnknownColumn   = "unknown_column"
	ReasonUnknownQuery    = "unknown_query"
	ReasonReadOnlyColumn  = "read_only_column"
	// ReasonStatusManaged: an update names a state-machine column, which
	// only a transition changes; like a named query or insert writing it
	// (ReasonPermissionDenied), a 403.
	ReasonStatusManaged     = "status_managed"
	ReasonNoStateMachine    = "no_state_machine"
	ReasonNotFound          = "not_found"
	ReasonVersionConflict   = "version_conflict"
	ReasonInvalidTransition = "invalid_transition"
	ReasonInsufficientRole  = "insufficient_role"
	ReasonDuplicate         = "duplicate"
	ReasonReferenceNotFound = "reference_not_found"
	ReasonConstraint        = "constraint_violation"
	ReasonConflictRetry     = "conflict_retry"
	ReasonLockTimeout       = "lock_timeout"
	ReasonPermissionDenied  = "permission_denied"
	ReasonCanceled          = "canceled"
	ReasonTimeout           = "timeout"
	ReasonTransactionFailed = "transaction_failed"
	ReasonTransactionEnded  = "transaction_finished"
	ReasonInternal          = "internal"
	// ReasonDatabaseUnavailable: PostgreSQL cannot be reached
	// (dbfault.Unavailable); the HTTP answer is 503 with Retry-After.
	ReasonDatabaseUnavailable = "database_unavailable"
)

// newError builds an Error with a formatted message.
func newError(k kind.Kind, reason, format string, args ...any) *Error {
	return &Error{Kind: k, Reason: reason, Message: fmt.Sprintf(format, args...)}
}

// invalid builds an Invalid Error.
func invalid(reason, format string, args ...any) *Error {
	return newError(kind.Invalid, reason, format, args...)
}

// with returns e with one more detail, filed under Internal when key names
// an internal (internalDetails).
func (e *Error) with(key string, value any) *Error {
	dst := &e.Details
	if internalDetails[key] {
		dst = &e.Internal
	}
	if *dst == nil {
		*dst = map[string]any{}
	}
	(*dst)[key] = value
	return e
}

// AsError returns err as an *Error: itself when it already is one (or
// wraps one), a mapped error for PostgreSQL and context errors, and an
// Internal error wrapping err otherwise. It returns nil for nil.
func AsError(err error) *Error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	if dbfault.Unavailable(err) {
		return &Error{Kind: kind.Unavailable, Reason: ReasonDatabaseUnavailable,
			Message: "the database is unavailable right now; retry later", cause: err}
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		return fromPgError(pgErr)
	}
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &Error{Kind: kind.Timeout, Reason: ReasonTimeout, Message: "the operation timed out", cause: err}
	case errors.Is(err, context.Canceled):
		return &Error{Kind: kind.Canceled, Reason: ReasonCanceled, Message: "the operation was canceled", cause: err}
	}
	return &Error{Kind: kind.Internal, Reason: ReasonInternal, Message: "internal error", cause: err}
}

// fromPgError maps a PostgreSQL error to an Error by SQLSTATE.
func fromPgError(pgErr *pgconn.PgError) *Error {
	e := &Error{cause: pgErr}
	switch code := pgErr.Code; {
	case code == "23505":
		e.Kind, e.Reason, e.Message = kind.Conflict, ReasonDuplicate, "a row with the same unique values already exists"
		e.with("constraint", pgErr.ConstraintName)
	case code == "23503":
		e.Kind, e.Reason, e.Message = kind.Unprocessable, ReasonReferenceNotFound, "a referenced row does not exist or is still referenced"
		e.with("constraint", pgErr.ConstraintName)
	case code == "23502":
		e.Kind, e.Reason = kind.Unprocessable, ReasonConstraint
		e.Message = fmt.Sprintf("column %q may not be null", pgErr.ColumnName)
		e.with("column", pgErr.ColumnName)
	case code == "23514" || code == "23P01":
		e.Kind, e.Reason = kind.Unprocessable, ReasonConstraint
		e.Message = "a value breaks a rule the data must follow"
		e.with("constraint", pgErr.ConstraintName)
	case strings.HasPrefix(code, "22"):
		e.Kind, e.Reason, e.Message = kind.Invalid, ReasonInvalidValue, pgErr.Message
		if pgErr.ColumnName != "" {
			e.with("column", pgErr.ColumnName)
		}
	case code == "40001" || code == "40P01":
		e.Kind, e.Reason, e.Message = kind.Conflict, ReasonConflictRetry, "the transaction conflicted with another one; retry it"
	case code == "55P03":
		e.Kind, e.Reason, e.Message = kind.Conflict, ReasonLockTimeout, "a row stayed locked by another transaction for too long"
	case code == "42501":
		// PostgreSQL's message names the table or function refused.
		e.Kind, e.Reason, e.Message = kind.Forbidden, ReasonPermissionDenied, "this data may not be accessed"
	case code == "57014":
		// A statement timeout, or a statement canceled with its request:
		// either way it ran out of time (504), it did not fail.
		e.Kind, e.Reason, e.Message = kind.Timeout, ReasonTimeout, "the statement was canceled or timed out"
	default:
		e.Kind, e.Reason, e.Message = kind.Internal, ReasonInternal, "internal error"
	}
	return e
}

// Status converts err to the gRPC status error it crosses the wire as
// (wire.Status): its kind, reason as the envelope code, message, details
// and Internal details, which the SDK keeps out of the envelope. Internal
// errors carry no detail of their cause. Status returns nil for nil.
func Status(err error) error {
	e := AsError(err)
	if e == nil {
		return nil
	}
	return wire.Status(wire.Error{Kind: e.Kind, Code: e.Reason, Message: e.Message, Details: e.Details, Internal: e.Internal})
}

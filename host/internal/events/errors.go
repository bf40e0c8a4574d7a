package events

import (
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/nexuspos/nexus/host/internal/httpx"
)

// SQLSTATE codes the package reacts to.
const (
	sqlStateUniqueViolation       = "23505"
	sqlStateInsufficientPrivilege = "42501"
)

// isSQLState reports whether err carries the PostgreSQL error code code.
func isSQLState(err error, code string) bool {
	var pgErr *pgconn.PgError
	return errors.As(err, &pgErr) && pgErr.Code == code
}

// ErrStopped is returned by the Service once Stop has been called, and by
// Start when called twice.
var ErrStopped = errors.New("events: service stopped")

// errNotConnected is returned by the RabbitMQ bus while it has no broker
// session.
var errNotConnected = errors.New("not connected to RabbitMQ")

func errInvalidTopic(topic string) *httpx.Error {
	return httpx.BadRequest("invalid_topic",
		fmt.Sprintf("topic %q must be <vertical>.<aggregate>.<event>: three or more dot-separated lower-case words (letters, digits, '_'), at most %d bytes", topic, MaxTopicLength)).
		WithDetails(map[string]any{"topic": topic})
}

func errInvalidEvent(field, message string) *httpx.Error {
	return httpx.BadRequest("invalid_event", message).WithDetails(map[string]any{"field": field})
}

func errDuplicateEvent(cause error) *httpx.Error {
	e := httpx.Conflict("duplicate_event", "an event with this id was already published")
	e.Err = cause
	return e
}

func errForeignCompany(cause error) *httpx.Error {
	e := httpx.Forbidden("foreign_company", "an event may only be published for the company of the transaction")
	e.Err = cause
	return e
}

func errSubscriptionNotFound(name string) *httpx.Error {
	return httpx.NotFound("subscription_not_found", fmt.Sprintf("no subscription named %q", name)).
		WithDetails(map[string]any{"subscription": name})
}

func errDeadLetterNotFound(name, id string) *httpx.Error {
	return httpx.NotFound("dead_letter_not_found", fmt.Sprintf("subscription %q has no parked event %s", name, id)).
		WithDetails(map[string]any{"subscription": name, "id": id})
}

func errInvalidID(id string) *httpx.Error {
	return httpx.BadRequest("invalid_id", fmt.Sprintf("%q is not an event id (a UUID)", id)).
		WithDetails(map[string]any{"id": id})
}

func errBusUnavailable(err error) *httpx.Error {
	e := httpx.Unavailable("bus_unavailable", "the event bus is not reachable right now; try again")
	e.Err = err
	return e
}

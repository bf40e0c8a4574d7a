package sdk

import (
	"context"
	"errors"

	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// Error is an error a handler returns to answer with the platform's JSON
// error envelope: {"error":{"code","message","details"},"request_id"}.
// Its Kind, one of the platform's error kinds (package kind, shared with
// the host), gives the HTTP status (Status); Code says exactly what went
// wrong. An *Error from a host call (Context.DB, Publish, the cache ...)
// carries the kind the host chose, so a handler may return it as it is. A
// handler may also return the money and taxid packages' errors, which
// answer 422 naming the field (ValidationError); any other error answers
// 500.
type Error struct {
	Kind    kind.Kind
	Code    string
	Message string
	// Details go to the client in the envelope: they may name the
	// request's own fields and values, never tables or other internals.
	Details map[string]any
	// Internal is what the host said about a failed call in the vertical's
	// own terms (table, column, constraint, op index, named query), for
	// the handler to act on. It is logged with the request when the handler
	// returns the error and is never written to the response.
	Internal map[string]any
}

// Error implements error.
func (e *Error) Error() string { return e.Code + ": " + e.Message }

// Unwrap lets errors.Is see a call the client canceled as
// context.Canceled and one that ran out of time as
// context.DeadlineExceeded.
func (e *Error) Unwrap() error {
	switch e.Kind {
	case kind.Canceled:
		return context.Canceled
	case kind.Timeout:
		return context.DeadlineExceeded
	}
	return nil
}

// Status returns the HTTP status of e's kind: the SDK's one mapping of an
// error to a status.
func (e *Error) Status() int { return e.Kind.Status() }

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

// BadRequest is an Invalid error (400).
func BadRequest(code, message string) *Error { return NewError(kind.Invalid, code, message) }

// Forbidden is a Forbidden error (403).
func Forbidden(code, message string) *Error { return NewError(kind.Forbidden, code, message) }

// NotFound is a NotFound error (404).
func NotFound(code, message string) *Error { return NewError(kind.NotFound, code, message) }

// Conflict is a Conflict error (409).
func Conflict(code, message string) *Error { return NewError(kind.Conflict, code, message) }

// Unprocessable is an Unprocessable error (422).
func Unprocessable(code, message string) *Error {
	return NewError(kind.Unprocessable, code, message)
}

// moneyCodes are the envelope codes of the money package's errors, by
// the sentinel each wraps.
var moneyCodes = map[error]string{
	money.ErrUnknownCurrency:    "unknown_currency",
	money.ErrUnknownCountry:     "unknown_country",
	money.ErrUnknownTaxRate:     "invalid_tax_rate",
	money.ErrInvalidTaxRate:     "invalid_tax_rate",
	money.ErrInvalidQuantity:    "invalid_quantity",
	money.ErrInvalidPrice:       "invalid_price",
	money.ErrInvalidDiscount:    "invalid_discount",
	money.ErrInvalidAmount:      "invalid_amount",
	money.ErrInvalidWeights:     "invalid_weights",
	money.ErrInsufficientTender: "insufficient_tender",
}

// ValidationError returns the Unprocessable error (422) the SDK answers
// for a *money.Error or *taxid.Error that err is or wraps: a code per
// sentinel (invalid_quantity, unknown_currency, invalid_tax_id ...) and
// details naming the field ("field", and "line" for a document line) and
// the reason; money.Limits' errors (ErrInvalidNumber) are InvalidField's
// 422 invalid_field. A handler that names the request's field otherwise (e.g.
// "lines[2].quantity") replaces "field" with WithDetails. ok is false for
// any other error.
func ValidationError(err error) (e *Error, ok bool) {
	var me *money.Error
	if errors.As(err, &me) {
		if me.Err == money.ErrInvalidNumber {
			return InvalidField(me.Field, "%s", me.Detail), true
		}
		code := moneyCodes[me.Err]
		if code == "" {
			code = "invalid_amount"
		}
		details := map[string]any{"field": me.Field, "reason": me.Detail}
		if me.Line != money.NoLine {
			details["line"] = me.Line
		}
		return Unprocessable(code, me.Error()).WithDetails(details), true
	}
	var te *taxid.Error
	if errors.As(err, &te) {
		return Unprocessable("invalid_tax_id", te.Error()).
			WithDetails(map[string]any{"field": "tax_id", "scheme": te.Scheme, "reason": te.Detail}), true
	}
	return nil, false
}

// asError returns the *Error a client is shown for err, which a handler
// returned: the *Error err is or wraps, when its Kind is one of the
// platform's; for the SDK's validation errors, ValidationError's 422; ok
// is false for anything else, an internal error. An *Error without a kind
// (the zero Kind) is internal.
func asError(err error) (e *Error, ok bool) {
	if errors.As(err, &e) {
		return e, e.Kind.Known()
	}
	return ValidationError(err)
}

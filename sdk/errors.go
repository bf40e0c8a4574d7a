package sdk

import (
	"errors"
	"net/http"

	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// Error is an error a handler returns to answer with the platform's JSON
// error envelope: {"error":{"code","message","details"},"request_id"}.
// An *Error from a host call (Context.DB, Publish, the cache ...) carries
// the exact status the host answered, so a handler may return it as it
// is. A handler may also return the money and taxid packages' errors,
// which answer 422 naming the field; any other error answers 500.
type Error struct {
	Status  int
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

// BadRequest is a 400.
func BadRequest(code, message string) *Error { return NewError(http.StatusBadRequest, code, message) }

// Forbidden is a 403.
func Forbidden(code, message string) *Error { return NewError(http.StatusForbidden, code, message) }

// NotFound is a 404.
func NotFound(code, message string) *Error { return NewError(http.StatusNotFound, code, message) }

// Conflict is a 409.
func Conflict(code, message string) *Error { return NewError(http.StatusConflict, code, message) }

// Unprocessable is a 422.
func Unprocessable(code, message string) *Error {
	return NewError(http.StatusUnprocessableEntity, code, message)
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

// asError returns the *Error a client is shown for err, which a handler
// returned: the *Error err is or wraps, when its Status is an error status
// (4xx or 5xx); for the SDK's validation errors (*money.Error,
// *taxid.Error) a 422 naming the offending field in its details; ok is
// false for anything else, an internal error. An *Error without an error
// status (e.g. a zero Status) is internal: answered below 400, the host
// would commit the failed call's writes.
func asError(err error) (e *Error, ok bool) {
	if errors.As(err, &e) {
		return e, e.Status >= 400 && e.Status <= 599
	}
	var me *money.Error
	if errors.As(err, &me) {
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

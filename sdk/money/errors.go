package money

import (
	"errors"
	"fmt"
)

// Sentinel errors name what kind of input was rejected. Every error returned
// by this package is an *Error wrapping one of them, so callers can test the
// kind with errors.Is and read the offending line and field with errors.As.
var (
	// ErrUnknownCurrency means the currency code is not supported or its
	// minor units do not match the supported definition.
	ErrUnknownCurrency = errors.New("unknown currency")
	// ErrUnknownCountry means there is no tax rate table for the country.
	ErrUnknownCountry = errors.New("unknown country")
	// ErrUnknownTaxRate means the country has no tax rate with that code.
	ErrUnknownTaxRate = errors.New("unknown tax rate")
	// ErrInvalidTaxRate means a line's tax rate is malformed or inconsistent.
	ErrInvalidTaxRate = errors.New("invalid tax rate")
	// ErrInvalidQuantity means a quantity is zero, negative, too large or too precise.
	ErrInvalidQuantity = errors.New("invalid quantity")
	// ErrInvalidPrice means a unit price is negative, too large or too precise.
	ErrInvalidPrice = errors.New("invalid price")
	// ErrInvalidDiscount means a discount is malformed or exceeds what it applies to.
	ErrInvalidDiscount = errors.New("invalid discount")
	// ErrInvalidAmount means an amount is negative or has more decimals than
	// the currency allows.
	ErrInvalidAmount = errors.New("invalid amount")
	// ErrInvalidWeights means allocation weights are negative or all zero.
	ErrInvalidWeights = errors.New("invalid weights")
	// ErrInvalidNumber means a decimal read from a request is malformed or
	// outside the platform's limits for its field (Limits); sdk handlers
	// answer it as a 422 invalid_field.
	ErrInvalidNumber = errors.New("invalid number")
	// ErrInsufficientTender means the amount tendered is less than the total.
	ErrInsufficientTender = errors.New("insufficient tender")
)

// NoLine is the Line of an *Error that concerns the whole document or call
// rather than one line.
const NoLine = -1

// Error is a validation error. Returned from an sdk handler, it answers a
// 422 whose code names the sentinel (e.g. "invalid_quantity") and whose
// details carry Field, Detail as "reason" and Line when it is not NoLine.
type Error struct {
	// Err is one of the sentinel errors of this package.
	Err error
	// Line is the index of the offending document line, or NoLine.
	Line int
	// Field is the offending input, e.g. "quantity", "unit_price",
	// "discount", "tax", "currency", "weights".
	Field string
	// Detail says what is wrong in words a user can act on.
	Detail string
}

// Error implements error.
func (e *Error) Error() string {
	if e.Line == NoLine {
		return fmt.Sprintf("%s: %v: %s", e.Field, e.Err, e.Detail)
	}
	return fmt.Sprintf("line %d: %s: %v: %s", e.Line, e.Field, e.Err, e.Detail)
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

func newError(kind error, line int, field, format string, args ...any) *Error {
	return &Error{Err: kind, Line: line, Field: field, Detail: fmt.Sprintf(format, args...)}
}

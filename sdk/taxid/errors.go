package taxid

import (
	"errors"
	"fmt"
)

// Sentinel errors name what is wrong with a tax id. Every error returned by
// this package is an *Error wrapping one of them.
var (
	// ErrLength means the id has the wrong number of characters or digits.
	ErrLength = errors.New("invalid length")
	// ErrPattern means a character is not allowed at its position.
	ErrPattern = errors.New("invalid characters")
	// ErrDate means the date embedded in an RFC is not a real date.
	ErrDate = errors.New("invalid date")
	// ErrCheckDigit means a CUIT's check digit does not match, or that its
	// first 10 digits have none.
	ErrCheckDigit = errors.New("invalid check digit")
	// ErrPrefix means a CUIT's two-digit type prefix is not assigned.
	ErrPrefix = errors.New("invalid prefix")
	// ErrGeneric means a generic RFC was given where a company's own tax id is required.
	ErrGeneric = errors.New("generic RFC")
	// ErrUnsupportedCountry means there is no tax id validation for the country.
	ErrUnsupportedCountry = errors.New("unsupported country")
)

// Error is a rejected tax id. Returned from an sdk handler, it answers a
// 422 "invalid_tax_id" whose details carry the field "tax_id", Scheme and
// Detail as "reason".
type Error struct {
	// Scheme is what was validated: "RFC", "CUIT" or "country".
	Scheme string
	// Err is one of the sentinel errors of this package.
	Err error
	// Detail says what is wrong in words a user can act on.
	Detail string
}

// Error implements error.
func (e *Error) Error() string {
	return fmt.Sprintf("%s: %v: %s", e.Scheme, e.Err, e.Detail)
}

// Unwrap returns the sentinel error.
func (e *Error) Unwrap() error { return e.Err }

func newError(scheme string, kind error, format string, args ...any) *Error {
	return &Error{Scheme: scheme, Err: kind, Detail: fmt.Sprintf(format, args...)}
}

package money

import (
	"encoding/json"
	"fmt"
	"io"
	"reflect"
	"regexp"
	"strconv"
	"strings"

	"github.com/shopspring/decimal"
)

// Decimals is the minor unit of every supported currency (currency.go): the
// number of decimals an Amount renders. A test fails when a currency with
// another minor unit is added, so Amount learns its currency first.
const Decimals = 2

// Amount is a money amount as the platform's JSON carries it: a decimal
// string with the currency's scale — "1160.00", never "1160" or 1160. Use
// it in response types (and in rows read with sdk.DB, whose numerics
// arrive as strings) instead of rendering by hand, and in request types to
// read an amount; then check the amount's limits with Limits.Check under
// the request's field name.
//
// Reading accepts only a JSON string holding a plain decimal ("1160",
// "-5.5", "0.10"): no number, exponent ("1e5"), NaN, sign "+", spaces or
// thousands separators. Anything else fails with a *json.UnmarshalTypeError,
// which names the field: sdk.Context.Bind answers a string it cannot read
// with a 422 invalid_field carrying the field and AmountSyntax as the
// reason, and another JSON type with its 400 for a field of the wrong type.
type Amount struct{ decimal.Decimal }

// AmountOf returns d as an Amount.
func AmountOf(d decimal.Decimal) Amount { return Amount{d} }

// AmountSyntax is the reason given for a value that cannot be read as an
// Amount.
const AmountSyntax = `must be a decimal string such as "1160.00" (digits, optionally a point and digits; no exponent)`

// maxSyntaxLen bounds the text of a decimal read from a request, so a
// hostile value costs nothing: 40 characters hold every amount, price and
// quantity the platform stores.
const maxSyntaxLen = 40

// DecimalPattern is the one syntax of decimals in requests and responses,
// as a regular expression (for JSON Schemas): an optional minus sign,
// digits, and optionally a point and digits.
const DecimalPattern = `^-?[0-9]+(\.[0-9]+)?$`

var plainDecimal = regexp.MustCompile(DecimalPattern)

// String returns a with Decimals decimals, rounded half away from zero.
func (a Amount) String() string { return a.StringFixed(Decimals) }

// Format implements fmt.Formatter, so %v and %s print String (decimal's own
// Format, which Amount would otherwise inherit, prints no fixed scale);
// other verbs format the decimal.
func (a Amount) Format(f fmt.State, verb rune) {
	if verb == 'v' || verb == 's' {
		_, _ = io.WriteString(f, a.String())
		return
	}
	a.Decimal.Format(f, verb)
}

// MarshalJSON implements json.Marshaler: a string with Decimals decimals.
func (a Amount) MarshalJSON() ([]byte, error) {
	return []byte(`"` + a.StringFixed(Decimals) + `"`), nil
}

// MarshalText implements encoding.TextMarshaler, as String.
func (a Amount) MarshalText() ([]byte, error) { return []byte(a.String()), nil }

// UnmarshalText implements encoding.TextUnmarshaler; it accepts what
// UnmarshalJSON accepts inside the quotes.
func (a *Amount) UnmarshalText(b []byte) error {
	d, ok := parsePlain(string(b))
	if !ok {
		return &Error{Err: ErrInvalidNumber, Line: NoLine, Field: "amount", Detail: AmountSyntax}
	}
	a.Decimal = d
	return nil
}

// UnmarshalJSON implements json.Unmarshaler: a JSON string holding a plain
// decimal; null leaves a unchanged, as encoding/json does for every type.
func (a *Amount) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		return nil
	}
	s, err := strconv.Unquote(string(b))
	if len(b) > maxSyntaxLen+2 || b[0] != '"' || err != nil {
		return &json.UnmarshalTypeError{Value: jsonKind(b), Type: amountType}
	}
	d, ok := parsePlain(s)
	if !ok {
		return &json.UnmarshalTypeError{Value: "string", Type: amountType}
	}
	a.Decimal = d
	return nil
}

// amountType is the type UnmarshalJSON reports in its errors; sdk.Context.Bind
// recognizes it.
var amountType = reflect.TypeFor[Amount]()

// jsonKind describes a JSON value for a *json.UnmarshalTypeError.
func jsonKind(b []byte) string {
	switch b[0] {
	case '"':
		return "string"
	case '{':
		return "object"
	case '[':
		return "array"
	case 't', 'f':
		return "bool"
	}
	return "number"
}

// parsePlain parses s when it is a plain decimal of at most maxSyntaxLen
// characters.
func parsePlain(s string) (decimal.Decimal, bool) {
	if len(s) > maxSyntaxLen || !plainDecimal.MatchString(s) {
		return decimal.Zero, false
	}
	d, err := decimal.NewFromString(s)
	return d, err == nil
}

// Limits say what a decimal read from a request may hold: the platform's
// bounds on amounts, prices, quantities and percentages, so every vertical
// refuses the same values with the same words. Start from a predefined one;
// the zero value accepts no number at all.
type Limits struct {
	// Decimals is the most decimals accepted; trailing zeros do not count.
	Decimals int32
	// Digits is the most integer digits accepted; leading zeros do not count.
	Digits int
	// Negative accepts values below zero.
	Negative bool
	// Zero accepts zero.
	Zero bool
	// Max, when positive, is the largest value accepted.
	Max decimal.Decimal
}

// The platform's limits (numeric(18,2) amounts, numeric(18,6) prices and
// quantities, the calculator's bounds).
var (
	// AmountLimits: a money amount of zero or more in the currency's minor
	// unit, at most 13 integer digits (totals of many lines still fit
	// numeric(18,2)).
	AmountLimits = Limits{Decimals: Decimals, Digits: 13, Zero: true}
	// PositiveAmountLimits: a money amount greater than zero (a payment, a
	// fee).
	PositiveAmountLimits = Limits{Decimals: Decimals, Digits: 13}
	// PriceLimits: a unit price or cost, zero allowed, six decimals.
	PriceLimits = Limits{Decimals: 6, Digits: 12, Zero: true}
	// QuantityLimits: a quantity greater than zero, six decimals.
	QuantityLimits = Limits{Decimals: 6, Digits: 9}
	// PercentLimits: a percentage from 0 to 100, six decimals.
	PercentLimits = Limits{Decimals: 6, Digits: 3, Zero: true, Max: decimal.NewFromInt(100)}
)

// Parse reads s, the value of the request's field (e.g. "lines[2].amount"),
// under l. Surrounding spaces are ignored; anything else that is not a
// plain decimal within l is an *Error wrapping ErrInvalidNumber, naming
// field, which sdk handlers answer as a 422 invalid_field.
func (l Limits) Parse(field, s string) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, newError(ErrInvalidNumber, NoLine, field, `is required (a decimal string such as "10.50")`)
	}
	d, ok := parsePlain(s)
	if !ok {
		return decimal.Zero, newError(ErrInvalidNumber, NoLine, field, `must be a decimal string such as "10.50", got %q`, s)
	}
	return d, l.Check(field, d)
}

// Check reports whether d, the value of the request's field, is within l:
// nil, or an *Error wrapping ErrInvalidNumber that names field.
func (l Limits) Check(field string, d decimal.Decimal) error {
	reason := ""
	switch {
	case d.IsNegative() && !l.Negative:
		reason = "must not be negative"
	case d.IsZero() && !l.Zero:
		reason = "must not be zero"
	case intDigits(d) > int64(l.Digits):
		reason = "must have at most " + strconv.Itoa(l.Digits) + " integer digits"
	case !hasAtMostDecimals(d, l.Decimals):
		reason = "must have at most " + strconv.Itoa(int(l.Decimals)) + " decimals"
	case l.Max.IsPositive() && d.GreaterThan(l.Max):
		reason = "must not exceed " + l.Max.String()
	}
	if reason == "" {
		return nil
	}
	return newError(ErrInvalidNumber, NoLine, field, "%s", reason)
}

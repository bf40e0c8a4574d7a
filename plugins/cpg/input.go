package cpg

import (
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
)

// numRule says what a decimal string field may hold.
type numRule struct {
	places    int32
	signed    bool
	allowZero bool
	maxDigits int
	// max, when positive, bounds the value (percentages).
	max int64
}

var (
	// quantityRule: a positive quantity with up to six decimals.
	quantityRule = numRule{places: 6, maxDigits: 9}
	// signedQuantityRule: a non-zero quantity of either sign (adjustments).
	signedQuantityRule = numRule{places: 6, signed: true, maxDigits: 9}
	// priceRule: a unit price or cost, zero allowed, up to six decimals.
	priceRule = numRule{places: 6, allowZero: true, maxDigits: 12}
	// amountRule: a money amount in the currency's minor unit, zero allowed.
	amountRule = numRule{places: 2, allowZero: true, maxDigits: 13}
	// positiveAmountRule: a money amount greater than zero.
	positiveAmountRule = numRule{places: 2, maxDigits: 13}
	// percentRule: a percentage from 0 to 100.
	percentRule = numRule{places: 6, allowZero: true, maxDigits: 3, max: 100}
)

var decimalRE = regexp.MustCompile(`^-?[0-9]+(\.[0-9]+)?$`)

// parseDecimal parses the decimal string s of field under rule r. The
// syntax is plain (no exponent), so a hostile number costs nothing.
func parseDecimal(field, s string, r numRule) (decimal.Decimal, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return decimal.Zero, invalidField(field, "is required (a decimal string such as \"10.50\")")
	}
	if len(s) > 40 || !decimalRE.MatchString(s) {
		return decimal.Zero, invalidField(field, "must be a decimal string such as \"10.50\", got %q", s)
	}
	intPart, frac, _ := strings.Cut(strings.TrimPrefix(s, "-"), ".")
	if len(strings.TrimLeft(intPart, "0")) > r.maxDigits {
		return decimal.Zero, invalidField(field, "must have at most %d integer digits", r.maxDigits)
	}
	if len(strings.TrimRight(frac, "0")) > int(r.places) {
		return decimal.Zero, invalidField(field, "must have at most %d decimals", r.places)
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero, invalidField(field, "must be a decimal string, got %q", s)
	}
	switch {
	case d.IsNegative() && !r.signed:
		return decimal.Zero, invalidField(field, "must not be negative")
	case d.IsZero() && !r.allowZero:
		return decimal.Zero, invalidField(field, "must not be zero")
	case r.max > 0 && d.GreaterThan(decimal.NewFromInt(r.max)):
		return decimal.Zero, invalidField(field, "must not exceed %d", r.max)
	}
	return d, nil
}

// optionalDecimal parses s when it is non-empty and returns def otherwise.
func optionalDecimal(field string, s *string, r numRule, def decimal.Decimal) (decimal.Decimal, error) {
	if s == nil {
		return def, nil
	}
	return parseDecimal(field, *s, r)
}

// parseID validates a UUID given in the body.
func parseID(field, s string) (string, error) {
	id, err := uuid.Parse(strings.TrimSpace(s))
	if err != nil {
		if strings.TrimSpace(s) == "" {
			return "", invalidField(field, "is required")
		}
		return "", invalidField(field, "must be a UUID, got %q", s)
	}
	return id.String(), nil
}

// optionalID validates a UUID that may be omitted ("" stays "").
func optionalID(field, s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return parseID(field, s)
}

// pathID reads the UUID path parameter name; anything else cannot name an
// existing row, so it is a 404.
func pathID(c *sdk.Context, name, what string) (string, error) {
	id, err := uuid.Parse(c.Param(name))
	if err != nil {
		return "", notFound(what, c.Param(name))
	}
	return id.String(), nil
}

// queryID reads an optional UUID query parameter.
func queryID(c *sdk.Context, name string) (string, error) {
	v := c.Query(name)
	if v == "" {
		return "", nil
	}
	id, err := uuid.Parse(v)
	if err != nil {
		return "", sdk.BadRequest("invalid_query", fmt.Sprintf("query parameter %s must be a UUID, got %q", name, v)).
			WithDetails(map[string]any{"parameter": name})
	}
	return id.String(), nil
}

// queryDate reads a YYYY-MM-DD query parameter, required unless def is set.
func queryDate(c *sdk.Context, name, def string) (string, error) {
	v := c.Query(name)
	if v == "" {
		v = def
	}
	if v == "" {
		return "", sdk.BadRequest("invalid_query", "query parameter "+name+" (YYYY-MM-DD) is required").
			WithDetails(map[string]any{"parameter": name})
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", sdk.BadRequest("invalid_query", fmt.Sprintf("query parameter %s must be a date YYYY-MM-DD, got %q", name, v)).
			WithDetails(map[string]any{"parameter": name})
	}
	return v, nil
}

// queryTime reads an optional RFC 3339 timestamp query parameter.
func queryTime(c *sdk.Context, name string) (*time.Time, error) {
	v := c.Query(name)
	if v == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return nil, sdk.BadRequest("invalid_query", fmt.Sprintf("query parameter %s must be an RFC 3339 time, got %q", name, v)).
			WithDetails(map[string]any{"parameter": name})
	}
	return &t, nil
}

// text validates a required free-text field of at most max characters.
func text(field, s string, max int) (string, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", invalidField(field, "is required")
	case len([]rune(s)) > max:
		return "", invalidField(field, "must have at most %d characters", max)
	}
	return s, nil
}

// optionalText validates an optional free-text field; "" becomes nil.
func optionalText(field, s string, max int) (*string, error) {
	if strings.TrimSpace(s) == "" {
		return nil, nil
	}
	v, err := text(field, s, max)
	return &v, err
}

// uuidArray renders validated UUIDs as a PostgreSQL array literal for a
// $n::uuid[] parameter.
func uuidArray(ids []string) string {
	return "{" + strings.Join(ids, ",") + "}"
}

// textArray renders strings as a PostgreSQL array literal for a $n::text[]
// parameter, quoting every element.
func textArray(items []string) string {
	quoted := make([]string, len(items))
	for i, s := range items {
		quoted[i] = `"` + strings.NewReplacer(`\`, `\\`, `"`, `\"`).Replace(s) + `"`
	}
	return "{" + strings.Join(quoted, ",") + "}"
}

// nullable returns nil for "" so the column stores NULL.
func nullable(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

// fmtQty renders a quantity without trailing zeros.
func fmtQty(d decimal.Decimal) string { return d.String() }

// fmtMoney renders an amount with two decimals.
func fmtMoney(d decimal.Decimal) string { return d.StringFixed(2) }

// fmtPrice renders a unit price or cost with at least two decimals.
func fmtPrice(d decimal.Decimal) string {
	if e := -d.Exponent(); e > 2 && !d.Equal(d.Round(2)) {
		return d.String()
	}
	return d.StringFixed(2)
}

// now is the time documents are stamped with: UTC, to the microsecond
// PostgreSQL stores, so a create answers the time a GET reads back.
func now() Timestamp { return Timestamp{time.Now().UTC().Truncate(time.Microsecond)} }

// Timestamp is a point in time that JSON always shows in UTC, RFC 3339
// ("2026-12-05T07:10:01.123456Z"), whatever offset PostgreSQL wrote it
// with; dates of the company's calendar are plain "YYYY-MM-DD" strings.
type Timestamp struct{ time.Time }

// MarshalJSON implements json.Marshaler.
func (t Timestamp) MarshalJSON() ([]byte, error) {
	return []byte(`"` + t.UTC().Format(time.RFC3339Nano) + `"`), nil
}

// Money is an amount that renders with two decimals in JSON ("500.00") and
// reads decimal strings or numbers.
type Money struct{ decimal.Decimal }

// MarshalJSON implements json.Marshaler.
func (m Money) MarshalJSON() ([]byte, error) { return []byte(`"` + m.StringFixed(2) + `"`), nil }

// UnmarshalJSON implements json.Unmarshaler.
func (m *Money) UnmarshalJSON(b []byte) error { return m.Decimal.UnmarshalJSON(b) }

package cpg

import (
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

var (
	// signedQuantityLimits: a non-zero quantity of either sign (adjustments).
	signedQuantityLimits = money.Limits{Decimals: 6, Digits: 9, Negative: true}
	// reorderPointLimits: a quantity of zero or more.
	reorderPointLimits = money.Limits{Decimals: 6, Digits: 9, Zero: true}
)

// optionalDecimal parses s under limits when it is given and returns def
// otherwise.
func optionalDecimal(field string, s *string, limits money.Limits, def decimal.Decimal) (decimal.Decimal, error) {
	if s == nil {
		return def, nil
	}
	return limits.Parse(field, *s)
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

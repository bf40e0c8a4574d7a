package cpg

import (
	"strings"
	"time"

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

// optionalID validates a UUID that may be omitted ("" stays "").
func optionalID(field, s string) (string, error) {
	if strings.TrimSpace(s) == "" {
		return "", nil
	}
	return sdk.UUID(field, s)
}

// queryDate reads a YYYY-MM-DD query parameter, required unless def is set.
func queryDate(c *sdk.Context, name, def string) (string, error) {
	v := c.Query(name)
	if v == "" {
		v = def
	}
	if v == "" {
		return "", sdk.InvalidQuery(name, "(YYYY-MM-DD) is required")
	}
	if _, err := time.Parse(time.DateOnly, v); err != nil {
		return "", sdk.InvalidQuery(name, "must be a date YYYY-MM-DD, got %q", v)
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
		return nil, sdk.InvalidQuery(name, "must be an RFC 3339 time, got %q", v)
	}
	return &t, nil
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
func now() sdk.Timestamp { return sdk.Timestamp{Time: time.Now().UTC().Truncate(time.Microsecond)} }

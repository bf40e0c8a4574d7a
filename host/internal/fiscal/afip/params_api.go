package afip

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/httpx"
)

// Query parameters of the tables.
const (
	queryCurrency     = "currency"      // exchange_rate: an ISO 4217 code
	queryDate         = "date"          // exchange_rate: YYYY-MM-DD (AFIP's latest when absent)
	queryReceiptClass = "receipt_class" // receiver_iva_conditions: A, B, C, ALEY or 49
)

// ParameterQuery implements fiscal.ParameterSource.
func (is *Issuer) ParameterQuery() []string {
	return []string{queryCurrency, queryDate, queryReceiptClass}
}

// Parameters implements fiscal.ParameterSource: WSFEv1's tables for the
// company's CUIT, with its credentials (see the Table constants).
func (is *Issuer) Parameters(ctx context.Context, env *fiscal.Env, table string, query map[string]string) ([]any, error) {
	_, cached := cachedTables[table]
	if !cached && table != TablePointsOfSale && table != TableExchangeRate {
		return nil, fiscal.ErrParameterTable("ar", table).WithDetails(map[string]any{"country": "ar", "table": table, "tables": Tables()})
	}
	if err := tableQuery(table, query); err != nil {
		return nil, err
	}
	cfg, err := configOf(env)
	if err != nil {
		return nil, err
	}
	switch table {
	case TablePointsOfSale:
		points, err := is.pointsOfSale(ctx, env, cfg)
		return anys(points), err
	case TableExchangeRate:
		r, err := is.exchangeRate(ctx, env, cfg, query[queryCurrency], query[queryDate])
		if err != nil {
			return nil, err
		}
		return []any{r}, nil
	}
	rows, err := is.table(ctx, env, cfg, table, query[queryReceiptClass])
	return anys(rows), err
}

// tableQuery checks query against what table takes.
func tableQuery(table string, query map[string]string) error {
	takes := map[string][]string{TableExchangeRate: {queryCurrency, queryDate}, TableReceiverConditions: {queryReceiptClass}}[table]
	for name := range query {
		if !slices.Contains(takes, name) {
			return httpx.InvalidQuery(name, fmt.Sprintf("the table %s takes no %s", table, name))
		}
	}
	switch table {
	case TableExchangeRate:
		if _, ok := moneda(query[queryCurrency]); !ok || query[queryCurrency] == "ARS" {
			return httpx.InvalidQuery(queryCurrency, "a foreign currency AFIP quotes: USD, EUR or BRL")
		}
		if d := query[queryDate]; d != "" {
			if _, err := time.Parse(time.DateOnly, d); err != nil {
				return httpx.InvalidQuery(queryDate, "a date YYYY-MM-DD")
			}
		}
	case TableReceiverConditions:
		switch query[queryReceiptClass] {
		case "", "A", "B", "C", "ALEY", "49":
		default:
			return httpx.InvalidQuery(queryReceiptClass, "A, B, C, ALEY or 49")
		}
	}
	return nil
}

func anys[T any](rows []T) []any {
	out := make([]any, len(rows))
	for i, r := range rows {
		out[i] = r
	}
	return out
}

// Compile-time check of the issuer's optional capability.
var _ fiscal.ParameterSource = (*Issuer)(nil)

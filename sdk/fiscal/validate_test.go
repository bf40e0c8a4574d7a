package fiscal_test

import (
	"errors"
	"testing"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk/fiscal"
)

func valid() fiscal.Input {
	d := decimal.RequireFromString
	t21 := fiscal.Tax{Type: "iva", Rate: d("0.21"), Base: d("82.64"), Amount: d("17.35")}
	return fiscal.Input{SourceID: "sale-1", Kind: fiscal.KindInvoice, Currency: "ARS",
		Lines: []fiscal.Line{{Description: "Yerba", Quantity: d("1"), UnitPrice: d("82.64"), Net: d("82.64"),
			Taxes: []fiscal.Tax{t21}, Total: d("99.99")}},
		Totals: fiscal.Totals{Net: d("82.64"), Tax: d("17.35"), Total: d("99.99"), Taxes: []fiscal.Tax{t21}}}
}

// TestValidate checks that Validate accepts what the calculator produces
// and names the first field that does not add up.
func TestValidate(t *testing.T) {
	t.Parallel()
	d := decimal.RequireFromString
	require.NoError(t, (func() *fiscal.Input { in := valid(); return &in })().Validate())
	for field, change := range map[string]func(*fiscal.Input){
		"source_id":              func(in *fiscal.Input) { in.SourceID = "" },
		"kind":                   func(in *fiscal.Input) { in.Kind = "receipt" },
		"currency":               func(in *fiscal.Input) { in.Currency = "pesos" },
		"related_document_id":    func(in *fiscal.Input) { in.Kind = fiscal.KindCreditNote },
		"lines":                  func(in *fiscal.Input) { in.Lines = nil },
		"date":                   func(in *fiscal.Input) { in.Date = "05/12/2026" },
		"concept":                func(in *fiscal.Input) { in.Concept = "rent" },
		"service_from":           func(in *fiscal.Input) { in.Concept = fiscal.ConceptServices },
		"lines[0].quantity":      func(in *fiscal.Input) { in.Lines[0].Quantity = d("0") },
		"lines[0].net":           func(in *fiscal.Input) { in.Lines[0].Net = d("80") },
		"lines[0].taxes[0].base": func(in *fiscal.Input) { in.Lines[0].Taxes[0].Base = d("80") },
		"lines[0].taxes[0].type": func(in *fiscal.Input) { in.Lines[0].Taxes[0].Type = "iibb" },
		"lines[0].taxes[0].amount": func(in *fiscal.Input) {
			in.Lines[0].Taxes[0].Amount = d("17.50")
		},
		"lines[0].total":         func(in *fiscal.Input) { in.Lines[0].Total = d("100") },
		"totals.net":             func(in *fiscal.Input) { in.Totals.Net = d("82") },
		"totals.tax":             func(in *fiscal.Input) { in.Totals.Tax = d("17") },
		"totals.total":           func(in *fiscal.Input) { in.Totals.Total = d("100") },
		"totals.taxes":           func(in *fiscal.Input) { in.Totals.Taxes = nil },
		"totals.taxes[0].amount": func(in *fiscal.Input) { in.Totals.Taxes[0].Amount = d("1") },
		"lines[0].description":   func(in *fiscal.Input) { in.Lines[0].Description = "" },
		"lines[0].discount":      func(in *fiscal.Input) { in.Lines[0].Discount = d("-1") },
		"exchange_rate":          func(in *fiscal.Input) { in.ExchangeRate = d("-1") },
		"service_to": func(in *fiscal.Input) {
			in.Concept, in.ServiceFrom, in.ServiceTo, in.PaymentDue = fiscal.ConceptServices, "2026-12-02", "2026-12-01", "2026-12-10"
		},
		"lines[0].taxes[0].rate": func(in *fiscal.Input) { in.Lines[0].Taxes[0].Rate = d("21") },
	} {
		in := valid()
		change(&in)
		var fe *fiscal.FieldError
		require.True(t, errors.As(in.Validate(), &fe), field)
		require.Equal(t, field, fe.Field, fe.Reason)
	}
	in := valid()
	id := uuid.New()
	in.RelatedDocumentID = &id
	var fe *fiscal.FieldError
	require.ErrorAs(t, in.Validate(), &fe)
	require.Equal(t, "related_document_id", fe.Field, "an invoice names no related document")
}

package fiscal_test

import (
	"encoding/json"
	"errors"
	"testing"
	"time"

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

// mexicanServices is a company's invoice for professional fees with IVA
// and the ISR and IVA it withholds, plus a line of soft drinks carrying
// IEPS at a rate and per liter (IVA on the price plus IEPS), and an exempt
// line.
func mexicanServices() fiscal.Input {
	d := decimal.RequireFromString
	iva16 := fiscal.Tax{Type: fiscal.TaxIVA, Rate: d("0.16"), Base: d("10000"), Amount: d("1600")}
	retISR := fiscal.Tax{Type: fiscal.TaxISR, Withheld: true, Rate: d("0.10"), Base: d("10000"), Amount: d("1000")}
	retIVA := fiscal.Tax{Type: fiscal.TaxIVA, Withheld: true, Rate: d("0.106667"), Base: d("10000"), Amount: d("1066.67")}
	ieps := fiscal.Tax{Type: fiscal.TaxIEPS, Rate: d("0.08"), Base: d("100"), Amount: d("8")}
	cuota := fiscal.Tax{Type: fiscal.TaxIEPS, Quota: d("1.6451"), Base: d("3.6"), Amount: d("5.92")}
	ivaIEPS := fiscal.Tax{Type: fiscal.TaxIVA, Rate: d("0.16"), Base: d("113.92"), Amount: d("18.23")}
	exempt := fiscal.Tax{Type: fiscal.TaxIVA, Exempt: true, Base: d("500")}
	lines := []fiscal.Line{
		{Description: "Honorarios", Quantity: d("1"), UnitPrice: d("10000"), Net: d("10000"),
			Taxes: []fiscal.Tax{iva16, retISR, retIVA}, Total: d("9533.33")},
		{Description: "Refresco 600 ml", Quantity: d("6"), UnitPrice: d("16.666667"), Net: d("100"),
			Taxes: []fiscal.Tax{ieps, cuota, ivaIEPS}, Total: d("132.15")},
		{Description: "Colegiatura", Quantity: d("1"), UnitPrice: d("500"), Net: d("500"), Taxes: []fiscal.Tax{exempt}, Total: d("500")},
	}
	return fiscal.Input{SourceID: "fees-1", Kind: fiscal.KindInvoice, Currency: "MXN", Lines: lines, Totals: fiscal.TotalsOf(lines)}
}

// argentinePerception is a sale with IVA and a percepción de IIBB.
func argentinePerception() fiscal.Input {
	d := decimal.RequireFromString
	iva := fiscal.Tax{Type: fiscal.TaxIVA, Rate: d("0.21"), Base: d("1000"), Amount: d("210")}
	iibb := fiscal.Tax{Type: fiscal.TaxGrossIncomePerception, Description: "Percepción IIBB CABA", Rate: d("0.03"), Base: d("1000"), Amount: d("30")}
	lines := []fiscal.Line{{Description: "Yerba", Quantity: d("10"), UnitPrice: d("100"), Net: d("1000"),
		Taxes: []fiscal.Tax{iva, iibb}, Total: d("1240")}}
	return fiscal.Input{SourceID: "sale-2", Kind: fiscal.KindInvoice, Currency: "ARS", Lines: lines, Totals: fiscal.TotalsOf(lines)}
}

// TestValidateTaxesBeyondIVA checks withholdings, IEPS at a rate and per
// unit, exemptions and Argentine tributos: what adds up passes, and each
// way of not adding up names its field.
func TestValidateTaxesBeyondIVA(t *testing.T) {
	t.Parallel()
	d := decimal.RequireFromString
	mx, ar := mexicanServices(), argentinePerception()
	require.NoError(t, mx.Validate())
	require.NoError(t, ar.Validate())
	require.Equal(t, "1632.15", mx.Totals.Tax.String(), "1600 + 8 + 5.92 + 18.23, the exemption 0")
	require.Equal(t, "2066.67", mx.Totals.Withheld.String())
	require.Equal(t, "10165.48", mx.Totals.Total.String(), "10600 net + 1632.15 transferred − 2066.67 withheld")

	for field, change := range map[string]func(*fiscal.Input){
		"lines[0].total":             func(in *fiscal.Input) { in.Lines[0].Total = d("11600") },
		"totals.withheld":            func(in *fiscal.Input) { in.Totals.Withheld = d("0") },
		"totals.total":               func(in *fiscal.Input) { in.Totals.Total = in.Totals.Net.Add(in.Totals.Tax) },
		"lines[0].taxes[1].withheld": func(in *fiscal.Input) { in.Lines[0].Taxes[1].Withheld = false },
		"lines[1].taxes[0].withheld": func(in *fiscal.Input) { in.Lines[1].Taxes[0].Withheld = true },
		"lines[1].taxes[2].base":     func(in *fiscal.Input) { in.Lines[1].Taxes[2].Base = d("100") },
		"lines[1].taxes[1].base":     func(in *fiscal.Input) { in.Lines[1].Taxes[1].Base = d("0") },
		"lines[1].taxes[1].amount":   func(in *fiscal.Input) { in.Lines[1].Taxes[1].Amount = d("5") },
		"lines[1].taxes[1].quota": func(in *fiscal.Input) {
			in.Lines[1].Taxes[1].Rate = d("0.08")
		},
		"lines[2].taxes[0].exempt": func(in *fiscal.Input) { in.Lines[2].Taxes[0].Rate = d("0.16") },
		"lines[0].taxes[0].exempt": func(in *fiscal.Input) { in.Lines[0].Taxes[1].Exempt = true; in.Lines[0].Taxes[0].Exempt = true },
		"totals.taxes[4].base":     func(in *fiscal.Input) { in.Totals.Taxes[4].Base = d("1") },
		"totals.taxes[1].amount": func(in *fiscal.Input) {
			in.Totals.Taxes[1] = in.Totals.Taxes[0]
		},
	} {
		in := mexicanServices()
		change(&in)
		var fe *fiscal.FieldError
		require.True(t, errors.As(in.Validate(), &fe), field)
		require.Equal(t, field, fe.Field, fe.Reason)
	}
	for field, change := range map[string]func(*fiscal.Input){
		"lines[0].taxes[1].type": func(in *fiscal.Input) { in.Lines[0].Taxes[1].Type = "iibb" },
		"lines[0].taxes[1].description": func(in *fiscal.Input) {
			in.Lines[0].Taxes[1].Type, in.Lines[0].Taxes[1].Description = fiscal.TaxOther, " "
		},
		"lines[0].taxes[1].withheld": func(in *fiscal.Input) { in.Lines[0].Taxes[1].Withheld = true },
		"lines[0].taxes[1].amount":   func(in *fiscal.Input) { in.Lines[0].Taxes[1].Amount = d("31") },
	} {
		in := argentinePerception()
		change(&in)
		var fe *fiscal.FieldError
		require.True(t, errors.As(in.Validate(), &fe), field)
		require.Equal(t, field, fe.Field, fe.Reason)
	}
	// A percepción's base is its regime's, not necessarily the net.
	in := argentinePerception()
	in.Lines[0].Taxes[1].Base, in.Lines[0].Taxes[1].Amount, in.Lines[0].Total = d("1210"), d("36.30"), d("1246.30")
	in.Totals = fiscal.TotalsOf(in.Lines)
	require.NoError(t, in.Validate())
}

// TestInputJSONIsBackwardCompatible checks that an input written before
// withholdings, quotas and exemptions existed decodes and validates as it
// did, and that encoding it adds none of the new fields.
func TestInputJSONIsBackwardCompatible(t *testing.T) {
	t.Parallel()
	old := `{"source_id":"sale-1","kind":"invoice","currency":"ARS","customer":{},
	  "lines":[{"description":"Yerba","quantity":"1","unit_price":"82.64","discount":"0","net":"82.64",
	    "taxes":[{"type":"iva","rate":"0.21","base":"82.64","amount":"17.35"}],"total":"99.99"}],
	  "totals":{"net":"82.64","discount":"0","tax":"17.35","taxes":[{"type":"iva","rate":"0.21","base":"82.64","amount":"17.35"}],"total":"99.99"}}`
	var in fiscal.Input
	require.NoError(t, json.Unmarshal([]byte(old), &in))
	require.NoError(t, in.Validate())
	out, err := json.Marshal(in)
	require.NoError(t, err)
	for _, k := range []string{"withheld", "quota", "exempt", "description\":\"\""} {
		require.NotContains(t, string(out), `"`+k, "an old input encodes as it did")
	}
}

func receipt() fiscal.Input {
	d := decimal.RequireFromString
	return fiscal.Input{SourceID: "payment-1", Kind: fiscal.KindPaymentReceipt, Currency: "MXN",
		Payment: &fiscal.Payment{PaidAt: time.Date(2026, 12, 5, 10, 0, 0, 0, time.UTC), Form: "transfer", Amount: d("580"),
			Documents: []fiscal.PaidDocument{{DocumentID: uuid.New(), Amount: d("500")}, {DocumentID: uuid.New(), Amount: d("4"), ExchangeRate: d("0.05")}}}}
}

// TestValidatePaymentReceipt checks that a payment receipt carries a
// complete payment and nothing of an invoice, and that the other kinds
// carry no payment.
func TestValidatePaymentReceipt(t *testing.T) {
	t.Parallel()
	d := decimal.RequireFromString
	in := receipt()
	require.NoError(t, in.Validate(), "4 at 0.05 is 80 in the payment's currency: 580 in all")
	for field, change := range map[string]func(*fiscal.Input){
		"source_id":                        func(in *fiscal.Input) { in.SourceID = "" },
		"currency":                         func(in *fiscal.Input) { in.Currency = "" },
		"lines":                            func(in *fiscal.Input) { in.Lines = valid().Lines },
		"totals":                           func(in *fiscal.Input) { in.Totals.Total = d("1") },
		"related_document_id":              func(in *fiscal.Input) { id := uuid.New(); in.RelatedDocumentID = &id },
		"deferred":                         func(in *fiscal.Input) { in.Deferred = true },
		"payment":                          func(in *fiscal.Input) { in.Payment = nil },
		"payment.paid_at":                  func(in *fiscal.Input) { in.Payment.PaidAt = time.Time{} },
		"payment.form":                     func(in *fiscal.Input) { in.Payment.Form = "" },
		"payment.amount":                   func(in *fiscal.Input) { in.Payment.Amount = d("579.98") },
		"payment.documents":                func(in *fiscal.Input) { in.Payment.Documents = nil },
		"payment.documents[0].document_id": func(in *fiscal.Input) { in.Payment.Documents[0].DocumentID = uuid.Nil },
		"payment.documents[1].document_id": func(in *fiscal.Input) {
			in.Payment.Documents[1].DocumentID = in.Payment.Documents[0].DocumentID
		},
		"payment.documents[0].amount":        func(in *fiscal.Input) { in.Payment.Documents[0].Amount = d("0") },
		"payment.documents[1].exchange_rate": func(in *fiscal.Input) { in.Payment.Documents[1].ExchangeRate = d("-1") },
	} {
		in := receipt()
		change(&in)
		var fe *fiscal.FieldError
		require.True(t, errors.As(in.Validate(), &fe), field)
		require.Equal(t, field, fe.Field, fe.Reason)
	}
	var fe *fiscal.FieldError
	other := receipt()
	other.Payment.Form = "other"
	require.ErrorAs(t, other.Validate(), &fe)
	require.Equal(t, "payment.form", fe.Field, "a payment recorded as other has no payment form for a receipt")
	require.Contains(t, fe.Reason, `"other" has none`)
	inv := valid()
	inv.Payment = receipt().Payment
	require.ErrorAs(t, inv.Validate(), &fe)
	require.Equal(t, "payment", fe.Field, "an invoice carries no payment")
	inv = valid()
	inv.Deferred = true
	require.NoError(t, inv.Validate(), "an invoice may be paid later")
	rel := uuid.New()
	inv.Kind, inv.RelatedDocumentID = fiscal.KindCreditNote, &rel
	require.ErrorAs(t, inv.Validate(), &fe)
	require.Equal(t, "deferred", fe.Field, "a credit note is not paid later")
}

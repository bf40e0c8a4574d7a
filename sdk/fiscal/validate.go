package fiscal

import (
	"fmt"
	"time"

	"github.com/shopspring/decimal"
)

// FieldError is an Input that cannot be issued: Field names the offending
// input as a JSON path (lines[2].net), Reason says why in words a user can
// act on. The host answers it as a 422 invalid_field.
type FieldError struct {
	Field  string
	Reason string
}

// Error implements error.
func (e *FieldError) Error() string { return e.Field + ": " + e.Reason }

// Limits of an Input.
const (
	// MaxLines bounds the lines of one document.
	MaxLines = 1000
	// MaxText bounds a description, a name or an id.
	MaxText = 1000
	// MaxSourceID bounds SourceID.
	MaxSourceID = 200
)

// maxAmount bounds every amount (NUMERIC(20,6)).
var maxAmount = decimal.New(1, 13)

// tolerance is how far a tax amount may be from base × rate: a cent, the
// rounding of one line.
var tolerance = decimal.New(1, -2)

// Validate checks that in is complete and that its amounts add up: every
// line's Net + taxes = Total, each tax's Base = the line's Net and its
// Amount = Base × Rate to the cent, the totals are the sums of the lines
// and Totals.Taxes the sums of the lines' tax amounts per rate (their
// Base the taxable base at that rate, which issuers report as such). It returns the first *FieldError.
func (in *Input) Validate() error {
	switch {
	case in.SourceID == "" || len(in.SourceID) > MaxSourceID:
		return &FieldError{"source_id", fmt.Sprintf("1 to %d characters", MaxSourceID)}
	case in.Kind != KindInvoice && in.Kind != KindCreditNote:
		return &FieldError{"kind", "invoice or credit_note"}
	case len(in.Currency) != 3:
		return &FieldError{"currency", "an ISO 4217 code such as ARS or MXN"}
	case in.ExchangeRate.IsNegative():
		return &FieldError{"exchange_rate", "must be positive"}
	case in.Kind == KindCreditNote && in.RelatedDocumentID == nil:
		return &FieldError{"related_document_id", "a credit note names the fiscal document it reverses"}
	case in.Kind == KindInvoice && in.RelatedDocumentID != nil:
		return &FieldError{"related_document_id", "only a credit note names a related document"}
	case in.PointOfSale < 0 || in.PointOfSale > 99998:
		return &FieldError{"point_of_sale", "from 1 to 99998"}
	case len(in.Lines) == 0 || len(in.Lines) > MaxLines:
		return &FieldError{"lines", fmt.Sprintf("1 to %d lines", MaxLines)}
	}
	if err := in.checkDates(); err != nil {
		return err
	}
	for name, s := range map[string]string{"customer.name": in.Customer.Name, "customer.tax_id": in.Customer.TaxID,
		"customer.condition": in.Customer.Condition, "customer.postal_code": in.Customer.PostalCode, "payment_form": in.PaymentForm} {
		if len(s) > MaxText {
			return &FieldError{name, fmt.Sprintf("at most %d characters", MaxText)}
		}
	}
	var net, discount, tax decimal.Decimal
	perRate := map[string]decimal.Decimal{}
	for i := range in.Lines {
		if err := in.Lines[i].check(fmt.Sprintf("lines[%d]", i)); err != nil {
			return err
		}
		l := in.Lines[i]
		net, discount = net.Add(l.Net), discount.Add(l.Discount)
		for _, t := range l.Taxes {
			tax = tax.Add(t.Amount)
			perRate[rateKey(t)] = perRate[rateKey(t)].Add(t.Amount)
		}
	}
	return in.Totals.check(net, discount, tax, perRate)
}

func (in *Input) checkDates() error {
	for name, s := range map[string]string{"date": in.Date, "service_from": in.ServiceFrom, "service_to": in.ServiceTo, "payment_due": in.PaymentDue} {
		if s == "" {
			continue
		}
		if _, err := time.Parse(time.DateOnly, s); err != nil {
			return &FieldError{name, "a date YYYY-MM-DD"}
		}
	}
	switch in.Concept {
	case "", ConceptGoods:
	case ConceptServices, ConceptGoodsAndServices:
		if in.ServiceFrom == "" || in.ServiceTo == "" || in.PaymentDue == "" {
			return &FieldError{"service_from", "services need service_from, service_to and payment_due"}
		}
		if in.ServiceTo < in.ServiceFrom {
			return &FieldError{"service_to", "before service_from"}
		}
	default:
		return &FieldError{"concept", "goods, services or goods_and_services"}
	}
	return nil
}

func rateKey(t Tax) string { return t.Type + "@" + t.Rate.String() }

func (l *Line) check(at string) error {
	switch {
	case l.Description == "" || len(l.Description) > MaxText:
		return &FieldError{at + ".description", fmt.Sprintf("1 to %d characters", MaxText)}
	case !l.Quantity.IsPositive():
		return &FieldError{at + ".quantity", "must be positive"}
	case l.UnitPrice.IsNegative():
		return &FieldError{at + ".unit_price", "must not be negative"}
	case l.Discount.IsNegative():
		return &FieldError{at + ".discount", "must not be negative"}
	case l.Net.IsNegative() || l.Net.Abs().GreaterThan(maxAmount):
		return &FieldError{at + ".net", "must be between 0 and 10^13"}
	}
	gross := l.Quantity.Mul(l.UnitPrice).Sub(l.Discount)
	if gross.Sub(l.Net).Abs().GreaterThan(tolerance) {
		return &FieldError{at + ".net", fmt.Sprintf("quantity × unit_price − discount is %s, not %s", gross.StringFixed(2), l.Net)}
	}
	total := l.Net
	for j, t := range l.Taxes {
		if !t.Base.Equal(l.Net) {
			return &FieldError{fmt.Sprintf("%s.taxes[%d].base", at, j), "a line's tax base is its net"}
		}
		if err := t.check(fmt.Sprintf("%s.taxes[%d]", at, j)); err != nil {
			return err
		}
		total = total.Add(t.Amount)
	}
	if !total.Equal(l.Total) {
		return &FieldError{at + ".total", fmt.Sprintf("net plus taxes is %s, not %s", total, l.Total)}
	}
	return nil
}

func (t Tax) check(at string) error {
	switch {
	case t.Type != "iva":
		return &FieldError{at + ".type", `"iva"`}
	case t.Rate.IsNegative() || t.Rate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return &FieldError{at + ".rate", "a fraction from 0 to 1, such as 0.21"}
	case t.Base.IsNegative() || t.Amount.IsNegative():
		return &FieldError{at + ".amount", "must not be negative"}
	case t.Base.Mul(t.Rate).Sub(t.Amount).Abs().GreaterThan(tolerance):
		return &FieldError{at + ".amount", fmt.Sprintf("base × rate is %s, not %s", t.Base.Mul(t.Rate).StringFixed(2), t.Amount)}
	}
	return nil
}

func (t *Totals) check(net, discount, tax decimal.Decimal, perRate map[string]decimal.Decimal) error {
	switch {
	case !t.Net.Equal(net):
		return &FieldError{"totals.net", fmt.Sprintf("the lines' net adds up to %s", net)}
	case !t.Discount.Equal(discount):
		return &FieldError{"totals.discount", fmt.Sprintf("the lines' discounts add up to %s", discount)}
	case !t.Tax.Equal(tax):
		return &FieldError{"totals.tax", fmt.Sprintf("the lines' taxes add up to %s", tax)}
	case !t.Total.Equal(net.Add(tax)):
		return &FieldError{"totals.total", fmt.Sprintf("net plus tax is %s", net.Add(tax))}
	case len(t.Taxes) != len(perRate):
		return &FieldError{"totals.taxes", fmt.Sprintf("one entry per tax rate of the lines (%d)", len(perRate))}
	}
	for i, tt := range t.Taxes {
		want, ok := perRate[rateKey(tt)]
		if !ok || !tt.Amount.Equal(want) {
			return &FieldError{fmt.Sprintf("totals.taxes[%d].amount", i), fmt.Sprintf("the lines' %s at %s add up to %s", tt.Type, tt.Rate, want)}
		}
		if tt.Base.IsNegative() {
			return &FieldError{fmt.Sprintf("totals.taxes[%d].base", i), "must not be negative"}
		}
	}
	return nil
}

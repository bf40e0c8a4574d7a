package fiscal

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/google/uuid"
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
// line's Net + transferred taxes − withheld taxes = Total, each tax's Base
// and Amount as Tax describes them (to the cent), the totals the sums of
// the lines and Totals.Taxes the sums of the lines' taxes per tax (type,
// rate or quota, exempt, withheld, description), Base and Amount. It
// returns the first *FieldError.
func (in *Input) Validate() error {
	if err := in.checkKind(); err != nil || in.Kind == KindPaymentReceipt {
		return err
	}
	switch {
	case in.SourceID == "" || len(in.SourceID) > MaxSourceID:
		return &FieldError{"source_id", fmt.Sprintf("1 to %d characters", MaxSourceID)}
	case in.Kind != KindInvoice && in.Kind != KindCreditNote:
		return &FieldError{"kind", "invoice, credit_note or payment_receipt"}
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
	for i := range in.Lines {
		if err := in.Lines[i].check(fmt.Sprintf("lines[%d]", i)); err != nil {
			return err
		}
	}
	return in.Totals.check(TotalsOf(in.Lines))
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

// taxKey is what Totals.Taxes sums a line's tax under.
func taxKey(t Tax) string {
	return fmt.Sprintf("%s@%s/%s/%t/%t/%s", t.Type, t.Rate, t.Quota, t.Exempt, t.Withheld, t.Description)
}

// TotalsOf sums lines as Validate expects the totals: Net, Discount, the
// transferred and withheld taxes, Total, and one Taxes entry per tax in
// the order the lines name them, Base and Amount summed.
func TotalsOf(lines []Line) Totals {
	var t Totals
	index := map[string]int{}
	for _, l := range lines {
		t.Net, t.Discount = t.Net.Add(l.Net), t.Discount.Add(l.Discount)
		for _, x := range l.Taxes {
			if x.Withheld {
				t.Withheld = t.Withheld.Add(x.Amount)
			} else {
				t.Tax = t.Tax.Add(x.Amount)
			}
			k := taxKey(x)
			i, ok := index[k]
			if !ok {
				i = len(t.Taxes)
				index[k] = i
				sum := x
				sum.Base, sum.Amount = decimal.Zero, decimal.Zero
				t.Taxes = append(t.Taxes, sum)
			}
			t.Taxes[i].Base, t.Taxes[i].Amount = t.Taxes[i].Base.Add(x.Base), t.Taxes[i].Amount.Add(x.Amount)
		}
	}
	t.Total = t.Net.Add(t.Tax).Sub(t.Withheld)
	return t
}

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
	var ieps decimal.Decimal
	for _, t := range l.Taxes {
		if t.Type == TaxIEPS {
			ieps = ieps.Add(t.Amount)
		}
	}
	total := l.Net
	for j, t := range l.Taxes {
		if err := t.check(fmt.Sprintf("%s.taxes[%d]", at, j), l.Net, ieps); err != nil {
			return err
		}
		if t.Withheld {
			total = total.Sub(t.Amount)
		} else {
			total = total.Add(t.Amount)
		}
	}
	if !total.Equal(l.Total) {
		return &FieldError{at + ".total", fmt.Sprintf("net plus transferred minus withheld taxes is %s, not %s", total, l.Total)}
	}
	return nil
}

// taxTypes are the known Tax.Type values.
var taxTypes = []string{TaxIVA, TaxIEPS, TaxISR, TaxNational, TaxProvincial, TaxMunicipal, TaxInternal, TaxGrossIncome,
	TaxIVAPerception, TaxGrossIncomePerception, TaxMunicipalPerception, TaxOtherPerception, TaxIVAPerceptionUncategorized, TaxOther}

// maxUnitPlaces bounds the decimals of the units a quota applies to.
const maxUnitPlaces = 6

// check checks one tax of a line whose Net is net and whose IEPS amounts
// add up to ieps.
func (t Tax) check(at string, net, ieps decimal.Decimal) error {
	perUnit := !t.Quota.IsZero()
	switch {
	case !slices.Contains(taxTypes, t.Type):
		return &FieldError{at + ".type", "one of " + strings.Join(taxTypes, ", ")}
	case t.Withheld && t.Type != TaxIVA && t.Type != TaxISR:
		return &FieldError{at + ".withheld", "only iva and isr are withheld"}
	case t.Type == TaxISR && !t.Withheld:
		return &FieldError{at + ".withheld", "isr is only withheld"}
	case t.Type == TaxOther && strings.TrimSpace(t.Description) == "":
		return &FieldError{at + ".description", `an "other" tax names itself`}
	case len(t.Description) > MaxText:
		return &FieldError{at + ".description", fmt.Sprintf("at most %d characters", MaxText)}
	case t.Exempt && (t.Type != TaxIVA || t.Withheld):
		return &FieldError{at + ".exempt", "only transferred iva is exempt"}
	case t.Exempt && (!t.Rate.IsZero() || perUnit || !t.Amount.IsZero()):
		return &FieldError{at + ".exempt", "an exempt tax has no rate, quota or amount"}
	case t.Quota.IsNegative():
		return &FieldError{at + ".quota", "must not be negative"}
	case perUnit && (!t.Rate.IsZero() || t.Withheld):
		return &FieldError{at + ".quota", "a transferred tax has a rate or a quota, not both"}
	case t.Rate.IsNegative() || t.Rate.GreaterThanOrEqual(decimal.NewFromInt(1)):
		return &FieldError{at + ".rate", "a fraction from 0 to 1, such as 0.21"}
	case t.Base.IsNegative() || t.Amount.IsNegative():
		return &FieldError{at + ".amount", "must not be negative"}
	}
	switch {
	case perUnit:
		if !t.Base.IsPositive() || -t.Base.Exponent() > maxUnitPlaces {
			return &FieldError{at + ".base", fmt.Sprintf("the units taxed at the quota: positive, at most %d decimals", maxUnitPlaces)}
		}
	case t.Type == TaxIVA:
		if want := net.Add(ieps); !t.Base.Equal(want) {
			reason := "a line's tax base is its net"
			if !ieps.IsZero() {
				reason = fmt.Sprintf("IVA's base is the line's net plus its IEPS, %s", want)
			}
			return &FieldError{at + ".base", reason}
		}
	case t.Type == TaxIEPS || t.Type == TaxISR:
		if !t.Base.Equal(net) {
			return &FieldError{at + ".base", "a line's tax base is its net"}
		}
	}
	factor, name := t.Rate, "rate"
	if perUnit {
		factor, name = t.Quota, "quota"
	}
	if want := t.Base.Mul(factor); want.Sub(t.Amount).Abs().GreaterThan(tolerance) {
		return &FieldError{at + ".amount", fmt.Sprintf("base × %s is %s, not %s", name, want.StringFixed(2), t.Amount)}
	}
	return nil
}

// check compares the totals with sums, the lines' (TotalsOf).
func (t *Totals) check(sums Totals) error {
	switch {
	case !t.Net.Equal(sums.Net):
		return &FieldError{"totals.net", fmt.Sprintf("the lines' net adds up to %s", sums.Net)}
	case !t.Discount.Equal(sums.Discount):
		return &FieldError{"totals.discount", fmt.Sprintf("the lines' discounts add up to %s", sums.Discount)}
	case !t.Tax.Equal(sums.Tax):
		return &FieldError{"totals.tax", fmt.Sprintf("the lines' transferred taxes add up to %s", sums.Tax)}
	case !t.Withheld.Equal(sums.Withheld):
		return &FieldError{"totals.withheld", fmt.Sprintf("the lines' withheld taxes add up to %s", sums.Withheld)}
	case !t.Total.Equal(sums.Total):
		return &FieldError{"totals.total", fmt.Sprintf("net plus tax minus withheld is %s", sums.Total)}
	case len(t.Taxes) != len(sums.Taxes):
		return &FieldError{"totals.taxes", fmt.Sprintf("one entry per tax of the lines (%d)", len(sums.Taxes))}
	}
	want := map[string]Tax{}
	for _, s := range sums.Taxes {
		want[taxKey(s)] = s
	}
	seen := map[string]bool{}
	for i, tt := range t.Taxes {
		k := taxKey(tt)
		w, ok := want[k]
		switch {
		case !ok || seen[k] || !tt.Amount.Equal(w.Amount):
			return &FieldError{fmt.Sprintf("totals.taxes[%d].amount", i), fmt.Sprintf("the lines' %s at %s add up to %s", tt.Type, tt.Rate, w.Amount)}
		case !tt.Base.Equal(w.Base):
			return &FieldError{fmt.Sprintf("totals.taxes[%d].base", i), fmt.Sprintf("the lines' %s at %s are levied on %s", tt.Type, tt.Rate, w.Base)}
		}
		seen[k] = true
	}
	return nil
}

// MaxPaidDocuments bounds the invoices one payment receipt pays.
const MaxPaidDocuments = 500

// checkKind checks what depends on the kind beyond the lines: a payment
// receipt entirely (validatePaymentReceipt), for the other kinds that
// they carry no payment and that only an invoice is deferred.
func (in *Input) checkKind() error {
	switch {
	case in.Kind == KindPaymentReceipt:
		return in.validatePaymentReceipt()
	case in.Payment != nil:
		return &FieldError{"payment", "only a payment receipt carries a payment"}
	case in.Deferred && in.Kind != KindInvoice:
		return &FieldError{"deferred", "only an invoice is paid later"}
	}
	return nil
}

// paymentForms are the forms a payment received is recorded with, each
// one its authority has a code for (CFDI FormaDePagoP).
var paymentForms = []string{"cash", "card", "debit_card", "transfer", "wallet", "check"}

// validatePaymentReceipt checks a payment receipt: the payment complete,
// each invoice named once with a positive amount, their amounts in the
// payment's currency adding up to at most the payment, and no lines,
// totals or related document.
func (in *Input) validatePaymentReceipt() error {
	p := in.Payment
	switch {
	case in.SourceID == "" || len(in.SourceID) > MaxSourceID:
		return &FieldError{"source_id", fmt.Sprintf("1 to %d characters", MaxSourceID)}
	case len(in.Currency) != 3:
		return &FieldError{"currency", "the payment's currency, an ISO 4217 code such as MXN"}
	case in.ExchangeRate.IsNegative():
		return &FieldError{"exchange_rate", "must be positive"}
	case len(in.Lines) > 0:
		return &FieldError{"lines", "a payment receipt has no lines: the payment says what was paid"}
	case !in.Totals.Total.IsZero() || !in.Totals.Net.IsZero() || !in.Totals.Tax.IsZero() || !in.Totals.Withheld.IsZero() || len(in.Totals.Taxes) > 0:
		return &FieldError{"totals", "a payment receipt has no totals: the payment says what was paid"}
	case in.RelatedDocumentID != nil:
		return &FieldError{"related_document_id", "a payment receipt names its invoices in payment.documents"}
	case in.Deferred:
		return &FieldError{"deferred", "only an invoice is paid later"}
	case p == nil:
		return &FieldError{"payment", "a payment receipt carries the payment received"}
	case p.PaidAt.IsZero():
		return &FieldError{"payment.paid_at", "when the payment was received"}
	case !slices.Contains(paymentForms, p.Form):
		return &FieldError{"payment.form", "how it was paid: cash, card, debit_card, transfer, wallet or check " +
			"(a receipt names a real form: \"other\" has none, and Mexico's 99 por definir is only for deferred invoices, never for a payment received)"}
	case !p.Amount.IsPositive() || p.Amount.GreaterThan(maxAmount):
		return &FieldError{"payment.amount", "must be between 0 and 10^13"}
	case len(p.Reference) > 100:
		return &FieldError{"payment.reference", "at most 100 characters"}
	case len(p.Documents) == 0 || len(p.Documents) > MaxPaidDocuments:
		return &FieldError{"payment.documents", fmt.Sprintf("1 to %d invoices", MaxPaidDocuments)}
	}
	seen := make(map[uuid.UUID]bool, len(p.Documents))
	var sum decimal.Decimal
	for i, d := range p.Documents {
		at := fmt.Sprintf("payment.documents[%d]", i)
		switch {
		case d.DocumentID == uuid.Nil:
			return &FieldError{at + ".document_id", "the fiscal document id of the invoice paid"}
		case seen[d.DocumentID]:
			return &FieldError{at + ".document_id", "names an invoice already paid by this payment"}
		case !d.Amount.IsPositive() || d.Amount.GreaterThan(maxAmount):
			return &FieldError{at + ".amount", "must be between 0 and 10^13"}
		case d.ExchangeRate.IsNegative():
			return &FieldError{at + ".exchange_rate", "must be positive"}
		}
		seen[d.DocumentID] = true
		if d.ExchangeRate.IsZero() {
			sum = sum.Add(d.Amount)
		} else {
			sum = sum.Add(d.Amount.DivRound(d.ExchangeRate, 6))
		}
	}
	if sum.Sub(p.Amount).GreaterThan(tolerance) {
		return &FieldError{"payment.amount", fmt.Sprintf("the documents' amounts in the payment's currency add up to %s, more than the payment", sum.StringFixed(2))}
	}
	return nil
}

package mx

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/host/internal/fiscal"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/httpx"
	"github.com/nexuspos/nexus/host/internal/invoices"
	sdkfiscal "github.com/nexuspos/nexus/sdk/fiscal"
)

// seriePagoDefault is the serie of payment receipts when the settings
// name none.
const seriePagoDefault = "P"

// metodoPPD is MetodoPago PPD: paid in installments or later.
const metodoPPD = "PPD"

// formasDePagoP maps the SDK's payment forms to the c_FormaPago of a
// payment received (FormaDePagoP); 99 (por definir) is never one.
var formasDePagoP = map[string]string{
	"cash": "01", "check": "02", "transfer": "03", "card": "04", "wallet": "05", "debit_card": "28",
}

// checkPlan refuses, before anything is stored, what no CFDI can carry:
// a deferred invoice to the public in general (a global CFDI is paid
// when issued, PUE); a payment of a form that has no FormaDePagoP, in a
// foreign currency without its exchange rate, or of an invoice whose CFDI
// was not issued PPD or does not total what the core keeps its balance in.
func checkPlan(doc *fiscal.Document) error {
	in := doc.Input
	switch {
	case in == nil:
		return fmt.Errorf("mx: document %s has no input", doc.ID)
	case in.Deferred && anonymous(in):
		return inputError("customer.tax_id", "a deferred invoice (MetodoPago PPD) names its customer's RFC: a global CFDI to the public in general is paid when issued")
	case in.Deferred:
		return checkNoQuota(in)
	case in.Kind != sdkfiscal.KindPaymentReceipt:
		return nil
	case formasDePagoP[in.Payment.Form] == "":
		return inputError("payment.form", "how it was paid: cash, check, transfer, card, wallet or debit_card")
	case !strings.EqualFold(in.Currency, monedaMXN) && !in.ExchangeRate.IsPositive():
		return inputError("exchange_rate", "a payment in "+in.Currency+" says how many pesos one "+in.Currency+" is worth (TipoCambioP)")
	}
	for i, paid := range doc.Paid {
		if _, err := paidCFDI(i, paid); err != nil {
			return err
		}
	}
	return nil
}

// errQuotaPPD says why a tax per unit (IEPS Cuota) is refused in what a
// payment receipt carries: SAT's Pagos 2.0 guide prorates each tax of a
// paid invoice as an amount (BaseDR = the invoice's base in proportion
// to what is paid, ImporteDR = BaseDR × TasaOCuotaDR, BaseP converted by
// EquivalenciaDR and TipoCambioP), while a Cuota's Base is a number of
// units (liters, cigarettes) that no exchange rate converts and whose
// installments' rounding does not add up to the invoice's IEPS; rather
// than stamp a guess, it is refused before anything is stored.
const errQuotaPPD = "a tax per unit (IEPS Cuota) is not carried by the payment receipts (CFDI of type P) a deferred invoice is paid with: issue it paid when issued (not deferred, PUE)"

// checkNoQuota refuses a deferred invoice with a tax per unit.
func checkNoQuota(in *sdkfiscal.Input) error {
	for i, l := range in.Lines {
		for j, t := range l.Taxes {
			if !t.Quota.IsZero() {
				return inputError(fmt.Sprintf("lines[%d].taxes[%d].quota", i, j), errQuotaPPD)
			}
		}
	}
	return nil
}

// paidCFDI is the stamped CFDI of the i-th invoice a payment pays, which
// must have been issued PPD and total what the core keeps its balance in
// (the document's total).
func paidCFDI(i int, paid fiscal.PaidInvoice) (*invoices.CFDI, error) {
	inv, err := invoices.Parse(paid.Invoice.LegalDocument)
	if err != nil {
		return nil, fmt.Errorf("mx: the stamped CFDI of invoice %s: %w", paid.Invoice.ID, err)
	}
	at := fmt.Sprintf("payment.documents[%d].document_id", i)
	switch {
	case inv.MetodoPago != metodoPPD:
		return nil, inputError(at, "the invoice's CFDI was issued PUE (paid when issued): only a PPD invoice takes payment receipts")
	case hasCuota(inv):
		return nil, inputError(at, "the invoice's CFDI has "+errQuotaPPD)
	case !inv.Total.Equal(paid.Invoice.Total.Decimal):
		return nil, httpx.Unprocessable("cfdi_total_mismatch",
			fmt.Sprintf("%s: the invoice's CFDI Total %s differs from its document's total %s, which its balances are kept in", at,
				inv.Total.StringFixed(2), paid.Invoice.Total.StringFixed(2))).
			WithDetails(map[string]any{"field": at, "cfdi_total": inv.Total.StringFixed(2), "total": paid.Invoice.Total.StringFixed(2)})
	}
	return inv, nil
}

// paymentComprobante is the CFDI of type P of the payment receipt doc,
// dated now: one payment, relating each invoice the core computed in
// doc.Paid with its installment and balances, and the invoice's UUID,
// serie, folio, currency and taxes as its stamped CFDI has them. The
// Receptor is the invoices'.
func paymentComprobante(env *fiscal.Env, c Config, doc *fiscal.Document, now time.Time) (*cfdi.Comprobante, error) {
	in := doc.Input
	p := in.Payment
	if p == nil || len(doc.Paid) == 0 {
		return nil, fmt.Errorf("mx: payment receipt %s without its payment or its invoices", doc.ID)
	}
	loc := env.Company.Location
	pay := cfdi.Payment{
		Fecha: p.PaidAt.In(loc), FormaDePago: formasDePagoP[p.Form], Moneda: strings.ToUpper(in.Currency),
		TipoCambio: in.ExchangeRate, Monto: p.Amount, NumOperacion: p.Reference,
	}
	if pay.Moneda == monedaMXN {
		pay.TipoCambio = decimal.Zero
	}
	var receptor invoices.Receptor
	for i, paid := range doc.Paid {
		inv, err := paidCFDI(i, paid)
		if err != nil {
			return nil, err
		}
		if i == 0 {
			receptor = inv.Receptor
		}
		pay.Documents = append(pay.Documents, cfdi.PaidInvoice{
			UUID: *paid.Invoice.AuthorizationCode, Serie: inv.Serie, Folio: inv.Folio, Moneda: inv.Moneda,
			Equivalencia: paid.ExchangeRate, NumParcialidad: paid.Number, SaldoAnterior: paid.PreviousBalance.Decimal,
			Pagado: paid.Paid.Decimal, Total: inv.Total, Taxes: invoiceTaxes(inv),
		})
	}
	d := cfdi.PaymentDocument{
		Serie: serie(c, doc), Fecha: now.In(loc), LugarExpedicion: c.LugarExpedicion,
		Emisor:   invoices.Emisor{Rfc: env.Company.TaxID, Nombre: c.Name, RegimenFiscal: c.RegimenFiscal},
		Receptor: receptor, Payments: []cfdi.Payment{pay},
	}
	comp, err := cfdi.BuildPayment(d)
	if err != nil {
		return nil, invalidDocument(err)
	}
	return comp, nil
}

// invoiceTaxes are an invoice's taxes with the base each applies to in
// the whole invoice: its Conceptos' traslados and retenciones summed per
// (impuesto, factor, rate), in the order they first appear.
func invoiceTaxes(inv *invoices.CFDI) []cfdi.InvoiceTax {
	var out []cfdi.InvoiceTax
	add := func(retencion bool, t invoices.Impuesto) {
		tax := cfdi.InvoiceTax{Retencion: retencion, Tax: cfdi.Tax{Impuesto: t.Impuesto, TipoFactor: t.TipoFactor, Rate: t.TasaOCuota}}
		i := slices.IndexFunc(out, func(o cfdi.InvoiceTax) bool {
			return o.Retencion == retencion && o.Impuesto == t.Impuesto && o.TipoFactor == t.TipoFactor &&
				o.Rate.Valid == t.TasaOCuota.Valid && o.Rate.Decimal.Equal(t.TasaOCuota.Decimal)
		})
		if i < 0 {
			out = append(out, tax)
			i = len(out) - 1
		}
		out[i].Base = out[i].Base.Add(t.Base.Decimal)
	}
	for _, k := range inv.Conceptos {
		for _, t := range k.Traslados {
			add(false, t)
		}
		for _, t := range k.Retenciones {
			add(true, t)
		}
	}
	return out
}

// hasCuota reports whether a tax of inv is per unit (TipoFactor Cuota).
func hasCuota(inv *invoices.CFDI) bool {
	for _, k := range inv.Conceptos {
		for _, t := range slices.Concat(k.Traslados, k.Retenciones) {
			if t.TipoFactor == cfdi.FactorCuota {
				return true
			}
		}
	}
	return false
}

package cfdi_test

import (
	"errors"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// payment is a payment receipt of two payments: 1740 MXN paying half of
// an MXN invoice (1160, IVA 16 % on 1000) and half of a USD one (116,
// IVA 16 % on 100; 0.05 USD a peso), then 100 USD at 17.50 paying part of
// an MXN invoice of fees with withholdings (10000 + IVA 1600 − ISR 1000 −
// IVA 1066.67 = 9533.33).
func payment() cfdi.PaymentDocument {
	day := time.Date(2026, 12, 5, 12, 0, 0, 0, cfditest.MexicoCity)
	return cfdi.PaymentDocument{
		Serie: "P", Folio: "17", Fecha: day, LugarExpedicion: "06600",
		Emisor: invoices.Emisor{Rfc: cfditest.RFC, Nombre: cfditest.Name, RegimenFiscal: "601"},
		Receptor: invoices.Receptor{Rfc: "URE180429TM6", Nombre: "UNIVERSIDAD ROBOTICA ESPAÑOLA",
			DomicilioFiscalReceptor: "64000", RegimenFiscalReceptor: "601", UsoCFDI: "G03"},
		Payments: []cfdi.Payment{
			{Fecha: day.Add(-2 * time.Hour), FormaDePago: "03", Moneda: "MXN", Monto: dec("1740"), NumOperacion: "SPEI-0042",
				Documents: []cfdi.PaidInvoice{
					{UUID: related, Serie: "A", Folio: "1001", Moneda: "MXN", NumParcialidad: 1,
						SaldoAnterior: dec("1160"), Pagado: dec("580"), Total: dec("1160"),
						Taxes: []cfdi.InvoiceTax{{Tax: iva16, Base: dec("1000")}}},
					{UUID: "0A1B2C3D-0000-4000-8000-000000000002", Moneda: "USD", Equivalencia: dec("0.05"), NumParcialidad: 2,
						SaldoAnterior: dec("116"), Pagado: dec("58"), Total: dec("116"),
						Taxes: []cfdi.InvoiceTax{{Tax: iva16, Base: dec("100")}}},
				}},
			{Fecha: day.Add(-time.Hour), FormaDePago: "02", Moneda: "USD", TipoCambio: dec("17.50"), Monto: dec("100"),
				Documents: []cfdi.PaidInvoice{
					{UUID: "0A1B2C3D-0000-4000-8000-000000000003", Serie: "A", Folio: "1002", Moneda: "MXN", Equivalencia: dec("17.50"),
						NumParcialidad: 1, SaldoAnterior: dec("9533.33"), Pagado: dec("1750"), Total: dec("9533.33"),
						Taxes: []cfdi.InvoiceTax{{Tax: iva16, Base: dec("10000")}, {Retencion: true, Tax: retISR, Base: dec("10000")},
							{Retencion: true, Tax: retIVA, Base: dec("10000")}}},
				}},
		},
	}
}

func TestBuildPaymentAmounts(t *testing.T) {
	t.Parallel()
	c, err := cfdi.BuildPayment(payment())
	require.NoError(t, err)
	require.Equal(t, invoices.TipoPago, c.TipoDeComprobante)
	require.Equal(t, []string{"0", "0", "XXX", "", ""}, []string{c.SubTotal, c.Total, c.Moneda, c.FormaPago, c.MetodoPago})
	require.Equal(t, "CP01", c.Receptor.UsoCFDI)
	require.Equal(t, []cfdi.Concepto{{ClaveProdServ: "84111506", Cantidad: "1", ClaveUnidad: "ACT", Descripcion: "Pago",
		ValorUnitario: "0", Importe: "0", ObjetoImp: "01"}}, c.Conceptos)
	require.Nil(t, c.Impuestos)

	p := c.Pagos.Pagos[0]
	require.Equal(t, []string{"2026-12-05T10:00:00", "03", "MXN", "1", "1740.00"}, []string{p.FechaPago, p.FormaDePagoP, p.MonedaP, p.TipoCambioP, p.Monto})
	// Half of each invoice: the balance halves, and so do its taxes.
	d0 := p.Doctos[0]
	require.Equal(t, []string{"1", "1", "1160.00", "580.00", "580.00", "02"},
		[]string{d0.EquivalenciaDR, d0.NumParcialidad, d0.ImpSaldoAnt, d0.ImpPagado, d0.ImpSaldoInsoluto, d0.ObjetoImpDR})
	require.Equal(t, []cfdi.Impuesto{{Base: "500.00", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "80.00"}}, d0.Traslados)
	d1 := p.Doctos[1]
	require.Equal(t, []string{"0.05", "2", "116.00", "58.00", "58.00"}, []string{d1.EquivalenciaDR, d1.NumParcialidad, d1.ImpSaldoAnt, d1.ImpPagado, d1.ImpSaldoInsoluto})
	require.Equal(t, []cfdi.Impuesto{{Base: "50.00", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "8.00"}}, d1.Traslados)
	// In the payment's pesos: 500 + 50 / 0.05 = 1500, 80 + 8 / 0.05 = 240.
	require.Equal(t, []cfdi.Impuesto{{Base: "1500.00", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "240.00"}}, p.Traslados)
	require.Empty(t, p.Retenciones)

	// 1750 of 9533.33 is 18.3566 %: bases of 1835.66, IVA 293.71, ISR
	// 183.57, IVA withheld 195.80; in dollars at 17.50 each.
	q := c.Pagos.Pagos[1]
	require.Equal(t, "17.50", q.TipoCambioP)
	dq := q.Doctos[0]
	require.Equal(t, []string{"17.50", "9533.33", "1750.00", "7783.33"}, []string{dq.EquivalenciaDR, dq.ImpSaldoAnt, dq.ImpPagado, dq.ImpSaldoInsoluto})
	require.Equal(t, []cfdi.Impuesto{{Base: "1835.66", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "293.71"}}, dq.Traslados)
	require.Equal(t, []cfdi.Impuesto{
		{Base: "1835.66", Impuesto: "001", TipoFactor: "Tasa", TasaOCuota: "0.100000", Importe: "183.57"},
		{Base: "1835.66", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.106667", Importe: "195.80"},
	}, dq.Retenciones)
	require.Equal(t, []cfdi.Impuesto{{Base: "104.89", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "16.78"}}, q.Traslados)
	require.Equal(t, []cfdi.Impuesto{{Impuesto: "001", Importe: "10.49"}, {Impuesto: "002", Importe: "11.19"}}, q.Retenciones)

	// Totales in pesos, from the payments' taxes: 1740 + 100 × 17.50;
	// IVA 16 % 1500 + 104.89 × 17.50, 240 + 16.78 × 17.50.
	require.Equal(t, cfdi.PagosTotales{
		TotalRetencionesIVA: "195.83", TotalRetencionesISR: "183.58",
		TotalTrasladosBaseIVA16: "3335.58", TotalTrasladosImpuestoIVA16: "533.65", MontoTotalPagos: "3490.00",
	}, c.Pagos.Totales)
}

func TestPaymentCadenaMatchesGolden(t *testing.T) {
	t.Parallel()
	want, err := os.ReadFile(goldenPath("pago"))
	require.NoError(t, err)
	c, err := cfdi.BuildPayment(payment())
	require.NoError(t, err)
	doc, cadena, err := cfdi.Seal(c, cfditest.CSD(t))
	require.NoError(t, err)
	require.Equal(t, string(want), cadena, "Go's cadena original vs the golden by SAT's XSLT")
	cfditest.Checks(t, doc, c.Sello, cadena)
	require.Equal(t, "2.0", attr(t, doc, "pago20:Pagos", "Version"))
	require.Equal(t, "P", attr(t, doc, "cfdi:Comprobante", "TipoDeComprobante"))

	// The invoices package reads it back as the payment receipt it is.
	parsed, err := invoices.Parse(withTimbre(doc))
	require.NoError(t, err)
	require.Len(t, parsed.Pagos.Pagos, 2)
	got := parsed.Pagos.Pagos[0].Documentos[0]
	require.Equal(t, []string{"1", "1160", "580", "580"}, []string{
		"1", got.ImpSaldoAnt.Decimal.String(), got.ImpPagado.String(), got.ImpSaldoInsoluto.Decimal.String()})
}

func TestBuildPaymentRefuses(t *testing.T) {
	t.Parallel()
	for field, change := range map[string]func(*cfdi.PaymentDocument){
		"Receptor.Rfc":                  func(d *cfdi.PaymentDocument) { d.Receptor.Rfc = cfdi.RFCPublicoGeneral },
		"Payments":                      func(d *cfdi.PaymentDocument) { d.Payments = nil },
		"Payments[1].FormaDePago":       func(d *cfdi.PaymentDocument) { d.Payments[0].FormaDePago = "99" },
		"Payments[2].TipoCambio":        func(d *cfdi.PaymentDocument) { d.Payments[1].TipoCambio = dec("0") },
		"Payments[1].Monto":             func(d *cfdi.PaymentDocument) { d.Payments[0].Monto = dec("1739.99") },
		"Payments[1].Documents[1].UUID": func(d *cfdi.PaymentDocument) { d.Payments[0].Documents[0].UUID = "A-1001" },
		"Payments[1].Documents[2].Equivalencia": func(d *cfdi.PaymentDocument) {
			d.Payments[0].Documents[1].Equivalencia = dec("0")
		},
		"Payments[1].Documents[1].Pagado": func(d *cfdi.PaymentDocument) {
			d.Payments[0].Documents[0].SaldoAnterior = dec("500")
		},
		"Payments[1].Documents[1].NumParcialidad": func(d *cfdi.PaymentDocument) { d.Payments[0].Documents[0].NumParcialidad = 0 },
		"Payments[1].Documents[1].SaldoAnterior": func(d *cfdi.PaymentDocument) {
			d.Payments[0].Documents[0].SaldoAnterior = dec("1200")
		},
		// A tax per unit is not prorated as an amount (its Base is units).
		"Payments[1].Documents[1].Taxes[2].TipoFactor": func(d *cfdi.PaymentDocument) {
			doc := &d.Payments[0].Documents[0]
			doc.Taxes = append(doc.Taxes, cfdi.InvoiceTax{Base: dec("3.6"),
				Tax: cfdi.Tax{Impuesto: cfdi.ImpuestoIEPS, TipoFactor: cfdi.FactorCuota, Rate: rate("1.6451"), Units: dec("3.6")}})
		},
	} {
		d := payment()
		change(&d)
		_, err := cfdi.BuildPayment(d)
		var fe *cfdi.FieldError
		require.True(t, errors.As(err, &fe), "%s: %v", field, err)
		require.Equal(t, field, fe.Field, fe.Message)
	}
}

// withTimbre adds a TimbreFiscalDigital to doc's Complemento, as a PAC
// does.
func withTimbre(doc []byte) []byte {
	tfd := `<tfd:TimbreFiscalDigital xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="1.1" UUID="` + related +
		`" FechaTimbrado="2026-12-05T12:00:05" RfcProvCertif="SPR190613I52" SelloCFD="x" NoCertificadoSAT="30001000000500003456" SelloSAT="y"/>`
	return []byte(strings.Replace(string(doc), "</cfdi:Complemento>", tfd+"</cfdi:Complemento>", 1))
}

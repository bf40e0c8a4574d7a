package cfdi_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// goldenCases are the CFDI kinds whose cadena original is held to a golden
// in testdata/golden/<kind>.txt: fixed documents (dates, folios) sealed
// with the test CSD's fixed NoCertificado. The goldens are SAT's XSLT's
// output (xsltproc cadenaoriginal_4_0.xslt), which the conformance suite
// re-derives (TestGoldensAreSATsCadenas, tag satfiles).
func goldenCases(t *testing.T) map[string]cfdi.Document {
	t.Helper()
	withholding := sale()
	withholding.Receptor = invoices.Receptor{Rfc: "XIQB891116QE4", Nombre: "BERENICE XIMO QUEZADA",
		DomicilioFiscalReceptor: "44100", RegimenFiscalReceptor: "612", UsoCFDI: "G03"}
	withholding.Lines = []cfdi.Line{{ClaveProdServ: "84111506", Cantidad: dec("1"), ClaveUnidad: "E48",
		Descripcion: "Honorarios", ValorUnitario: dec("10000"),
		Traslados: []cfdi.Tax{iva16}, Retenciones: []cfdi.Tax{retISR, retIVA}}}

	// IEPS at a rate and per liter on flavoured drinks, IVA on the price
	// plus both, an exempt line.
	ieps := sale()
	ieps.Folio = "1002"
	cuota := cfdi.Tax{Impuesto: cfdi.ImpuestoIEPS, TipoFactor: cfdi.FactorCuota, Rate: rate("1.6451"), Units: dec("3.6")}
	ieps.Lines = []cfdi.Line{
		{ClaveProdServ: "50202301", NoIdentificacion: "BEB-600", Cantidad: dec("6"), ClaveUnidad: "H87", Unidad: "Pieza",
			Descripcion: "Bebida saborizada 600 ml", ValorUnitario: dec("15.00"), Traslados: []cfdi.Tax{cuota, iva16}},
		{ClaveProdServ: "50192100", Cantidad: dec("2"), ClaveUnidad: "H87", Descripcion: "Botana 200 g",
			ValorUnitario: dec("42.50"), Descuento: dec("5.00"), Traslados: []cfdi.Tax{cfditest.IEPS8, iva16}},
		{ClaveProdServ: "84111506", Cantidad: dec("1"), ClaveUnidad: "E48", Descripcion: "Curso", ValorUnitario: dec("300"),
			Traslados: []cfdi.Tax{ivaEx}},
	}

	egreso := sale()
	egreso.Tipo, egreso.Folio = invoices.TipoEgreso, "NC-7"
	egreso.Relacionados = []invoices.Relacionados{{TipoRelacion: cfdi.RelacionNotaCredito, UUIDs: []string{related}}}
	egreso.Lines = egreso.Lines[:1]
	egreso.Lines[0].ClaveProdServ, egreso.Lines[0].ClaveUnidad = "84111506", "ACT"
	egreso.Lines[0].Descripcion = "Devolución de mercancía"

	global := sale()
	global.Receptor = cfdi.GlobalReceptor("06600")
	global.Global = &cfdi.Global{Periodicidad: "01", Meses: "12", Anio: 2026}
	global.FormaPago = "01"
	global.Lines = []cfdi.Line{
		{ClaveProdServ: "01010101", NoIdentificacion: "T-88", Cantidad: dec("1"), ClaveUnidad: "ACT",
			Descripcion: "Venta", ValorUnitario: dec("86.21"), Traslados: []cfdi.Tax{iva16}},
		{ClaveProdServ: "01010101", NoIdentificacion: "T-89", Cantidad: dec("1"), ClaveUnidad: "ACT",
			Descripcion: "Venta", ValorUnitario: dec("43.10"), Traslados: []cfdi.Tax{iva16}},
	}

	dollars := sale()
	dollars.Moneda, dollars.TipoCambio = "USD", rate("17.1234")
	dollars.Serie, dollars.Folio = "", ""

	// A daily global CFDI of tickets and a credit note, as GlobalDocument
	// and CreditNote make them.
	day := time.Date(2026, 12, 5, 23, 0, 0, 0, cfditest.MexicoCity)
	header := cfditest.Sale(day)
	header.FormaPago = "01"
	period, err := cfdi.PeriodOf(cfdi.PeriodicidadDiaria, day)
	require.NoError(t, err)
	tickets, err := cfdi.GlobalDocument(header, period, []cfdi.Ticket{
		{Number: "T-0001", Parts: []cfdi.TicketPart{{Net: dec("86.21"), Traslados: []cfdi.Tax{iva16}}}},
		{Number: "T-0002", Parts: []cfdi.TicketPart{
			{Net: dec("43.10"), Traslados: []cfdi.Tax{iva16}},
			{Net: dec("20.00"), Traslados: []cfdi.Tax{cfditest.IVA0}},
		}},
	})
	require.NoError(t, err)
	ret := sale()
	ret.Folio = "NC-1"
	ret.Lines = ret.Lines[:1]
	ret.Lines[0].Cantidad, ret.Lines[0].Descuento = dec("1"), dec("0")

	return map[string]cfdi.Document{
		"ingreso": sale(), "retenciones": withholding, "ieps": ieps, "egreso": egreso, "global": global, "usd": dollars,
		"global-tickets": tickets, "nota-credito": cfdi.CreditNote(ret, related),
	}
}

// goldenPath is the golden cadena original of a kind.
func goldenPath(kind string) string {
	return filepath.Join("testdata", "golden", kind+".txt")
}

func TestCadenaMatchesGoldens(t *testing.T) {
	t.Parallel()
	csd := cfditest.CSD(t)
	for kind, d := range goldenCases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			want, err := os.ReadFile(goldenPath(kind))
			require.NoError(t, err)
			c, err := cfdi.Build(d)
			require.NoError(t, err)
			doc, cadena, err := cfdi.Seal(c, csd)
			require.NoError(t, err)
			require.Equal(t, string(want), cadena, "Go's cadena original vs the golden by SAT's XSLT")
			cfditest.Checks(t, doc, c.Sello, cadena)
			require.Equal(t, csdNumber, attr(t, doc, "cfdi:Comprobante", "NoCertificado"))
		})
	}
}

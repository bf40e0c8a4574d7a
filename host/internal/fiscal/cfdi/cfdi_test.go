package cfdi_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

var (
	dec, rate = cfditest.Dec, cfditest.Rate
	iva16     = cfditest.IVA16
	ivaEx     = cfditest.IVAEx
	retISR    = cfditest.RetISR
	retIVA    = cfditest.RetIVA
	related   = "5FB2822E-396D-4725-8521-CDC4BDD20CCF"
	csdNumber = cfditest.NoCertificado
)

func sale() cfdi.Document {
	return cfditest.Sale(time.Date(2026, 12, 5, 10, 30, 0, 0, cfditest.MexicoCity))
}

// attr reads one attribute of the first element named elem in doc.
func attr(t *testing.T, doc []byte, elem, name string) string {
	t.Helper()
	s := string(doc)
	i := strings.Index(s, "<"+elem+" ")
	require.GreaterOrEqual(t, i, 0, "no %s in document", elem)
	s = s[i : i+strings.IndexByte(s[i:], '>')]
	j := strings.Index(s, " "+name+`="`)
	require.GreaterOrEqual(t, j, 0, "no %s on %s", name, elem)
	s = s[j+len(name)+3:]
	return s[:strings.IndexByte(s, '"')]
}

func TestBuildAmounts(t *testing.T) {
	t.Parallel()
	c, err := cfdi.Build(sale())
	require.NoError(t, err)
	// 3 × 18.50 = 55.50 − 5 = 50.50; IEPS 8 % 4.04, IVA 16 % of 50.50 +
	// 4.04 = 54.54 is 8.73. 1.5 × 24.333333 = 36.50; IVA 0 %. 1500
	// exempt. 200 not subject.
	require.Equal(t, "1792.00", c.SubTotal)
	require.Equal(t, "5.00", c.Descuento)
	require.Equal(t, "12.77", c.Impuestos.TotalImpuestosTrasladados)
	require.Equal(t, "", c.Impuestos.TotalImpuestosRetenidos)
	require.Equal(t, "1799.77", c.Total)
	require.Equal(t, []cfdi.Impuesto{
		{Base: "50.50", Impuesto: "003", TipoFactor: "Tasa", TasaOCuota: "0.080000", Importe: "4.04"},
		{Base: "54.54", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "8.73"},
		{Base: "36.50", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.000000", Importe: "0.00"},
		{Base: "1500.00", Impuesto: "002", TipoFactor: "Exento"},
	}, c.Impuestos.Traslados)
	require.Equal(t, "02", c.Conceptos[0].ObjetoImp)
	require.Equal(t, "01", c.Conceptos[3].ObjetoImp)
	require.Equal(t, "24.333333", c.Conceptos[1].ValorUnitario)
	require.Equal(t, "2026-12-05T10:30:00", c.Fecha)
	require.Equal(t, "", c.TipoCambio)
}

func TestCadenaNormalizesAsXSLT(t *testing.T) {
	t.Parallel()
	d := sale()
	d.Lines[0].Descripcion = "  Refresco\u00a0de\tcola\n\n600   ml  "
	c, err := cfdi.Build(d)
	require.NoError(t, err)
	_, cadena, err := cfdi.Seal(c, cfditest.CSD(t))
	require.NoError(t, err)
	// XPath's normalize-space strips only space, tab, CR and LF: the
	// no-break space stays.
	require.Contains(t, cadena, "|Refresco\u00a0de cola 600 ml|")
	require.Contains(t, cadena, `|Colegiatura diciembre & "útiles" <primaria>|`)
	require.True(t, strings.HasPrefix(cadena, "||4.0|A|1001|2026-12-05T10:30:00|04|"+csdNumber+"|1792.00|5.00|MXN|1799.77|I|01|PUE|06600|"), cadena)
	require.True(t, strings.HasSuffix(cadena, "|12.77||"), cadena)
}

func TestCadenaRefusesWhatItCannotCompute(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		doc  string
		kind error
	}{
		"not xml":     {"<cfdi:Comprobante", cfdi.ErrInvalidDocument},
		"doctype":     {`<!DOCTYPE x [<!ENTITY a "b">]><x/>`, cfdi.ErrInvalidDocument},
		"other root":  {`<Comprobante Version="4.0"/>`, cfdi.ErrInvalidDocument},
		"cfdi 3.3":    {`<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/3" Version="3.3"/>`, cfdi.ErrInvalidDocument},
		"carta porte": {`<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0"><cfdi:Complemento><c:CartaPorte xmlns:c="http://www.sat.gob.mx/CartaPorte31" Version="3.1"/></cfdi:Complemento></cfdi:Comprobante>`, cfdi.ErrUnsupported},
		"latin1":      {`<?xml version="1.0" encoding="ISO-8859-1"?><x/>`, cfdi.ErrInvalidDocument},
		"two roots":   {`<a/><b/>`, cfdi.ErrInvalidDocument},
		"deep":        {strings.Repeat("<a>", 70) + strings.Repeat("</a>", 70), cfdi.ErrInvalidDocument},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := cfdi.CadenaOriginal([]byte(tc.doc))
			require.ErrorIs(t, err, tc.kind)
		})
	}
}

func TestCadenaOfStampedCFDIIgnoresTimbre(t *testing.T) {
	t.Parallel()
	c, err := cfdi.Build(sale())
	require.NoError(t, err)
	doc, want, err := cfdi.Seal(c, cfditest.CSD(t))
	require.NoError(t, err)
	stamped := strings.Replace(string(doc), "</cfdi:Comprobante>",
		`<cfdi:Complemento><tfd:TimbreFiscalDigital xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital" Version="1.1" UUID="`+related+`"/></cfdi:Complemento></cfdi:Comprobante>`, 1)
	got, err := cfdi.CadenaOriginal([]byte(stamped))
	require.NoError(t, err)
	require.Equal(t, want, got)
}

func TestBuildRefusesBadDocuments(t *testing.T) {
	t.Parallel()
	for name, tc := range map[string]struct {
		change func(*cfdi.Document)
		field  string
	}{
		"tipo P":            {func(d *cfdi.Document) { d.Tipo = invoices.TipoPago }, "Tipo"},
		"no fecha":          {func(d *cfdi.Document) { d.Fecha = time.Time{} }, "Fecha"},
		"no lines":          {func(d *cfdi.Document) { d.Lines = nil }, "Lines"},
		"lugar":             {func(d *cfdi.Document) { d.LugarExpedicion = "4250" }, "LugarExpedicion"},
		"usd without rate":  {func(d *cfdi.Document) { d.Moneda = "USD" }, "TipoCambio"},
		"moneda":            {func(d *cfdi.Document) { d.Moneda = "peso" }, "Moneda"},
		"metodo":            {func(d *cfdi.Document) { d.MetodoPago = "XYZ" }, "MetodoPago"},
		"ppd needs 99":      {func(d *cfdi.Document) { d.MetodoPago = "PPD" }, "FormaPago"},
		"emisor generic":    {func(d *cfdi.Document) { d.Emisor.Rfc = cfdi.RFCPublicoGeneral }, "Emisor.Rfc"},
		"emisor rfc":        {func(d *cfdi.Document) { d.Emisor.Rfc = "NOT-AN-RFC" }, "Emisor.Rfc"},
		"receptor cp":       {func(d *cfdi.Document) { d.Receptor.DomicilioFiscalReceptor = "" }, "Receptor.DomicilioFiscalReceptor"},
		"receptor nombre":   {func(d *cfdi.Document) { d.Receptor.Nombre = "  " }, "Receptor.Nombre"},
		"global to company": {func(d *cfdi.Document) { d.Global = &cfdi.Global{Periodicidad: "01", Meses: "12", Anio: 2026} }, "Receptor.Rfc"},
		"global year": {func(d *cfdi.Document) {
			d.Receptor = cfdi.GlobalReceptor("06600")
			d.Global = &cfdi.Global{Periodicidad: "01", Meses: "12", Anio: 1999}
		}, "Global.Anio"},
		"relacionado uuid": {func(d *cfdi.Document) {
			d.Relacionados = []invoices.Relacionados{{TipoRelacion: "01", UUIDs: []string{"nope"}}}
		}, "Relacionados[1].UUIDs[1]"},
		"cantidad zero":     {func(d *cfdi.Document) { d.Lines[1].Cantidad = decimal.Zero }, "Lines[2].Cantidad"},
		"cantidad places":   {func(d *cfdi.Document) { d.Lines[1].Cantidad = dec("1.0000001") }, "Lines[2].Cantidad"},
		"negative price":    {func(d *cfdi.Document) { d.Lines[0].ValorUnitario = dec("-1") }, "Lines[1].ValorUnitario"},
		"discount too big":  {func(d *cfdi.Document) { d.Lines[0].Descuento = dec("55.51") }, "Lines[1].Descuento"},
		"discount places":   {func(d *cfdi.Document) { d.Lines[0].Descuento = dec("0.001") }, "Lines[1].Descuento"},
		"clave":             {func(d *cfdi.Document) { d.Lines[0].ClaveProdServ = "123" }, "Lines[1].ClaveProdServ"},
		"control character": {func(d *cfdi.Document) { d.Lines[0].Descripcion = "a\x00b" }, "Lines[1].Descripcion"},
		"isr traslado": {func(d *cfdi.Document) {
			d.Lines[0].Traslados = []cfdi.Tax{{Impuesto: cfdi.ImpuestoISR, TipoFactor: cfdi.FactorTasa, Rate: rate("0.1")}}
		}, "Lines[1].Traslados[1].Impuesto"},
		"exento retencion": {func(d *cfdi.Document) { d.Lines[0].Retenciones = []cfdi.Tax{ivaEx} }, "Lines[1].Retenciones[1].TipoFactor"},
		"tasa without rate": {func(d *cfdi.Document) {
			d.Lines[0].Traslados = []cfdi.Tax{{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorTasa}}
		}, "Lines[1].Traslados[1].Rate"},
		"cuota without units": {func(d *cfdi.Document) {
			d.Lines[0].Traslados = []cfdi.Tax{{Impuesto: "003", TipoFactor: "Cuota", Rate: rate("1.5")}}
		}, "Lines[1].Traslados[1].Units"},
		"cuota of iva": {func(d *cfdi.Document) {
			d.Lines[0].Traslados = []cfdi.Tax{{Impuesto: "002", TipoFactor: "Cuota", Rate: rate("1.5"), Units: dec("2")}}
		}, "Lines[1].Traslados[1].TipoFactor"},
		"cuota withheld": {func(d *cfdi.Document) {
			d.Lines[0].Retenciones = []cfdi.Tax{{Impuesto: "003", TipoFactor: "Cuota", Rate: rate("1.5"), Units: dec("2")}}
		}, "Lines[1].Retenciones[1].TipoFactor"},
		"cuota units places": {func(d *cfdi.Document) {
			d.Lines[0].Traslados = []cfdi.Tax{{Impuesto: "003", TipoFactor: "Cuota", Rate: rate("1.5"), Units: dec("0.0000001")}}
		}, "Lines[1].Traslados[1].Units"},
		"objeto 02 bare":  {func(d *cfdi.Document) { d.Lines[3].ObjetoImp = cfdi.ObjetoImpSi }, "Lines[4].ObjetoImp"},
		"objeto 01 taxed": {func(d *cfdi.Document) { d.Lines[0].ObjetoImp = cfdi.ObjetoImpNo }, "Lines[1].ObjetoImp"},
	} {
		t.Run(name, func(t *testing.T) {
			d := sale()
			tc.change(&d)
			_, err := cfdi.Build(d)
			require.ErrorIs(t, err, cfdi.ErrInvalidDocument)
			var fe *cfdi.FieldError
			require.True(t, errors.As(err, &fe), "%v", err)
			require.Equal(t, tc.field, fe.Field, fe.Message)
		})
	}
}

func TestLoadCSD(t *testing.T) {
	t.Parallel()
	csd := cfditest.CSD(t)
	require.Equal(t, csdNumber, csd.NoCertificado())
	require.Contains(t, csd.Certificate().Subject.String(), "ESCUELA KEMPER URGATE")
	require.Equal(t, cfditest.RFC+" / VADA800927DJ3", subjectAttr(csd, "2.5.4.45"), "the RFC in x500UniqueIdentifier, as SAT writes it")
	require.True(t, csd.ValidAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))

	cer, key := cfditest.CSDFiles(t)
	_, err := cfdi.LoadCSD(cer, key, "wrong-password")
	require.ErrorIs(t, err, cfdi.ErrWrongPassword)
	require.NotContains(t, err.Error(), "wrong-password")
	_, err = cfdi.LoadCSD(key, key, cfditest.Password)
	require.ErrorIs(t, err, cfdi.ErrInvalidCSD)
	_, err = cfdi.LoadCSD(cer, cer, cfditest.Password)
	require.ErrorIs(t, err, cfdi.ErrInvalidCSD)
}

func TestVerifySello(t *testing.T) {
	t.Parallel()
	csd := cfditest.CSD(t)
	c, err := cfdi.Build(sale())
	require.NoError(t, err)
	_, cadena, err := cfdi.Seal(c, csd)
	require.NoError(t, err)
	require.NoError(t, cfdi.VerifySello(c.Certificado, cadena, c.Sello))
	err = cfdi.VerifySello(c.Certificado, strings.Replace(cadena, "1799.77", "1799.78", 1), c.Sello)
	require.ErrorIs(t, err, cfdi.ErrInvalidDocument)
}

// subjectAttr is the value of the attribute oid in the CSD's subject.
func subjectAttr(csd *cfdi.CSD, oid string) string {
	for _, n := range csd.Certificate().Subject.Names {
		if n.Type.String() == oid {
			v, _ := n.Value.(string)
			return v
		}
	}
	return ""
}

// TestBuildIEPSAndIVAOverIt checks IEPS per unit and at a rate and the IVA
// levied on the price plus them: a Cuota's Base is its units and its
// Importe units × quota; the document groups per impuesto, factor and
// rate or quota, summing bases and amounts of the lines.
func TestBuildIEPSAndIVAOverIt(t *testing.T) {
	t.Parallel()
	c, err := cfdi.Build(goldenCases(t)["ieps"])
	require.NoError(t, err)
	// 6 × 15 = 90; 3.6 l × 1.6451 = 5.92; IVA 16 % of 95.92 = 15.35.
	require.Equal(t, []cfdi.Impuesto{
		{Base: "3.60", Impuesto: "003", TipoFactor: "Cuota", TasaOCuota: "1.645100", Importe: "5.92"},
		{Base: "95.92", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "15.35"},
	}, c.Conceptos[0].Traslados)
	// 85 − 5 = 80; IEPS 8 % 6.40; IVA 16 % of 86.40 = 13.82.
	require.Equal(t, "86.40", c.Conceptos[1].Traslados[1].Base)
	require.Equal(t, "13.82", c.Conceptos[1].Traslados[1].Importe)
	require.Equal(t, "02", c.Conceptos[2].ObjetoImp, "an exempt line is subject to tax")
	require.Equal(t, []cfdi.Impuesto{
		{Base: "3.60", Impuesto: "003", TipoFactor: "Cuota", TasaOCuota: "1.645100", Importe: "5.92"},
		{Base: "182.32", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.160000", Importe: "29.17"},
		{Base: "80.00", Impuesto: "003", TipoFactor: "Tasa", TasaOCuota: "0.080000", Importe: "6.40"},
		{Base: "300.00", Impuesto: "002", TipoFactor: "Exento"},
	}, c.Impuestos.Traslados)
	require.Equal(t, "41.49", c.Impuestos.TotalImpuestosTrasladados)
	require.Equal(t, "511.49", c.Total, "475 − 5 + 41.49")

	// A withheld IVA is on the same base as the transferred one.
	d := sale()
	d.Lines = d.Lines[:1]
	d.Lines[0].Retenciones = []cfdi.Tax{retIVA}
	c, err = cfdi.Build(d)
	require.NoError(t, err)
	require.Equal(t, cfdi.Impuesto{Base: "54.54", Impuesto: "002", TipoFactor: "Tasa", TasaOCuota: "0.106667", Importe: "5.82"}, c.Conceptos[0].Retenciones[0])
	require.Equal(t, "5.82", c.Impuestos.TotalImpuestosRetenidos)
	require.Equal(t, "57.45", c.Total, "55.50 − 5 + 4.04 + 8.73 − 5.82")
}

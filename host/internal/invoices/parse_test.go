package invoices

import (
	"bytes"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"
)

func dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func requireDec(t *testing.T, want string, got decimal.Decimal, field string) {
	t.Helper()
	require.True(t, dec(want).Equal(got), "%s: want %s, got %s", field, want, got)
}

func TestParseSamples(t *testing.T) {
	t.Parallel()

	t.Run("ingreso", func(t *testing.T) {
		t.Parallel()
		c, err := Parse(sample(t, "ingreso"))
		require.NoError(t, err)
		require.Equal(t, "4.0", c.Version)
		require.Equal(t, TipoIngreso, c.TipoDeComprobante)
		require.Equal(t, "A", c.Serie)
		require.Equal(t, "1024", c.Folio)
		require.Equal(t, "2024-03-15T10:30:00", c.Fecha)
		require.Equal(t, "99", c.FormaPago)
		require.Equal(t, "PPD", c.MetodoPago)
		require.Equal(t, "MXN", c.Moneda)
		require.False(t, c.TipoCambio.Valid)
		require.Equal(t, "42501", c.LugarExpedicion)
		require.Equal(t, "01", c.Exportacion)
		requireDec(t, "15255.00", c.SubTotal, "SubTotal")
		requireDec(t, "5.00", c.Descuento, "Descuento")
		requireDec(t, "16190.00", c.Total, "Total")
		require.Equal(t, Emisor{Rfc: rfcEmisor, Nombre: "ESCUELA KEMPER URGATE", RegimenFiscal: "601"}, c.Emisor)
		require.Equal(t, Receptor{Rfc: rfcReceptor, Nombre: "UNIVERSIDAD ROBOTICA ESPAÑOLA", DomicilioFiscalReceptor: "86991",
			RegimenFiscalReceptor: "601", UsoCFDI: "G03"}, c.Receptor)

		require.Len(t, c.Conceptos, 2)
		l1, l2 := c.Conceptos[0], c.Conceptos[1]
		require.Equal(t, "50202306", l1.ClaveProdServ)
		require.Equal(t, "REF-355", l1.NoIdentificacion)
		require.Equal(t, "H87", l1.ClaveUnidad)
		require.Equal(t, "02", l1.ObjetoImp)
		requireDec(t, "10", l1.Cantidad, "Cantidad")
		requireDec(t, "25.50", l1.ValorUnitario, "ValorUnitario")
		requireDec(t, "255.00", l1.Importe, "Importe")
		requireDec(t, "5.00", l1.Descuento, "Descuento")
		require.Len(t, l1.Traslados, 1)
		require.Empty(t, l1.Retenciones)
		require.Equal(t, "002", l1.Traslados[0].Impuesto)
		require.Equal(t, "Tasa", l1.Traslados[0].TipoFactor)
		requireDec(t, "0.16", l1.Traslados[0].TasaOCuota.Decimal, "TasaOCuota")
		requireDec(t, "250", l1.Traslados[0].Base.Decimal, "Base")
		requireDec(t, "40", l1.Traslados[0].Importe.Decimal, "Importe")
		require.Equal(t, "Consultoría en sistemas & soporte", l2.Descripcion, "entities are decoded")
		require.Len(t, l2.Retenciones, 1)
		require.Equal(t, "001", l2.Retenciones[0].Impuesto)
		requireDec(t, "1500", l2.Retenciones[0].Importe.Decimal, "Retencion.Importe")

		require.NotNil(t, c.Impuestos)
		requireDec(t, "2440", c.Impuestos.TotalImpuestosTrasladados.Decimal, "TotalImpuestosTrasladados")
		requireDec(t, "1500", c.Impuestos.TotalImpuestosRetenidos.Decimal, "TotalImpuestosRetenidos")
		require.Len(t, c.Impuestos.Traslados, 1)
		require.Len(t, c.Impuestos.Retenciones, 1)
		require.False(t, c.Impuestos.Retenciones[0].Base.Valid, "document retenciones carry no base")
		traslados, retenciones := c.TaxTotals()
		requireDec(t, "2440", traslados, "traslados")
		requireDec(t, "1500", retenciones, "retenciones")

		require.Equal(t, Timbre{Version: "1.1", UUID: "6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e", FechaTimbrado: "2024-03-15T10:31:12",
			RfcProvCertif: "SPR190613I52", NoCertificadoSAT: "30001000000500003456",
			SelloCFD: "bGV0IHRoaXMgc3RhbmQgZm9yIHRoZSBpc3N1ZXIncyBzZWFsOyBpdCBpcyBub3QgY2hlY2tlZCBoZXJl",
			SelloSAT: "U0FUIHNlYWwgb2YgdGhlIHN0YW1wLCBhcyB0aGUgUEFDIHJldHVybnMgaXQ="}, c.Timbre)
		require.Nil(t, c.Pagos)
		require.Empty(t, c.Relacionados)
		require.Empty(t, c.Warnings)
	})

	t.Run("egreso with CfdiRelacionados", func(t *testing.T) {
		t.Parallel()
		c, err := Parse(sample(t, "egreso"))
		require.NoError(t, err)
		require.Equal(t, TipoEgreso, c.TipoDeComprobante)
		require.Equal(t, "NC", c.Serie)
		require.Equal(t, "77", c.Folio)
		require.Equal(t, []Relacionados{{TipoRelacion: "01", UUIDs: []string{"6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e"}}}, c.Relacionados)
		requireDec(t, "255", c.SubTotal, "SubTotal")
		requireDec(t, "295.80", c.Total, "Total")
		require.Equal(t, "a3b4c5d6-e7f8-4a1b-8c2d-3e4f5a6b7c8d", c.Timbre.UUID)
		require.Len(t, c.Conceptos, 1)
		require.Equal(t, "84111506", c.Conceptos[0].ClaveProdServ)
	})

	t.Run("pago with Pagos 2.0", func(t *testing.T) {
		t.Parallel()
		c, err := Parse(sample(t, "pago"))
		require.NoError(t, err)
		require.Equal(t, TipoPago, c.TipoDeComprobante)
		require.Equal(t, "XXX", c.Moneda)
		require.True(t, c.Total.IsZero())
		require.Nil(t, c.Impuestos)
		require.NotNil(t, c.Pagos)
		require.Equal(t, "2.0", c.Pagos.Version)
		require.Len(t, c.Pagos.Pagos, 1)
		p := c.Pagos.Pagos[0]
		require.Equal(t, "2024-04-10T09:00:00", p.FechaPago)
		require.Equal(t, "03", p.FormaDePagoP)
		require.Equal(t, "MXN", p.MonedaP)
		require.Equal(t, "SPEI-884512", p.NumOperacion)
		requireDec(t, "16190", p.Monto, "Monto")
		requireDec(t, "1", p.TipoCambioP.Decimal, "TipoCambioP")
		require.Len(t, p.Documentos, 1)
		d := p.Documentos[0]
		require.Equal(t, "6f1d5b2a-3c4e-4a8b-9d2f-0e1a2b3c4d5e", d.IDDocumento)
		require.Equal(t, "A", d.Serie)
		require.Equal(t, "1024", d.Folio)
		require.Equal(t, 1, d.NumParcialidad)
		requireDec(t, "16190", d.ImpSaldoAnt.Decimal, "ImpSaldoAnt")
		requireDec(t, "16190", d.ImpPagado, "ImpPagado")
		requireDec(t, "0", d.ImpSaldoInsoluto.Decimal, "ImpSaldoInsoluto")
		require.Equal(t, "0c9e8f7a-6b5d-4c3e-a2f1-0987654321ab", c.Timbre.UUID)
	})
}

// replace returns the ingreso sample with old replaced by new (once).
func replace(t testing.TB, name, old, new string) []byte {
	t.Helper()
	b := sample(t, name)
	require.Contains(t, string(b), old)
	return bytes.Replace(b, []byte(old), []byte(new), 1)
}

const billionLaughs = `<?xml version="1.0"?>
<!DOCTYPE lolz [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
 <!ENTITY lol9 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
]>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0" Serie="&lol9;"/>`

const externalEntity = `<?xml version="1.0"?>
<!DOCTYPE foo [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>
<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0" Serie="&xxe;"/>`

// deep nests n elements inside the ingreso's Addenda.
func deep(t testing.TB, n int) []byte {
	return replace(t, "ingreso", "<cfdi:Addenda>",
		"<cfdi:Addenda>"+strings.Repeat("<a>", n)+strings.Repeat("</a>", n))
}

func manyAttributes(t testing.TB, n int) []byte {
	var b strings.Builder
	for i := range n {
		b.WriteString(" a")
		b.WriteString(strings.Repeat("x", i%7))
		b.WriteString(string(rune('a'+i%26)) + string(rune('a'+i/26%26)) + string(rune('a'+i/676%26)))
		b.WriteString(`="1"`)
	}
	return replace(t, "ingreso", `<cfdi:Addenda>`, `<cfdi:Addenda><x`+b.String()+`/>`)
}

func TestParseRejects(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		data  func(t *testing.T) []byte
		code  string
		field string
	}{
		{"empty", func(*testing.T) []byte { return nil }, CodeNotCFDI, "Comprobante"},
		{"truncated", func(t *testing.T) []byte { return sample(t, "ingreso")[:900] }, CodeInvalidXML, "xml"},
		{"mismatched tags", func(t *testing.T) []byte {
			return replace(t, "ingreso", "</cfdi:Conceptos>", "</cfdi:Concepto>")
		}, CodeInvalidXML, "xml"},
		{"not XML", func(*testing.T) []byte { return []byte("%PDF-1.4 not an invoice") }, CodeInvalidXML, "xml"},
		{"billion laughs", func(*testing.T) []byte { return []byte(billionLaughs) }, CodeForbiddenXML, "xml"},
		{"external entity", func(*testing.T) []byte { return []byte(externalEntity) }, CodeForbiddenXML, "xml"},
		{"undeclared entity", func(t *testing.T) []byte { return replace(t, "ingreso", `Serie="A"`, `Serie="&lol;"`) }, CodeInvalidXML, "xml"},
		{"10k-deep nesting", func(t *testing.T) []byte { return deep(t, 10000) }, CodeTooDeep, "xml"},
		{"too many attributes", func(t *testing.T) []byte { return manyAttributes(t, 5000) }, CodeTooManyAttributes, "xml"},
		{"latin-1", func(t *testing.T) []byte { return replace(t, "ingreso", `encoding="UTF-8"`, `encoding="ISO-8859-1"`) }, CodeInvalidXML, "xml"},
		{"invalid UTF-8", func(t *testing.T) []byte {
			return replace(t, "ingreso", "ESPAÑOLA", "ESPA\xd1OLA")
		}, CodeInvalidXML, "xml"},
		{"two roots", func(t *testing.T) []byte { return append(sample(t, "ingreso"), []byte("<x/>")...) }, CodeInvalidXML, "xml"},
		{"text after root", func(t *testing.T) []byte { return append(sample(t, "ingreso"), []byte("junk")...) }, CodeInvalidXML, "xml"},
		{"not a Comprobante", func(*testing.T) []byte { return []byte(`<factura Version="4.0"/>`) }, CodeNotCFDI, "Comprobante"},
		{"CFDI 3.3", func(t *testing.T) []byte {
			b := replace(t, "ingreso", "http://www.sat.gob.mx/cfd/4\"", "http://www.sat.gob.mx/cfd/3\"")
			return bytes.Replace(b, []byte(`Version="4.0"`), []byte(`Version="3.3"`), 1)
		}, CodeUnsupportedVersion, "Comprobante.Version"},
		{"version 4.1", func(t *testing.T) []byte { return replace(t, "ingreso", `Version="4.0"`, `Version="4.1"`) }, CodeUnsupportedVersion, "Comprobante.Version"},
		{"no version", func(t *testing.T) []byte { return replace(t, "ingreso", `Version="4.0"`, ``) }, CodeUnsupportedVersion, "Comprobante.Version"},
		{"missing TimbreFiscalDigital", func(t *testing.T) []byte {
			b := sample(t, "ingreso")
			start := bytes.Index(b, []byte("<tfd:TimbreFiscalDigital"))
			end := bytes.Index(b, []byte("</cfdi:Complemento>"))
			return append(append([]byte{}, b[:start]...), b[end:]...)
		}, CodeMissingTimbre, "Comprobante.Complemento.TimbreFiscalDigital"},
		{"timbre in the wrong namespace", func(t *testing.T) []byte {
			return replace(t, "ingreso", `xmlns:tfd="http://www.sat.gob.mx/TimbreFiscalDigital"`, `xmlns:tfd="urn:fake"`)
		}, CodeMissingTimbre, "Comprobante.Complemento.TimbreFiscalDigital"},
		{"two timbres", func(t *testing.T) []byte {
			b := sample(t, "ingreso")
			start := bytes.Index(b, []byte("<tfd:TimbreFiscalDigital"))
			end := bytes.Index(b, []byte("</cfdi:Complemento>"))
			tfd := append([]byte{}, b[start:end]...)
			return bytes.Replace(b, []byte("</cfdi:Complemento>"), append(tfd, []byte("</cfdi:Complemento>")...), 1)
		}, CodeInvalidField, "Comprobante.Complemento.TimbreFiscalDigital"},
		{"bad timbre UUID", func(t *testing.T) []byte {
			return replace(t, "ingreso", `UUID="6F1D5B2A-3C4E-4A8B-9D2F-0E1A2B3C4D5E"`, `UUID="not-a-uuid"`)
		}, CodeInvalidField, "Comprobante.Complemento.TimbreFiscalDigital.UUID"},
		{"wrong total", func(t *testing.T) []byte { return replace(t, "ingreso", `Total="16190.00"`, `Total="16190.01"`) }, CodeTotalMismatch, "Comprobante.Total"},
		{"retenciones ignored", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Total="16190.00"`, `Total="17690.00"`)
		}, CodeTotalMismatch, "Comprobante.Total"},
		{"descuento above subtotal", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Descuento="5.00" Moneda`, `Descuento="99999.00" Moneda`)
		}, CodeInvalidField, "Comprobante.Descuento"},
		{"malformed emisor RFC", func(t *testing.T) []byte { return replace(t, "ingreso", `Rfc="EKU9003173C9"`, `Rfc="EKU90031"`) }, CodeInvalidRFC, "Comprobante.Emisor.Rfc"},
		{"impossible date in receptor RFC", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Rfc="URE180429TM6"`, `Rfc="URE181329TM6"`)
		}, CodeInvalidRFC, "Comprobante.Receptor.Rfc"},
		{"missing Total", func(t *testing.T) []byte { return replace(t, "ingreso", `Total="16190.00"`, ``) }, CodeMissingField, "Comprobante.Total"},
		{"missing Emisor Rfc", func(t *testing.T) []byte { return replace(t, "ingreso", `Rfc="EKU9003173C9"`, ``) }, CodeMissingField, "Comprobante.Emisor.Rfc"},
		{"exponent", func(t *testing.T) []byte { return replace(t, "ingreso", `SubTotal="15255.00"`, `SubTotal="1.5255e4"`) }, CodeInvalidField, "Comprobante.SubTotal"},
		{"negative", func(t *testing.T) []byte { return replace(t, "ingreso", `SubTotal="15255.00"`, `SubTotal="-15255.00"`) }, CodeInvalidField, "Comprobante.SubTotal"},
		{"three decimals in Total", func(t *testing.T) []byte { return replace(t, "ingreso", `Total="16190.00"`, `Total="16190.001"`) }, CodeInvalidField, "Comprobante.Total"},
		{"bad line amount", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Importe="15000.00" ObjetoImp`, `Importe="quince mil" ObjetoImp`)
		}, CodeInvalidField, "Comprobante.Conceptos.Concepto[2].Importe"},
		{"bad line tax", func(t *testing.T) []byte {
			return replace(t, "ingreso", `TasaOCuota="0.100000" Importe="1500.00"`, `TasaOCuota="0.100000" Importe="x"`)
		}, CodeInvalidField, "Comprobante.Conceptos.Concepto[2].Impuestos.Retenciones.Retencion[1].Importe"},
		{"bad fecha", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Fecha="2024-03-15T10:30:00"`, `Fecha="15/03/2024"`)
		}, CodeInvalidField, "Comprobante.Fecha"},
		{"unknown tipo", func(t *testing.T) []byte {
			return replace(t, "ingreso", `TipoDeComprobante="I"`, `TipoDeComprobante="X"`)
		}, CodeInvalidField, "Comprobante.TipoDeComprobante"},
		{"bad moneda", func(t *testing.T) []byte { return replace(t, "ingreso", `Moneda="MXN"`, `Moneda="pesos"`) }, CodeInvalidField, "Comprobante.Moneda"},
		{"two emisores", func(t *testing.T) []byte {
			return replace(t, "ingreso", `<cfdi:Receptor`, `<cfdi:Emisor Rfc="EKU9003173C9"/><cfdi:Receptor`)
		}, CodeInvalidField, "Comprobante.Emisor"},
		{"pago with a total", func(t *testing.T) []byte { return replace(t, "pago", ` Total="0"`, ` Total="16190.00"`) }, CodeTotalMismatch, "Comprobante.Total"},
		{"pago without Pagos", func(t *testing.T) []byte {
			return replace(t, "pago", `xmlns:pago20="http://www.sat.gob.mx/Pagos20"`, `xmlns:pago20="urn:other"`)
		}, CodeMissingField, "Comprobante.Complemento.Pagos"},
		{"pago with a bad IdDocumento", func(t *testing.T) []byte {
			return replace(t, "pago", `IdDocumento="6F1D5B2A-3C4E-4A8B-9D2F-0E1A2B3C4D5E"`, `IdDocumento="A-1024"`)
		}, CodeInvalidField, "Comprobante.Complemento.Pagos.Pago[1].DoctoRelacionado[1].IdDocumento"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tc.data(t))
			require.Nil(t, c)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.code, fe.Code, "%v", err)
			require.Equal(t, tc.field, fe.Field, "%v", err)
			require.NotEmpty(t, fe.Message)
		})
	}
}

// TestParseRefusesHostileEarly checks that hostile input is refused with a
// bounded amount of work: the decoder stops at the hostile construct
// instead of reading (or expanding) the rest of the document. How fast
// that is, BenchmarkParseHostile measures.
func TestParseRefusesHostileEarly(t *testing.T) {
	t.Parallel()
	after := func(data []byte, marker string) int64 {
		i := bytes.Index(data, []byte(marker))
		require.GreaterOrEqual(t, i, 0, marker)
		return int64(i + len(marker))
	}
	cases := []struct {
		name string
		data func(t *testing.T) []byte
		code string
		// within is the most bytes the decoder may read before refusing.
		within func(data []byte) int64
	}{
		{"billion laughs", func(*testing.T) []byte { return []byte(billionLaughs) }, CodeForbiddenXML,
			func(data []byte) int64 { return after(data, "]>") }},
		{"external entity", func(*testing.T) []byte { return []byte(externalEntity) }, CodeForbiddenXML,
			func(data []byte) int64 { return after(data, "]>") }},
		{"10k-deep nesting", func(t *testing.T) []byte { return deep(t, 10000) }, CodeTooDeep,
			func(data []byte) int64 { return after(data, "<cfdi:Addenda>") + MaxDepth*int64(len("<a>")) }},
		{"too many attributes", func(t *testing.T) []byte { return manyAttributes(t, 5000) }, CodeTooManyAttributes,
			func(data []byte) int64 { return after(data, `="1"/>`) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			data := tc.data(t)
			p := &parser{c: &CFDI{}}
			err := p.run(data)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.code, fe.Code, "%v", err)
			within := tc.within(data)
			require.Less(t, within, int64(len(data)), "the bound leaves part of the document unread")
			require.Positive(t, p.read)
			require.LessOrEqual(t, p.read, within, "bytes read before refusing, of %d", len(data))
		})
	}
}

func BenchmarkParseHostile(b *testing.B) {
	inputs := map[string][]byte{
		"billion laughs":      []byte(billionLaughs),
		"10k-deep nesting":    deep(b, 10000),
		"too many attributes": manyAttributes(b, 5000),
	}
	for name, data := range inputs {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if _, err := Parse(data); err == nil {
					b.Fatal("hostile input accepted")
				}
			}
		})
	}
}

func TestParseAccepts(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		data     func(t *testing.T) []byte
		warnings []Warning
	}{
		{"byte order mark", func(t *testing.T) []byte { return append([]byte("\xEF\xBB\xBF"), sample(t, "ingreso")...) }, nil},
		{"lower-case RFC is normalized", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Rfc="EKU9003173C9"`, `Rfc="eku9003173c9"`)
		}, nil},
		{"check digit mismatch is a warning", func(t *testing.T) []byte {
			return replace(t, "ingreso", `Rfc="URE180429TM6"`, `Rfc="URE180429TM7"`)
		}, []Warning{{Field: "Comprobante.Receptor.Rfc", Message: "check digit does not match"}}},
		{"subtotal differing from the lines is a warning", func(t *testing.T) []byte {
			b := replace(t, "ingreso", `SubTotal="15255.00"`, `SubTotal="15256.00"`)
			return bytes.Replace(b, []byte(`Total="16190.00"`), []byte(`Total="16191.00"`), 1)
		}, []Warning{{Field: "Comprobante.SubTotal", Message: "differs from the sum of the Conceptos' Importe (15255.00)"}}},
		{"nesting at the limit", func(t *testing.T) []byte { return deep(t, MaxDepth-3) }, nil},
		{"local taxes count in Total", func(t *testing.T) []byte {
			b := replace(t, "ingreso", `Total="16190.00"`, `Total="16342.50"`)
			return bytes.Replace(b, []byte("<tfd:TimbreFiscalDigital"),
				[]byte(`<implocal:ImpuestosLocales xmlns:implocal="http://www.sat.gob.mx/implocal" version="1.0" TotaldeRetenciones="0.00" TotaldeTraslados="152.50"><implocal:TrasladosLocales ImpLocTrasladado="ISH" TasadeTraslado="1.00" Importe="152.50"/></implocal:ImpuestosLocales><tfd:TimbreFiscalDigital`), 1)
		}, nil},
		{"comments and processing instructions", func(t *testing.T) []byte {
			return replace(t, "ingreso", "<cfdi:Emisor", "<!-- generado por el ERP --><?pi data?><cfdi:Emisor")
		}, nil},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c, err := Parse(tc.data(t))
			require.NoError(t, err)
			require.Equal(t, tc.warnings, c.Warnings)
			require.Equal(t, rfcEmisor, c.Emisor.Rfc)
		})
	}
}

// FuzzParse checks that no input makes the parser panic or hang, and that
// whatever it accepts is a coherent CFDI 4.0.
func FuzzParse(f *testing.F) {
	for _, name := range []string{"ingreso", "egreso", "pago"} {
		f.Add(sample(f, name))
	}
	f.Add([]byte(billionLaughs))
	f.Add([]byte(externalEntity))
	f.Add([]byte(`<cfdi:Comprobante xmlns:cfdi="http://www.sat.gob.mx/cfd/4" Version="4.0"/>`))
	f.Add([]byte(strings.Repeat("<a>", 100)))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(data)
		if err != nil {
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.NotEmpty(t, fe.Code)
			require.NotEmpty(t, fe.Field)
			return
		}
		require.Equal(t, "4.0", c.Version)
		require.True(t, isUUID(c.Timbre.UUID))
		require.NotEmpty(t, c.Emisor.Rfc)
		require.NotEmpty(t, c.Receptor.Rfc)
	})
}

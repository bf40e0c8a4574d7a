package pdf_test

import (
	"context"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pdf"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// stamped is the sample sale sealed with the generated test CSD and
// stamped by the fake PAC.
func stamped(t *testing.T) []byte {
	t.Helper()
	return stampedDocument(t, cfditest.Sale(time.Date(2026, 12, 5, 10, 30, 0, 0, cfditest.MexicoCity)))
}

// stampedDocument is d sealed with the generated test CSD and stamped by
// the fake PAC.
func stampedDocument(t *testing.T, d cfdi.Document) []byte {
	t.Helper()
	srv := pactest.New("u", "p")
	t.Cleanup(srv.Close)
	_, doc, _ := cfditest.Sealed(t, d)
	st, err := pac.NewSW(srv.URL, pac.Credentials{User: "u", Password: "p"}, http.DefaultClient).Stamp(context.Background(), doc)
	require.NoError(t, err)
	return st.XML
}

func TestVerificationURL(t *testing.T) {
	t.Parallel()
	xml := stamped(t)
	c, err := invoices.Parse(xml)
	require.NoError(t, err)
	sello := c.Timbre.SelloCFD
	require.Equal(t, "https://verificacfdi.facturaelectronica.sat.gob.mx/default.aspx?id="+strings.ToUpper(c.Timbre.UUID)+
		"&re=EKU9003173C9&rr=URE180429TM6&tt=1799.77&fe="+sello[len(sello)-8:], pdf.VerificationURL(c))
}

// TestRender renders a stamped CFDI, turns the PDF into a PNG with
// pdftoppm (kept in $CFDI_PDF_DIR when set, for a look) and checks
// its text with pdftotext.
func TestRender(t *testing.T) {
	t.Parallel()
	xml := stamped(t)
	c, err := invoices.Parse(xml)
	require.NoError(t, err)
	out, err := pdf.Render(xml, time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(out), "%PDF-"))

	dir := t.TempDir()
	if keep := os.Getenv("CFDI_PDF_DIR"); keep != "" {
		dir = keep
	}
	pdfPath := filepath.Join(dir, "cfdi.pdf")
	require.NoError(t, os.WriteFile(pdfPath, out, 0o600))

	ppm, err := exec.Command(cfditest.Tool(t, "pdftoppm"), "-png", "-r", "60", "-singlefile", pdfPath, filepath.Join(dir, "cfdi")).CombinedOutput()
	require.NoError(t, err, "pdftoppm: %s", ppm)
	png, err := os.ReadFile(filepath.Join(dir, "cfdi.png"))
	require.NoError(t, err)
	require.True(t, strings.HasPrefix(string(png), "\x89PNG"), "pdftoppm wrote no PNG")

	text, err := exec.Command(cfditest.Tool(t, "pdftotext"), "-layout", pdfPath, "-").Output()
	require.NoError(t, err)
	// Long values (seals, URL) wrap; compare without line breaks and runs
	// of spaces.
	flat := strings.Join(strings.Fields(string(text)), " ")
	for _, want := range []string{
		"ESCUELA KEMPER URGATE", "RFC EKU9003173C9", "UNIVERSIDAD ROBOTICA ESPAÑOLA", "URE180429TM6",
		"Factura A 1001", "Tortilla de maíz", "Refresco de cola 600 ml", "Colegiatura diciembre & \"útiles\" <primaria>",
		strings.ToUpper(c.Timbre.UUID), pactest.RfcProvCertif, pactest.NoCertificadoSAT, "Subtotal 1792.00", "Total MXN 1799.77",
		"Traslado IVA 16 % 8.73", "representación impresa de un CFDI",
	} {
		require.Contains(t, flat, want)
	}
	joined := strings.ReplaceAll(string(text), "\n", "")
	require.Contains(t, joined, c.Timbre.SelloSAT[:40])
	require.Contains(t, joined, "||1.1|"+strings.ToUpper(c.Timbre.UUID)+"|"+c.Timbre.FechaTimbrado+"|"+pactest.RfcProvCertif+"|")
}

// TestRenderShowsEveryTax prints an invoice with IEPS per unit and the
// ISR and IVA its customer withholds: each Traslado and Retención is on
// the page, a Cuota as an amount per unit.
func TestRenderShowsEveryTax(t *testing.T) {
	t.Parallel()
	d := cfditest.Sale(time.Date(2026, 12, 5, 10, 30, 0, 0, cfditest.MexicoCity))
	d.Lines = []cfdi.Line{
		{ClaveProdServ: "84111506", Cantidad: cfditest.Dec("1"), ClaveUnidad: "E48", Descripcion: "Honorarios",
			ValorUnitario: cfditest.Dec("10000"), Traslados: []cfdi.Tax{cfditest.IVA16}, Retenciones: []cfdi.Tax{cfditest.RetISR, cfditest.RetIVA}},
		{ClaveProdServ: "50202301", Cantidad: cfditest.Dec("6"), ClaveUnidad: "H87", Descripcion: "Bebida saborizada 600 ml",
			ValorUnitario: cfditest.Dec("15"), Traslados: []cfdi.Tax{{Impuesto: cfdi.ImpuestoIEPS, TipoFactor: cfdi.FactorCuota,
				Rate: cfditest.Rate("1.6451"), Units: cfditest.Dec("3.6")}, cfditest.IVA16}},
	}
	out, err := pdf.Render(stampedDocument(t, d), time.Date(2026, 12, 5, 12, 0, 0, 0, time.UTC))
	require.NoError(t, err)
	pdfPath := filepath.Join(t.TempDir(), "cfdi.pdf")
	require.NoError(t, os.WriteFile(pdfPath, out, 0o600))
	text, err := exec.Command(cfditest.Tool(t, "pdftotext"), "-layout", pdfPath, "-").Output()
	require.NoError(t, err)
	flat := strings.Join(strings.Fields(string(text)), " ")
	for _, want := range []string{
		"Traslado IEPS Cuota $1.6451 por unidad base 3.60 = 5.92", "Retención ISR Tasa 10 % base 10000.00 = 1000.00",
		"Retención IVA Tasa 10.6667 % base 10000.00 = 1066.67", "Traslado IEPS $1.6451 por unidad 5.92",
		"Retención ISR 1000.00", "Retención IVA 1066.67", "Total MXN 9644.60",
	} {
		require.Contains(t, flat, want)
	}
}

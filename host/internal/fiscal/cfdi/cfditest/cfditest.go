// Package cfditest holds what tests of CFDI issuance share: SAT's public
// test CSD, SAT's own checks of an issued CFDI (xmllint against
// cfdv40.xsd, xsltproc with cadenaoriginal_4_0.xslt, openssl over the
// Sello) and a sample document. SAT's files are fetched by `make
// sat-testdata` into cfdi/testdata/sat (see testdata/README.md); a missing
// file or tool fails the test with what to run.
//
// It must not be imported outside tests.
package cfditest

import (
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// SAT's public test CSD.
const (
	// RFC is the test CSD's taxpayer (ESCUELA KEMPER URGATE SA DE CV).
	RFC = "EKU9003173C9"
	// Name is the test CSD's taxpayer name.
	Name = "ESCUELA KEMPER URGATE"
	// Password decrypts the test CSD's key.
	Password = "12345678a"
	// NoCertificado is the test CSD's certificate number.
	NoCertificado = "30001000000500003416"

	filesHint = "run `make sat-testdata` (SAT's XSD, XSLT and test CSD, see host/internal/fiscal/cfdi/testdata/sat-files.txt)"
	toolsHint = "run `make cfdi-deps` (xsltproc, xmllint, poppler-utils)"
)

// Dir is the directory SAT's files are fetched into.
func Dir() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "testdata", "sat")
}

// Path is one of SAT's files under Dir, e.g. "cfd/4/cfdv40.xsd"; the test
// fails with what to run when it is missing.
func Path(t testing.TB, rel string) string {
	t.Helper()
	p := filepath.Join(Dir(), rel)
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("SAT test file %s missing: %v; %s", p, err, filesHint)
	}
	return p
}

// Tool is the path of a command the checks run; the test fails with what
// to install when it is missing.
func Tool(t testing.TB, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: %s", name, toolsHint)
	}
	return p
}

// CSDFiles are the test CSD's .cer and .key.
func CSDFiles(t testing.TB) (cer, key []byte) {
	t.Helper()
	cer, err := os.ReadFile(Path(t, "csd/EKU9003173C9.cer"))
	require.NoError(t, err)
	key, err = os.ReadFile(Path(t, "csd/EKU9003173C9.key"))
	require.NoError(t, err)
	return cer, key
}

var (
	csdOnce sync.Once
	csd     *cfdi.CSD
	csdErr  error
)

// CSD is the test CSD, loaded once.
func CSD(t testing.TB) *cfdi.CSD {
	t.Helper()
	cer, key := CSDFiles(t)
	csdOnce.Do(func() { csd, csdErr = cfdi.LoadCSD(cer, key, Password) })
	require.NoError(t, csdErr)
	return csd
}

// SATChecks runs SAT's own tools over a sealed CFDI: the document
// validates against cfdv40.xsd (xmllint --schema), its cadena original by
// SAT's XSLT (xsltproc) equals want, and sello verifies over that cadena
// with the test CSD's public key (openssl dgst -verify).
func SATChecks(t testing.TB, doc []byte, sello, want string) {
	t.Helper()
	schema, xslt := Path(t, "cfd/4/cfdv40.xsd"), Path(t, "cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt")
	dir := t.TempDir()
	xmlPath := filepath.Join(dir, "cfdi.xml")
	require.NoError(t, os.WriteFile(xmlPath, doc, 0o600))

	out, err := exec.Command(Tool(t, "xmllint"), "--noout", "--schema", schema, xmlPath).CombinedOutput()
	require.NoError(t, err, "xmllint --schema cfdv40.xsd:\n%s\n%s", out, doc)

	cadena, err := exec.Command(Tool(t, "xsltproc"), xslt, xmlPath).Output()
	require.NoError(t, err, "xsltproc cadenaoriginal_4_0.xslt")
	require.Equal(t, string(cadena), want, "cadena original: SAT's XSLT vs Go")

	VerifyWithOpenSSL(t, Path(t, "csd/EKU9003173C9.cer"), "DER", cadena, sello)
}

// VerifyWithOpenSSL checks with openssl that sello (base64) signs data
// (RSA-SHA256) under the certificate at certPath (form "DER" or "PEM").
func VerifyWithOpenSSL(t testing.TB, certPath, form string, data []byte, sello string) {
	t.Helper()
	dir := t.TempDir()
	sig, err := base64.StdEncoding.DecodeString(sello)
	require.NoError(t, err)
	dataPath, sigPath, pubPath := filepath.Join(dir, "data"), filepath.Join(dir, "sig.bin"), filepath.Join(dir, "pub.pem")
	require.NoError(t, os.WriteFile(dataPath, data, 0o600))
	require.NoError(t, os.WriteFile(sigPath, sig, 0o600))
	openssl := Tool(t, "openssl")
	pub, err := exec.Command(openssl, "x509", "-inform", form, "-in", certPath, "-noout", "-pubkey").Output()
	require.NoError(t, err, "openssl x509 -pubkey")
	require.NoError(t, os.WriteFile(pubPath, pub, 0o600))
	out, err := exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, dataPath).CombinedOutput()
	require.NoError(t, err, "openssl dgst -verify: %s", out)
	require.Equal(t, "Verified OK", strings.TrimSpace(string(out)))
}

// MexicoCity is the time zone of the sample documents.
var MexicoCity = func() *time.Location {
	loc, err := time.LoadLocation("America/Mexico_City")
	if err != nil {
		panic(err)
	}
	return loc
}()

// Dec parses a decimal literal.
func Dec(s string) decimal.Decimal { return decimal.RequireFromString(s) }

// Rate is a tax rate.
func Rate(s string) decimal.NullDecimal { return decimal.NewNullDecimal(Dec(s)) }

// Common taxes.
var (
	IVA16  = cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorTasa, Rate: Rate("0.16")}
	IVA0   = cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorTasa, Rate: Rate("0")}
	IVAEx  = cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorExento}
	IEPS8  = cfdi.Tax{Impuesto: cfdi.ImpuestoIEPS, TipoFactor: cfdi.FactorTasa, Rate: Rate("0.08")}
	RetISR = cfdi.Tax{Impuesto: cfdi.ImpuestoISR, TipoFactor: cfdi.FactorTasa, Rate: Rate("0.10")}
	RetIVA = cfdi.Tax{Impuesto: cfdi.ImpuestoIVA, TipoFactor: cfdi.FactorTasa, Rate: Rate("0.106667")}
)

// Sale is an ingreso by the test CSD's taxpayer to a company customer,
// dated fecha: IEPS and IVA 16 % with a discount, IVA 0 %, an exempt line
// (with whitespace and XML specials in its description) and a line not
// subject to tax. Its totals are SubTotal 1792.00, Descuento 5.00, IVA and
// IEPS 12.12, Total 1799.12.
func Sale(fecha time.Time) cfdi.Document {
	return cfdi.Document{
		Tipo: invoices.TipoIngreso, Serie: "A", Folio: "1001", Fecha: fecha,
		FormaPago: "04", MetodoPago: "PUE", Moneda: "MXN", LugarExpedicion: "06600",
		Emisor: invoices.Emisor{Rfc: RFC, Nombre: Name, RegimenFiscal: "601"},
		Receptor: invoices.Receptor{Rfc: "URE180429TM6", Nombre: "UNIVERSIDAD ROBOTICA ESPAÑOLA",
			DomicilioFiscalReceptor: "64000", RegimenFiscalReceptor: "601", UsoCFDI: "G03"},
		Lines: []cfdi.Line{
			{ClaveProdServ: "50202306", NoIdentificacion: "SKU-1", Cantidad: Dec("3"), ClaveUnidad: "H87", Unidad: "Pieza",
				Descripcion: "Refresco de cola 600 ml", ValorUnitario: Dec("18.50"), Descuento: Dec("5.00"),
				Traslados: []cfdi.Tax{IEPS8, IVA16}},
			{ClaveProdServ: "01010101", Cantidad: Dec("1.5"), ClaveUnidad: "KGM", Unidad: "Kilogramo",
				Descripcion: "Tortilla de maíz", ValorUnitario: Dec("24.333333"), Traslados: []cfdi.Tax{IVA0}},
			{ClaveProdServ: "84111506", Cantidad: Dec("1"), ClaveUnidad: "E48",
				Descripcion: "Colegiatura  \t diciembre & \"útiles\" <primaria>", ValorUnitario: Dec("1500"), Traslados: []cfdi.Tax{IVAEx}},
			{ClaveProdServ: "01010101", Cantidad: Dec("2"), ClaveUnidad: "ACT",
				Descripcion: "Donativo sin impuestos", ValorUnitario: Dec("100")},
		},
	}
}

// Sealed builds and seals d with the test CSD.
func Sealed(t testing.TB, d cfdi.Document) (c *cfdi.Comprobante, doc []byte, cadena string) {
	t.Helper()
	c, err := cfdi.Build(d)
	require.NoError(t, err)
	doc, cadena, err = cfdi.Seal(c, CSD(t))
	require.NoError(t, err)
	return c, doc, cadena
}

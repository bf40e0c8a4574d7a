// Package cfditest holds what tests of CFDI issuance share: a test CSD
// generated once per test process (shaped like SAT's: the NoCertificado's
// digits as the serial, the RFC in x500UniqueIdentifier, the key as
// encrypted PKCS#8 DER), the checks every issued CFDI gets (its Sello
// verified by openssl with the CSD's certificate) and sample documents.
//
// Built with the tag satfiles (`make sat-check`), it adds SAT's own checks
// over SAT's published files, which `make sat-testdata` fetches into
// cfdi/testdata/sat (see testdata/README.md): xmllint against cfdv40.xsd,
// xsltproc with cadenaoriginal_4_0.xslt and SAT's public test CSD. A
// missing file or tool fails the test with what to run.
//
// It must not be imported outside tests.
package cfditest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"encoding/base64"
	"fmt"
	"math/big"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// The generated test CSD. Its taxpayer is that of SAT's public test CSD,
// and so is its NoCertificado, so that a CFDI's cadena original is the
// same whichever of the two sealed it.
const (
	// RFC is the test CSD's taxpayer (ESCUELA KEMPER URGATE SA DE CV).
	RFC = "EKU9003173C9"
	// Name is the test CSD's taxpayer name.
	Name = "ESCUELA KEMPER URGATE"
	// Password decrypts the test CSD's key.
	Password = "12345678a"
	// NoCertificado is the test CSD's certificate number.
	NoCertificado = "30001000000500003416"

	toolsHint = "run `make cfdi-deps` (xsltproc, xmllint, poppler-utils) and `make afip-deps` (openssl)"
)

// Object identifiers of the subject attributes SAT's CSDs carry besides
// CN, O and OU.
var (
	oidName                = asn1.ObjectIdentifier{2, 5, 4, 41}
	oidX500UniqueIdentifer = asn1.ObjectIdentifier{2, 5, 4, 45}
)

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

var (
	genOnce sync.Once
	genCer  []byte
	genKey  []byte
	genCSD  *cfdi.CSD
	genErr  error
)

// CSDFiles are the generated test CSD's .cer (DER X.509) and .key
// (PKCS#8 DER encrypted with Password, PBES2 with 3DES as SAT's are),
// made once per test process.
func CSDFiles(t testing.TB) (cer, key []byte) {
	t.Helper()
	genOnce.Do(func() {
		genCer, genKey, genErr = generateCSD()
		if genErr == nil {
			genCSD, genErr = cfdi.LoadCSD(genCer, genKey, Password)
		}
	})
	require.NoError(t, genErr, "generate the test CSD")
	return genCer, genKey
}

// CSD is the generated test CSD, loaded.
func CSD(t testing.TB) *cfdi.CSD {
	t.Helper()
	CSDFiles(t)
	return genCSD
}

// CertPath is the generated test CSD's certificate written to a file of
// the test's (DER), for openssl.
func CertPath(t testing.TB) string {
	t.Helper()
	cer, _ := CSDFiles(t)
	p := filepath.Join(t.TempDir(), RFC+".cer")
	require.NoError(t, os.WriteFile(p, cer, 0o600))
	return p
}

// generateCSD makes an RSA key and a self-signed certificate shaped like
// a SAT CSD of RFC, the key encrypted by openssl as SAT's .key files are.
func generateCSD() (cer, key []byte, err error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, nil, fmt.Errorf("rsa key: %w", err)
	}
	company := Name + " SA DE CV"
	tmpl := &x509.Certificate{
		SerialNumber: new(big.Int).SetBytes([]byte(NoCertificado)),
		Subject: pkix.Name{CommonName: company, Organization: []string{company}, OrganizationalUnit: []string{"Sucursal 1"},
			ExtraNames: []pkix.AttributeTypeAndValue{
				{Type: oidName, Value: company},
				{Type: oidX500UniqueIdentifer, Value: RFC + " / VADA800927DJ3"},
			}},
		NotBefore: time.Date(2023, 5, 18, 0, 0, 0, 0, time.UTC),
		NotAfter:  time.Now().AddDate(4, 0, 0),
		KeyUsage:  x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	cer, err = x509.CreateCertificate(rand.Reader, tmpl, tmpl, &priv.PublicKey, priv)
	if err != nil {
		return nil, nil, fmt.Errorf("certificate: %w", err)
	}
	plain, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, nil, fmt.Errorf("pkcs8: %w", err)
	}
	openssl, err := exec.LookPath("openssl")
	if err != nil {
		return nil, nil, fmt.Errorf("openssl not found: %s", toolsHint)
	}
	dir, err := os.MkdirTemp("", "cfditest-csd-")
	if err != nil {
		return nil, nil, err
	}
	defer os.RemoveAll(dir)
	in, out := filepath.Join(dir, "plain.der"), filepath.Join(dir, RFC+".key")
	if err := os.WriteFile(in, plain, 0o600); err != nil {
		return nil, nil, err
	}
	if msg, err := exec.Command(openssl, "pkcs8", "-topk8", "-v2", "des3", "-inform", "DER", "-in", in,
		"-outform", "DER", "-out", out, "-passout", "pass:"+Password).CombinedOutput(); err != nil {
		return nil, nil, fmt.Errorf("openssl pkcs8 -topk8: %v: %s", err, msg)
	}
	key, err = os.ReadFile(out)
	return cer, key, err
}

// Checks are the checks of a CFDI sealed with the generated CSD: sello
// verifies over cadena with the CSD's certificate (openssl dgst -verify).
// Built with the tag satfiles, the document also validates against SAT's
// cfdv40.xsd (xmllint --schema) and its cadena original by SAT's XSLT
// (xsltproc) equals cadena.
func Checks(t testing.TB, doc []byte, sello, cadena string) {
	t.Helper()
	VerifyWithOpenSSL(t, CertPath(t), "DER", []byte(cadena), sello)
	satChecks(t, doc, cadena)
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
// IEPS 12.77 (IVA on the price plus IEPS), Total 1799.77.
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

// Sealed builds and seals d with the generated test CSD.
func Sealed(t testing.TB, d cfdi.Document) (c *cfdi.Comprobante, doc []byte, cadena string) {
	t.Helper()
	c, err := cfdi.Build(d)
	require.NoError(t, err)
	doc, cadena, err = cfdi.Seal(c, CSD(t))
	require.NoError(t, err)
	return c, doc, cadena
}

package cfdi_test

import (
	"bytes"
	"encoding/base64"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
)

// SAT's published files the tests check against. They are not committed:
// `make sat-testdata` downloads them into testdata/sat as listed, with
// their sources and hashes, in testdata/sat-files.txt.
const (
	satDir        = "testdata/sat"
	schemaPath    = satDir + "/cfd/4/cfdv40.xsd"
	xsltPath      = satDir + "/cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt"
	csdCerPath    = satDir + "/csd/EKU9003173C9.cer"
	csdKeyPath    = satDir + "/csd/EKU9003173C9.key"
	csdPassword   = "12345678a"
	csdRFC        = "EKU9003173C9"
	csdNumber     = "30001000000500003416"
	satFilesHint  = "run `make sat-testdata` (SAT's XSD, XSLT and test CSD, see testdata/sat-files.txt)"
	satToolsHint  = "run `make cfdi-deps` (xsltproc, xmllint, poppler-utils)"
	fixtureRFC    = "EKU9003173C9"
	fixtureRegime = "601"
)

// satFile reads one of SAT's files, failing with what to run when absent.
func satFile(t *testing.T, path string) []byte {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SAT test file %s missing: %v; %s", path, err, satFilesHint)
	}
	return b
}

// tool returns the path of a command the checks run, failing with what to
// install when absent.
func tool(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		t.Fatalf("%s not found: %s", name, satToolsHint)
	}
	return p
}

var (
	csdOnce sync.Once
	testCSD *cfdi.CSD
	csdErr  error
)

// loadTestCSD is SAT's public test CSD (RFC EKU9003173C9).
func loadTestCSD(t *testing.T) *cfdi.CSD {
	t.Helper()
	cer, key := satFile(t, csdCerPath), satFile(t, csdKeyPath)
	csdOnce.Do(func() { testCSD, csdErr = cfdi.LoadCSD(cer, key, csdPassword) })
	require.NoError(t, csdErr)
	return testCSD
}

// satChecks runs SAT's own tools over a sealed CFDI: the document
// validates against cfdv40.xsd (xmllint), its cadena original from SAT's
// XSLT (xsltproc) equals want, and its Sello verifies over that cadena
// with the certificate's public key (openssl).
func satChecks(t *testing.T, doc []byte, sello, want string) {
	t.Helper()
	satFile(t, schemaPath)
	satFile(t, xsltPath)
	dir := t.TempDir()
	xmlPath := filepath.Join(dir, "cfdi.xml")
	require.NoError(t, os.WriteFile(xmlPath, doc, 0o600))

	out, err := exec.Command(tool(t, "xmllint"), "--noout", "--schema", schemaPath, xmlPath).CombinedOutput()
	require.NoError(t, err, "xmllint --schema cfdv40.xsd:\n%s\n%s", out, doc)

	cadena, err := exec.Command(tool(t, "xsltproc"), xsltPath, xmlPath).Output()
	require.NoError(t, err, "xsltproc cadenaoriginal_4_0.xslt")
	require.Equal(t, string(cadena), want, "cadena original: SAT's XSLT vs Go")

	sig, err := base64.StdEncoding.DecodeString(sello)
	require.NoError(t, err)
	cadenaPath, sigPath, pubPath := filepath.Join(dir, "cadena.txt"), filepath.Join(dir, "sello.bin"), filepath.Join(dir, "pub.pem")
	require.NoError(t, os.WriteFile(cadenaPath, cadena, 0o600))
	require.NoError(t, os.WriteFile(sigPath, sig, 0o600))
	openssl := tool(t, "openssl")
	pub, err := exec.Command(openssl, "x509", "-inform", "DER", "-in", csdCerPath, "-noout", "-pubkey").Output()
	require.NoError(t, err, "openssl x509 -pubkey")
	require.NoError(t, os.WriteFile(pubPath, pub, 0o600))
	out, err = exec.Command(openssl, "dgst", "-sha256", "-verify", pubPath, "-signature", sigPath, cadenaPath).CombinedOutput()
	require.NoError(t, err, "openssl dgst -verify: %s", out)
	require.Equal(t, "Verified OK", strings.TrimSpace(string(out)))
}

// attr reads one attribute of the first element named elem in doc.
func attr(t *testing.T, doc []byte, elem, name string) string {
	t.Helper()
	i := bytes.Index(doc, []byte("<"+elem+" "))
	require.GreaterOrEqual(t, i, 0, "no %s in document", elem)
	rest := doc[i:]
	rest = rest[:bytes.IndexByte(rest, '>')]
	j := bytes.Index(rest, []byte(" "+name+`="`))
	require.GreaterOrEqual(t, j, 0, "no %s on %s", name, elem)
	v := rest[j+len(name)+3:]
	return string(v[:bytes.IndexByte(v, '"')])
}

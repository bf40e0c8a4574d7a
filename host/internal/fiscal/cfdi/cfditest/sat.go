//go:build satfiles

package cfditest

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
)

const filesHint = "run `make sat-check`, or `make sat-testdata` first (SAT's XSD, XSLT and test CSD, see host/internal/fiscal/cfdi/testdata/sat-files.txt)"

// SAT's public test CSD (RFC EKU9003173C9, SAT's RFC-PAC-SC.zip): the same
// taxpayer, password and NoCertificado as the generated one.
const (
	satCer = "csd/EKU9003173C9.cer"
	satKey = "csd/EKU9003173C9.key"
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

// SATCSDFiles are SAT's test CSD's .cer and .key.
func SATCSDFiles(t testing.TB) (cer, key []byte) {
	t.Helper()
	cer, err := os.ReadFile(Path(t, satCer))
	require.NoError(t, err)
	key, err = os.ReadFile(Path(t, satKey))
	require.NoError(t, err)
	return cer, key
}

var (
	satOnce sync.Once
	satCSD  *cfdi.CSD
	satErr  error
)

// SATCSD is SAT's test CSD, loaded once.
func SATCSD(t testing.TB) *cfdi.CSD {
	t.Helper()
	cer, key := SATCSDFiles(t)
	satOnce.Do(func() { satCSD, satErr = cfdi.LoadCSD(cer, key, Password) })
	require.NoError(t, satErr)
	return satCSD
}

// SATCertPath is SAT's test CSD's certificate (DER).
func SATCertPath(t testing.TB) string {
	t.Helper()
	return Path(t, satCer)
}

// SATCadena is the cadena original of doc by SAT's
// cadenaoriginal_4_0.xslt (xsltproc).
func SATCadena(t testing.TB, doc []byte) string {
	t.Helper()
	xslt := Path(t, "cfd/4/cadenaoriginal_4_0/cadenaoriginal_4_0.xslt")
	xmlPath := filepath.Join(t.TempDir(), "cfdi.xml")
	require.NoError(t, os.WriteFile(xmlPath, doc, 0o600))
	cadena, err := exec.Command(Tool(t, "xsltproc"), xslt, xmlPath).Output()
	require.NoError(t, err, "xsltproc cadenaoriginal_4_0.xslt")
	return string(cadena)
}

// SATSchema checks that doc validates against SAT's cfdv40.xsd (xmllint
// --schema).
func SATSchema(t testing.TB, doc []byte) {
	t.Helper()
	schema := Path(t, "cfd/4/cfdv40.xsd")
	xmlPath := filepath.Join(t.TempDir(), "cfdi.xml")
	require.NoError(t, os.WriteFile(xmlPath, doc, 0o600))
	out, err := exec.Command(Tool(t, "xmllint"), "--noout", "--schema", schema, xmlPath).CombinedOutput()
	require.NoError(t, err, "xmllint --schema cfdv40.xsd:\n%s\n%s", out, doc)
}

// satChecks: doc validates against cfdv40.xsd and SAT's XSLT gives want.
func satChecks(t testing.TB, doc []byte, want string) {
	t.Helper()
	SATSchema(t, doc)
	require.Equal(t, SATCadena(t, doc), want, "cadena original: SAT's XSLT vs Go")
}

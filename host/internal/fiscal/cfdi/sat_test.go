//go:build satfiles

package cfdi_test

import (
	"flag"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
)

var updateGoldens = flag.Bool("update-goldens", false, "rewrite testdata/golden from SAT's XSLT's output")

// TestGoldensAreSATsCadenas re-derives every golden with SAT's
// cadenaoriginal_4_0.xslt, so that the goldens the default suite holds Go
// to cannot drift from SAT. With -update-goldens it writes them.
func TestGoldensAreSATsCadenas(t *testing.T) {
	csd := cfditest.CSD(t)
	for kind, d := range goldenCases(t) {
		t.Run(kind, func(t *testing.T) {
			c, err := cfdi.Build(d)
			require.NoError(t, err)
			doc, _, err := cfdi.Seal(c, csd)
			require.NoError(t, err)
			sat := cfditest.SATCadena(t, doc)
			if *updateGoldens {
				require.NoError(t, os.WriteFile(goldenPath(kind), []byte(sat), 0o644))
			}
			want, err := os.ReadFile(goldenPath(kind))
			require.NoError(t, err)
			require.Equal(t, sat, string(want), "SAT's XSLT vs the golden")
		})
	}
}

// TestIssuedCFDIsPassSATChecks seals every golden kind with SAT's own test
// CSD: the document validates against cfdv40.xsd, SAT's XSLT gives Go's
// cadena, and SAT's certificate verifies the Sello.
func TestIssuedCFDIsPassSATChecks(t *testing.T) {
	t.Parallel()
	csd := cfditest.SATCSD(t)
	for kind, d := range goldenCases(t) {
		t.Run(kind, func(t *testing.T) {
			t.Parallel()
			c, err := cfdi.Build(d)
			require.NoError(t, err)
			doc, cadena, err := cfdi.Seal(c, csd)
			require.NoError(t, err)
			cfditest.SATSchema(t, doc)
			require.Equal(t, cfditest.SATCadena(t, doc), cadena, "cadena original: SAT's XSLT vs Go")
			cfditest.VerifyWithOpenSSL(t, cfditest.SATCertPath(t), "DER", []byte(cadena), c.Sello)
			require.Equal(t, csdNumber, attr(t, doc, "cfdi:Comprobante", "NoCertificado"))
		})
	}
}

// TestLoadSATCSD reads SAT's own test CSD: its NoCertificado, its RFC in
// the subject, its 3DES PKCS#8 key and password.
func TestLoadSATCSD(t *testing.T) {
	t.Parallel()
	csd := cfditest.SATCSD(t)
	require.Equal(t, csdNumber, csd.NoCertificado())
	require.Contains(t, csd.Certificate().Subject.String(), "ESCUELA KEMPER URGATE")
	require.Equal(t, cfditest.RFC+" / VADA800927DJ3", subjectAttr(csd, "2.5.4.45"), "the RFC in x500UniqueIdentifier, as SAT writes it")
	require.True(t, csd.ValidAt(time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)))
	cer, key := cfditest.SATCSDFiles(t)
	_, err := cfdi.LoadCSD(cer, key, "wrong-password")
	require.ErrorIs(t, err, cfdi.ErrWrongPassword)
	require.False(t, strings.Contains(err.Error(), "wrong-password"))
}

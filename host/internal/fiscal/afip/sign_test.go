package afip_test

import (
	"encoding/xml"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/afip"
	"github.com/nexuspos/nexus/host/internal/fiscal/afip/afiptest"
)

// TestSignedTRAVerifiesWithOpenSSL checks the CMS WSAA receives with
// OpenSSL itself: `openssl cms -verify` accepts the signature against the
// certificate's authority and gives back the login ticket request for
// wsfe, valid from before now to later.
func TestSignedTRAVerifiesWithOpenSSL(t *testing.T) {
	t.Parallel()
	openssl, err := exec.LookPath("openssl")
	require.NoError(t, err, "openssl is missing: run make afip-deps")
	fake := afiptest.New(t)
	cert, key := fake.Credentials(t, "30712345671")
	now := time.Now()
	der, err := afip.SignTRA(cert, key, "wsfe", now, time.Hour)
	require.NoError(t, err)

	dir := t.TempDir()
	in, ca, out := filepath.Join(dir, "tra.cms"), filepath.Join(dir, "ca.pem"), filepath.Join(dir, "tra.xml")
	require.NoError(t, os.WriteFile(in, der, 0o600))
	require.NoError(t, os.WriteFile(ca, fake.CAPEM(), 0o600))
	cmd := exec.Command(openssl, "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", ca, "-purpose", "any", "-out", out)
	res, err := cmd.CombinedOutput()
	require.NoError(t, err, string(res))
	require.Contains(t, string(res), "Verification successful")
	body, err := os.ReadFile(out)
	require.NoError(t, err)
	var tra afip.LoginTicketRequest
	require.NoError(t, xml.Unmarshal(body, &tra))
	require.Equal(t, "wsfe", tra.Service)
	require.Equal(t, "1.0", tra.Version)
	gen, err := time.Parse(time.RFC3339, tra.Header.GenerationTime)
	require.NoError(t, err)
	exp, err := time.Parse(time.RFC3339, tra.Header.ExpirationTime)
	require.NoError(t, err)
	require.True(t, gen.Before(now) && exp.After(now), "%s .. %s", gen, exp)

	// A signature by another authority's certificate does not verify.
	other := afiptest.New(t)
	cert2, key2 := other.Credentials(t, "30712345671")
	der2, err := afip.SignTRA(cert2, key2, "wsfe", now, time.Hour)
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(in, der2, 0o600))
	res, err = exec.Command(openssl, "cms", "-verify", "-inform", "DER", "-in", in, "-CAfile", ca, "-purpose", "any", "-out", out).CombinedOutput()
	require.Error(t, err, string(res))

	_, err = afip.SignTRA([]byte("not a certificate"), key, "wsfe", now, time.Hour)
	require.Error(t, err)
	require.NotContains(t, err.Error(), "PRIVATE")
}

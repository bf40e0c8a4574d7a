//go:build satfiles

package pac_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
)

// TestTimbreCadenaIsSATs: the Timbre the fake PAC stamps, put through
// SAT's cadenaoriginal_TFD_1_1.xslt, gives the cadena TestStamp verifies
// SelloSAT over.
func TestTimbreCadenaIsSATs(t *testing.T) {
	t.Parallel()
	_, sw := fixture(t, 10*time.Second)
	c, doc := sealed(t)
	st, err := sw.Stamp(context.Background(), doc)
	require.NoError(t, err)

	s := string(st.XML)
	tfd := s[strings.Index(s, "<tfd:TimbreFiscalDigital"):strings.Index(s, "</cfdi:Complemento>")]
	tfd = strings.Replace(tfd, " xsi:schemaLocation=", ` xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:schemaLocation=`, 1)
	tfdPath := filepath.Join(t.TempDir(), "tfd.xml")
	require.NoError(t, os.WriteFile(tfdPath, []byte(tfd), 0o600))
	cadena, err := exec.Command(cfditest.Tool(t, "xsltproc"),
		cfditest.Path(t, "cfd/TimbreFiscalDigital/cadenaoriginal_TFD_1_1.xslt"), tfdPath).Output()
	require.NoError(t, err)
	require.Equal(t, tfdCadena(st, c.Sello), string(cadena))
}

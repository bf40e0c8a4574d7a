package pac_test

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

const (
	swUser     = "demo@nexus.test"
	swPassword = "s3cr3t-pac-password"
)

// fixture is a fake SW and a client of it.
func fixture(t *testing.T, timeout time.Duration) (*pactest.Server, *pac.SW) {
	t.Helper()
	srv := pactest.New(swUser, swPassword)
	t.Cleanup(srv.Close)
	return srv, pac.NewSW(srv.URL, pac.Credentials{User: swUser, Password: swPassword}, &http.Client{Timeout: timeout})
}

var folio atomic.Int64

// sealed is a fresh sealed CFDI, unique by its Folio.
func sealed(t *testing.T) (*cfdi.Comprobante, []byte) {
	t.Helper()
	d := cfditest.Sale(time.Now().In(cfditest.MexicoCity))
	d.Folio = strconv.FormatInt(folio.Add(1), 10)
	c, doc, _ := cfditest.Sealed(t, d)
	return c, doc
}

func TestStamp(t *testing.T) {
	t.Parallel()
	srv, sw := fixture(t, 10*time.Second)
	c, doc := sealed(t)

	st, err := sw.Stamp(context.Background(), doc)
	require.NoError(t, err)
	require.Equal(t, pactest.RfcProvCertif, st.RfcProvCertif)
	require.Equal(t, pactest.NoCertificadoSAT, st.NoCertificadoSAT)
	require.Equal(t, c.Sello, st.SelloCFD)

	// The stamped XML is a CFDI the host's invoices accept as issued by
	// the company, with the same UUID and totals.
	parsed, err := invoices.Parse(st.XML)
	require.NoError(t, err)
	require.True(t, strings.EqualFold(st.UUID, parsed.Timbre.UUID), "%s vs %s", st.UUID, parsed.Timbre.UUID)
	require.Equal(t, "1799.77", parsed.Total.StringFixed(2))
	require.Equal(t, cfditest.RFC, parsed.Emisor.Rfc)

	// SelloSAT signs the Timbre's cadena original (the fields of
	// cadenaoriginal_TFD_1_1.xslt, which TestTimbreCadenaIsSATs checks
	// with SAT's XSLT), checked by openssl with the PAC's certificate.
	cadena := tfdCadena(st, c.Sello)
	certPath := filepath.Join(t.TempDir(), "sat.cer")
	der, err := base64.StdEncoding.DecodeString(srv.SATCertificate())
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(certPath, der, 0o600))
	cfditest.VerifyWithOpenSSL(t, certPath, "DER", []byte(cadena), st.SelloSAT)

	// One authentication serves both calls: the token is cached.
	_, doc2 := sealed(t)
	_, err = sw.Stamp(context.Background(), doc2)
	require.NoError(t, err)
	require.Equal(t, 1, srv.Calls("/security/authenticate"))
}

// tfdCadena is the cadena original of a stamp's TimbreFiscalDigital 1.1.
func tfdCadena(st *pac.Stamp, selloCFD string) string {
	return "||1.1|" + st.UUID + "|" + st.FechaTimbrado + "|" + pactest.RfcProvCertif + "|" + selloCFD + "|" + pactest.NoCertificadoSAT + "||"
}

func TestStampSameCFDIAgainReturnsItsStamp(t *testing.T) {
	t.Parallel()
	srv, sw := fixture(t, 10*time.Second)
	_, doc := sealed(t)

	// The PAC stamps but the answer is lost: the outcome is unknown.
	srv.Fail(pactest.FailLostAnswer)
	_, err := sw.Stamp(context.Background(), doc)
	require.ErrorIs(t, err, pac.ErrUnavailable)

	// Sending the same sealed CFDI again gets the stamp of the first
	// request (SW's 307 with its data), not a second UUID.
	first, err := sw.Stamp(context.Background(), doc)
	require.NoError(t, err)
	again, err := sw.Stamp(context.Background(), doc)
	require.NoError(t, err)
	require.Equal(t, first.UUID, again.UUID)
	require.Equal(t, 3, srv.Calls("/cfdi33/stamp/v4"))

	// A CFDI that already carries a Timbre is refused without a stamp.
	_, err = sw.Stamp(context.Background(), first.XML)
	require.ErrorIs(t, err, pac.ErrAlreadyStamped)
}

func TestStampRefusals(t *testing.T) {
	t.Parallel()
	srv, sw := fixture(t, 10*time.Second)
	c, doc := sealed(t)

	tampered := []byte(strings.Replace(string(doc), `Total="`+c.Total+`"`, `Total="1.00"`, 1))
	_, err := sw.Stamp(context.Background(), tampered)
	var pe *pac.Error
	require.ErrorAs(t, err, &pe)
	require.ErrorIs(t, err, pac.ErrRejected)
	require.Equal(t, "302", pe.Code)
	require.Equal(t, http.StatusBadRequest, pe.HTTPStatus)

	other := cfditest.Sale(time.Now().In(cfditest.MexicoCity))
	other.Emisor.Rfc = "URE180429TM6"
	_, doc2, _ := cfditest.Sealed(t, other)
	_, err = sw.Stamp(context.Background(), doc2)
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "303", pe.Code)

	_, err = sw.Stamp(context.Background(), []byte("<not-xml"))
	require.ErrorAs(t, err, &pe)
	require.Equal(t, "301", pe.Code)

	for _, f := range []pactest.Failure{pactest.FailServerError, pactest.FailGateway} {
		srv.Fail(f)
		_, err = sw.Stamp(context.Background(), doc)
		require.ErrorIs(t, err, pac.ErrUnavailable, "failure %d", f)
	}
	// Nothing of the above stamped the CFDI.
	st, err := sw.Stamp(context.Background(), doc)
	require.NoError(t, err)
	require.NotEmpty(t, st.UUID)
}

func TestStampTimeoutIsUnavailable(t *testing.T) {
	t.Parallel()
	srv, sw := fixture(t, 300*time.Millisecond)
	_, doc := sealed(t)
	srv.Fail(pactest.FailHang)
	_, err := sw.Stamp(context.Background(), doc)
	require.ErrorIs(t, err, pac.ErrUnavailable)
	requireNoSecrets(t, err.Error())

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err = sw.Stamp(ctx, doc)
	require.ErrorIs(t, err, pac.ErrUnavailable)
}

func TestAuthentication(t *testing.T) {
	t.Parallel()
	srv := pactest.New(swUser, swPassword)
	t.Cleanup(srv.Close)
	_, doc := sealed(t)

	bad := pac.NewSW(srv.URL, pac.Credentials{User: swUser, Password: "wrong"}, http.DefaultClient)
	_, err := bad.Stamp(context.Background(), doc)
	require.ErrorIs(t, err, pac.ErrAuth)
	requireNoSecrets(t, err.Error())
	require.Equal(t, 0, srv.Calls("/cfdi33/stamp/v4"))

	// A token the PAC no longer knows is replaced once.
	stale := pac.NewSW(srv.URL, pac.Credentials{Token: "not-a-token"}, http.DefaultClient)
	_, err = stale.Stamp(context.Background(), doc)
	require.ErrorIs(t, err, pac.ErrAuth)

	creds := pac.Credentials{User: swUser, Password: swPassword, Token: "tok-123"}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		requireNoSecrets(t, fmt.Sprintf(format, creds))
		require.NotContains(t, fmt.Sprintf(format, creds), "tok-123")
	}
}

func TestCancel(t *testing.T) {
	t.Parallel()
	srv, sw := fixture(t, 10*time.Second)
	cer, key := cfditest.CSDFiles(t)
	ctx := context.Background()
	stamp := func() string {
		_, doc := sealed(t)
		st, err := sw.Stamp(ctx, doc)
		require.NoError(t, err)
		return st.UUID
	}
	req := func(id, motivo, folio string) pac.CancelRequest {
		return pac.CancelRequest{RFC: cfditest.RFC, UUID: id, Motivo: motivo, FolioSustitucion: folio,
			Cer: cer, Key: key, KeyPassword: cfditest.Password}
	}

	// Motivo 01 needs the substitute; others must not carry one. Refused
	// before anything is sent.
	for _, r := range []pac.CancelRequest{
		req(stamp(), pac.MotivoConRelacion, ""), req(stamp(), pac.MotivoSinRelacion, stamp()),
		req(stamp(), "05", ""), req("not-a-uuid", pac.MotivoSinRelacion, ""),
	} {
		_, err := sw.Cancel(ctx, r)
		require.ErrorIs(t, err, pac.ErrRejected, r.String())
	}
	require.Equal(t, 0, srv.Calls("/cfdi33/cancel/csd"))

	replaced, substitute := stamp(), stamp()
	got, err := sw.Cancel(ctx, req(replaced, pac.MotivoConRelacion, substitute))
	require.NoError(t, err)
	require.Equal(t, "201", got.Status)
	require.Contains(t, string(got.Acuse), replaced)

	for _, motivo := range []string{pac.MotivoSinRelacion, pac.MotivoNoOperacion, pac.MotivoGlobal} {
		got, err = sw.Cancel(ctx, req(stamp(), motivo, ""))
		require.NoError(t, err)
		require.Equal(t, "201", got.Status, motivo)
	}

	// 1,799.12 to a named receiver waits for the receiver's acceptance;
	// once cancelled, asking again answers 202.
	require.NoError(t, srv.Respond(replaced, pactest.Accept))
	got, err = sw.Cancel(ctx, req(replaced, pac.MotivoSinRelacion, ""))
	require.NoError(t, err)
	require.Equal(t, "202", got.Status, "previously cancelled")

	// A UUID the PAC never stamped for this RFC does not exist for it.
	other := req(stamp(), pac.MotivoSinRelacion, "")
	other.RFC = "URE180429TM6"
	_, err = sw.Cancel(ctx, other)
	require.ErrorIs(t, err, pac.ErrRejected, "the CSD is not URE180429TM6's")
	got, err = sw.Cancel(ctx, req("6F4E71B0-8959-4FB9-8091-F5AC4FB0FEF8", pac.MotivoSinRelacion, ""))
	require.NoError(t, err)
	require.Equal(t, "205", got.Status)

	wrong := req(stamp(), pac.MotivoSinRelacion, "")
	wrong.KeyPassword = "not-the-password"
	_, err = sw.Cancel(ctx, wrong)
	require.ErrorIs(t, err, pac.ErrRejected)
	require.NotContains(t, err.Error(), "not-the-password")
	require.NotContains(t, fmt.Sprintf("%v %+v %#v", wrong, wrong, wrong), "not-the-password")

	last := stamp()
	srv.Fail(pactest.FailServerError)
	_, err = sw.Cancel(ctx, req(last, pac.MotivoSinRelacion, ""))
	require.True(t, errors.Is(err, pac.ErrUnavailable), "%v", err)
}

func requireNoSecrets(t *testing.T, s string) {
	t.Helper()
	require.NotContains(t, s, swPassword)
	require.NotContains(t, s, "wrong")
}

package pac_test

import (
	"context"
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/cfditest"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac"
	"github.com/nexuspos/nexus/host/internal/fiscal/cfdi/pac/pactest"
	"github.com/nexuspos/nexus/host/internal/invoices"
)

// statusFixture is a fake SW whose status service is the client's.
func statusFixture(t *testing.T, timeout time.Duration) (*pactest.Server, *pac.SW) {
	t.Helper()
	srv := pactest.New(swUser, swPassword)
	t.Cleanup(srv.Close)
	return srv, pac.NewSW(srv.URL, pac.Credentials{User: swUser, Password: swPassword}, &http.Client{Timeout: timeout},
		pac.WithStatusService(srv.URL+pac.StatusPath, nil))
}

// stampDoc stamps d (a fresh Folio) and returns its status query.
func stampDoc(t *testing.T, sw *pac.SW, d cfdi.Document) pac.StatusQuery {
	t.Helper()
	d.Folio = strconv.FormatInt(folio.Add(1), 10)
	_, doc, _ := cfditest.Sealed(t, d)
	st, err := sw.Stamp(context.Background(), doc)
	require.NoError(t, err)
	parsed, err := invoices.Parse(st.XML)
	require.NoError(t, err)
	return pac.StatusQueryOf(parsed)
}

func TestStatusExpression(t *testing.T) {
	t.Parallel()
	q := pac.StatusQuery{Emisor: "EKU9003173C9", Receptor: "URE180429TM6", Total: "1799.12",
		UUID: "6F4E71B0-8959-4FB9-8091-F5AC4FB0FEF8", Sello: "Y3Vt5A=="}
	require.Equal(t, "?re=EKU9003173C9&rr=URE180429TM6&tt=1799.12&id=6F4E71B0-8959-4FB9-8091-F5AC4FB0FEF8&fe=Y3Vt5A==", q.Expression())
	q.Emisor = "M&S0101013B4"
	require.Contains(t, q.Expression(), "re=M%26S0101013B4&")
}

// TestStatusFollowsTheCancellation: SAT's Consulta tells a CFDI in
// force, whether it needs its receiver's acceptance, and each end of a
// cancellation that does.
func TestStatusFollowsTheCancellation(t *testing.T) {
	t.Parallel()
	srv, sw := statusFixture(t, 10*time.Second)
	cer, key := cfditest.CSDFiles(t)
	ctx := context.Background()
	cancel := func(q pac.StatusQuery) {
		t.Helper()
		got, err := sw.Cancel(ctx, pac.CancelRequest{RFC: cfditest.RFC, UUID: q.UUID, Motivo: pac.MotivoSinRelacion,
			Cer: cer, Key: key, KeyPassword: cfditest.Password})
		require.NoError(t, err)
		require.Equal(t, "201", got.Status)
	}
	status := func(q pac.StatusQuery) pac.SATStatus {
		t.Helper()
		st, err := sw.Status(ctx, q)
		require.NoError(t, err)
		return *st
	}

	// 1,799.12 to a named receiver: cancelable with its acceptance.
	named := cfditest.Sale(time.Now().In(cfditest.MexicoCity))
	for _, answer := range []struct {
		a                   pactest.Answer
		estado, cancelacion string
	}{
		{pactest.Accept, pac.EstadoCancelado, pac.CanceladoConAceptacion},
		{pactest.Reject, pac.EstadoVigente, pac.SolicitudRechazada},
		{pactest.Lapse, pac.EstadoCancelado, pac.PlazoVencido},
	} {
		q := stampDoc(t, sw, named)
		require.Equal(t, pac.SATStatus{CodigoEstatus: "S - Comprobante obtenido satisfactoriamente.", Estado: pac.EstadoVigente,
			EsCancelable: pac.CancelableConAceptacion}, status(q))
		cancel(q)
		require.Equal(t, pac.CancelacionEnProceso, status(q).EstatusCancelacion)
		require.Equal(t, pac.EstadoVigente, status(q).Estado)
		require.NoError(t, srv.Respond(q.UUID, answer.a))
		got := status(q)
		require.Equal(t, answer.estado, got.Estado)
		require.Equal(t, answer.cancelacion, got.EstatusCancelacion)
	}

	// A foreign receiver's CFDI is cancelled at once.
	foreign := cfditest.Sale(time.Now().In(cfditest.MexicoCity))
	foreign.Receptor.Rfc = "XEXX010101000"
	q := stampDoc(t, sw, foreign)
	require.Equal(t, pac.CancelableSinAceptacion, status(q).EsCancelable)
	cancel(q)
	got := status(q)
	require.Equal(t, pac.EstadoCancelado, got.Estado)
	require.Equal(t, pac.CanceladoSinAceptacion, got.EstatusCancelacion)
	require.Error(t, srv.Respond(q.UUID, pactest.Accept), "nothing waits for the receiver")

	// A query whose total or receiver differs from the CFDI's finds none.
	q = stampDoc(t, sw, named)
	wrong := q
	wrong.Total = "1799.13"
	require.Equal(t, pac.EstadoNoEncontrado, status(wrong).Estado)
	wrong = q
	wrong.Receptor = "XAXX010101000"
	require.Equal(t, pac.EstadoNoEncontrado, status(wrong).Estado)
}

func TestStatusFailures(t *testing.T) {
	t.Parallel()
	srv, sw := statusFixture(t, 300*time.Millisecond)
	q := stampDoc(t, sw, cfditest.Sale(time.Now().In(cfditest.MexicoCity)))
	for _, f := range []pactest.Failure{pactest.FailServerError, pactest.FailGateway, pactest.FailHang} {
		srv.FailStatus(f)
		_, err := sw.Status(context.Background(), q)
		require.ErrorIs(t, err, pac.ErrUnavailable, "failure %d", f)
	}
	st, err := sw.Status(context.Background(), q)
	require.NoError(t, err)
	require.Equal(t, pac.EstadoVigente, st.Estado)
	require.Equal(t, 4, srv.Calls(pac.StatusPath))

	// A malformed expression is SAT's refusal, not an outage.
	q.Emisor = ""
	_, err = sw.Status(context.Background(), q)
	require.ErrorIs(t, err, pac.ErrRejected)
	require.Equal(t, 1, srv.Calls("/security/authenticate"), "the stamp's token only: the status service needs none")
}

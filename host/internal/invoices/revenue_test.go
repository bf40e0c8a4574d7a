package invoices

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/auth"
	"github.com/nexuspos/nexus/host/internal/reporting"
)

// restamp returns a sample with a new UUID and its dates moved to at (a
// local time of the company).
func restamp(t *testing.T, name, fecha, timbrado string, at time.Time) []byte {
	t.Helper()
	s := string(sample(t, name))
	for _, old := range []string{fecha, timbrado} {
		require.Contains(t, s, `"`+old+`"`)
		s = strings.ReplaceAll(s, `"`+old+`"`, `"`+at.Format("2006-01-02T15:04:05")+`"`)
	}
	id := uuid.NewString()
	for _, old := range []string{"0c9e8f7a-6b5d-4c3e-a2f1-0987654321ab", "a3b4c5d6-e7f8-4a1b-8c2d-3e4f5a6b7c8d"} {
		s = strings.ReplaceAll(s, `UUID="`+old+`"`, `UUID="`+id+`"`)
	}
	return []byte(s)
}

// TestRevenueFollowsUploadsAndCancellations wires the service to the
// reporting service as the host does: an uploaded ingreso is in the
// revenue report at once, answered by the rollup; a credit note (E)
// reduces it; a payment complement (P) changes nothing; a cancellation
// takes the ingreso back out; the recipient's copy of the same invoice is
// no revenue of the recipient's.
func TestRevenueFollowsUploadsAndCancellations(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	rep, err := reporting.New(reporting.Config{Pool: e.pool, RollupTypes: []string{reporting.InvoicesType}})
	require.NoError(t, err)
	require.NoError(t, rep.SetSources(t.Context(), nil))
	WithRevenue(rep)(e.svc)
	a := e.company(t, rfcEmisor, auth.RoleAdmin)
	b := e.company(t, rfcReceptor, auth.RoleAdmin)

	mexico, err := time.LoadLocation("America/Mexico_City")
	require.NoError(t, err)
	// A minute ago in Mexico City, so the parser never sees a future date;
	// near midnight the whole test moves to the previous day.
	at := time.Now().In(mexico).Add(-time.Minute).Truncate(time.Second)
	day := time.Date(at.Year(), at.Month(), at.Day(), 0, 0, 0, 0, time.UTC)
	revenue := func(p auth.Principal) reporting.RevenueReport {
		r, err := rep.Revenue(t.Context(), p.CompanyID, reporting.RevenueQuery{From: day, To: day})
		require.NoError(t, err)
		return r
	}
	// eventually polls the report until want, for at most a second.
	eventually := func(p auth.Principal, want []reporting.RevenueRow) reporting.RevenueReport {
		t.Helper()
		deadline := time.Now().Add(time.Second)
		for {
			r := revenue(p)
			if slices.Equal(r.Data, want) {
				return r
			}
			if time.Now().After(deadline) {
				require.Equal(t, want, r.Data, "within a second")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	require.Empty(t, revenue(a).Data)

	ingreso := invoiceXML{fecha: at.Format("2006-01-02T15:04:05"), subtotal: "100.00", iva: "16.00", total: "116.00"}.bytes()
	rec := e.uploadXML(t, a, ingreso)
	requireStatus(t, rec, http.StatusCreated, "")
	id := decode[InvoiceDetail](t, rec).ID
	r := eventually(a, []reporting.RevenueRow{{Key: reporting.InvoicesType, Currency: "MXN", Amount: "116.00", Count: 1}})
	require.Equal(t, reporting.SourceRollup, r.Source)

	// An identical re-upload changes nothing; a credit note of 295.80
	// reduces the day to 116.00 − 295.80 = −179.80 over two invoices.
	requireStatus(t, e.uploadXML(t, a, ingreso), http.StatusOK, "")
	requireStatus(t, e.uploadXML(t, a, restamp(t, "egreso", "2024-03-20T16:05:44", "2024-03-20T16:06:01", at)), http.StatusCreated, "")
	eventually(a, []reporting.RevenueRow{{Key: reporting.InvoicesType, Currency: "MXN", Amount: "-179.80", Count: 2}})

	// A payment complement (Moneda XXX, total 0) is no revenue: no XXX line.
	requireStatus(t, e.uploadXML(t, a, restamp(t, "pago", "2024-04-10T12:15:00", "2024-04-10T12:16:30", at)), http.StatusCreated, "")
	require.Equal(t, []reporting.RevenueRow{{Key: reporting.InvoicesType, Currency: "MXN", Amount: "-179.80", Count: 2}}, revenue(a).Data)

	// The recipient's copy is a received invoice: a cost, not revenue, and
	// B sees none of A's revenue.
	requireStatus(t, e.uploadXML(t, b, ingreso), http.StatusCreated, "")
	require.Empty(t, revenue(b).Data)

	rec = e.request(t, a, http.MethodPost, base+"/"+id.String()+"/cancel", "application/json", []byte(`{"reason":"02"}`))
	requireStatus(t, rec, http.StatusOK, "")
	r = eventually(a, []reporting.RevenueRow{{Key: reporting.InvoicesType, Currency: "MXN", Amount: "-295.80", Count: 1}})
	require.Equal(t, reporting.SourceRollup, r.Source)

	// The views, once refreshed, agree with what the rollup answered.
	_, err = rep.Refresh(t.Context(), true)
	require.NoError(t, err)
	total, err := rep.TotalRevenue(t.Context(), a.CompanyID, day.AddDate(0, 0, -1), day.AddDate(0, 0, 2))
	require.NoError(t, err)
	require.Equal(t, []reporting.CurrencyTotal{{Currency: "MXN", Amount: "-295.80", Count: 1}}, total)
	total, err = rep.TotalRevenue(t.Context(), b.CompanyID, day.AddDate(0, 0, -1), day.AddDate(0, 0, 2))
	require.NoError(t, err)
	require.Empty(t, total)
}

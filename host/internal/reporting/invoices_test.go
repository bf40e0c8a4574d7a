package reporting

import (
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/internal/store"
)

// TestInvoiceRevenue: of a company's CFDIs only the ingresos (I) and
// egresos (E) it issued are revenue, alike in the views and in the rollup
// the invoices service keeps with InvoiceStored and InvoiceCancelled:
// payment complements (P, Moneda XXX), traslados (T) and nóminas (N) add
// no line, received invoices are costs. Another company's transaction
// cannot move A's rollup, and an invoice dated before the views' last
// refresh asks for a refresh.
func TestInvoiceRevenue(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	now := local(mexico, 2025, 3, 10, 12, 0)
	e.clock.Set(now)
	today := date(2025, 3, 10)
	at := local(mexico, 2025, 3, 10, 9, 0)
	inv := map[string]uuid.UUID{
		"I":        e.invoice(e.a, at, "I", "issued", "1160.00", "MXN", "valid"),
		"E":        e.invoice(e.a, at, "E", "issued", "116.00", "MXN", "valid"),
		"P":        e.invoice(e.a, at, "P", "issued", "0.00", "XXX", "valid"),
		"T":        e.invoice(e.a, at, "T", "issued", "0.00", "XXX", "valid"),
		"N":        e.invoice(e.a, at, "N", "issued", "15000.00", "MXN", "valid"),
		"received": e.invoice(e.a, at, "I", "received", "300.00", "MXN", "valid"),
	}
	e.setSources()

	// The views: 1160.00 − 116.00 over two invoices, nothing in XXX.
	want := []RevenueRow{{InvoicesType, "MXN", "1044.00", 2}}
	rep, err := e.svc.Revenue(t.Context(), e.a, RevenueQuery{From: today, To: today})
	require.NoError(t, err)
	require.Equal(t, want, rep.Data)
	require.Equal(t, []CurrencyTotal{{"MXN", "1044.00", 2}}, rep.Totals)
	total, err := e.svc.TotalRevenue(t.Context(), e.a, local(mexico, 2025, 3, 10, 0, 0), local(mexico, 2025, 3, 11, 0, 0))
	require.NoError(t, err)
	require.Equal(t, []CurrencyTotal{{"MXN", "1044.00", 2}}, total)

	// The rollup, as the invoices service keeps it: every invoice is told,
	// only I and E issued move it.
	svc := e.newService(e.pool, func(c *Config) { c.RollupTypes = []string{InvoicesType} })
	e.setSourcesOf(svc)
	stored := func(company uuid.UUID, ids ...uuid.UUID) {
		t.Helper()
		require.NoError(t, store.TenantTx(t.Context(), e.pool, company, func(tx pgx.Tx) error {
			for _, id := range ids {
				if err := svc.InvoiceStored(t.Context(), tx, company, id); err != nil {
					return err
				}
			}
			return nil
		}))
	}
	stored(e.a, inv["I"], inv["E"], inv["P"], inv["T"], inv["N"], inv["received"])
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "1044.00", 2}}, e.rollupRows(e.a, today, today))
	rep, err = svc.Revenue(t.Context(), e.a, RevenueQuery{From: today, To: today})
	require.NoError(t, err)
	require.Equal(t, want, rep.Data)
	require.Equal(t, SourceRollup, rep.Source)
	require.False(t, svc.pending(t.Context()), "today's invoices need no refresh")

	// Company B's transaction cannot see, so cannot move, A's invoices.
	stored(e.b, inv["I"])
	require.Empty(t, e.rollupRows(e.b, today, today))
	require.Equal(t, []RevenueRow{{"2025-03-10", "MXN", "1044.00", 2}}, e.rollupRows(e.a, today, today))

	// Cancelling the ingreso takes it back out; cancelling a P changes
	// nothing.
	e.exec(`UPDATE sat_invoices SET status = 'cancelled' WHERE id = ANY($1)`, []uuid.UUID{inv["I"], inv["P"]})
	require.NoError(t, store.TenantTx(t.Context(), e.pool, e.a, func(tx pgx.Tx) error {
		if err := svc.InvoiceCancelled(t.Context(), tx, e.a, inv["I"]); err != nil {
			return err
		}
		return svc.InvoiceCancelled(t.Context(), tx, e.a, inv["P"])
	}))
	rep, err = svc.Revenue(t.Context(), e.a, RevenueQuery{From: today, To: today})
	require.NoError(t, err)
	require.Equal(t, []RevenueRow{{InvoicesType, "MXN", "-116.00", 1}}, rep.Data)

	// An invoice dated two days ago falls on a day the views answer: it
	// is in the rollup at once and asks for a refresh, after which the
	// views show it and agree with the rollup.
	old := e.invoice(e.a, local(mexico, 2025, 3, 8, 17, 0), "I", "issued", "50.00", "MXN", "valid")
	stored(e.a, old)
	require.True(t, svc.pending(t.Context()), "a transaction dated before the watermark's day")
	require.Equal(t, []RevenueRow{{"2025-03-08", "MXN", "50.00", 1}}, e.rollupRows(e.a, date(2025, 3, 8), date(2025, 3, 8)))
	e.clock.Set(local(mexico, 2025, 3, 11, 6, 0))
	_, err = svc.Refresh(t.Context(), true)
	require.NoError(t, err)
	rep, err = svc.Revenue(t.Context(), e.a, RevenueQuery{From: date(2025, 3, 8), To: today, GroupBy: GroupByDay})
	require.NoError(t, err)
	require.Equal(t, []RevenueRow{{"2025-03-08", "MXN", "50.00", 1}, {"2025-03-10", "MXN", "-116.00", 1}}, rep.Data)
	require.Equal(t, SourceMV, rep.Source)
	drift, err := svc.CheckDrift(t.Context())
	require.NoError(t, err)
	require.Empty(t, drift)
}

func TestAnsweredBy(t *testing.T) {
	t.Parallel()
	cut := date(2025, 3, 10)
	for _, c := range []struct {
		name           string
		from, to       time.Time
		cutoff         *time.Time
		rollup, mvLate bool
		want           string
	}{
		{"before the cutoff", date(2025, 3, 1), date(2025, 3, 9), &cut, true, false, SourceMV},
		{"from the cutoff on", cut, cut, &cut, true, false, SourceRollup},
		{"other types in the views", cut, cut, &cut, true, true, SourceBoth},
		{"across the cutoff", date(2025, 3, 1), cut, &cut, true, false, SourceBoth},
		{"no rollup types", cut, cut, &cut, false, true, SourceMV},
		{"never refreshed", cut, cut, nil, true, false, SourceRollup},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			require.Equal(t, c.want, answeredBy(RevenueQuery{From: c.from, To: c.to}, c.cutoff, c.rollup, c.mvLate))
		})
	}
}

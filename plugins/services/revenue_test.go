package services_test

import (
	"net/http"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/services"
)

// TestChargesAreRevenue reads, in-process, the universal transactions the
// vertical contributes to revenue (the host's checks of its revenue
// declaration ran when the harness started): one services_charge row per
// charge, at its total with IVA, in the charge's currency and status, a
// partly paid charge still counted. Another company contributes nothing.
func TestChargesAreRevenue(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	a := mexican(t, h)
	require.Empty(t, a.h.Revenue())
	client := a.client("Despacho Revenue")
	a.contract(client, "1000.00", "active", nil)
	a.contract(client, "333.33", "active", map[string]any{"tax_rate": "iva8", "currency": "USD"})
	a.run("2026-02")

	charges := map[string]map[string]any{}
	for _, ch := range a.charges("period=2026-02") {
		charges[ch["id"].(string)] = ch
	}
	require.Len(t, charges, 2)
	var mxn string
	for id, ch := range charges {
		if ch["currency"] == "MXN" {
			mxn = id
		}
	}
	a.ok(http.StatusCreated, "POST", "/charges/"+mxn+"/payments", map[string]any{"amount": "100.00", "method": "transfer"})

	rows := a.h.Revenue()
	require.Len(t, rows, 2)
	for _, r := range rows {
		ch, ok := charges[r.SourceID]
		require.True(t, ok, "row %s is a charge", r.SourceID)
		require.Equal(t, services.RevenueSource, r.Source)
		require.Equal(t, "services_charge", r.Type)
		require.Equal(t, ch["total"], r.Amount.StringFixed(2))
		require.Equal(t, ch["currency"], r.Currency)
		require.True(t, r.Counts)
	}
	totals := map[string]string{}
	statuses := map[string]string{}
	for _, r := range rows {
		totals[r.Currency], statuses[r.Currency] = r.Amount.StringFixed(2), r.Status
	}
	require.Equal(t, map[string]string{"MXN": "1160.00", "USD": "360.00"}, totals)
	require.Equal(t, map[string]string{"MXN": "partially_paid", "USD": "open"}, statuses)

	require.Empty(t, mexican(t, h).h.Revenue(), "another company contributes nothing of these")
}

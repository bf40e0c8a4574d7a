package cpg_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestRevenueRows reads, in-process, the universal transactions CPG
// contributes to a seeded company's revenue (the host's checks of its
// revenue declaration ran when the harness started): one cpg_pos row per
// seeded sale at its total and in its status, counted unless voided; a
// return would be a negative refund. Another company contributes nothing.
func TestRevenueRows(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, cpg.New(), sdktest.WithDatabase())
	require.Empty(t, h.Revenue())
	owner := sdk.SeedMember{UserID: h.Principal().UserID, Email: h.Principal().Email, Role: sdk.RoleOwner}
	_, err := h.Seed(sdk.SeedRequest{Seed: 7, Transactions: 40, Days: 3,
		End: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC), Members: []sdk.SeedMember{owner}})
	require.NoError(t, err)

	res := h.Do(http.MethodGet, "/sales?limit=500", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))
	var sales struct {
		Data []struct {
			ID     string `json:"id"`
			Total  string `json:"total"`
			Status string `json:"status"`
		} `json:"data"`
	}
	res.Decode(t, &sales)
	require.NotEmpty(t, sales.Data)

	rows := map[string]sdktest.RevenueRow{}
	refunds := 0
	for _, r := range h.Revenue() {
		if r.Source != "cpg_pos" {
			continue
		}
		require.Equal(t, "cpg_pos", r.Type)
		require.Equal(t, "MXN", r.Currency)
		if r.Status == "refund" {
			refunds++
			require.True(t, r.Amount.IsNegative(), "a return is a negative refund: %s", r.Amount)
			require.True(t, r.Counts)
			continue
		}
		rows[r.SourceID] = r
	}
	require.Len(t, rows, len(sales.Data), "one row per sale")
	for _, s := range sales.Data {
		r, ok := rows[s.ID]
		require.True(t, ok, "sale %s is in the revenue rows", s.ID)
		require.True(t, decimal.RequireFromString(s.Total).Equal(r.Amount), "sale %s: %s vs %s", s.ID, s.Total, r.Amount)
		require.Equal(t, s.Status, r.Status)
		require.Equal(t, s.Status != cpg.SaleVoided, r.Counts, "only a voided sale is not revenue")
	}
	t.Logf("%d sales and %d refunds", len(rows), refunds)
	require.Empty(t, h.WithCompany(sdktest.NewCompany()).Revenue(), "another company contributes nothing of these")
}

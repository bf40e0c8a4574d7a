package sdktest_test

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/testverticals/probe"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestRevenue reads the probe's notes as the universal transactions it
// contributes to its company's revenue, with their type, amount and
// status; another company's harness reads none of them.
func TestRevenue(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, probe.New("probe"), sdktest.WithDatabase())
	require.Empty(t, h.Revenue())
	first, second := create(t, h, "first"), create(t, h, "second")
	manager := h.Principal()
	manager.Role = sdk.RoleManager
	res := h.As(manager).Do(http.MethodPost, "/notes/"+second.ID+"/close", "")
	require.Equal(t, http.StatusOK, res.Status, string(res.Body))

	rows := h.Revenue()
	require.Len(t, rows, 2)
	byID := map[string]sdktest.RevenueRow{}
	for _, r := range rows {
		require.Equal(t, "probe_notes", r.Source)
		require.Equal(t, "probe_note", r.Type)
		require.Equal(t, "MXN", r.Currency)
		require.True(t, decimal.RequireFromString("12.50").Equal(r.Amount), r.Amount.String())
		require.False(t, r.OccurredAt.IsZero())
		require.True(t, r.Counts, "open and closed notes are revenue")
		byID[r.SourceID] = r
	}
	require.Equal(t, "open", byID[first.ID].Status)
	require.Equal(t, "closed", byID[second.ID].Status)

	require.Empty(t, h.WithCompany(sdktest.NewCompany()).Revenue(), "another company contributes nothing of these")
}

// TestRevenueDeclarationRefused: a universal source that misses a column
// and a revenue event naming a source the vertical does not have are what
// the host leaves out; the harness fails the test naming both.
func TestRevenueDeclarationRefused(t *testing.T) {
	t.Parallel()
	f := &fatalTB{TB: t}
	done := make(chan struct{})
	go func() {
		defer close(done)
		sdktest.New(f, probe.New("badsource"), sdktest.WithDatabase())
	}()
	<-done
	require.Contains(t, f.failure, `universal source badsource_notes: column "status" is missing`)
	require.Contains(t, f.failure, "revenue event badsource.note.closed: source nothing is not one of the vertical's universal sources")

	f = &fatalTB{TB: t}
	done = make(chan struct{})
	go func() {
		defer close(done)
		sdktest.New(f, probe.New("badsource"))
	}()
	<-done
	require.Contains(t, f.failure, "revenue event badsource.note.closed", "without a database the declarations are still checked")
	require.NotContains(t, f.failure, "universal source badsource_notes", "the SQL needs a database to be checked")
}

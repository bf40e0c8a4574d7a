package reporting

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/sqlsource"
)

// TestSourceFailingOnItsData: a source whose query fails on one of its
// rows (a division by zero) is left out of the views with the reason, on
// every replica, while the other sources stay fresh; once the row is
// fixed, the next refresh takes it back and forgets the failure.
func TestSourceFailingOnItsData(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	fragile := Source{Name: "tv_fragile", SQL: `SELECT company_id, 'tv_fragile'::text AS transaction_type, id AS source_id,
       sent_at AS occurred_at, value / (CASE WHEN status = 'boom' THEN 0 ELSE 1 END) AS amount, currency, status
FROM tv.consignments`}
	broken := Source{Name: "tv_broken", SQL: `SELECT company_id FROM tv.sales`}
	err := e.svc.SetSources(t.Context(), []Source{posSource, fragile, broken})
	var invalid *InvalidSourcesError
	require.ErrorAs(t, err, &invalid)
	problems, err := e.svc.SourceProblems(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"tv_broken"}, keys(problems), "refused at validation")
	require.Contains(t, problems["tv_broken"], `column "status" is missing`)
	built := e.mvCount()

	e.consignment(e.a, local(mexico, 2025, 5, 30, 10, 0), "70.00", "MXN", "boom")
	e.sale(e.a, local(mexico, 2025, 5, 31, 10, 0), "5.00", "MXN", "completed")
	res, err := e.svc.Refresh(t.Context(), true)
	require.NoError(t, err, "the other sources are refreshed")
	require.True(t, res.Refreshed)
	require.Equal(t, e.posRows(), e.mvCount()-e.invoiceRows(), "the views hold the sales, without the failing source")
	require.Greater(t, e.mvCount(), 0)
	problems, err = e.svc.SourceProblems(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"tv_broken", "tv_fragile"}, keys(problems))
	require.Contains(t, problems["tv_fragile"], "division by zero")
	h, err := e.svc.Health(t.Context())
	require.NoError(t, err)
	require.NotContains(t, h.Sources, "tv_fragile")

	other := e.newService(e.pool, nil)
	problems, err = other.SourceProblems(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"tv_fragile"}, keys(problems), "another replica sees the failure too")

	e.exec(`UPDATE tv.consignments SET status = 'sent' WHERE status = 'boom'`)
	_, err = e.svc.Refresh(t.Context(), true)
	require.NoError(t, err)
	problems, err = e.svc.SourceProblems(t.Context())
	require.NoError(t, err)
	require.Equal(t, []string{"tv_broken"}, keys(problems), "the fixed source is back")
	h, err = e.svc.Health(t.Context())
	require.NoError(t, err)
	require.Contains(t, h.Sources, "tv_fragile")
	require.Greater(t, e.mvCount(), built)
}

// TestSourceRepeatingKeys: a source whose rows repeat a key cannot be
// indexed; it is left out with the count of repeated rows.
func TestSourceRepeatingKeys(t *testing.T) {
	t.Parallel()
	e := newEnv(t, nil)
	e.seedTwoCompanies()
	twice := Source{Name: "tv_twice", SQL: `SELECT company_id, 'tv_twice'::text AS transaction_type, id AS source_id,
       occurred_at, total AS amount, currency, status FROM tv.sales
UNION ALL
SELECT company_id, 'tv_twice'::text, id, occurred_at, total, currency, status FROM tv.sales`}
	require.NoError(t, e.svc.SetSources(t.Context(), []Source{posSource, twice}))
	problems, err := e.svc.SourceProblems(t.Context())
	require.NoError(t, err)
	require.Contains(t, problems["tv_twice"], "rows repeat a (company_id, transaction_type, source_id) key")
	require.Equal(t, e.posRows(), e.mvCount()-e.invoiceRows())
}

// TestNonRevenueStatusesInViews: the views leave out exactly the statuses
// sqlsource.NonRevenueStatuses names (which sdktest uses too).
func TestNonRevenueStatusesInViews(t *testing.T) {
	t.Parallel()
	quoted := make([]string, len(sqlsource.NonRevenueStatuses))
	for i, s := range sqlsource.NonRevenueStatuses {
		quoted[i] = "'" + s + "'"
	}
	want := fmt.Sprintf("u.status <> ALL (ARRAY[%s])", strings.Join(quoted, ", "))
	require.Contains(t, dailyDefinitionSQL, want)
	require.Equal(t, 1, strings.Count(functionsSQL, "u.status <> ALL"))
	require.Contains(t, functionsSQL, want)
}

func keys(m map[string]string) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// posRows counts the rows of the fake vertical's point-of-sale source.
func (e *env) posRows() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(), "SELECT count(*) FROM ("+posSource.SQL+") s").Scan(&n))
	return n
}

// invoiceRows counts the rows of the invoices source.
func (e *env) invoiceRows() int {
	e.t.Helper()
	var n int
	require.NoError(e.t, e.pool.QueryRow(e.t.Context(), "SELECT count(*) FROM ("+InvoicesSource.SQL+") s").Scan(&n))
	return n
}

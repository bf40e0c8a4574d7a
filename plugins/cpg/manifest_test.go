package cpg_test

import (
	"io/fs"
	"net/http"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

func TestManifest(t *testing.T) {
	t.Parallel()
	m := cpg.New().Manifest()
	require.Equal(t, "cpg", m.Name)
	require.NotNil(t, m.Migrations)
	require.Len(t, m.StateMachines, 4)
	for name, sql := range m.UniversalSources {
		for _, col := range []string{"company_id", "transaction_type", "source_id", "occurred_at", "amount", "currency", "status"} {
			require.Contains(t, sql, col, name)
		}
	}
	require.Contains(t, m.UniversalSources, "cpg_pos")
	require.Contains(t, m.UniversalSources, "cpg_consignment")
	require.NotEmpty(t, m.RevenueEvents)
	require.Equal(t, []string{"cpg.consignment.large"}, m.LargeTransactionTopics)
	for _, r := range m.RevenueEvents {
		require.Contains(t, m.UniversalSources, r.Source, "%s names a universal source", r.Topic)
		require.Regexp(t, `^cpg\.`, r.Topic)
		require.Contains(t, m.UniversalSources[r.Source], "AS source_id", r.Topic)
	}
	for name, sql := range m.PaymentSources {
		for _, col := range []string{"company_id", "source", "payment_id", "occurred_at", "amount", "currency", "method", "reference", "document_id"} {
			require.Contains(t, sql, col, name)
		}
		require.Contains(t, sql, "'"+name+"'::text AS source", "%s names itself", name)
		require.Contains(t, sql, "method <> 'cash'", "%s leaves cash out: it never reaches the bank", name)
	}
	require.Contains(t, m.PaymentSources, "cpg_pos_payments")
	require.Contains(t, m.PaymentSources, "cpg_consignment_settlements")
	for name, sql := range m.Queries {
		require.Contains(t, sql, "current_setting('app.company_id')::uuid", "%s filters by company for its indexes", name)
	}
	for _, r := range m.Routes {
		require.NotEmpty(t, r.Summary, r.RouteID())
		if r.Method != http.MethodGet {
			require.NotEqual(t, sdk.RoleViewer, r.MinRole, "%s writes: a viewer may not", r.RouteID())
		}
	}
}

// TestManifestUI: the bundle (make web) is embedded, and each page and
// card the manifest declares is a key of index.js's pages or widgets
// export. sdktest.New checks the declaration against the host's rules.
func TestManifestUI(t *testing.T) {
	t.Parallel()
	ui := cpg.New().Manifest().UI
	require.NotNil(t, ui, "the CPG bundle is not built into the plugin: run make web (make build does) before go test")
	index, err := fs.ReadFile(ui.Assets, "index.js")
	require.NoError(t, err)
	key := func(k string) *regexp.Regexp { return regexp.MustCompile(`[{,\s]"?` + regexp.QuoteMeta(k) + `"?\s*:`) }
	require.NotEmpty(t, ui.Menu)
	for _, e := range ui.Menu {
		require.Regexp(t, key(e.Page), string(index), "page %s", e.Page)
	}
	require.NotEmpty(t, ui.Widgets)
	for _, w := range ui.Widgets {
		require.Regexp(t, key(w.Key), string(index), "widget %s", w.Key)
	}
	require.Equal(t, "pos", ui.Menu[0].Page, "the POS is the first operate entry: a cashier's home")
	sdktest.New(t, cpg.New())
}

// TestRoutesInProcess runs routes in-process through sdktest (the host's
// routing and role checks, no database, no company): role checks and the
// input refused before any data access or company setting is needed.
func TestRoutesInProcess(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, cpg.New())
	tests := []struct {
		role         sdk.Role
		method, path string
		body         string
		status       int
		code         string
	}{
		{sdk.RoleCashier, "POST", "/products", `{"name":"x"}`, 403, "insufficient_role"},
		{sdk.RoleViewer, "POST", "/sales", `{}`, 403, "insufficient_role"},
		{sdk.RoleCashier, "POST", "/sales/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/void", ``, 403, "insufficient_role"},
		{sdk.RoleManager, "GET", "/stock/integrity", ``, 403, "insufficient_role"},
		{sdk.RoleCashier, "POST", "/cash-sessions", `{"register_id":"x","opening_float":"1"}`, 422, "invalid_field"},
		{sdk.RoleCashier, "POST", "/cash-sessions", `{"register_id":"0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11","opening_float":"1.001"}`, 422, "invalid_field"},
		{sdk.RoleCashier, "POST", "/cash-sessions", `{"register_id":1}`, 400, "invalid_field"},
		{sdk.RoleViewer, "GET", "/stock?location_id=nope", ``, 400, "invalid_query"},
		{sdk.RoleViewer, "GET", "/stock?limit=0", ``, 400, "invalid_limit"},
		{sdk.RoleViewer, "GET", "/stock/movements?kind=theft", ``, 400, "invalid_query"},
		{sdk.RoleManager, "POST", "/consignments/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/settlements", `{"amount":"10","method":"cheque"}`, 422, "invalid_field"},
		{sdk.RoleManager, "POST", "/consignments/0b5e3f1a-6d0e-4d7e-9a55-2f1f7c9e8a11/settlements", `{"amount":"10","method":"cash","x":1}`, 400, "unknown_field"},
	}
	for _, tc := range tests {
		p := h.Principal()
		p.Role = tc.role
		res := h.As(p).Do(tc.method, tc.path, tc.body)
		require.Equal(t, tc.status, res.Status, "%s %s: %s", tc.method, tc.path, res.Body)
		require.Equal(t, tc.code, res.ErrorCode(), "%s %s: %s", tc.method, tc.path, res.Body)
	}
}

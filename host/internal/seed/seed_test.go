package seed_test

import (
	"context"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/hashicorp/go-hclog"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/seed"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/host/internal/tenancy"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// cpgPackage is the CPG vertical's main package.
const cpgPackage = "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"

// end fixes the data's time range so runs are comparable.
var end = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// platform starts a vertical that seeds (the CPG plugin) on a fresh
// migrated database and returns the seed's dependencies; the plugin stops
// when the test ends. What the vertical generates is its own to test
// (plugins/cpg/seed_test.go); these tests check what the host seeds and
// how it drives the vertical.
func platform(t testing.TB) seed.Deps {
	t.Helper()
	dir := hosttest.PluginDir(t, map[string]string{"cpg": hosttest.Build(t, cpgPackage)})
	pool := storetest.NewPool(t)
	m := plugins.New(plugins.Config{Dir: dir, Pool: pool, Logger: hclog.NewNullLogger()})
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		m.Stop(ctx)
	})
	require.NoError(t, m.Start(context.Background()))
	for _, v := range m.List() {
		require.Equal(t, plugins.StateRunning, v.State, "vertical %s: %s", v.Name, v.Reason)
	}
	return seed.Deps{Pool: pool, Tenancy: tenancy.NewService(pool, verticals{m}, nil), Seeder: m,
		Verticals: []seed.Vertical{{Name: "cpg", Config: json.RawMessage(`{}`)}}}
}

// verticals lets tenancy configure verticals through the plugin runtime,
// as the host's serve and seed commands do.
type verticals struct{ m *plugins.Manager }

func (v verticals) Known(name string) bool { return v.m.Known(name) }

func (v verticals) Configure(ctx context.Context, name string, c tenancy.Company, config json.RawMessage) error {
	return v.m.Configure(ctx, name, plugins.Company{ID: c.ID, Name: c.Name, Country: c.Country,
		Currency: c.Currency, Timezone: c.Timezone, TaxID: c.TaxID}, config)
}

// fingerprintSQL sums what a seed wrote per company, in company order,
// without the ids tenancy draws at random: the host's invoices and the
// vertical's sales.
const fingerprintSQL = `
SELECT c.country, c.tax_id,
       (SELECT count(*) FROM cpg.sales s WHERE s.company_id = c.id),
       (SELECT coalesce(sum(total), 0)::text FROM cpg.sales s WHERE s.company_id = c.id),
       (SELECT count(*) FROM sat_invoices i WHERE i.company_id = c.id),
       (SELECT coalesce(sum(total), 0)::text FROM sat_invoices i WHERE i.company_id = c.id),
       (SELECT string_agg(i.uuid::text, ',' ORDER BY i.uuid) FROM sat_invoices i WHERE i.company_id = c.id)
FROM companies c ORDER BY c.created_at, c.id`

func fingerprint(t *testing.T, pool *pgxpool.Pool) [][]any {
	t.Helper()
	rows, err := pool.Query(context.Background(), fingerprintSQL)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	require.NoError(t, err)
	return out
}

// invariants are queries on the host's invoices that must return 0.
var invariants = []struct{ name, sql string }{
	{"invoices: total = subtotal + traslados = Σ conceptos + Σ taxes", `
SELECT count(*) FROM sat_invoices i
WHERE i.total <> i.subtotal - i.descuento + i.total_traslados - i.total_retenciones
   OR i.subtotal <> (SELECT sum(importe) FROM sat_invoice_lines l WHERE l.company_id = i.company_id AND l.invoice_id = i.id)
   OR i.total_traslados <> (SELECT sum(importe) FROM sat_invoice_taxes x WHERE x.company_id = i.company_id AND x.invoice_id = i.id)
   OR i.raw_sha256 <> sha256(convert_to(i.raw_xml, 'UTF8'))`},
	{"issued invoices name the company as emisor, received ones as receptor", `
SELECT count(*) FROM sat_invoices i JOIN companies c ON c.id = i.company_id
WHERE (i.direction = 'issued' AND i.emisor_rfc <> c.tax_id) OR (i.direction = 'received' AND i.receptor_rfc <> c.tax_id)`},
	{"only Mexican companies have CFDI", `
SELECT count(*) FROM sat_invoices i JOIN companies c ON c.id = i.company_id WHERE c.country <> 'MX'`},
	{"every invoice line and tax belongs to an invoice", `
SELECT (SELECT count(*) FROM sat_invoice_lines l WHERE NOT EXISTS
          (SELECT 1 FROM sat_invoices i WHERE i.company_id = l.company_id AND i.id = l.invoice_id))
     + (SELECT count(*) FROM sat_invoice_taxes x WHERE NOT EXISTS
          (SELECT 1 FROM sat_invoices i WHERE i.company_id = x.company_id AND i.id = x.invoice_id))`},
	{"invoices fall in the seeded days, in the company's time zone", `
SELECT count(*) FROM sat_invoices i JOIN companies c ON c.id = i.company_id
WHERE (i.fecha AT TIME ZONE c.timezone)::date >= DATE '2026-03-15'
   OR (i.fecha AT TIME ZONE c.timezone)::date < DATE '2026-03-15' - 30`},
}

func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := platform(t)
	o := seed.Options{Companies: 2, Transactions: 4000, Days: 30, Seed: 42, End: end}
	sum, err := seed.Run(ctx, d, o)
	require.NoError(t, err)
	require.Len(t, sum.Companies, 2)
	require.Equal(t, []int{2000, 2000}, []int{sum.Companies[0].Transactions, sum.Companies[1].Transactions})
	require.Equal(t, int64(4000), sum.Rows["cpg.sales"], "the vertical's rows are counted by schema-qualified table")
	require.Positive(t, sum.Rows["public.sat_invoices"])
	for table, n := range sum.Rows {
		var got int64
		require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&got), table)
		if strings.HasPrefix(table, "public.") || table == "cpg.sales" {
			require.Equal(t, n, got, "summary count of %s", table)
			continue
		}
		// Enabling a vertical may provision rows of its own (a default
		// location) before the seed runs.
		require.GreaterOrEqual(t, got, n, "summary count of %s", table)
	}

	t.Run("companies, members and verticals", func(t *testing.T) {
		for _, c := range sum.Companies {
			norm, warnings, err := taxid.Validate(c.Country, c.TaxID)
			require.NoError(t, err)
			require.Empty(t, warnings, c.TaxID)
			require.Equal(t, c.TaxID, norm)
			var roles []string
			rows, err := d.Pool.Query(ctx, `SELECT m.role FROM memberships m JOIN users u ON u.id = m.user_id
WHERE m.company_id = $1 AND u.email LIKE '%@seed.nexus.local' ORDER BY m.role`, c.ID)
			require.NoError(t, err)
			roles, err = pgx.CollectRows(rows, pgx.RowTo[string])
			require.NoError(t, err)
			require.Equal(t, []string{"cashier", "owner"}, roles)
			var enabled bool
			require.NoError(t, d.Pool.QueryRow(ctx, `SELECT enabled FROM company_verticals WHERE company_id = $1 AND vertical = 'cpg'`,
				c.ID).Scan(&enabled))
			require.True(t, enabled)
		}
	})

	t.Run("invoices", func(t *testing.T) {
		for _, inv := range invariants {
			var bad int64
			require.NoError(t, d.Pool.QueryRow(ctx, inv.sql).Scan(&bad), inv.name)
			require.Zero(t, bad, inv.name)
		}
		rows, err := d.Pool.Query(ctx, `SELECT DISTINCT receptor_rfc FROM sat_invoices WHERE direction = 'issued'
UNION SELECT DISTINCT emisor_rfc FROM sat_invoices WHERE direction = 'received'`)
		require.NoError(t, err)
		rfcs, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		require.Greater(t, len(rfcs), 5)
		for _, rfc := range rfcs {
			res, err := taxid.ValidateRFC(rfc)
			require.NoError(t, err, rfc)
			require.Empty(t, res.Warnings, rfc)
		}
		var issued, received int64
		require.NoError(t, d.Pool.QueryRow(ctx, `SELECT count(*) FILTER (WHERE direction = 'issued' AND serie = 'A'),
       count(*) FILTER (WHERE direction = 'received') FROM sat_invoices`).Scan(&issued, &received))
		require.Equal(t, int64(2000*15/100), issued, "15 % of the Mexican company's transactions ask for a CFDI")
		require.Positive(t, received)
	})

	t.Run("tenant isolation", func(t *testing.T) {
		mx, ar := sum.Companies[0], sum.Companies[1]
		require.Equal(t, "MX", mx.Country)
		for _, c := range []seed.CompanySummary{mx, ar} {
			var own, seen, companies int64
			require.NoError(t, d.Pool.QueryRow(ctx, `SELECT count(*) FROM sat_invoices WHERE company_id = $1`, c.ID).Scan(&own))
			err := store.TenantTx(ctx, d.Pool, c.ID, func(tx pgx.Tx) error {
				return tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT company_id) FROM sat_invoices`).Scan(&seen, &companies)
			})
			require.NoError(t, err)
			require.Equal(t, own, seen, "%s sees only its own invoices", c.Name)
			require.LessOrEqual(t, companies, int64(1))
		}
	})

	t.Run("refuses seeded data without append", func(t *testing.T) {
		_, err := seed.Run(ctx, d, seed.Options{Companies: 1, Transactions: 10, Days: 2, End: end})
		require.ErrorIs(t, err, seed.ErrAlreadySeeded)
		more, err := seed.Run(ctx, d, seed.Options{Companies: 1, Transactions: 50, Days: 2, Seed: 42, End: end, Append: true})
		require.NoError(t, err)
		require.Len(t, more.Companies, 1)
		require.NotEqual(t, uuid.Nil, more.Companies[0].ID)
		require.Equal(t, "MX", more.Companies[0].Country, "companies alternate MX and AR")
		require.NotEqual(t, sum.Companies[0].TaxID, more.Companies[0].TaxID, "appended companies get new tax ids")
		require.Equal(t, int64(50), more.Rows["cpg.sales"])
	})
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	o := seed.Options{Companies: 2, Transactions: 600, Days: 10, Seed: 7, End: end}
	var prints [][][]any
	for range 2 {
		d := platform(t)
		_, err := seed.Run(ctx, d, o)
		require.NoError(t, err)
		prints = append(prints, fingerprint(t, d.Pool))
	}
	require.Len(t, prints[0], 2)
	require.Equal(t, prints[0], prints[1])

	d := platform(t)
	o.Seed = 8
	_, err := seed.Run(ctx, d, o)
	require.NoError(t, err)
	require.NotEqual(t, prints[0], fingerprint(t, d.Pool), "another seed gives other data")
}

func TestOptionsRejected(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		o    seed.Options
	}{
		{"no companies", seed.Options{Companies: 0, Transactions: 1}},
		{"negative transactions", seed.Options{Companies: 1, Transactions: -1}},
		{"negative days", seed.Options{Companies: 1, Days: -1}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := seed.Run(context.Background(), seed.Deps{}, tc.o)
			require.Error(t, err)
		})
	}
}

// BenchmarkSeed loads 100,000 sales into two companies and reports rows
// and sales per second.
func BenchmarkSeed(b *testing.B) {
	ctx := context.Background()
	var rows, sales int64
	var elapsed time.Duration
	for b.Loop() {
		b.StopTimer()
		d := platform(b)
		b.StartTimer()
		sum, err := seed.Run(ctx, d, seed.Options{Companies: 2, Transactions: 100000, End: end})
		require.NoError(b, err)
		rows += sum.TotalRows()
		sales += sum.Rows["cpg.sales"]
		elapsed += sum.Elapsed
	}
	b.ReportMetric(float64(rows)/elapsed.Seconds(), "rows/s")
	b.ReportMetric(float64(sales)/elapsed.Seconds(), "sales/s")
}

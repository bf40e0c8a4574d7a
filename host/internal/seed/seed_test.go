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
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/host/internal/plugins"
	"github.com/nexuspos/nexus/host/internal/seed"
	"github.com/nexuspos/nexus/host/internal/store"
	"github.com/nexuspos/nexus/host/internal/store/storetest"
	"github.com/nexuspos/nexus/host/internal/tenancy"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// cpgPackage is the CPG vertical's main package.
const cpgPackage = "github.com/nexuspos/nexus/plugins/cpg/cmd/nexus-vertical-cpg"

// end fixes the data's time range so runs are comparable.
var end = time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC)

// platform starts the CPG plugin on a fresh migrated database and returns
// the seed's dependencies; the plugin stops when the test ends.
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
	return seed.Deps{Pool: pool, Tenancy: tenancy.NewService(pool, verticals{m}, nil)}
}

// verticals lets tenancy configure verticals through the plugin runtime,
// as the host's serve and seed commands do.
type verticals struct{ m *plugins.Manager }

func (v verticals) Known(name string) bool { return v.m.Known(name) }

func (v verticals) Configure(ctx context.Context, name string, c tenancy.Company, config json.RawMessage) error {
	return v.m.Configure(ctx, name, plugins.Company{ID: c.ID, Name: c.Name, Country: c.Country,
		Currency: c.Currency, Timezone: c.Timezone, TaxID: c.TaxID}, config)
}

// fingerprint sums what a seed wrote per company, in company order, without
// the ids tenancy draws at random.
const fingerprintSQL = `
SELECT c.country, c.tax_id,
       (SELECT count(*) FROM cpg.sales s WHERE s.company_id = c.id),
       (SELECT coalesce(sum(total), 0)::text FROM cpg.sales s WHERE s.company_id = c.id),
       (SELECT coalesce(sum(quantity), 0)::text FROM cpg.sale_lines l WHERE l.company_id = c.id),
       (SELECT coalesce(sum(on_hand), 0)::text FROM cpg.stock k WHERE k.company_id = c.id),
       (SELECT coalesce(sum(value_at_price), 0)::text FROM cpg.consignments k WHERE k.company_id = c.id),
       (SELECT coalesce(sum(total), 0)::text FROM sat_invoices i WHERE i.company_id = c.id),
       (SELECT coalesce(sum(counted_total), 0)::text FROM cpg.cash_sessions k WHERE k.company_id = c.id)
FROM companies c ORDER BY c.created_at, c.id`

func fingerprint(t *testing.T, pool *pgxpool.Pool) [][]any {
	t.Helper()
	rows, err := pool.Query(context.Background(), fingerprintSQL)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	require.NoError(t, err)
	return out
}

// invariants are queries that must return 0 on seeded data.
var invariants = []struct{ name, sql string }{
	{"stock equals the sum of its movements", `
SELECT count(*) FROM (SELECT company_id, variant_id, location_id, sum(quantity) AS q
                      FROM cpg.stock_movements GROUP BY 1, 2, 3) m
FULL JOIN cpg.stock s USING (company_id, variant_id, location_id)
WHERE coalesce(m.q, 0) <> coalesce(s.on_hand, 0)`},
	{"no negative stock", `SELECT count(*) FROM cpg.stock WHERE on_hand < 0`},
	{"sale totals are sums of their lines", `
SELECT count(*) FROM cpg.sales s
JOIN (SELECT company_id, sale_id, sum(gross) g, sum(net) n, sum(tax) x, sum(total) t, count(*) c
      FROM cpg.sale_lines GROUP BY 1, 2) l ON l.company_id = s.company_id AND l.sale_id = s.id
WHERE s.subtotal <> l.g OR s.net <> l.n OR s.tax <> l.x OR s.total <> l.t OR s.net + s.tax <> s.total`},
	{"every sale has lines", `
SELECT count(*) FROM cpg.sales s
WHERE NOT EXISTS (SELECT 1 FROM cpg.sale_lines l WHERE l.company_id = s.company_id AND l.sale_id = s.id)`},
	{"lines: net + tax = total = quantity × price", `
SELECT count(*) FROM cpg.sale_lines WHERE net + tax <> total OR total <> round(quantity * unit_price, 2)`},
	{"payments settle the totals", `
SELECT count(*) FROM cpg.sales s
JOIN (SELECT company_id, sale_id, sum(amount) a, sum(change) c FROM cpg.payments GROUP BY 1, 2) p
  ON p.company_id = s.company_id AND p.sale_id = s.id
WHERE s.paid <> p.a OR s.change <> p.c OR p.a - p.c <> s.total`},
	{"sales are completed", `SELECT count(*) FROM cpg.sales WHERE status <> 'completed'`},
	{"sales fall in their session's register, store and day", `
SELECT count(*) FROM cpg.sales s JOIN cpg.cash_sessions k ON k.company_id = s.company_id AND k.id = s.session_id
WHERE s.register_id <> k.register_id OR s.location_id <> k.location_id
   OR s.occurred_at NOT BETWEEN k.opened_at AND k.closed_at`},
	{"sale movements match the lines", `
SELECT count(*) FROM cpg.sale_lines l JOIN cpg.sales s ON s.company_id = l.company_id AND s.id = l.sale_id
WHERE (SELECT coalesce(sum(-m.quantity), 0) FROM cpg.stock_movements m
       WHERE m.company_id = l.company_id AND m.ref_id = l.sale_id AND m.variant_id = l.variant_id AND m.kind = 'sale')
   <> (SELECT sum(l2.quantity) FROM cpg.sale_lines l2
       WHERE l2.company_id = l.company_id AND l2.sale_id = l.sale_id AND l2.variant_id = l.variant_id)`},
	{"cash sessions are closed with consistent totals", `
SELECT count(*) FROM cpg.cash_sessions k
LEFT JOIN (SELECT company_id, session_id, sum(expected) e, sum(counted) c, sum(difference) d
           FROM cpg.cash_session_counts GROUP BY 1, 2) n ON n.company_id = k.company_id AND n.session_id = k.id
WHERE k.status <> 'closed' OR k.closed_at IS NULL OR k.expected_total IS DISTINCT FROM n.e
   OR k.counted_total IS DISTINCT FROM n.c OR k.difference_total IS DISTINCT FROM n.d
   OR k.counted_total - k.expected_total <> k.difference_total`},
	{"session counts expect what the payments brought", `
SELECT count(*) FROM cpg.cash_session_counts n
JOIN cpg.cash_sessions k ON k.company_id = n.company_id AND k.id = n.session_id
WHERE n.expected <> (CASE WHEN n.method = 'cash' THEN k.opening_float ELSE 0 END)
      + (SELECT coalesce(sum(p.amount - p.change), 0) FROM cpg.payments p
         WHERE p.company_id = n.company_id AND p.session_id = n.session_id AND p.method = n.method)
   OR n.difference <> n.counted - n.expected OR abs(n.difference) > 50`},
	{"consignment values are sums of their lines", `
SELECT count(*) FROM cpg.consignments k
JOIN (SELECT company_id, consignment_id, sum(round(quantity * unit_price, 2)) p, sum(round(quantity * unit_cost, 2)) c
      FROM cpg.consignment_lines GROUP BY 1, 2) l ON l.company_id = k.company_id AND l.consignment_id = k.id
WHERE k.value_at_price <> l.p OR k.value_at_cost <> l.c OR (k.status = 'sent') <> (k.sent_at IS NOT NULL)`},
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
}

func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	d := platform(t)
	o := seed.Options{Companies: 2, Transactions: 4000, Days: 30, Seed: 42, End: end}
	sum, err := seed.Run(ctx, d, o)
	require.NoError(t, err)
	require.Len(t, sum.Companies, 2)
	require.Equal(t, int64(4000), sum.Rows["cpg.sales"])
	require.Greater(t, sum.Rows["cpg.sale_lines"], int64(4000))
	require.Equal(t, int64(4000), sum.Rows["cpg.payments"])
	for _, table := range []string{"cpg.locations", "cpg.customers", "cpg.products", "cpg.variants", "cpg.stock",
		"cpg.stock_movements", "cpg.registers", "cpg.cash_sessions", "cpg.cash_session_counts", "cpg.consignments",
		"cpg.consignment_lines", "cpg.purchase_orders", "cpg.purchase_receipts", "public.sat_invoices",
		"public.sat_invoice_lines", "public.sat_invoice_taxes"} {
		var n int64
		require.NoError(t, d.Pool.QueryRow(ctx, "SELECT count(*) FROM "+table).Scan(&n), table)
		require.Positive(t, n, table)
		require.Equal(t, sum.Rows[table], n, "summary count of %s", table)
	}

	t.Run("invariants", func(t *testing.T) {
		for _, inv := range invariants {
			var bad int64
			require.NoError(t, d.Pool.QueryRow(ctx, inv.sql).Scan(&bad), inv.name)
			require.Zero(t, bad, inv.name)
		}
	})

	t.Run("foreign keys hold", func(t *testing.T) {
		// The seed loads without foreign-key triggers: check each one.
		rows, err := d.Pool.Query(ctx, `
SELECT n.nspname, c.relname, fn.nspname, f.relname,
       array(SELECT attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
       array(SELECT attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class f ON f.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
WHERE k.contype = 'f' AND (n.nspname = 'cpg' OR c.relname LIKE 'sat_invoice%')`)
		require.NoError(t, err)
		type fk struct {
			Schema, Table, RefSchema, RefTable string
			Cols, RefCols                      []string
		}
		fks, err := pgx.CollectRows(rows, pgx.RowToStructByPos[fk])
		require.NoError(t, err)
		require.Greater(t, len(fks), 20)
		for _, k := range fks {
			var on, notNull []string
			for i, col := range k.Cols {
				on = append(on, "r."+pgx.Identifier{k.RefCols[i]}.Sanitize()+" = t."+pgx.Identifier{col}.Sanitize())
				notNull = append(notNull, "t."+pgx.Identifier{col}.Sanitize()+" IS NOT NULL")
			}
			q := "SELECT count(*) FROM " + pgx.Identifier{k.Schema, k.Table}.Sanitize() + " t WHERE " +
				strings.Join(notNull, " AND ") + " AND NOT EXISTS (SELECT 1 FROM " +
				pgx.Identifier{k.RefSchema, k.RefTable}.Sanitize() + " r WHERE " + strings.Join(on, " AND ") + ")"
			var orphans int64
			require.NoError(t, d.Pool.QueryRow(ctx, q).Scan(&orphans), q)
			require.Zero(t, orphans, "%s.%s%v → %s%v", k.Schema, k.Table, k.Cols, k.RefTable, k.RefCols)
		}
	})

	t.Run("time range", func(t *testing.T) {
		for _, c := range sum.Companies {
			var first, last time.Time
			var tz string
			require.NoError(t, d.Pool.QueryRow(ctx, `SELECT min(s.occurred_at), max(s.occurred_at), c.timezone
FROM cpg.sales s JOIN companies c ON c.id = s.company_id WHERE s.company_id = $1 GROUP BY c.timezone`, c.ID).Scan(&first, &last, &tz))
			loc, err := time.LoadLocation(tz)
			require.NoError(t, err)
			e := end.In(loc)
			endDay := time.Date(e.Year(), e.Month(), e.Day(), 0, 0, 0, 0, loc)
			require.True(t, last.Before(endDay), "%s: last sale %s is not before %s", c.Name, last, endDay)
			require.False(t, first.Before(endDay.AddDate(0, 0, -30)), "%s: first sale %s", c.Name, first)
			local := first.In(loc)
			require.GreaterOrEqual(t, local.Hour(), 9, "sales happen in opening hours, local time")
		}
	})

	t.Run("identifiers are valid", func(t *testing.T) {
		for _, c := range sum.Companies {
			norm, warnings, err := taxid.Validate(c.Country, c.TaxID)
			require.NoError(t, err)
			require.Empty(t, warnings, c.TaxID)
			require.Equal(t, c.TaxID, norm)
		}
		rows, err := d.Pool.Query(ctx, `SELECT c.country, k.tax_id FROM cpg.customers k JOIN companies c ON c.id = k.company_id
UNION ALL SELECT c.country, k.tax_id FROM cpg.suppliers k JOIN companies c ON c.id = k.company_id`)
		require.NoError(t, err)
		ids, err := pgx.CollectRows(rows, pgx.RowToStructByPos[struct{ Country, TaxID string }])
		require.NoError(t, err)
		for _, id := range ids {
			if id.Country == "MX" {
				res, err := taxid.ValidateRFC(id.TaxID)
				require.NoError(t, err, id.TaxID)
				require.Empty(t, res.Warnings, id.TaxID)
				continue
			}
			_, err := taxid.ValidateCUIT(id.TaxID)
			require.NoError(t, err, id.TaxID)
		}
		rows, err = d.Pool.Query(ctx, `SELECT barcode FROM cpg.variants`)
		require.NoError(t, err)
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		for _, code := range codes {
			require.Len(t, code, 13)
			s := 0
			for i, r := range code {
				w := 1
				if i%2 == 1 {
					w = 3
				}
				s += int(r-'0') * w
			}
			require.Zero(t, s%10, "EAN-13 %s has a wrong check digit", code)
		}
	})

	t.Run("lines match the financial calculator", func(t *testing.T) {
		rows, err := d.Pool.Query(ctx, `SELECT c.country, c.currency, l.tax_code, l.quantity, l.unit_price, l.net, l.tax
FROM cpg.sale_lines l JOIN companies c ON c.id = l.company_id ORDER BY l.id LIMIT 500`)
		require.NoError(t, err)
		type line struct {
			Country, Currency, TaxCode string
			Quantity, Price, Net, Tax  decimal.Decimal
		}
		lines, err := pgx.CollectRows(rows, pgx.RowToStructByPos[line])
		require.NoError(t, err)
		for _, l := range lines {
			cur, err := money.CurrencyOf(l.Currency)
			require.NoError(t, err)
			r, err := money.LookupRate(l.Country, l.TaxCode)
			require.NoError(t, err)
			res, err := money.Calculate(money.Document{Currency: cur, PricesIncludeTax: true,
				Lines: []money.Line{{Quantity: l.Quantity, UnitPrice: l.Price, Tax: r}}})
			require.NoError(t, err)
			require.True(t, res.Net.Equal(l.Net) && res.Tax.Equal(l.Tax), "%+v: calculator says net %s tax %s", l, res.Net, res.Tax)
		}
	})

	t.Run("tenant isolation", func(t *testing.T) {
		a := sum.Companies[0]
		var total, own, companies int64
		require.NoError(t, d.Pool.QueryRow(ctx, `SELECT count(*) FROM cpg.sales WHERE company_id = $1`, a.ID).Scan(&own))
		require.Equal(t, int64(a.Sales), own)
		err := store.TenantTx(ctx, d.Pool, a.ID, func(tx pgx.Tx) error {
			return tx.QueryRow(ctx, `SELECT count(*), count(DISTINCT company_id) FROM cpg.sales`).Scan(&total, &companies)
		})
		require.NoError(t, err)
		require.Equal(t, own, total, "company A sees only its own sales")
		require.Equal(t, int64(1), companies)
		var foreign int64
		for _, q := range []string{
			`SELECT count(*) FROM cpg.sale_lines l JOIN cpg.sales s ON s.id = l.sale_id WHERE s.company_id <> l.company_id`,
			`SELECT count(*) FROM cpg.payments p JOIN cpg.sales s ON s.id = p.sale_id WHERE s.company_id <> p.company_id`,
			`SELECT count(*) FROM cpg.stock_movements m JOIN cpg.variants v ON v.id = m.variant_id WHERE v.company_id <> m.company_id`,
		} {
			require.NoError(t, d.Pool.QueryRow(ctx, q).Scan(&foreign), q)
			require.Zero(t, foreign, q)
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

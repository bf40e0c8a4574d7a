package cpg_test

import (
	"context"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/host/hosttest"
	"github.com/nexuspos/nexus/internal/pgtest"
	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/gtin"
	"github.com/nexuspos/nexus/sdk/money"
	"github.com/nexuspos/nexus/sdk/sdktest"
	"github.com/nexuspos/nexus/sdk/taxid"
)

// seedDatabase runs `nexus seed` with args and the cpg plugin on a fresh
// database, as an operator would, and returns a superuser pool on it and
// the command's output.
func seedDatabase(t *testing.T, args ...string) (*pgxpool.Pool, string) {
	t.Helper()
	dir := hosttest.PluginDir(t, map[string]string{"cpg": hosttest.Build(t, pluginPackage)})
	url := pgtest.NewDatabase(t)
	cmd := exec.Command(hosttest.Build(t, hosttest.HostPackage), append([]string{"seed"}, args...)...)
	cmd.Env = append(os.Environ(), "NEXUS_DATABASE_URL="+url, "NEXUS_PLUGIN_DIR="+dir, "NEXUS_ENV=test",
		"NEXUS_JWT_SECRET=seed-test-secret-that-is-at-least-32-bytes")
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "nexus seed:\n%s", out)
	pool, err := pgxpool.New(context.Background(), url)
	require.NoError(t, err)
	t.Cleanup(pool.Close)
	return pool, string(out)
}

// seedFingerprintSQL sums what a seed wrote per company, in company order,
// without the ids tenancy draws at random.
const seedFingerprintSQL = `
SELECT c.country, c.tax_id,
       (SELECT count(*) FROM cpg.sales s WHERE s.company_id = c.id),
       (SELECT coalesce(sum(total), 0)::text FROM cpg.sales s WHERE s.company_id = c.id),
       (SELECT coalesce(sum(quantity), 0)::text FROM cpg.sale_lines l WHERE l.company_id = c.id),
       (SELECT coalesce(sum(on_hand), 0)::text FROM cpg.stock k WHERE k.company_id = c.id),
       (SELECT coalesce(sum(value_at_price), 0)::text FROM cpg.consignments k WHERE k.company_id = c.id),
       (SELECT coalesce(sum(counted_total), 0)::text FROM cpg.cash_sessions k WHERE k.company_id = c.id),
       (SELECT string_agg(id::text, ',' ORDER BY id) FROM cpg.variants v WHERE v.company_id = c.id)
FROM companies c ORDER BY c.created_at, c.id`

func seedFingerprint(t *testing.T, pool *pgxpool.Pool) [][]any {
	t.Helper()
	rows, err := pool.Query(context.Background(), seedFingerprintSQL)
	require.NoError(t, err)
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) ([]any, error) { return r.Values() })
	require.NoError(t, err)
	return out
}

// seedInvariants are queries that must return 0 on seeded data.
var seedInvariants = []struct{ name, sql string }{
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
}

func TestSeed(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, out := seedDatabase(t, "--companies", "2", "--transactions", "4000", "--days", "30", "--seed", "42")
	var sales int64
	require.NoError(t, pool.QueryRow(ctx, `SELECT count(*) FROM cpg.sales`).Scan(&sales))
	require.Equal(t, int64(4000), sales)
	require.Regexp(t, `cpg\.sales\s+4000\n`, out, "the summary counts the vertical's rows")
	for _, table := range []string{"locations", "customers", "products", "variants", "stock", "stock_movements",
		"registers", "cash_sessions", "cash_session_counts", "consignments", "consignment_lines", "purchase_orders",
		"purchase_order_lines", "purchase_receipts", "sale_lines", "payments", "suppliers"} {
		var n int64
		require.NoError(t, pool.QueryRow(ctx, "SELECT count(*) FROM cpg."+table).Scan(&n), table)
		require.Positive(t, n, table)
	}

	t.Run("invariants", func(t *testing.T) {
		for _, inv := range seedInvariants {
			var bad int64
			require.NoError(t, pool.QueryRow(ctx, inv.sql).Scan(&bad), inv.name)
			require.Zero(t, bad, inv.name)
		}
	})

	t.Run("foreign keys hold", func(t *testing.T) {
		// The seed loads without foreign-key triggers: check each one.
		rows, err := pool.Query(ctx, `
SELECT n.nspname, c.relname, fn.nspname, f.relname,
       array(SELECT attname FROM unnest(k.conkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.n ORDER BY u.i),
       array(SELECT attname FROM unnest(k.confkey) WITH ORDINALITY u(n, i) JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.n ORDER BY u.i)
FROM pg_constraint k
JOIN pg_class c ON c.oid = k.conrelid JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_class f ON f.oid = k.confrelid JOIN pg_namespace fn ON fn.oid = f.relnamespace
WHERE k.contype = 'f' AND n.nspname = 'cpg'`)
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
			require.NoError(t, pool.QueryRow(ctx, q).Scan(&orphans), q)
			require.Zero(t, orphans, "%s.%s%v → %s%v", k.Schema, k.Table, k.Cols, k.RefTable, k.RefCols)
		}
	})

	t.Run("time range", func(t *testing.T) {
		rows, err := pool.Query(ctx, `SELECT min(s.occurred_at), max(s.occurred_at), c.timezone
FROM cpg.sales s JOIN companies c ON c.id = s.company_id GROUP BY c.id, c.timezone`)
		require.NoError(t, err)
		type span struct {
			First, Last time.Time
			TZ          string
		}
		spans, err := pgx.CollectRows(rows, pgx.RowToStructByPos[span])
		require.NoError(t, err)
		require.Len(t, spans, 2)
		for _, s := range spans {
			loc, err := time.LoadLocation(s.TZ)
			require.NoError(t, err)
			now := time.Now().In(loc)
			today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, loc)
			// The run may have started the day before.
			require.True(t, s.Last.Before(today), "last sale %s is not before %s", s.Last, today)
			require.False(t, s.First.Before(today.AddDate(0, 0, -31)), "first sale %s", s.First)
			require.GreaterOrEqual(t, s.First.In(loc).Hour(), 9, "sales happen in opening hours, local time")
		}
	})

	t.Run("identifiers are valid", func(t *testing.T) {
		rows, err := pool.Query(ctx, `SELECT c.country, k.tax_id FROM cpg.customers k JOIN companies c ON c.id = k.company_id
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
		rows, err = pool.Query(ctx, `SELECT barcode FROM cpg.variants`)
		require.NoError(t, err)
		codes, err := pgx.CollectRows(rows, pgx.RowTo[string])
		require.NoError(t, err)
		for _, code := range codes {
			require.Len(t, code, 13)
			require.NoError(t, gtin.Validate(code))
		}
	})

	t.Run("lines match the financial calculator", func(t *testing.T) {
		rows, err := pool.Query(ctx, `SELECT c.country, c.currency, l.tax_code, l.quantity, l.unit_price, l.net, l.tax
FROM cpg.sale_lines l JOIN companies c ON c.id = l.company_id ORDER BY l.id LIMIT 500`)
		require.NoError(t, err)
		type line struct {
			Country, Currency, TaxCode string
			Quantity, Price, Net, Tax  decimal.Decimal
		}
		lines, err := pgx.CollectRows(rows, pgx.RowToStructByPos[line])
		require.NoError(t, err)
		require.Len(t, lines, 500)
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
		var a string
		var own int64
		require.NoError(t, pool.QueryRow(ctx, `SELECT company_id, count(*) FROM cpg.sales GROUP BY 1 ORDER BY 1 LIMIT 1`).Scan(&a, &own))
		var total, companies int64
		err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `SELECT set_config('role', 'nexus_tenant', true), set_config('app.company_id', $1, true)`, a); err != nil {
				return err
			}
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
			require.NoError(t, pool.QueryRow(ctx, q).Scan(&foreign), q)
			require.Zero(t, foreign, q)
		}
	})
}

func TestSeedIsDeterministic(t *testing.T) {
	t.Parallel()
	args := []string{"--companies", "2", "--transactions", "600", "--days", "10", "--seed", "7"}
	a, _ := seedDatabase(t, args...)
	b, _ := seedDatabase(t, args...)
	prints := [][][]any{seedFingerprint(t, a), seedFingerprint(t, b)}
	require.Len(t, prints[0], 2)
	require.Equal(t, prints[0], prints[1])
	c, _ := seedDatabase(t, "--companies", "2", "--transactions", "600", "--days", "10", "--seed", "8")
	require.NotEqual(t, prints[0], seedFingerprint(t, c), "another seed gives other data")
}

// TestSeedInHarness seeds a company through sdktest, as `nexus seed` does
// through the host: the data is the company's alone and its reports
// answer from it.
func TestSeedInHarness(t *testing.T) {
	t.Parallel()
	h := sdktest.New(t, cpg.New(), sdktest.WithDatabase())
	owner := sdk.SeedMember{UserID: h.Principal().UserID, Email: h.Principal().Email, Role: sdk.RoleOwner}
	req := sdk.SeedRequest{Seed: 3, Transactions: 120, Days: 5, End: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC),
		Members: []sdk.SeedMember{owner}}
	rows, err := h.Seed(req)
	require.NoError(t, err)
	require.Equal(t, int64(120), rows["sales"])
	require.Equal(t, int64(120), rows["payments"])
	require.Positive(t, rows["sale_lines"])

	res := h.Do("GET", "/sales?limit=500", "")
	require.Equal(t, 200, res.Status, "%s", res.Body)
	var page struct{ Data []map[string]any }
	res.Decode(t, &page)
	require.Len(t, page.Data, 120)

	other := h.WithCompany(sdktest.NewCompany())
	res = other.Do("GET", "/sales?limit=500", "")
	require.Equal(t, 200, res.Status, "%s", res.Body)
	var none struct{ Data []map[string]any }
	res.Decode(t, &none)
	require.Empty(t, none.Data, "another company sees none of the seeded sales")

	_, err = h.Seed(sdk.SeedRequest{Seed: 3, Transactions: 1, Days: 5, End: req.End})
	require.ErrorContains(t, err, "owner", "a seed names the company's owner")
}

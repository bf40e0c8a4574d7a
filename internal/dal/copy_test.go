package dal_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/internal/dal"
	"github.com/nexuspos/nexus/internal/migrate"
)

// copyRows loads data into table for actor's company in a bulk unit of
// work, committed when the copy succeeds.
func (f *fixture) copyRows(tb testing.TB, actor dal.Actor, table string, columns []string, data string) (int64, error) {
	tb.Helper()
	ctx := context.Background()
	u := dal.NewBulkTenantUnit(f.pool, actor.CompanyID, testSchema)
	var n int64
	err := u.Run(ctx, func(tx pgx.Tx) error {
		var err error
		n, err = dal.CopyRows(ctx, tx, f.cat, actor.CompanyID, table, columns, []byte(data))
		return err
	})
	if ferr := u.Finish(ctx, err == nil); ferr != nil && err == nil {
		return 0, ferr
	}
	return n, err
}

// TestCopyRows loads rows in bulk as a fenced vertical: into its own
// tables for the unit's company only, with its grants, row-level security
// and constraints, and state columns in their machine's states only.
func TestCopyRows(t *testing.T) {
	fx := newFixture(t)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := pgx.BeginFunc(ctx, fx.pool, func(tx pgx.Tx) error {
		return migrate.FenceVertical(ctx, tx, testSchema, []migrate.StateColumn{{Table: "orders", Column: "status", Initial: "draft"}})
	})
	require.NoError(t, err)
	fx.cat.SetRole(migrate.VerticalRole(testSchema))

	a, b := newActor(), newActor()
	n, err := fx.copyRows(t, a, "items", []string{"sku", "name", "price", "attrs", "seen_at"},
		"A-1\tTab\\there\t12.5\t{\"k\": 1}\t2026-03-01 10:00:00+00\n"+
			"A-2\t\\N\t0.0001\t{}\t\\N\n"+
			"A-3\tBack\\\\slash\t7\t{}\t2026-03-02 10:00:00-06:00\n")
	require.NoError(t, err)
	require.Equal(t, int64(3), n)
	rows := rowsOf(t, fx.must(t, a, listOp("items"))[0])
	require.Len(t, rows, 3)
	bySKU := map[string]map[string]any{}
	for _, r := range rows {
		bySKU[r["sku"].(string)] = r
	}
	require.Equal(t, "Tab\there", bySKU["A-1"]["name"])
	require.Nil(t, bySKU["A-2"]["name"])
	require.Equal(t, `Back\slash`, bySKU["A-3"]["name"])
	require.Equal(t, "12.5000", str(bySKU["A-1"]["price"]))
	require.Equal(t, a.CompanyID.String(), bySKU["A-1"]["company_id"], "the host sets the company")
	require.Empty(t, rowsOf(t, fx.must(t, b, listOp("items"))[0]), "another company sees none of them")

	t.Run("state columns take their machine's states", func(t *testing.T) {
		n, err := fx.copyRows(t, a, "orders", []string{"status", "total"}, "approved\t10.00\ncancelled\t0\n")
		require.NoError(t, err)
		require.Equal(t, int64(2), n)
		_, err = fx.copyRows(t, b, "orders", []string{"status", "total"}, "approved\t1\nshipped\t2\n")
		requireReason(t, err, dal.ReasonInvalidValue)
		require.Empty(t, rowsOf(t, fx.must(t, b, listOp("orders"))[0]), "a refused copy writes nothing")
	})

	for _, tc := range []struct {
		name, table string
		columns     []string
		data        string
		reason      string
	}{
		{"company_id is the host's", "items", []string{"company_id", "sku"}, b.CompanyID.String() + "\tX\n", dal.ReasonReadOnlyColumn},
		{"generated column", "items", []string{"sku", "sku_upper"}, "x\tX\n", dal.ReasonReadOnlyColumn},
		{"unknown column", "items", []string{"sku", "nope"}, "x\ty\n", dal.ReasonUnknownColumn},
		{"column twice", "items", []string{"sku", "sku"}, "x\ty\n", dal.ReasonInvalidArgument},
		{"no columns", "items", nil, "\n", dal.ReasonInvalidArgument},
		{"a table outside the catalog", "settings", []string{"key"}, "k\n", dal.ReasonUnknownTable},
		{"a host table", "public.companies", []string{"name"}, "x\n", dal.ReasonUnknownTable},
		{"a check constraint", "items", []string{"sku", "qty"}, "neg\t-1\n", dal.ReasonConstraint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := fx.copyRows(t, b, tc.table, tc.columns, tc.data)
			requireReason(t, err, tc.reason)
			require.Empty(t, rowsOf(t, fx.must(t, b, listOp("items"))[0]))
		})
	}

	t.Run("malformed data", func(t *testing.T) {
		_, err := fx.copyRows(t, b, "items", []string{"sku", "price"}, "only-one-column\n")
		require.Error(t, err)
		_, err = fx.copyRows(t, b, "items", []string{"sku", "price"}, "x\tnot-a-number\n")
		require.Error(t, err)
		require.Empty(t, rowsOf(t, fx.must(t, b, listOp("items"))[0]))
	})
}

package dal_test

import (
	"context"
	"testing"

	"github.com/google/uuid"

	"github.com/nexuspos/nexus/internal/dal"
	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

// BenchmarkExec measures one unit of work running one Exec of a 3-row
// insert, an update and a get (begin, tenant settings and commit
// included), against a raw-SQL baseline doing the same writes and read in
// one tenant transaction.
func BenchmarkExec(b *testing.B) {
	fx := newFixture(b)
	ctx := context.Background()
	a := newActor()
	// Both runs start on a table that holds rows and statistics, as in a
	// running system: prepared on an empty, never analyzed table, the
	// statements kept plans costed for it while it grew (the DAL's run went
	// from 1.2 ms to 4 ms a unit of work over 3 s).
	if _, err := fx.pool.Exec(ctx, `INSERT INTO testv.items (company_id, sku, price, qty)
		SELECT $1, 'seed-' || g, 1, 1 FROM generate_series(1, 20000) g`, a.CompanyID); err != nil {
		b.Fatal(err)
	}
	if _, err := fx.pool.Exec(ctx, `ANALYZE testv.items`); err != nil {
		b.Fatal(err)
	}

	b.Run("dal", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			id := uuid.NewString()
			ops := []*nexusv1.DBOp{
				{Kind: "insert", Table: "items", Rows: js([]map[string]any{
					{"id": id, "sku": "bd-" + uuid.NewString(), "price": "10.00", "qty": 1},
					{"sku": "bd-" + uuid.NewString(), "price": "2.50", "qty": 2},
					{"sku": "bd-" + uuid.NewString(), "price": "0.99", "qty": 3},
				})},
				{Kind: "update", Table: "items", Id: id, Rows: js(map[string]any{"qty": 5}), HasVersion: true, ExpectedVersion: 1},
				{Kind: "get", Table: "items", Id: id},
			}
			if _, err := fx.exec(b, a, ops...); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("raw_sql_baseline", func(b *testing.B) {
		b.ReportAllocs()
		begin := dal.TenantBegin(fx.pool, a.CompanyID, testSchema)
		for b.Loop() {
			id := uuid.New()
			tx, err := begin(ctx)
			if err != nil {
				b.Fatal(err)
			}
			err = func() error {
				for j, row := range []struct {
					price string
					qty   int
				}{{"10.00", 1}, {"2.50", 2}, {"0.99", 3}} {
					rowID := uuid.New()
					if j == 0 {
						rowID = id
					}
					if _, err := tx.Exec(ctx, `INSERT INTO items (company_id, id, sku, price, qty) VALUES ($1, $2, $3, $4, $5)`,
						a.CompanyID, rowID, "br-"+uuid.NewString(), row.price, row.qty); err != nil {
						return err
					}
				}
				if _, err := tx.Exec(ctx, `UPDATE items SET qty = 5, version = version + 1, updated_at = now()
					WHERE company_id = $1 AND id = $2 AND version = 1`, a.CompanyID, id); err != nil {
					return err
				}
				var out []byte
				return tx.QueryRow(ctx, `SELECT row_to_json(x)::text FROM (SELECT * FROM items WHERE company_id = $1 AND id = $2) x`,
					a.CompanyID, id).Scan(&out)
			}()
			if err != nil {
				_ = tx.Rollback(ctx)
				b.Fatal(err)
			}
			if err := tx.Commit(ctx); err != nil {
				b.Fatal(err)
			}
		}
	})
}

package cpg

import (
	"fmt"

	"github.com/nexuspos/nexus/sdk"
)

var _ sdk.Seeder = (*Vertical)(nil)

// seedFlushRows is how many buffered rows make the seed send them while it
// generates sales.
const seedFlushRows = 60000

// seedTables lists every table the seed loads with Context.CopyRows, in an
// order that satisfies the foreign keys, and the columns it writes
// (company_id is the host's to set).
var seedTables = []struct {
	name string
	cols []string
}{
	{"locations", []string{"id", "name", "name_key", "kind", "customer_id", "is_default", "created_at"}},
	{"customers", []string{"id", "name", "tax_id", "email", "location_id", "created_at"}},
	{"products", []string{"id", "name", "search_name", "tax_code", "attributes", "created_at", "updated_at"}},
	{"variants", []string{"id", "product_id", "sku", "barcode", "size", "color", "price", "cost",
		"reorder_point", "created_at", "updated_at"}},
	{"registers", []string{"id", "location_id", "name", "created_at"}},
	{"cash_sessions", []string{"id", "register_id", "location_id", "status", "opening_float",
		"opened_by", "opened_at", "closed_by", "closed_at", "updated_at"}},
	{"suppliers", []string{"id", "name", "tax_id", "email", "created_at"}},
	{"purchase_orders", []string{"id", "supplier_id", "location_id", "status", "currency", "note",
		"total_cost", "created_by", "created_at", "updated_at"}},
	{"purchase_order_lines", []string{"id", "purchase_order_id", "line_no", "variant_id", "quantity",
		"unit_cost", "received_quantity"}},
	{"purchase_receipts", []string{"id", "purchase_order_id", "location_id", "lines", "user_id", "occurred_at"}},
	{"consignments", []string{"id", "customer_id", "source_location_id", "location_id", "status",
		"currency", "note", "value_at_price", "value_at_cost", "created_by", "created_at", "sent_at", "updated_at"}},
	{"consignment_lines", []string{"id", "consignment_id", "line_no", "variant_id", "quantity",
		"unit_price", "unit_cost", "tax_code"}},
	{"sales", []string{"id", "session_id", "register_id", "location_id", "user_id", "cashier_email",
		"customer_id", "customer_name", "customer_tax_id", "status", "currency", "prices_include_tax", "subtotal",
		"discount", "net", "tax", "total", "paid", "change", "occurred_at", "updated_at"}},
	{"sale_lines", []string{"id", "sale_id", "line_no", "variant_id", "product_id", "sku",
		"description", "quantity", "list_price", "unit_price", "unit_cost", "tax_code", "tax_rate", "gross",
		"line_discount", "document_discount", "net", "tax", "total"}},
	{"payments", []string{"id", "session_id", "sale_id", "line_no", "method", "amount", "change",
		"reference", "occurred_at"}},
	{"stock_movements", []string{"id", "variant_id", "location_id", "kind", "quantity", "unit_cost",
		"ref_type", "ref_id", "user_id", "occurred_at"}},
	{"stock", []string{"id", "variant_id", "location_id", "on_hand", "updated_at"}},
	{"cash_session_counts", []string{"id", "session_id", "method", "expected", "counted", "difference"}},
}

// seedWriter buffers the seed's rows per table and sends them in the
// order of seedTables, so that the foreign keys hold at every step.
type seedWriter struct {
	order  []*sdk.Copier
	byName map[string]*sdk.Copier
}

func newSeedWriter(c *sdk.Context) *seedWriter {
	w := &seedWriter{byName: map[string]*sdk.Copier{}}
	for _, t := range seedTables {
		cp := c.CopyRows(t.name, t.cols...)
		w.order = append(w.order, cp)
		w.byName[t.name] = cp
	}
	return w
}

// add buffers one row of the named table; values follow seedTables'
// columns.
func (w *seedWriter) add(table string, values ...any) { w.byName[table].Add(values...) }

// flush sends every buffered row.
func (w *seedWriter) flush() error {
	for _, cp := range w.order {
		if err := cp.Flush(); err != nil {
			return err
		}
	}
	return nil
}

// pending returns how many rows are buffered.
func (w *seedWriter) pending() int {
	n := 0
	for _, cp := range w.order {
		n += cp.Pending()
	}
	return n
}

// Seed implements sdk.Seeder: it generates the company's locations,
// customers, suppliers, catalog with variants, registers and cash
// sessions, consignments, req.Transactions completed sales with their
// lines, payments and stock movements, the opening purchase orders that
// stocked them and the sessions' counts, keeping the vertical's
// invariants (Σ stock movements = on hand, totals = Σ lines, payments
// cover totals, closed cash sessions whose totals match their counts).
// The same request gives the same data.
func (*Vertical) Seed(c *sdk.Context, req sdk.SeedRequest) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	g, err := newSeedGen(e, req, newSeedWriter(c))
	if err != nil {
		return err
	}
	prov := c.DB().Batch()
	e.ensurePrincipal(prov)
	if err := prov.Run(); err != nil {
		return fmt.Errorf("seed: default location: %w", err)
	}
	g.catalog()
	g.consignments()
	if err := g.w.flush(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	for range req.Transactions {
		g.sale()
		if g.w.pending() >= seedFlushRows {
			if err := g.w.flush(); err != nil {
				return fmt.Errorf("seed: %w", err)
			}
		}
	}
	g.receipts()
	totals := g.closeSessions()
	if err := g.w.flush(); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	b := c.DB().Batch()
	for _, s := range totals {
		b.Update("cash_sessions", s.id, map[string]any{
			"expected_total": s.expected.String(), "counted_total": s.counted.String(),
			"difference_total": (s.counted - s.expected).String(),
		})
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("seed: close cash sessions: %w", err)
	}
	return nil
}

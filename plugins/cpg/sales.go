package cpg

import (
	"fmt"
	"net/http"
	"slices"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// Sale states and events.
const (
	SaleCompleted         = "completed"
	SaleVoided            = "voided"
	SalePartiallyReturned = "partially_returned"
	SaleReturned          = "returned"
	eventVoid             = "void"
	eventReturn           = "return"
	eventReturnAll        = "return_all"
)

// Topics of the events the vertical publishes.
const (
	TopicSaleCreated      = "cpg.sale.created"
	TopicSaleVoided       = "cpg.sale.voided"
	TopicSaleReturned     = "cpg.sale.returned"
	TopicConsignmentLarge = "cpg.consignment.large"
)

// saleRow is a row of sales.
type saleRow struct {
	ID               string        `json:"id"`
	SessionID        string        `json:"session_id"`
	RegisterID       string        `json:"register_id"`
	LocationID       string        `json:"location_id"`
	UserID           *string       `json:"user_id"`
	CashierEmail     *string       `json:"cashier_email"`
	CustomerID       *string       `json:"customer_id"`
	CustomerName     *string       `json:"customer_name"`
	CustomerTaxID    *string       `json:"customer_tax_id"`
	Status           string        `json:"status,omitempty"`
	Currency         string        `json:"currency"`
	PricesIncludeTax bool          `json:"prices_include_tax"`
	Subtotal         money.Amount  `json:"subtotal"`
	Discount         money.Amount  `json:"discount"`
	Net              money.Amount  `json:"net"`
	Tax              money.Amount  `json:"tax"`
	Total            money.Amount  `json:"total"`
	Paid             money.Amount  `json:"paid"`
	Change           money.Amount  `json:"change"`
	Refunded         money.Amount  `json:"refunded"`
	OccurredAt       sdk.Timestamp `json:"occurred_at"`
}

// saleLineRow is a row of sale_lines.
type saleLineRow struct {
	ID               string          `json:"id"`
	SaleID           string          `json:"sale_id"`
	LineNo           int             `json:"line_no"`
	VariantID        string          `json:"variant_id"`
	ProductID        string          `json:"product_id"`
	SKU              string          `json:"sku"`
	Description      string          `json:"description"`
	Quantity         decimal.Decimal `json:"quantity"`
	ListPrice        decimal.Decimal `json:"list_price"`
	UnitPrice        decimal.Decimal `json:"unit_price"`
	UnitCost         decimal.Decimal `json:"unit_cost"`
	TaxCode          string          `json:"tax_code"`
	TaxRate          decimal.Decimal `json:"tax_rate"`
	Gross            decimal.Decimal `json:"gross"`
	LineDiscount     decimal.Decimal `json:"line_discount"`
	DocumentDiscount decimal.Decimal `json:"document_discount"`
	Net              decimal.Decimal `json:"net"`
	Tax              decimal.Decimal `json:"tax"`
	Total            decimal.Decimal `json:"total"`
	ReturnedQuantity decimal.Decimal `json:"returned_quantity"`
	RefundedNet      decimal.Decimal `json:"refunded_net"`
	RefundedTax      decimal.Decimal `json:"refunded_tax"`
}

// paymentRow is a row of payments: a sale's tender, or a refund (negative
// amount, with return_id).
type paymentRow struct {
	ID         string          `json:"id"`
	SessionID  *string         `json:"session_id"`
	SaleID     string          `json:"sale_id"`
	ReturnID   *string         `json:"return_id"`
	LineNo     int             `json:"line_no"`
	Method     string          `json:"method"`
	Amount     decimal.Decimal `json:"amount"`
	Change     decimal.Decimal `json:"change"`
	Reference  *string         `json:"reference"`
	OccurredAt sdk.Timestamp   `json:"occurred_at"`
	// HostPaymentID is the host's payment of a tender charged through
	// Mercado Pago (mercadopago.go), and of the refunds sent back to it.
	HostPaymentID *string `json:"host_payment_id,omitempty"`
}

// taxView is one tax rate's base and amount on a document.
type taxView struct {
	Code   string `json:"code"`
	Rate   string `json:"rate"`
	Base   string `json:"base"`
	Amount string `json:"amount"`
	// CFDI and AFIP codes for invoicing.
	CFDITasaOCuota string `json:"cfdi_tasa_o_cuota,omitempty"`
	AFIPAlicIvaID  int    `json:"afip_alic_iva_id,omitempty"`
}

// lineView is a sale line as the API shows it.
type lineView struct {
	ID               string `json:"id"`
	LineNo           int    `json:"line_no"`
	VariantID        string `json:"variant_id"`
	SKU              string `json:"sku"`
	Description      string `json:"description"`
	Quantity         string `json:"quantity"`
	UnitPrice        string `json:"unit_price"`
	ListPrice        string `json:"list_price"`
	TaxCode          string `json:"tax_code"`
	TaxRate          string `json:"tax_rate"`
	Gross            string `json:"gross"`
	Discount         string `json:"discount"`
	Net              string `json:"net"`
	Tax              string `json:"tax"`
	Total            string `json:"total"`
	ReturnedQuantity string `json:"returned_quantity"`
}

// paymentView is a payment as the API shows it; its id is what a bank
// statement line is matched to.
type paymentView struct {
	ID        string  `json:"id"`
	Method    string  `json:"method"`
	Amount    string  `json:"amount"`
	Change    string  `json:"change"`
	Reference *string `json:"reference,omitempty"`
	ReturnID  *string `json:"return_id,omitempty"`
}

// saleView is a sale as the API shows it.
type saleView struct {
	saleRow
	Taxes    []taxView     `json:"taxes"`
	Lines    []lineView    `json:"lines"`
	Payments []paymentView `json:"payments"`
	Refunds  []paymentView `json:"refunds,omitempty"`
	Receipt  *receiptExtra `json:"receipt,omitempty"`
}

// receiptExtra is what a ticket printer needs beyond the sale itself.
type receiptExtra struct {
	Company      receiptCompany `json:"company"`
	LocationName string         `json:"location_name"`
	RegisterName string         `json:"register_name"`
	// Fiscal is the sale's fiscal document (CAE or UUID), when it has one.
	Fiscal *receiptFiscal `json:"fiscal,omitempty"`
}

// receiptCompany is the issuer printed on a ticket.
type receiptCompany struct {
	Name    string `json:"name"`
	TaxID   string `json:"tax_id"`
	Country string `json:"country"`
}

// taxedAmount is a line's tax rate code with its net and tax.
type taxedAmount struct {
	code     string
	net, tax decimal.Decimal
}

// taxViews sums amounts per tax rate, in code order, with each rate's
// percentage and invoicing codes.
func (e *env) taxViews(amounts []taxedAmount) []taxView {
	type sum struct{ base, amount decimal.Decimal }
	sums := map[string]*sum{}
	var codes []string
	for _, a := range amounts {
		t, ok := sums[a.code]
		if !ok {
			t = &sum{}
			sums[a.code] = t
			codes = append(codes, a.code)
		}
		t.base, t.amount = t.base.Add(a.net), t.amount.Add(a.tax)
	}
	slices.Sort(codes)
	out := make([]taxView, 0, len(codes))
	for _, code := range codes {
		tv := taxView{Code: code, Base: money.AmountOf(sums[code].base).String(), Amount: money.AmountOf(sums[code].amount).String()}
		if r, ok := e.rates[code]; ok {
			tv.Rate, tv.CFDITasaOCuota, tv.AFIPAlicIvaID = percent(r), r.CFDITasaOCuota, r.AFIPAlicIvaID
		}
		out = append(out, tv)
	}
	return out
}

// saleView builds the API view of a sale: the tax breakdown is summed from
// the stored, rounded lines per rate.
func (e *env) saleView(s saleRow, lines []saleLineRow, pays []paymentRow, extra *receiptExtra) saleView {
	v := saleView{saleRow: s, Lines: make([]lineView, len(lines)), Payments: []paymentView{}, Receipt: extra}
	amounts := make([]taxedAmount, len(lines))
	for i, l := range lines {
		v.Lines[i] = lineView{
			ID: l.ID, LineNo: l.LineNo, VariantID: l.VariantID, SKU: l.SKU, Description: l.Description,
			Quantity: fmtQty(l.Quantity), UnitPrice: fmtPrice(l.UnitPrice), ListPrice: fmtPrice(l.ListPrice),
			TaxCode: l.TaxCode, TaxRate: l.TaxRate.Shift(2).String(), Gross: money.AmountOf(l.Gross).String(),
			Discount: money.AmountOf(l.LineDiscount.Add(l.DocumentDiscount)).String(), Net: money.AmountOf(l.Net).String(), Tax: money.AmountOf(l.Tax).String(),
			Total: money.AmountOf(l.Total).String(), ReturnedQuantity: fmtQty(l.ReturnedQuantity),
		}
		amounts[i] = taxedAmount{code: l.TaxCode, net: l.Net, tax: l.Tax}
	}
	v.Taxes = e.taxViews(amounts)
	for _, p := range pays {
		pv := paymentView{ID: p.ID, Method: p.Method, Amount: money.AmountOf(p.Amount).String(), Change: money.AmountOf(p.Change).String(), Reference: p.Reference, ReturnID: p.ReturnID}
		if p.ReturnID != nil {
			pv.Amount = money.AmountOf(p.Amount.Neg()).String()
			v.Refunds = append(v.Refunds, pv)
			continue
		}
		v.Payments = append(v.Payments, pv)
	}
	return v
}

// loadSale queues the reads of a sale's lines and payments.
func loadSaleDetails(b *sdk.Batch, id string, lines *[]saleLineRow, pays *[]paymentRow) {
	b.List("sale_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", id)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, lines)
	b.List("payments", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", id)}, OrderBy: []sdk.Order{sdk.Asc("occurred_at"), sdk.Asc("line_no")}, Limit: 500}, pays)
}

// getSale handles GET /sales/{id}.
func getSale(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "sale")
	if err != nil {
		return err
	}
	var (
		s     saleRow
		lines []saleLineRow
		pays  []paymentRow
	)
	b := c.DB().Batch()
	b.Get("sales", id, &s)
	loadSaleDetails(b, id, &lines, &pays)
	if err := b.Run(); err != nil {
		return fmt.Errorf("get sale: %w", err)
	}
	return c.JSON(http.StatusOK, e.saleView(s, lines, pays, nil))
}

// saleHeader is a sale with its location's and register's names.
type saleHeader struct {
	saleRow
	LocationName string `json:"location_name"`
	RegisterName string `json:"register_name"`
}

// getReceipt handles GET /sales/{id}/receipt: everything a ticket printer
// needs (company, location, register, lines, taxes per rate, payments,
// change, totals, refunds) in one host call.
func getReceipt(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := c.PathUUID("id", "sale")
	if err != nil {
		return err
	}
	var (
		hs    []saleHeader
		lines []saleLineRow
		pays  []paymentRow
	)
	b := c.DB().Batch()
	b.Query(qSaleHeader, &hs, id)
	loadSaleDetails(b, id, &lines, &pays)
	if err := b.Run(); err != nil {
		return fmt.Errorf("receipt: %w", err)
	}
	if len(hs) == 0 {
		return notFound("sale", id)
	}
	extra := &receiptExtra{
		Company:      receiptCompany{Name: e.company.Name, TaxID: e.company.TaxID, Country: e.company.Country},
		LocationName: hs[0].LocationName, RegisterName: hs[0].RegisterName,
	}
	if extra.Fiscal, err = saleFiscal(c, id); err != nil {
		return err
	}
	return c.JSON(http.StatusOK, e.saleView(hs[0].saleRow, lines, pays, extra))
}

// listSales handles GET /sales (?session_id=, ?status=, ?from=&to= RFC 3339).
func listSales(c *sdk.Context) error {
	limit, err := c.Limit(50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	for _, name := range []string{"session_id", "location_id", "customer_id"} {
		id, err := c.QueryUUID(name)
		if err != nil {
			return err
		}
		if id != "" {
			where = append(where, sdk.Eq(name, id))
		}
	}
	if st := c.Query("status"); st != "" {
		where = append(where, sdk.Eq("status", st))
	}
	from, err := queryTime(c, "from")
	if err != nil {
		return err
	}
	to, err := queryTime(c, "to")
	if err != nil {
		return err
	}
	if from != nil {
		where = append(where, sdk.Gte("occurred_at", from))
	}
	if to != nil {
		where = append(where, sdk.Lt("occurred_at", to))
	}
	var rows []saleRow
	next, err := c.DB().List("sales", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Desc("occurred_at")}, Limit: limit, Cursor: c.Cursor()}, &rows)
	if err != nil {
		return fmt.Errorf("list sales: %w", err)
	}
	if rows == nil {
		rows = []saleRow{}
	}
	return c.JSON(http.StatusOK, sdk.NewPage(rows, next))
}

// lockedSale is a sale read under its row lock with its session's state.
type lockedSale struct {
	ID            string        `json:"id"`
	SessionID     string        `json:"session_id"`
	LocationID    string        `json:"location_id"`
	Status        string        `json:"status"`
	Total         money.Amount  `json:"total"`
	Refunded      money.Amount  `json:"refunded"`
	OccurredAt    sdk.Timestamp `json:"occurred_at"`
	SessionStatus string        `json:"session_status"`
}

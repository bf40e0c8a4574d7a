package cpg

import (
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/google/uuid"
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
	ID               string    `json:"id"`
	SessionID        string    `json:"session_id"`
	RegisterID       string    `json:"register_id"`
	LocationID       string    `json:"location_id"`
	UserID           *string   `json:"user_id"`
	CashierEmail     *string   `json:"cashier_email"`
	CustomerID       *string   `json:"customer_id"`
	CustomerName     *string   `json:"customer_name"`
	CustomerTaxID    *string   `json:"customer_tax_id"`
	Status           string    `json:"status,omitempty"`
	Currency         string    `json:"currency"`
	PricesIncludeTax bool      `json:"prices_include_tax"`
	Subtotal         Money     `json:"subtotal"`
	Discount         Money     `json:"discount"`
	Net              Money     `json:"net"`
	Tax              Money     `json:"tax"`
	Total            Money     `json:"total"`
	Paid             Money     `json:"paid"`
	Change           Money     `json:"change"`
	Refunded         Money     `json:"refunded"`
	OccurredAt       time.Time `json:"occurred_at"`
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
	OccurredAt time.Time       `json:"occurred_at"`
}

// discountInput is a line or ticket discount: a percent or an amount.
type discountInput struct {
	Percent *string `json:"percent"`
	Amount  *string `json:"amount"`
}

// parse validates the discount.
func (d *discountInput) parse(field string) (*money.Discount, error) {
	if d == nil {
		return nil, nil
	}
	switch {
	case d.Percent != nil && d.Amount != nil:
		return nil, invalidField(field, "must set percent or amount, not both")
	case d.Percent != nil:
		p, err := parseDecimal(field+".percent", *d.Percent, percentRule)
		return money.PercentOff(p), err
	case d.Amount != nil:
		a, err := parseDecimal(field+".amount", *d.Amount, amountRule)
		return money.AmountOff(a), err
	}
	return nil, invalidField(field, "must set percent or amount")
}

// saleLineInput is one line of a checkout.
type saleLineInput struct {
	VariantID string         `json:"variant_id"`
	Quantity  string         `json:"quantity"`
	UnitPrice *string        `json:"unit_price"`
	Discount  *discountInput `json:"discount"`
}

// paymentInput is one tender of a checkout or one refund of a return.
type paymentInput struct {
	Method    string `json:"method"`
	Amount    string `json:"amount"`
	Reference string `json:"reference"`
}

// customerRef is an anonymous customer named on the ticket.
type customerRef struct {
	Name  string `json:"name"`
	TaxID string `json:"tax_id"`
}

// saleInput is POST /sales.
type saleInput struct {
	SessionID  string          `json:"session_id"`
	CustomerID string          `json:"customer_id"`
	Customer   *customerRef    `json:"customer"`
	Lines      []saleLineInput `json:"lines"`
	Discount   *discountInput  `json:"discount"`
	Payments   []paymentInput  `json:"payments"`
}

// checkedLine is a validated checkout line before prices are known.
type checkedLine struct {
	variantID string
	quantity  decimal.Decimal
	price     *decimal.Decimal
	discount  *money.Discount
}

// checkTenders validates payments.
func checkTenders(field string, in []paymentInput, positive bool) ([]tender, error) {
	if len(in) == 0 || len(in) > 20 {
		return nil, invalidField(field, "must list 1 to 20 payments")
	}
	rule := amountRule
	if positive {
		rule = positiveAmountRule
	}
	out := make([]tender, len(in))
	for i, p := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !validMethod(p.Method) {
			return nil, invalidField(f+".method", "must be cash, card, transfer or mercadopago, got %q", p.Method)
		}
		amt, err := parseDecimal(f+".amount", p.Amount, rule)
		if err != nil {
			return nil, err
		}
		ref, err := optionalText(f+".reference", p.Reference, 200)
		if err != nil {
			return nil, err
		}
		out[i] = tender{Method: p.Method, Amount: amt, Reference: ref}
	}
	return out, nil
}

// checkSaleInput validates a checkout request without touching the
// database.
func (e *env) checkSaleInput(in saleInput) (string, []checkedLine, *money.Discount, []tender, error) {
	session, err := parseID("session_id", in.SessionID)
	if err != nil {
		return "", nil, nil, nil, err
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		return "", nil, nil, nil, invalidField("lines", "must list 1 to %d lines", maxLines)
	}
	lines := make([]checkedLine, len(in.Lines))
	for i, l := range in.Lines {
		f := fmt.Sprintf("lines[%d]", i)
		if lines[i].variantID, err = parseID(f+".variant_id", l.VariantID); err != nil {
			return "", nil, nil, nil, err
		}
		if lines[i].quantity, err = parseDecimal(f+".quantity", l.Quantity, quantityRule); err != nil {
			return "", nil, nil, nil, err
		}
		if l.UnitPrice != nil {
			p, err := parseDecimal(f+".unit_price", *l.UnitPrice, priceRule)
			if err != nil {
				return "", nil, nil, nil, err
			}
			lines[i].price = &p
		}
		if lines[i].discount, err = l.Discount.parse(f + ".discount"); err != nil {
			return "", nil, nil, nil, err
		}
	}
	discount, err := in.Discount.parse("discount")
	if err != nil {
		return "", nil, nil, nil, err
	}
	tenders, err := checkTenders("payments", in.Payments, true)
	if err != nil {
		return "", nil, nil, nil, err
	}
	return session, lines, discount, tenders, nil
}

// sessionState is what a checkout reads of its session.
type sessionState struct {
	ID         string `json:"id"`
	RegisterID string `json:"register_id"`
	LocationID string `json:"location_id"`
	Status     string `json:"status"`
}

// createSale handles POST /sales: the checkout. It takes three host calls:
// one batch reads the session (share-locked, so a close waits for it) and
// the variants; one batch of two statements takes the stock (conditional
// decrements, rows locked in variant order) and writes the sale, its lines,
// payments and movements (qSaleInsert); one publishes cpg.sale.created.
// Any failure answers >= 400, so the host rolls the whole unit of work back.
func createSale(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in saleInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	sessionID, lines, discount, tenders, err := e.checkSaleInput(in)
	if err != nil {
		return err
	}
	p := c.Principal()
	sale := saleRow{
		ID: uuid.NewString(), SessionID: sessionID, UserID: nullable(p.UserID), CashierEmail: nullable(p.Email),
		Currency: e.currency.Code, PricesIncludeTax: e.cfg.PricesIncludeTax, OccurredAt: now(),
	}
	customerID, err := optionalID("customer_id", in.CustomerID)
	if err != nil {
		return err
	}
	if in.Customer != nil {
		if customerID != "" {
			return invalidField("customer", "cannot be combined with customer_id")
		}
		if sale.CustomerName, err = optionalText("customer.name", in.Customer.Name, 200); err != nil {
			return err
		}
		if sale.CustomerTaxID, _, err = e.checkTaxID("customer.tax_id", in.Customer.TaxID); err != nil {
			return err
		}
	}

	var (
		sessions  []sessionState
		variants  map[string]variantInfo
		customers []customerRow
	)
	b := c.DB().Batch()
	b.Query(qSessionForSale, &sessions, sessionID)
	check := loadVariants(b, variantIDs(lines, func(l checkedLine) string { return l.variantID }), &variants)
	if customerID != "" {
		b.List("customers", sdk.Query{Where: []sdk.Filter{sdk.Eq("id", customerID)}, Limit: 1}, &customers)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	switch {
	case len(sessions) == 0:
		return unknownRef("session_id", sessionID)
	case sessions[0].Status != SessionOpen:
		return sdk.Conflict("session_closed", "cash session "+sessionID+" is closed: open a session to sell")
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	if customerID != "" {
		if len(customers) == 0 {
			return unknownRef("customer_id", customerID)
		}
		sale.CustomerID, sale.CustomerName, sale.CustomerTaxID = &customerID, &customers[0].Name, customers[0].TaxID
	}
	sale.RegisterID, sale.LocationID = sessions[0].RegisterID, sessions[0].LocationID

	priced := make([]pricedLine, len(lines))
	for i, l := range lines {
		v := variants[l.variantID]
		rate, err := e.rate(v.TaxCode)
		if err != nil {
			return err
		}
		priced[i] = pricedLine{Variant: v, Quantity: l.quantity, UnitPrice: v.Price, Discount: l.discount, Tax: rate}
		if l.price != nil && !l.price.Equal(v.Price) {
			if !atLeast(p.Role, sdk.RoleManager) {
				return errForbidden("price_override_forbidden", fmt.Sprintf("lines[%d].unit_price differs from the list price %s: only a manager may override prices",
					i, fmtPrice(v.Price))).WithDetails(map[string]any{"field": fmt.Sprintf("lines[%d].unit_price", i)})
			}
			priced[i].UnitPrice = *l.price
		}
	}
	calc, err := computeSale(e.currency, e.cfg.PricesIncludeTax, priced, discount, tenders)
	if err != nil {
		return err
	}
	sale.Subtotal, sale.Discount, sale.Net, sale.Tax, sale.Total = Money{calc.Subtotal}, Money{calc.Discount}, Money{calc.Net}, Money{calc.Tax}, Money{calc.Total}
	sale.Paid, sale.Change = Money{calc.Paid}, Money{calc.Change}

	lineRows := make([]saleLineRow, len(priced))
	led := newLedger(c, e, "sale", sale.ID, sale.OccurredAt)
	for i, l := range priced {
		r := calc.Lines[i]
		lineRows[i] = saleLineRow{
			ID: uuid.NewString(), SaleID: sale.ID, LineNo: i + 1, VariantID: l.Variant.ID, ProductID: l.Variant.ProductID,
			SKU: l.Variant.SKU, Description: l.Variant.description(), Quantity: l.Quantity, ListPrice: l.Variant.Price,
			UnitPrice: l.UnitPrice, UnitCost: l.Variant.Cost, TaxCode: l.Tax.Code, TaxRate: l.Tax.Rate,
			Gross: r.Gross, LineDiscount: r.LineDiscount, DocumentDiscount: r.DocumentDiscount, Net: r.Net, Tax: r.Tax, Total: r.Total,
		}
		led.add(KindSale, l.Variant.ID, sale.LocationID, l.Quantity.Neg(), l.Variant.Cost)
	}
	payRows := make([]paymentRow, len(calc.Tenders))
	for i, t := range calc.Tenders {
		payRows[i] = paymentRow{ID: uuid.NewString(), SessionID: &sale.SessionID, SaleID: sale.ID, LineNo: i + 1, Method: t.Method,
			Amount: t.Amount, Change: t.Change, Reference: t.Reference, OccurredAt: sale.OccurredAt}
	}

	b = c.DB().Batch()
	stockOK := led.queueStock(b)
	b.Query(qSaleInsert, nil, sale, lineRows, payRows, led.moves)
	if err := b.Run(); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if _, err := c.Events().Publish(TopicSaleCreated, map[string]string{
		"sale_id": sale.ID, "location_id": sale.LocationID, "total": fmtMoney(calc.Total),
		"currency": sale.Currency, "occurred_at": sale.OccurredAt.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	sale.Status = SaleCompleted
	return c.JSON(http.StatusCreated, e.saleView(sale, lineRows, payRows, nil))
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

// paymentView is a payment as the API shows it.
type paymentView struct {
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
}

// receiptCompany is the issuer printed on a ticket.
type receiptCompany struct {
	Name    string `json:"name"`
	TaxID   string `json:"tax_id"`
	Country string `json:"country"`
}

// saleView builds the API view of a sale: the tax breakdown is summed from
// the stored, rounded lines per rate.
func (e *env) saleView(s saleRow, lines []saleLineRow, pays []paymentRow, extra *receiptExtra) saleView {
	v := saleView{saleRow: s, Taxes: []taxView{}, Lines: make([]lineView, len(lines)), Payments: []paymentView{}, Receipt: extra}
	type sum struct{ base, amount decimal.Decimal }
	sums := map[string]*sum{}
	var codes []string
	for i, l := range lines {
		v.Lines[i] = lineView{
			ID: l.ID, LineNo: l.LineNo, VariantID: l.VariantID, SKU: l.SKU, Description: l.Description,
			Quantity: fmtQty(l.Quantity), UnitPrice: fmtPrice(l.UnitPrice), ListPrice: fmtPrice(l.ListPrice),
			TaxCode: l.TaxCode, TaxRate: l.TaxRate.Shift(2).String(), Gross: fmtMoney(l.Gross),
			Discount: fmtMoney(l.LineDiscount.Add(l.DocumentDiscount)), Net: fmtMoney(l.Net), Tax: fmtMoney(l.Tax),
			Total: fmtMoney(l.Total), ReturnedQuantity: fmtQty(l.ReturnedQuantity),
		}
		t, ok := sums[l.TaxCode]
		if !ok {
			t = &sum{}
			sums[l.TaxCode] = t
			codes = append(codes, l.TaxCode)
		}
		t.base, t.amount = t.base.Add(l.Net), t.amount.Add(l.Tax)
	}
	slices.Sort(codes)
	for _, code := range codes {
		tv := taxView{Code: code, Base: fmtMoney(sums[code].base), Amount: fmtMoney(sums[code].amount)}
		if r, ok := e.rates[code]; ok {
			tv.Rate, tv.CFDITasaOCuota, tv.AFIPAlicIvaID = percent(r), r.CFDITasaOCuota, r.AFIPAlicIvaID
		}
		v.Taxes = append(v.Taxes, tv)
	}
	for _, p := range pays {
		pv := paymentView{Method: p.Method, Amount: fmtMoney(p.Amount), Change: fmtMoney(p.Change), Reference: p.Reference, ReturnID: p.ReturnID}
		if p.ReturnID != nil {
			pv.Amount = fmtMoney(p.Amount.Neg())
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
	id, err := pathID(c, "id", "sale")
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
	id, err := pathID(c, "id", "sale")
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
	return c.JSON(http.StatusOK, e.saleView(hs[0].saleRow, lines, pays, extra))
}

// listSales handles GET /sales (?session_id=, ?status=, ?from=&to= RFC 3339).
func listSales(c *sdk.Context) error {
	limit, err := queryLimit(c, 50)
	if err != nil {
		return err
	}
	var where []sdk.Filter
	for _, name := range []string{"session_id", "location_id", "customer_id"} {
		id, err := queryID(c, name)
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
	next, err := c.DB().List("sales", sdk.Query{Where: where, OrderBy: []sdk.Order{sdk.Desc("occurred_at")}, Limit: limit, Cursor: c.Query("cursor")}, &rows)
	if err != nil {
		return fmt.Errorf("list sales: %w", err)
	}
	if rows == nil {
		rows = []saleRow{}
	}
	return c.JSON(http.StatusOK, page{Items: rows, NextCursor: next})
}

// lockedSale is a sale read under its row lock with its session's state.
type lockedSale struct {
	ID            string    `json:"id"`
	SessionID     string    `json:"session_id"`
	LocationID    string    `json:"location_id"`
	Status        string    `json:"status"`
	Total         Money     `json:"total"`
	Refunded      Money     `json:"refunded"`
	OccurredAt    time.Time `json:"occurred_at"`
	SessionStatus string    `json:"session_status"`
}

// voidInput is POST /sales/{id}/void.
type voidInput struct {
	Reason string `json:"reason"`
}

// voidSale handles POST /sales/{id}/void: a manager cancels a sale while
// its cash session is still open; its stock comes back and its payments
// leave the session's expected amounts.
func voidSale(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "sale")
	if err != nil {
		return err
	}
	var in voidInput
	if len(c.Body()) > 0 {
		if err := c.Bind(&in); err != nil {
			return err
		}
	}
	reason, err := optionalText("reason", in.Reason, 500)
	if err != nil {
		return err
	}
	var (
		sales []lockedSale
		lines []saleLineRow
	)
	b := c.DB().Batch()
	b.Query(qSaleForUpdate, &sales, id)
	b.List("sale_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", id)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, &lines)
	if err := b.Run(); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	if len(sales) == 0 {
		return notFound("sale", id)
	}
	s := sales[0]
	switch {
	case s.Status != SaleCompleted:
		return sdk.Conflict("invalid_transition", "sale "+id+" is "+s.Status+": only a completed sale can be voided")
	case s.SessionStatus != SessionOpen:
		return sdk.Conflict("session_closed", "the sale's cash session is closed: return the goods instead")
	}
	at := now()
	led := newLedger(c, e, "sale", id, at)
	led.reason = reason
	for _, l := range lines {
		led.add(KindVoid, l.VariantID, s.LocationID, l.Quantity, l.UnitCost)
	}
	note := ""
	if reason != nil {
		note = *reason
	}
	b = c.DB().Batch()
	b.Transition("sales", id, eventVoid, note, nil)
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if _, err := c.Events().Publish(TopicSaleVoided, map[string]string{
		"sale_id": id, "location_id": s.LocationID, "total": fmtMoney(s.Total.Decimal),
		"occurred_at": at.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("void: %w", err)
	}
	return c.JSON(http.StatusOK, map[string]any{"id": id, "status": SaleVoided, "total": s.Total, "voided_at": at})
}

// returnLineInput is one line of a return: a sale line (or the sale's only
// line of a variant) and the quantity coming back.
type returnLineInput struct {
	SaleLineID string `json:"sale_line_id"`
	VariantID  string `json:"variant_id"`
	Quantity   string `json:"quantity"`
}

// returnInput is POST /sales/{id}/returns. Without lines every unit not yet
// returned comes back; without refunds the whole amount is refunded in
// cash, which needs an open session_id.
type returnInput struct {
	SessionID  string            `json:"session_id"`
	LocationID string            `json:"location_id"`
	Reason     string            `json:"reason"`
	Lines      []returnLineInput `json:"lines"`
	Refunds    []paymentInput    `json:"refunds"`
}

// returnRow is a row of returns.
type returnRow struct {
	ID         string    `json:"id"`
	SaleID     string    `json:"sale_id"`
	SessionID  *string   `json:"session_id"`
	LocationID string    `json:"location_id"`
	Reason     *string   `json:"reason"`
	Net        Money     `json:"net"`
	Tax        Money     `json:"tax"`
	Total      Money     `json:"total"`
	UserID     *string   `json:"user_id"`
	OccurredAt time.Time `json:"occurred_at"`
}

// returnLineRow is a row of return_lines.
type returnLineRow struct {
	ID         string          `json:"id"`
	ReturnID   string          `json:"return_id"`
	SaleLineID string          `json:"sale_line_id"`
	VariantID  string          `json:"variant_id"`
	Quantity   decimal.Decimal `json:"quantity"`
	Net        Money           `json:"net"`
	Tax        Money           `json:"tax"`
	Total      Money           `json:"total"`
}

// returnedLine is a validated return line.
type returnedLine struct {
	line     saleLineRow
	quantity decimal.Decimal
}

// matchReturnLines resolves the return's lines against the sale's.
func matchReturnLines(in []returnLineInput, lines []saleLineRow) ([]returnedLine, error) {
	if len(in) == 0 {
		var out []returnedLine
		for _, l := range lines {
			if left := l.Quantity.Sub(l.ReturnedQuantity); left.IsPositive() {
				out = append(out, returnedLine{line: l, quantity: left})
			}
		}
		if len(out) == 0 {
			return nil, sdk.Conflict("nothing_to_return", "every unit of this sale was already returned")
		}
		return out, nil
	}
	if len(in) > maxLines {
		return nil, invalidField("lines", "must list at most %d lines", maxLines)
	}
	byLine := map[string]int{}
	var out []returnedLine
	for i, l := range in {
		f := fmt.Sprintf("lines[%d]", i)
		q, err := parseDecimal(f+".quantity", l.Quantity, quantityRule)
		if err != nil {
			return nil, err
		}
		idx := -1
		switch {
		case l.SaleLineID != "":
			id, err := parseID(f+".sale_line_id", l.SaleLineID)
			if err != nil {
				return nil, err
			}
			for j, sl := range lines {
				if sl.ID == id {
					idx = j
				}
			}
		case l.VariantID != "":
			id, err := parseID(f+".variant_id", l.VariantID)
			if err != nil {
				return nil, err
			}
			for j, sl := range lines {
				if sl.VariantID == id {
					if idx >= 0 {
						return nil, invalidField(f+".variant_id", "is on several lines of the sale: name the sale_line_id")
					}
					idx = j
				}
			}
		default:
			return nil, invalidField(f, "must name sale_line_id or variant_id")
		}
		if idx < 0 {
			return nil, invalidField(f, "is not a line of this sale")
		}
		if _, dup := byLine[lines[idx].ID]; dup {
			return nil, invalidField(f, "returns the same sale line twice")
		}
		byLine[lines[idx].ID] = i
		left := lines[idx].Quantity.Sub(lines[idx].ReturnedQuantity)
		if q.GreaterThan(left) {
			return nil, sdk.Unprocessable("return_exceeds_sale", fmt.Sprintf("%s.quantity %s is more than the %s not yet returned", f, fmtQty(q), fmtQty(left))).
				WithDetails(map[string]any{"field": f + ".quantity", "returnable": fmtQty(left)})
		}
		out = append(out, returnedLine{line: lines[idx], quantity: q})
	}
	return out, nil
}

// createReturn handles POST /sales/{id}/returns: a return document linked
// to the sale, restocking a chosen location (default the sale's), refunded
// by any method; cash refunds leave an open session's drawer.
func createReturn(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	id, err := pathID(c, "id", "sale")
	if err != nil {
		return err
	}
	var in returnInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	sessionID, err := optionalID("session_id", in.SessionID)
	if err != nil {
		return err
	}
	locationID, err := optionalID("location_id", in.LocationID)
	if err != nil {
		return err
	}
	reason, err := optionalText("reason", in.Reason, 500)
	if err != nil {
		return err
	}
	var refunds []tender
	if len(in.Refunds) > 0 {
		if refunds, err = checkTenders("refunds", in.Refunds, true); err != nil {
			return err
		}
	}
	var (
		sales    []lockedSale
		lines    []saleLineRow
		sessions []sessionState
		loc      locationRow
	)
	b := c.DB().Batch()
	b.Query(qSaleForUpdate, &sales, id)
	b.List("sale_lines", sdk.Query{Where: []sdk.Filter{sdk.Eq("sale_id", id)}, OrderBy: []sdk.Order{sdk.Asc("line_no")}, Limit: maxLines}, &lines)
	if sessionID != "" {
		b.Query(qSessionForSale, &sessions, sessionID)
	}
	if locationID != "" {
		b.Get("locations", locationID, &loc)
	}
	if err := b.Run(); err != nil {
		if isCode(err, "not_found") {
			return unknownRef("location_id", locationID)
		}
		return fmt.Errorf("return: %w", err)
	}
	if len(sales) == 0 {
		return notFound("sale", id)
	}
	s := sales[0]
	if s.Status != SaleCompleted && s.Status != SalePartiallyReturned {
		return sdk.Conflict("invalid_transition", "sale "+id+" is "+s.Status+": it cannot be returned")
	}
	if sessionID != "" {
		switch {
		case len(sessions) == 0:
			return unknownRef("session_id", sessionID)
		case sessions[0].Status != SessionOpen:
			return sdk.Conflict("session_closed", "cash session "+sessionID+" is closed")
		}
	}
	if locationID == "" {
		locationID = s.LocationID
	}
	returned, err := matchReturnLines(in.Lines, lines)
	if err != nil {
		return err
	}

	ret := returnRow{ID: uuid.NewString(), SaleID: id, SessionID: nullable(sessionID), LocationID: locationID, Reason: reason,
		UserID: nullable(c.Principal().UserID), OccurredAt: now()}
	led := newLedger(c, e, "return", ret.ID, ret.OccurredAt)
	led.reason = reason
	retLines := make([]returnLineRow, len(returned))
	b = c.DB().Batch()
	for i, r := range returned {
		share := lineRefund(r.line, r.quantity, e.currency)
		retLines[i] = returnLineRow{ID: uuid.NewString(), ReturnID: ret.ID, SaleLineID: r.line.ID, VariantID: r.line.VariantID,
			Quantity: r.quantity, Net: Money{share.Net}, Tax: Money{share.Tax}, Total: Money{share.Net.Add(share.Tax)}}
		ret.Net.Decimal, ret.Tax.Decimal = ret.Net.Add(share.Net), ret.Tax.Add(share.Tax)
		led.add(KindReturn, r.line.VariantID, locationID, r.quantity, r.line.UnitCost)
		b.Update("sale_lines", r.line.ID, map[string]any{
			"returned_quantity": r.line.ReturnedQuantity.Add(r.quantity),
			"refunded_net":      r.line.RefundedNet.Add(share.Net),
			"refunded_tax":      r.line.RefundedTax.Add(share.Tax),
		})
	}
	ret.Total.Decimal = ret.Net.Add(ret.Tax.Decimal)
	if refunds == nil {
		refunds = []tender{{Method: MethodCash, Amount: ret.Total.Decimal}}
	}
	paid := decimal.Zero
	for _, r := range refunds {
		paid = paid.Add(r.Amount)
		if r.Method == MethodCash && sessionID == "" {
			return sdk.Unprocessable("session_required", "a cash refund leaves a cash drawer: name the open session_id")
		}
	}
	if !paid.Equal(ret.Total.Decimal) {
		return sdk.Unprocessable("refund_mismatch", fmt.Sprintf("refunds add up to %s, the return is worth %s", fmtMoney(paid), fmtMoney(ret.Total.Decimal))).
			WithDetails(map[string]any{"refunds": fmtMoney(paid), "total": fmtMoney(ret.Total.Decimal)})
	}
	payRows := make([]paymentRow, len(refunds))
	for i, r := range refunds {
		payRows[i] = paymentRow{ID: uuid.NewString(), SessionID: nullable(sessionID), SaleID: id, ReturnID: &ret.ID, LineNo: i + 1,
			Method: r.Method, Amount: r.Amount.Neg(), Reference: r.Reference, OccurredAt: ret.OccurredAt}
	}
	event := eventReturnAll
	for _, l := range lines {
		back := decimal.Zero
		for _, r := range returned {
			if r.line.ID == l.ID {
				back = r.quantity
			}
		}
		if l.ReturnedQuantity.Add(back).LessThan(l.Quantity) {
			event = eventReturn
		}
	}
	note := ""
	if reason != nil {
		note = *reason
	}
	b.Transition("sales", id, event, note, nil)
	b.Update("sales", id, map[string]any{"refunded": s.Refunded.Add(ret.Total.Decimal)})
	b.Insert("returns", ret)
	b.Insert("return_lines", retLines)
	b.Insert("payments", payRows)
	stockOK := led.queue(b)
	if err := b.Run(); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if _, err := c.Events().Publish(TopicSaleReturned, map[string]string{
		"sale_id": id, "return_id": ret.ID, "location_id": locationID, "amount": fmtMoney(ret.Total.Decimal),
		"occurred_at": ret.OccurredAt.Format(time.RFC3339Nano),
	}); err != nil {
		return fmt.Errorf("return: %w", err)
	}
	status := SalePartiallyReturned
	if event == eventReturnAll {
		status = SaleReturned
	}
	refundViews := make([]paymentView, len(payRows))
	for i, p := range payRows {
		refundViews[i] = paymentView{Method: p.Method, Amount: fmtMoney(p.Amount.Neg()), Change: "0.00", Reference: p.Reference}
	}
	return c.JSON(http.StatusCreated, map[string]any{
		"id": ret.ID, "sale_id": id, "sale_status": status, "location_id": locationID, "session_id": ret.SessionID,
		"net": ret.Net, "tax": ret.Tax, "total": ret.Total, "lines": retLines, "refunds": refundViews,
		"movements": led.views(), "occurred_at": ret.OccurredAt,
	})
}

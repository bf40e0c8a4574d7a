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
	OccurredAt       Timestamp `json:"occurred_at"`
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
	OccurredAt Timestamp       `json:"occurred_at"`
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
			if !p.Role.AtLeast(sdk.RoleManager) {
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
		tv := taxView{Code: code, Base: fmtMoney(sums[code].base), Amount: fmtMoney(sums[code].amount)}
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
			TaxCode: l.TaxCode, TaxRate: l.TaxRate.Shift(2).String(), Gross: fmtMoney(l.Gross),
			Discount: fmtMoney(l.LineDiscount.Add(l.DocumentDiscount)), Net: fmtMoney(l.Net), Tax: fmtMoney(l.Tax),
			Total: fmtMoney(l.Total), ReturnedQuantity: fmtQty(l.ReturnedQuantity),
		}
		amounts[i] = taxedAmount{code: l.TaxCode, net: l.Net, tax: l.Tax}
	}
	v.Taxes = e.taxViews(amounts)
	for _, p := range pays {
		pv := paymentView{ID: p.ID, Method: p.Method, Amount: fmtMoney(p.Amount), Change: fmtMoney(p.Change), Reference: p.Reference, ReturnID: p.ReturnID}
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
	limit, err := c.Limit(50)
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
	ID            string    `json:"id"`
	SessionID     string    `json:"session_id"`
	LocationID    string    `json:"location_id"`
	Status        string    `json:"status"`
	Total         Money     `json:"total"`
	Refunded      Money     `json:"refunded"`
	OccurredAt    Timestamp `json:"occurred_at"`
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

package cpg

import (
	"fmt"
	"net/http"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

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
		return nil, sdk.InvalidField(field, "must set percent or amount, not both")
	case d.Percent != nil:
		p, err := money.PercentLimits.Parse(field+".percent", *d.Percent)
		return money.PercentOff(p), err
	case d.Amount != nil:
		a, err := money.AmountLimits.Parse(field+".amount", *d.Amount)
		return money.AmountOff(a), err
	}
	return nil, sdk.InvalidField(field, "must set percent or amount")
}

// saleLineInput is one line of a checkout.
type saleLineInput struct {
	VariantID string         `json:"variant_id"`
	Quantity  string         `json:"quantity"`
	UnitPrice *string        `json:"unit_price"`
	Discount  *discountInput `json:"discount"`
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

// checkoutRequest is a checkout's body, validated before any read.
type checkoutRequest struct {
	sessionID string
	lines     []checkedLine
	discount  *money.Discount
	tenders   []tender
	// customerID names a stored customer; customerName and customerTaxID
	// an anonymous one printed on the ticket.
	customerID                  string
	customerName, customerTaxID *string
}

// checkSaleInput validates a checkout request without touching the
// database.
func (e *env) checkSaleInput(in saleInput) (checkoutRequest, error) {
	var req checkoutRequest
	var err error
	if req.sessionID, err = sdk.UUID("session_id", in.SessionID); err != nil {
		return checkoutRequest{}, err
	}
	if len(in.Lines) == 0 || len(in.Lines) > maxLines {
		return checkoutRequest{}, sdk.InvalidField("lines", "must list 1 to %d lines", maxLines)
	}
	req.lines = make([]checkedLine, len(in.Lines))
	for i, l := range in.Lines {
		if req.lines[i], err = checkSaleLine(fmt.Sprintf("lines[%d]", i), l); err != nil {
			return checkoutRequest{}, err
		}
	}
	if req.discount, err = in.Discount.parse("discount"); err != nil {
		return checkoutRequest{}, err
	}
	if req.tenders, err = checkTenders("payments", in.Payments, true); err != nil {
		return checkoutRequest{}, err
	}
	if req.customerID, err = optionalID("customer_id", in.CustomerID); err != nil {
		return checkoutRequest{}, err
	}
	if in.Customer != nil {
		if req.customerID != "" {
			return checkoutRequest{}, sdk.InvalidField("customer", "cannot be combined with customer_id")
		}
		if req.customerName, err = sdk.OptionalText("customer.name", in.Customer.Name, 200); err != nil {
			return checkoutRequest{}, err
		}
		if req.customerTaxID, _, err = e.checkTaxID("customer.tax_id", in.Customer.TaxID); err != nil {
			return checkoutRequest{}, err
		}
	}
	return req, nil
}

// checkSaleLine validates line field of a checkout.
func checkSaleLine(field string, l saleLineInput) (checkedLine, error) {
	var out checkedLine
	var err error
	if out.variantID, err = sdk.UUID(field+".variant_id", l.VariantID); err != nil {
		return checkedLine{}, err
	}
	if out.quantity, err = money.QuantityLimits.Parse(field+".quantity", l.Quantity); err != nil {
		return checkedLine{}, err
	}
	if l.UnitPrice != nil {
		p, err := money.PriceLimits.Parse(field+".unit_price", *l.UnitPrice)
		if err != nil {
			return checkedLine{}, err
		}
		out.price = &p
	}
	if out.discount, err = l.Discount.parse(field + ".discount"); err != nil {
		return checkedLine{}, err
	}
	return out, nil
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
// A tender charged through Mercado Pago takes the path of chargeSale.
// What lies between the calls is computed without the database
// (checkout_calc.go).
func createSale(c *sdk.Context) error {
	e, err := newEnv(c)
	if err != nil {
		return err
	}
	var in saleInput
	if err := c.Bind(&in); err != nil {
		return err
	}
	req, err := e.checkSaleInput(in)
	if err != nil {
		return err
	}
	p := c.Principal()
	charged := chargedTender(req.tenders)
	saleID, payKey := uuid.NewString(), ""
	if charged >= 0 {
		saleID, payKey = chargedSaleID(c)
	}
	sale := saleRow{
		ID: saleID, SessionID: req.sessionID, UserID: nullable(p.UserID), CashierEmail: nullable(p.Email),
		CustomerName: req.customerName, CustomerTaxID: req.customerTaxID,
		Currency: e.currency.Code, PricesIncludeTax: e.cfg.PricesIncludeTax, OccurredAt: now(),
	}

	var (
		sessions  []sessionState
		variants  map[string]variantInfo
		customers []customerRow
	)
	b := c.DB().Batch()
	b.Query(qSessionForSale, &sessions, req.sessionID)
	check := loadVariants(b, variantIDs(req.lines, func(l checkedLine) string { return l.variantID }), &variants)
	if req.customerID != "" {
		b.List("customers", sdk.Query{Where: []sdk.Filter{sdk.Eq("id", req.customerID)}, Limit: 1}, &customers)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	if err := checkSession(req.sessionID, sessions); err != nil {
		return err
	}
	if err := check("lines.variant_id"); err != nil {
		return err
	}
	if err := placeSale(&sale, req, sessions[0], customers); err != nil {
		return err
	}
	priced, err := e.priceLines(req.lines, variants, p.Role)
	if err != nil {
		return err
	}
	calc, err := computeSale(e.currency, e.cfg.PricesIncludeTax, priced, req.discount, req.tenders)
	if err != nil {
		return err
	}
	lineRows, payRows := saleRows(&sale, priced, calc)
	led := newLedger(c, e, "sale", sale.ID, sale.OccurredAt)
	for _, l := range priced {
		led.add(KindSale, l.Variant.ID, sale.LocationID, l.Quantity.Neg(), l.Variant.Cost)
	}

	b = c.DB().Batch()
	stockOK := led.queueStock(b)
	b.Query(qSaleInsert, nil, sale, lineRows, payRows, led.moves)
	if charged >= 0 {
		// The sale waits for its payment; its stock is taken meanwhile.
		b.Transition("sales", sale.ID, eventAwaitPayment, "awaiting Mercado Pago", nil)
	}
	if err := b.Run(); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	if err := stockOK(); err != nil {
		return err
	}
	if err := auditOverrides(c, sale.ID, priced); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	if charged >= 0 {
		return chargeSale(c, e, &sale, payKey, lineRows, payRows, charged, req.tenders[charged])
	}
	if err := publishSaleCreated(c, sale); err != nil {
		return fmt.Errorf("checkout: %w", err)
	}
	sale.Status = SaleCompleted
	return c.JSON(http.StatusCreated, e.saleView(sale, lineRows, payRows, nil))
}

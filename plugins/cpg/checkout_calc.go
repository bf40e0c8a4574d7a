package cpg

import (
	"fmt"

	"github.com/google/uuid"
	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

// The checkout's calculations: pure functions of the request and of what
// the checkout read, tested without a database (checkout_calc_test.go).

// tenderResult is a tender with the change given back from it.
type tenderResult struct {
	tender
	Change decimal.Decimal
}

// settleTenders checks that tenders pay total and computes the change: only
// cash gives change, so the other methods may not add up to more than the
// total; the change is taken from the cash tenders, last first.
func settleTenders(total decimal.Decimal, tenders []tender) ([]tenderResult, decimal.Decimal, decimal.Decimal, error) {
	paid, nonCash := decimal.Zero, decimal.Zero
	for _, t := range tenders {
		paid = paid.Add(t.Amount)
		if t.Method != MethodCash {
			nonCash = nonCash.Add(t.Amount)
		}
	}
	if paid.LessThan(total) {
		return nil, decimal.Zero, decimal.Zero, sdk.Unprocessable("insufficient_payment",
			fmt.Sprintf("payments add up to %s, the total is %s", money.AmountOf(paid), money.AmountOf(total))).
			WithDetails(map[string]any{"paid": money.AmountOf(paid), "total": money.AmountOf(total)})
	}
	if nonCash.GreaterThan(total) {
		return nil, decimal.Zero, decimal.Zero, sdk.Unprocessable("overpayment",
			fmt.Sprintf("card, transfer and mercadopago payments add up to %s, more than the total %s: only cash gives change",
				money.AmountOf(nonCash), money.AmountOf(total))).
			WithDetails(map[string]any{"non_cash": money.AmountOf(nonCash), "total": money.AmountOf(total)})
	}
	change := paid.Sub(total)
	out := make([]tenderResult, len(tenders))
	left := change
	for i := len(tenders) - 1; i >= 0; i-- {
		out[i] = tenderResult{tender: tenders[i], Change: decimal.Zero}
		if tenders[i].Method == MethodCash && left.IsPositive() {
			give := decimal.Min(left, tenders[i].Amount)
			out[i].Change = give
			left = left.Sub(give)
		}
	}
	return out, paid, change, nil
}

// pricedLine is a checkout line with everything the calculator needs.
type pricedLine struct {
	Variant   variantInfo
	Quantity  decimal.Decimal
	UnitPrice decimal.Decimal
	Discount  *money.Discount
	Tax       money.TaxRate
}

// saleCalc is a calculated checkout.
type saleCalc struct {
	money.Result
	Tenders []tenderResult
	Paid    decimal.Decimal
	Change  decimal.Decimal
}

// computeSale runs the financial calculator over the lines and settles the
// tenders against its total.
func computeSale(cur money.Currency, includeTax bool, lines []pricedLine, discount *money.Discount, tenders []tender) (saleCalc, error) {
	doc := money.Document{Currency: cur, PricesIncludeTax: includeTax, Discount: discount, Lines: make([]money.Line, len(lines))}
	for i, l := range lines {
		doc.Lines[i] = money.Line{Quantity: l.Quantity, UnitPrice: l.UnitPrice, Discount: l.Discount, Tax: l.Tax}
	}
	res, err := money.Calculate(doc)
	if err != nil {
		return saleCalc{}, moneyError(err, "lines")
	}
	ts, paid, change, err := settleTenders(res.Total, tenders)
	if err != nil {
		return saleCalc{}, err
	}
	return saleCalc{Result: res, Tenders: ts, Paid: paid, Change: change}, nil
}

// checkSession checks the session a checkout read (sessions holds it, or
// nothing when sessionID does not exist): a sale needs an open one.
func checkSession(sessionID string, sessions []sessionState) error {
	switch {
	case len(sessions) == 0:
		return unknownRef("session_id", sessionID)
	case sessions[0].Status != SessionOpen:
		return sdk.Conflict("session_closed", "cash session "+sessionID+" is closed: open a session to sell")
	}
	return nil
}

// placeSale places the sale at its session's register and location and,
// when the request names a stored customer (customers holds it, or nothing
// when it does not exist), on that customer with its name and tax id.
func placeSale(sale *saleRow, req checkoutRequest, session sessionState, customers []customerRow) error {
	if req.customerID != "" {
		if len(customers) == 0 {
			return unknownRef("customer_id", req.customerID)
		}
		id := req.customerID
		sale.CustomerID, sale.CustomerName, sale.CustomerTaxID = &id, &customers[0].Name, customers[0].TaxID
	}
	sale.RegisterID, sale.LocationID = session.RegisterID, session.LocationID
	return nil
}

// priceLines prices checked lines from their variants: the list price and
// the product's tax rate, or the line's own unit price when it differs —
// a price override only a manager (role) may make.
func (e *env) priceLines(lines []checkedLine, variants map[string]variantInfo, role sdk.Role) ([]pricedLine, error) {
	priced := make([]pricedLine, len(lines))
	for i, l := range lines {
		v := variants[l.variantID]
		rate, err := e.rate(v.TaxCode)
		if err != nil {
			return nil, err
		}
		priced[i] = pricedLine{Variant: v, Quantity: l.quantity, UnitPrice: v.Price, Discount: l.discount, Tax: rate}
		if l.price != nil && !l.price.Equal(v.Price) {
			if !role.AtLeast(sdk.RoleManager) {
				return nil, errForbidden("price_override_forbidden", fmt.Sprintf("lines[%d].unit_price differs from the list price %s: only a manager may override prices",
					i, fmtPrice(v.Price))).WithDetails(map[string]any{"field": fmt.Sprintf("lines[%d].unit_price", i)})
			}
			priced[i].UnitPrice = *l.price
		}
	}
	return priced, nil
}

// saleRows sets sale's amounts from calc and builds the rows a checkout
// writes besides it: one sale line per priced line and one payment per
// tender, each with a new id.
func saleRows(sale *saleRow, priced []pricedLine, calc saleCalc) ([]saleLineRow, []paymentRow) {
	sale.Subtotal, sale.Discount, sale.Net, sale.Tax, sale.Total = money.AmountOf(calc.Subtotal), money.AmountOf(calc.Discount), money.AmountOf(calc.Net), money.AmountOf(calc.Tax), money.AmountOf(calc.Total)
	sale.Paid, sale.Change = money.AmountOf(calc.Paid), money.AmountOf(calc.Change)
	lineRows := make([]saleLineRow, len(priced))
	for i, l := range priced {
		r := calc.Lines[i]
		lineRows[i] = saleLineRow{
			ID: uuid.NewString(), SaleID: sale.ID, LineNo: i + 1, VariantID: l.Variant.ID, ProductID: l.Variant.ProductID,
			SKU: l.Variant.SKU, Description: l.Variant.description(), Quantity: l.Quantity, ListPrice: l.Variant.Price,
			UnitPrice: l.UnitPrice, UnitCost: l.Variant.Cost, TaxCode: l.Tax.Code, TaxRate: l.Tax.Rate,
			Gross: r.Gross, LineDiscount: r.LineDiscount, DocumentDiscount: r.DocumentDiscount, Net: r.Net, Tax: r.Tax, Total: r.Total,
		}
	}
	payRows := make([]paymentRow, len(calc.Tenders))
	for i, t := range calc.Tenders {
		payRows[i] = paymentRow{ID: uuid.NewString(), SessionID: &sale.SessionID, SaleID: sale.ID, LineNo: i + 1, Method: t.Method,
			Amount: t.Amount, Change: t.Change, Reference: t.Reference, OccurredAt: sale.OccurredAt}
	}
	return lineRows, payRows
}

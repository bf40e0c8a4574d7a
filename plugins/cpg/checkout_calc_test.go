package cpg

import (
	"net/http"
	"testing"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/money"
)

func TestComputeSale(t *testing.T) {
	t.Parallel()
	iva16, iva21, iva105 := rate(t, "MX", "iva16"), rate(t, "AR", "iva21"), rate(t, "AR", "iva10_5")
	line := func(q, price string, tax money.TaxRate, disc *money.Discount) pricedLine {
		return pricedLine{Quantity: d(q), UnitPrice: d(price), Tax: tax, Discount: disc}
	}
	tests := []struct {
		name       string
		cur        money.Currency
		inclusive  bool
		lines      []pricedLine
		discount   *money.Discount
		tenders    []tender
		total      string
		tax        string
		lineTotals []string
		lineTaxes  []string
		change     string
		changes    []string
		code       string
	}{
		{
			name: "shelf prices include IVA, a line discount, card and cash with change",
			cur:  money.MXN, inclusive: true,
			lines: []pricedLine{
				line("2", "25.00", iva16, nil),                                      // 50.00 = 43.10 + 6.90
				line("1", "99.90", iva16, money.PercentOff(decimal.NewFromInt(10))), // 89.91 = 77.51 + 12.40
			},
			tenders: []tender{{Method: MethodCard, Amount: d("100.00")}, {Method: MethodCash, Amount: d("50.00")}},
			total:   "139.91", tax: "19.30",
			lineTotals: []string{"50.00", "89.91"}, lineTaxes: []string{"6.90", "12.40"},
			change: "10.09", changes: []string{"0.00", "10.09"},
		},
		{
			name:    "prices without tax",
			cur:     money.MXN,
			lines:   []pricedLine{line("3", "10.00", iva16, nil)}, // 30.00 + 4.80
			tenders: []tender{{Method: MethodTransfer, Amount: d("34.80")}},
			total:   "34.80", tax: "4.80", lineTotals: []string{"34.80"}, lineTaxes: []string{"4.80"},
			change: "0.00", changes: []string{"0.00"},
		},
		{
			name: "ticket discount prorated across lines",
			cur:  money.MXN, inclusive: true,
			lines:    []pricedLine{line("1", "100.00", iva16, nil), line("1", "50.00", iva16, nil)},
			discount: money.PercentOff(decimal.NewFromInt(10)), // 15.00 split 10.00 / 5.00
			tenders:  []tender{{Method: MethodCash, Amount: d("200.00")}},
			// 90.00 = 77.59 + 12.41 ; 45.00 = 38.79 + 6.21
			total: "135.00", tax: "18.62", lineTotals: []string{"90.00", "45.00"}, lineTaxes: []string{"12.41", "6.21"},
			change: "65.00", changes: []string{"65.00"},
		},
		{
			name: "Argentine rates 21 % and 10.5 %",
			cur:  money.ARS, inclusive: true,
			lines:   []pricedLine{line("1", "121.00", iva21, nil), line("2", "55.25", iva105, nil)},
			tenders: []tender{{Method: MethodMercadoPago, Amount: d("231.50")}},
			total:   "231.50", tax: "31.50", lineTotals: []string{"121.00", "110.50"}, lineTaxes: []string{"21.00", "10.50"},
			change: "0.00", changes: []string{"0.00"},
		},
		{
			name: "not enough paid",
			cur:  money.MXN, inclusive: true,
			lines:   []pricedLine{line("1", "25.00", iva16, nil)},
			tenders: []tender{{Method: MethodCash, Amount: d("20.00")}},
			code:    "insufficient_payment",
		},
		{
			name: "card cannot give change",
			cur:  money.MXN, inclusive: true,
			lines:   []pricedLine{line("1", "25.00", iva16, nil)},
			tenders: []tender{{Method: MethodCard, Amount: d("30.00")}},
			code:    "overpayment",
		},
		{
			name: "discount above the line",
			cur:  money.MXN, inclusive: true,
			lines:   []pricedLine{line("1", "25.00", iva16, money.AmountOff(d("30.00")))},
			tenders: []tender{{Method: MethodCash, Amount: d("30.00")}},
			code:    "invalid_discount",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := computeSale(tt.cur, tt.inclusive, tt.lines, tt.discount, tt.tenders)
			if tt.code != "" {
				var e *sdk.Error
				require.ErrorAs(t, err, &e)
				require.Equal(t, tt.code, e.Code)
				require.Equal(t, http.StatusUnprocessableEntity, e.Status())
				return
			}
			require.NoError(t, err)
			require.Equal(t, tt.total, got.Total.StringFixed(2))
			require.Equal(t, tt.tax, got.Tax.StringFixed(2))
			require.True(t, got.Net.Add(got.Tax).Equal(got.Total))
			for i := range tt.lineTotals {
				require.Equal(t, tt.lineTotals[i], got.Lines[i].Total.StringFixed(2), "line %d total", i)
				require.Equal(t, tt.lineTaxes[i], got.Lines[i].Tax.StringFixed(2), "line %d tax", i)
			}
			require.Equal(t, tt.change, got.Change.StringFixed(2))
			for i, ch := range tt.changes {
				require.Equal(t, ch, got.Tenders[i].Change.StringFixed(2), "tender %d change", i)
			}
		})
	}
}

func TestSettleTendersSplitsChangeOverCash(t *testing.T) {
	t.Parallel()
	got, paid, change, err := settleTenders(d("90.00"), []tender{
		{Method: MethodCash, Amount: d("50.00")}, {Method: MethodCard, Amount: d("30.00")}, {Method: MethodCash, Amount: d("20.00")},
	})
	require.NoError(t, err)
	require.Equal(t, "100.00", paid.StringFixed(2))
	require.Equal(t, "10.00", change.StringFixed(2))
	require.Equal(t, []string{"0.00", "0.00", "10.00"}, []string{got[0].Change.StringFixed(2), got[1].Change.StringFixed(2), got[2].Change.StringFixed(2)})
}

func TestCheckSaleInput(t *testing.T) {
	t.Parallel()
	e := testEnv(t, "MX", true)
	e.company.Country = "MX"
	const (
		session = "4d0a3c59-8a7e-4f0e-9d8c-1b6a2f0e7c11"
		variant = "9b1f7e2a-3c4d-4e5f-8a6b-7c8d9e0f1a2b"
		cust    = "0f8e7d6c-5b4a-4392-8180-7f6e5d4c3b2a"
	)
	valid := func() saleInput {
		return saleInput{
			SessionID: session,
			Lines:     []saleLineInput{{VariantID: variant, Quantity: "2"}},
			Payments:  []paymentInput{{Method: MethodCash, Amount: "50.00"}},
		}
	}
	tests := []struct {
		name  string
		edit  func(*saleInput)
		field string // the field a 422 names; empty: valid
		code  string
		check func(*testing.T, checkoutRequest)
	}{
		{name: "minimal", edit: func(*saleInput) {}, check: func(t *testing.T, r checkoutRequest) {
			require.Equal(t, session, r.sessionID)
			require.Len(t, r.lines, 1)
			require.Equal(t, variant, r.lines[0].variantID)
			require.Equal(t, "2", r.lines[0].quantity.String())
			require.Nil(t, r.lines[0].price)
			require.Equal(t, []tender{{Method: MethodCash, Amount: d("50.00")}}, r.tenders)
			require.Empty(t, r.customerID)
			require.Nil(t, r.customerName)
		}},
		{name: "price, discounts and a named customer", edit: func(in *saleInput) {
			in.Lines[0].UnitPrice = ptr("19.90")
			in.Lines[0].Discount = &discountInput{Percent: ptr("10")}
			in.Discount = &discountInput{Amount: ptr("5.00")}
			in.Customer = &customerRef{Name: " Público ", TaxID: "xaxx010101000"}
		}, check: func(t *testing.T, r checkoutRequest) {
			require.Equal(t, "19.9", r.lines[0].price.String())
			require.NotNil(t, r.lines[0].discount)
			require.NotNil(t, r.discount)
			require.Equal(t, "Público", *r.customerName)
			require.Equal(t, "XAXX010101000", *r.customerTaxID)
		}},
		{name: "a stored customer", edit: func(in *saleInput) { in.CustomerID = cust }, check: func(t *testing.T, r checkoutRequest) {
			require.Equal(t, cust, r.customerID)
		}},
		{name: "no session", edit: func(in *saleInput) { in.SessionID = "" }, field: "session_id"},
		{name: "no lines", edit: func(in *saleInput) { in.Lines = nil }, field: "lines"},
		{name: "too many lines", edit: func(in *saleInput) {
			in.Lines = make([]saleLineInput, maxLines+1)
		}, field: "lines"},
		{name: "bad variant", edit: func(in *saleInput) { in.Lines[0].VariantID = "shirt" }, field: "lines[0].variant_id"},
		{name: "zero quantity", edit: func(in *saleInput) { in.Lines[0].Quantity = "0" }, field: "lines[0].quantity"},
		{name: "negative price", edit: func(in *saleInput) { in.Lines[0].UnitPrice = ptr("-1") }, field: "lines[0].unit_price"},
		{name: "discount both ways", edit: func(in *saleInput) {
			in.Lines[0].Discount = &discountInput{Percent: ptr("10"), Amount: ptr("1")}
		}, field: "lines[0].discount"},
		{name: "ticket discount empty", edit: func(in *saleInput) { in.Discount = &discountInput{} }, field: "discount"},
		{name: "no payments", edit: func(in *saleInput) { in.Payments = nil }, field: "payments"},
		{name: "unknown method", edit: func(in *saleInput) { in.Payments[0].Method = "cheque" }, field: "payments[0].method"},
		{name: "bad customer id", edit: func(in *saleInput) { in.CustomerID = "x" }, field: "customer_id"},
		{name: "customer and customer_id", edit: func(in *saleInput) {
			in.CustomerID = cust
			in.Customer = &customerRef{Name: "Ana"}
		}, field: "customer"},
		{name: "bad RFC", edit: func(in *saleInput) { in.Customer = &customerRef{TaxID: "NOPE"} }, code: "invalid_tax_id"},
		{name: "the first bad field wins", edit: func(in *saleInput) {
			in.Lines[0].Quantity = "x"
			in.Payments = nil
		}, field: "lines[0].quantity"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			in := valid()
			tt.edit(&in)
			got, err := e.checkSaleInput(in)
			switch {
			case tt.code != "":
				requireError(t, err, http.StatusUnprocessableEntity, tt.code, "")
			case tt.field != "":
				requireError(t, err, http.StatusUnprocessableEntity, "invalid_field", tt.field)
			default:
				require.NoError(t, err)
				tt.check(t, got)
			}
		})
	}
}

func TestCheckSessionAndPlaceSale(t *testing.T) {
	t.Parallel()
	const id = "4d0a3c59-8a7e-4f0e-9d8c-1b6a2f0e7c11"
	requireError(t, checkSession(id, nil), http.StatusUnprocessableEntity, "unknown_session", "session_id")
	requireError(t, checkSession(id, []sessionState{{ID: id, Status: SessionClosed}}), http.StatusConflict, "session_closed", "")
	open := sessionState{ID: id, RegisterID: "reg", LocationID: "loc", Status: SessionOpen}
	require.NoError(t, checkSession(id, []sessionState{open}))

	var sale saleRow
	require.NoError(t, placeSale(&sale, checkoutRequest{sessionID: id}, open, nil))
	require.Equal(t, "reg", sale.RegisterID)
	require.Equal(t, "loc", sale.LocationID)
	require.Nil(t, sale.CustomerID)

	req := checkoutRequest{sessionID: id, customerID: "cust"}
	requireError(t, placeSale(&saleRow{}, req, open, nil), http.StatusUnprocessableEntity, "unknown_customer", "customer_id")
	sale = saleRow{}
	require.NoError(t, placeSale(&sale, req, open, []customerRow{{ID: "cust", Name: "Tienda", TaxID: ptr("GODE561231GR8")}}))
	require.Equal(t, "cust", *sale.CustomerID)
	require.Equal(t, "Tienda", *sale.CustomerName)
	require.Equal(t, "GODE561231GR8", *sale.CustomerTaxID)
}

func TestPriceLines(t *testing.T) {
	t.Parallel()
	e := testEnv(t, "MX", true)
	shirt := variantInfo{variantRow: variantRow{ID: "v1", Price: d("25.00"), Cost: d("10")}, TaxCode: "iva16"}
	food := variantInfo{variantRow: variantRow{ID: "v2", Price: d("12.50")}, TaxCode: "iva0"}
	variants := map[string]variantInfo{"v1": shirt, "v2": food}
	line := func(id, q string, price *string) checkedLine {
		l := checkedLine{variantID: id, quantity: d(q)}
		if price != nil {
			p := d(*price)
			l.price = &p
		}
		return l
	}
	tests := []struct {
		name   string
		lines  []checkedLine
		role   sdk.Role
		prices []string
		rates  []string
		code   string
		field  string
	}{
		{name: "list prices and each product's rate", role: sdk.RoleCashier,
			lines:  []checkedLine{line("v1", "2", nil), line("v2", "1", nil)},
			prices: []string{"25", "12.5"}, rates: []string{"iva16", "iva0"}},
		{name: "the list price restated is no override", role: sdk.RoleCashier,
			lines: []checkedLine{line("v1", "1", ptr("25.000"))}, prices: []string{"25"}, rates: []string{"iva16"}},
		{name: "a manager overrides", role: sdk.RoleManager,
			lines: []checkedLine{line("v2", "1", nil), line("v1", "1", ptr("20.00"))}, prices: []string{"12.5", "20"}, rates: []string{"iva0", "iva16"}},
		{name: "a cashier may not override", role: sdk.RoleCashier,
			lines: []checkedLine{line("v2", "1", nil), line("v1", "1", ptr("20.00"))}, code: "price_override_forbidden", field: "lines[1].unit_price"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, err := e.priceLines(tt.lines, variants, tt.role)
			if tt.code != "" {
				requireError(t, err, http.StatusForbidden, tt.code, tt.field)
				return
			}
			require.NoError(t, err)
			require.Len(t, got, len(tt.prices))
			for i, p := range got {
				require.Equal(t, tt.prices[i], p.UnitPrice.String(), "line %d price", i)
				require.Equal(t, tt.rates[i], p.Tax.Code, "line %d rate", i)
				require.Equal(t, tt.lines[i].quantity, p.Quantity)
				require.Equal(t, tt.lines[i].variantID, p.Variant.ID)
			}
		})
	}
}

func TestSaleRows(t *testing.T) {
	t.Parallel()
	iva16 := rate(t, "MX", "iva16")
	size := "M"
	shirt := variantInfo{variantRow: variantRow{ID: "v1", ProductID: "p1", SKU: "TS-M", Size: &size, Price: d("25.00"), Cost: d("10.50")}, Name: "Camiseta", TaxCode: "iva16"}
	priced := []pricedLine{
		{Variant: shirt, Quantity: d("2"), UnitPrice: d("25.00"), Tax: iva16},
		{Variant: shirt, Quantity: d("1"), UnitPrice: d("20.00"), Tax: iva16, Discount: money.AmountOff(d("2.00"))},
	}
	tenders := []tender{{Method: MethodCard, Amount: d("40.00"), Reference: ptr("auth 1")}, {Method: MethodCash, Amount: d("50.00")}}
	calc, err := computeSale(money.MXN, true, priced, nil, tenders)
	require.NoError(t, err)
	sale := saleRow{ID: "s1", SessionID: "sess", OccurredAt: sdk.Timestamp{}}
	lines, pays := saleRows(&sale, priced, calc)

	// 50.00 + 18.00 = 68.00 tax included; 90.00 paid, 22.00 change from cash.
	require.Equal(t, "68.00", sale.Total.StringFixed(2))
	require.Equal(t, "70.00", sale.Subtotal.StringFixed(2))
	require.Equal(t, "2.00", sale.Discount.StringFixed(2))
	require.True(t, sale.Net.Add(sale.Tax.Decimal).Equal(sale.Total.Decimal))
	require.Equal(t, "90.00", sale.Paid.StringFixed(2))
	require.Equal(t, "22.00", sale.Change.StringFixed(2))

	require.Len(t, lines, 2)
	for i, l := range lines {
		require.NotEmpty(t, l.ID)
		require.Equal(t, i+1, l.LineNo)
		require.Equal(t, "s1", l.SaleID)
		require.Equal(t, "Camiseta M", l.Description)
		require.Equal(t, "v1", l.VariantID)
		require.Equal(t, "p1", l.ProductID)
		require.Equal(t, "25", l.ListPrice.String())
		require.Equal(t, "10.5", l.UnitCost.String())
		require.Equal(t, "iva16", l.TaxCode)
		require.True(t, l.Net.Add(l.Tax).Equal(l.Total))
	}
	require.NotEqual(t, lines[0].ID, lines[1].ID)
	require.Equal(t, "20", lines[1].UnitPrice.String())
	require.Equal(t, "2.00", lines[1].LineDiscount.StringFixed(2))
	require.Equal(t, "18.00", lines[1].Total.StringFixed(2))

	require.Len(t, pays, 2)
	require.Equal(t, "sess", *pays[0].SessionID)
	require.Equal(t, "auth 1", *pays[0].Reference)
	require.Equal(t, "0.00", pays[0].Change.StringFixed(2))
	require.Equal(t, "22.00", pays[1].Change.StringFixed(2))
	require.Equal(t, []int{1, 2}, []int{pays[0].LineNo, pays[1].LineNo})
}

package money_test

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/money"
)

// A Mexican ticket with three lines at 16 % IVA and a 10 % ticket discount,
// prorated across the lines so the shares sum exactly to the discount.
func ExampleCalculate() {
	iva16, err := money.LookupRate("MX", "iva16")
	if err != nil {
		panic(err)
	}
	res, err := money.Calculate(money.Document{
		Currency: money.MXN,
		Lines: []money.Line{
			{Quantity: decimal.NewFromInt(2), UnitPrice: decimal.RequireFromString("45.50"), Tax: iva16},
			{Quantity: decimal.NewFromInt(1), UnitPrice: decimal.RequireFromString("120.00"), Tax: iva16},
			{Quantity: decimal.NewFromInt(3), UnitPrice: decimal.RequireFromString("15.99"), Tax: iva16},
		},
		Discount: money.PercentOff(decimal.NewFromInt(10)),
	})
	if err != nil {
		panic(err)
	}
	for i, l := range res.Lines {
		fmt.Printf("line %d: importe %s descuento %s base %s iva %s\n", i+1,
			l.Gross.StringFixed(2), l.DocumentDiscount.StringFixed(2), l.Net.StringFixed(2), l.Tax.StringFixed(2))
	}
	fmt.Println("subtotal", res.Subtotal.StringFixed(2), "descuento", res.Discount.StringFixed(2), "total", res.Total.StringFixed(2))
	for _, t := range res.Taxes {
		fmt.Printf("traslado %s %s base %s importe %s\n", t.Rate.CFDITipoFactor(), t.Rate.CFDITasaOCuota,
			t.Base.StringFixed(2), t.Amount.StringFixed(2))
	}
	// Output:
	// line 1: importe 91.00 descuento 9.10 base 81.90 iva 13.10
	// line 2: importe 120.00 descuento 12.00 base 108.00 iva 17.28
	// line 3: importe 47.97 descuento 4.80 base 43.17 iva 6.91
	// subtotal 258.97 descuento 25.90 total 270.36
	// traslado Tasa 0.160000 base 233.07 importe 37.29
}

// Shelf prices that include IVA: the tax is backed out per line, so net
// plus tax is exactly what the customer pays.
func ExampleCalculate_pricesIncludeTax() {
	rates, err := money.RatesFor("AR")
	if err != nil {
		panic(err)
	}
	res, err := money.Calculate(money.Document{
		Currency:         money.ARS,
		PricesIncludeTax: true,
		Lines: []money.Line{
			{Quantity: decimal.NewFromInt(1), UnitPrice: decimal.RequireFromString("1210.00"), Tax: rates["iva21"]},
			{Quantity: decimal.NewFromInt(2), UnitPrice: decimal.RequireFromString("99.99"), Tax: rates["iva10_5"]},
		},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println("total", res.Total.StringFixed(2), "neto", res.Net.StringFixed(2), "iva", res.Tax.StringFixed(2))
	for _, t := range res.Taxes {
		fmt.Printf("AlicIva Id %d BaseImp %s Importe %s\n", t.Rate.AFIPAlicIvaID, t.Base.StringFixed(2), t.Amount.StringFixed(2))
	}
	// Output:
	// total 1409.98 neto 1180.98 iva 229.00
	// AlicIva Id 4 BaseImp 180.98 Importe 19.00
	// AlicIva Id 5 BaseImp 1000.00 Importe 210.00
}

// Splitting a bill three ways: the odd cent goes to the first payer.
func ExampleSplit() {
	parts, err := money.Split(decimal.NewFromInt(100), 3, money.MXN)
	if err != nil {
		panic(err)
	}
	fmt.Println(parts[0].StringFixed(2), parts[1].StringFixed(2), parts[2].StringFixed(2))
	// Output: 33.34 33.33 33.33
}

// Validation errors carry the line and field, for a 422 response.
func ExampleError() {
	_, err := money.Calculate(money.Document{
		Currency: money.MXN,
		Lines:    []money.Line{{Quantity: decimal.Zero, UnitPrice: decimal.NewFromInt(10), Tax: money.TaxRate{Code: "iva0"}}},
	})
	var me *money.Error
	if errors.As(err, &me) {
		fmt.Println(me.Line, me.Field, errors.Is(err, money.ErrInvalidQuantity))
	}
	fmt.Println(err)
	// Output:
	// 0 quantity true
	// line 0: quantity: invalid quantity: must be greater than zero
}

// An Amount renders the currency's decimals; read from JSON, it takes
// only plain decimal strings.
func ExampleAmount() {
	type charge struct {
		Total money.Amount `json:"total"`
	}
	b, _ := json.Marshal(charge{Total: money.AmountOf(decimal.NewFromInt(1160))})
	fmt.Println(string(b))

	var in charge
	fmt.Println(json.Unmarshal([]byte(`{"total":"99.5"}`), &in), in.Total)
	fmt.Println(json.Unmarshal([]byte(`{"total":"1e5"}`), &in) != nil)
	// Output:
	// {"total":"1160.00"}
	// <nil> 99.50
	// true
}

// Limits check what a request sends under the request's field name; an
// sdk handler answers the error as a 422 invalid_field.
func ExampleLimits_Parse() {
	fee, err := money.PositiveAmountLimits.Parse("monthly_fee", "1500.5")
	fmt.Println(fee, err)
	_, err = money.PositiveAmountLimits.Parse("monthly_fee", "0")
	fmt.Println(err)
	_, err = money.QuantityLimits.Parse("lines[2].quantity", "1.1234567")
	fmt.Println(err)
	// Output:
	// 1500.5 <nil>
	// monthly_fee: invalid number: must not be zero
	// lines[2].quantity: invalid number: must have at most 6 decimals
}

func ExampleLimits_Check() {
	err := money.AmountLimits.Check("discount", decimal.RequireFromString("-5"))
	fmt.Println(errors.Is(err, money.ErrInvalidNumber), err)
	// Output: true discount: invalid number: must not be negative
}

func ExampleAllocate() {
	parts, err := money.Allocate(decimal.NewFromInt(100), []decimal.Decimal{decimal.NewFromInt(1), decimal.NewFromInt(2)}, money.MXN)
	if err != nil {
		panic(err)
	}
	fmt.Println(parts[0].StringFixed(2), parts[1].StringFixed(2))
	// Output: 33.33 66.67
}

func ExampleChange() {
	change, err := money.Change(decimal.RequireFromString("87.40"), decimal.NewFromInt(100), money.MXN)
	fmt.Println(change.StringFixed(2), err)
	_, err = money.Change(decimal.NewFromInt(100), decimal.NewFromInt(50), money.MXN)
	fmt.Println(errors.Is(err, money.ErrInsufficientTender))
	// Output:
	// 12.60 <nil>
	// true
}

func ExampleCurrencyOf() {
	c, err := money.CurrencyOf(" ars ")
	fmt.Println(c.Code, c.MinorUnits, err)
	_, err = money.CurrencyOf("XYZ")
	fmt.Println(errors.Is(err, money.ErrUnknownCurrency))
	// Output:
	// ARS 2 <nil>
	// true
}

// Rounding is half away from zero to the currency's minor unit.
func ExampleRound() {
	fmt.Println(money.Round(decimal.RequireFromString("2.345"), money.MXN), money.Round(decimal.RequireFromString("-2.345"), money.MXN))
	// Output: 2.35 -2.35
}

func ExampleLookupRate() {
	r, err := money.LookupRate("AR", "iva21")
	if err != nil {
		panic(err)
	}
	fmt.Println(r.Code, r.Rate)
	// Output: iva21 0.21
}

func ExampleRatesFor() {
	rates, err := money.RatesFor("MX")
	if err != nil {
		panic(err)
	}
	fmt.Println(rates["iva16"].Rate, rates["iva0"].Rate)
	// Output: 0.16 0
}

func ExamplePercentOff() {
	iva0, err := money.LookupRate("MX", "iva0")
	if err != nil {
		panic(err)
	}
	res, err := money.Calculate(money.Document{Currency: money.MXN, Lines: []money.Line{
		{Quantity: decimal.NewFromInt(1), UnitPrice: decimal.NewFromInt(80), Tax: iva0, Discount: money.PercentOff(decimal.NewFromInt(25))},
		{Quantity: decimal.NewFromInt(1), UnitPrice: decimal.NewFromInt(20), Tax: iva0, Discount: money.AmountOff(decimal.NewFromInt(5))},
	}})
	if err != nil {
		panic(err)
	}
	fmt.Println(res.Total.StringFixed(2))
	// Output: 75.00
}

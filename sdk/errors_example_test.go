package sdk_test

import (
	"errors"
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/kind"
	"github.com/nexuspos/nexus/sdk/money"
)

// A handler returns an *Error to answer with the envelope; its kind gives
// the status.
func ExampleNewError() {
	err := sdk.NewError(kind.Conflict, "already_billed", "the period is billed").
		WithDetails(map[string]any{"period": "2026-12"})
	fmt.Println(err.Status(), err)
	fmt.Println(sdk.Unprocessable("overpayment", "more than owed").Status(), sdk.NotFound("not_found", "no such charge").Status())
	// Output:
	// 409 already_billed: the period is billed
	// 422 404
}

// The money and taxid packages' errors answer 422 naming the field.
func ExampleValidationError() {
	err := money.PositiveAmountLimits.Check("amount", decimal.Zero)
	e, ok := sdk.ValidationError(fmt.Errorf("payment: %w", err))
	fmt.Println(ok, e.Status(), e.Code, e.Details["field"], e.Details["reason"])
	_, ok = sdk.ValidationError(errors.New("disk full"))
	fmt.Println(ok)
	// Output:
	// true 422 invalid_field amount must not be zero
	// false
}

// A vertical's Configure refuses a company configuration with every
// problem at once.
func ExampleInvalidConfig() {
	err := sdk.InvalidConfig("tax_rate: unknown rate iva99", "billing_day: must be 1 to 28")
	var ce *sdk.ConfigError
	fmt.Println(errors.As(err, &ce), len(ce.Problems))
	// Output: true 2
}

package cpg

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/money"

	"github.com/nexuspos/nexus/sdk"
)

// Payment methods and the tenders a checkout takes or a return refunds.

// Payment methods.
const (
	MethodCash        = "cash"
	MethodCard        = "card"
	MethodTransfer    = "transfer"
	MethodMercadoPago = "mercadopago"
)

// validMethod reports whether m is a payment method.
func validMethod(m string) bool {
	switch m {
	case MethodCash, MethodCard, MethodTransfer, MethodMercadoPago:
		return true
	}
	return false
}

// tender is one payment handed over at checkout.
type tender struct {
	Method    string
	Amount    decimal.Decimal
	Reference *string
	// mp, on a mercadopago tender of a checkout, has the payment charged
	// through the host (mercadopago.go); without it the tender is recorded
	// as taken on a terminal of its own.
	mp *mpTenderInput
}

// paymentInput is one tender of a checkout or one refund of a return.
type paymentInput struct {
	Method    string         `json:"method"`
	Amount    string         `json:"amount"`
	Reference string         `json:"reference"`
	MP        *mpTenderInput `json:"mercadopago"`
}

// checkTenders validates payments.
func checkTenders(field string, in []paymentInput, positive bool) ([]tender, error) {
	if len(in) == 0 || len(in) > 20 {
		return nil, sdk.InvalidField(field, "must list 1 to 20 payments")
	}
	rule := money.AmountLimits
	if positive {
		rule = money.PositiveAmountLimits
	}
	out := make([]tender, len(in))
	for i, p := range in {
		f := fmt.Sprintf("%s[%d]", field, i)
		if !validMethod(p.Method) {
			return nil, sdk.InvalidField(f+".method", "must be cash, card, transfer or mercadopago, got %q", p.Method)
		}
		amt, err := rule.Parse(f+".amount", p.Amount)
		if err != nil {
			return nil, err
		}
		ref, err := sdk.OptionalText(f+".reference", p.Reference, 200)
		if err != nil {
			return nil, err
		}
		out[i] = tender{Method: p.Method, Amount: amt, Reference: ref, mp: p.MP}
		if p.MP != nil {
			if err := checkMPTender(f, p, out[:i]); err != nil {
				return nil, err
			}
		}
	}
	return out, nil
}

package cpg

import (
	"fmt"

	"github.com/shopspring/decimal"

	"github.com/nexuspos/nexus/sdk/money"

	"github.com/nexuspos/nexus/sdk"
)

// The cash session's close, computed without a database.

// methodCount is the expected, counted and difference of one payment method
// when a cash session closes.
type methodCount struct {
	Method     string          `json:"method"`
	Expected   decimal.Decimal `json:"expected"`
	Counted    decimal.Decimal `json:"counted"`
	Difference decimal.Decimal `json:"difference"`
}

// sessionClose is the server's computation of a session's close.
type sessionClose struct {
	Counts                        []methodCount
	Expected, Counted, Difference decimal.Decimal
	OverLimit                     bool
}

// computeClose compares what a session should hold per payment method (the
// opening float plus cash received, net of change and refunds, for cash;
// what was received for the others) with what was counted. A method not
// counted counts as zero. OverLimit is set when any method's difference
// exceeds limit in either direction.
func computeClose(openingFloat decimal.Decimal, received map[string]decimal.Decimal, counted map[string]decimal.Decimal, limit decimal.Decimal) sessionClose {
	expected := map[string]decimal.Decimal{MethodCash: openingFloat}
	for m, amt := range received {
		expected[m] = expected[m].Add(amt)
	}
	var out sessionClose
	for _, m := range []string{MethodCash, MethodCard, MethodTransfer, MethodMercadoPago} {
		exp, hasExp := expected[m]
		cnt, hasCnt := counted[m]
		if !hasExp && !hasCnt {
			continue
		}
		diff := cnt.Sub(exp)
		out.Counts = append(out.Counts, methodCount{Method: m, Expected: exp, Counted: cnt, Difference: diff})
		out.Expected = out.Expected.Add(exp)
		out.Counted = out.Counted.Add(cnt)
		out.Difference = out.Difference.Add(diff)
		if diff.Abs().GreaterThan(limit) {
			out.OverLimit = true
		}
	}
	return out
}

// checkCounts validates what was counted at a close: an amount per payment
// method, each method once. A method not listed counts as zero.
func checkCounts(in []countInput) (map[string]decimal.Decimal, error) {
	counted := map[string]decimal.Decimal{}
	for i, ci := range in {
		field := fmt.Sprintf("counted[%d]", i)
		if !validMethod(ci.Method) {
			return nil, sdk.InvalidField(field+".method", "must be cash, card, transfer or mercadopago, got %q", ci.Method)
		}
		if _, dup := counted[ci.Method]; dup {
			return nil, sdk.InvalidField(field+".method", "%s is counted twice", ci.Method)
		}
		amt, err := money.AmountLimits.Parse(field+".amount", ci.Amount)
		if err != nil {
			return nil, err
		}
		counted[ci.Method] = amt
	}
	return counted, nil
}

package cpg

import "github.com/shopspring/decimal"

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

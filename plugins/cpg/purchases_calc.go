package cpg

import "github.com/shopspring/decimal"

// The receipt's cost calculation, computed without a database.

// movingAverage is the unit cost after receiving quantity units at unitCost
// into onHand units valued at cost: (onHand × cost + quantity × unitCost) ÷
// (onHand + quantity), to six decimals. Stock at or below zero carries no
// value, so the receipt's cost becomes the new cost.
func movingAverage(onHand, cost, quantity, unitCost decimal.Decimal) decimal.Decimal {
	if !onHand.IsPositive() {
		return unitCost
	}
	value := onHand.Mul(cost).Add(quantity.Mul(unitCost))
	return value.DivRound(onHand.Add(quantity), 6)
}

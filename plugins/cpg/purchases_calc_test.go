package cpg

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestMovingAverage(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name                             string
		onHand, cost, quantity, unitCost string
		want                             string
	}{
		{"two receipts at different costs", "10", "12.00", "5", "15.00", "13"},   // (120 + 75) / 15
		{"uneven", "3", "10", "7", "11", "10.7"},                                 // (30 + 77) / 10
		{"four decimals", "3", "10", "1", "11.11", "10.2775"},                    // 41.11 / 4
		{"rounded to six decimals", "1", "1", "2", "2", "1.666667"},              // 5 / 3
		{"no stock takes the receipt's cost", "0", "12.00", "5", "15.00", "15"},  // nothing to average
		{"negative stock takes the receipt's cost", "-2", "12", "5", "15", "15"}, // oversold
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := movingAverage(d(tt.onHand), d(tt.cost), d(tt.quantity), d(tt.unitCost))
			require.True(t, d(tt.want).Equal(got), "got %s", got)
		})
	}
}

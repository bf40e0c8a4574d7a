package cpg_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/shopspring/decimal"
	"github.com/stretchr/testify/require"

	"github.com/nexuspos/nexus/plugins/cpg"
	"github.com/nexuspos/nexus/sdk"
	"github.com/nexuspos/nexus/sdk/sdktest"
)

// TestLargeConsignmentOnlyAtThreshold: sending a consignment publishes
// cpg.consignment.large (which queues a refresh of the platform's views)
// only when its value reaches the company's big_transaction_threshold.
func TestLargeConsignmentOnlyAtThreshold(t *testing.T) {
	t.Parallel()
	const config = `{"allow_negative_stock": true, "big_transaction_threshold": "%s"}`
	h := sdktest.New(t, cpg.New(), sdktest.WithDatabase())
	owner := sdk.SeedMember{UserID: h.Principal().UserID, Email: h.Principal().Email, Role: sdk.RoleOwner}
	_, err := h.Seed(sdk.SeedRequest{Seed: 11, Transactions: 30, Days: 3,
		End: time.Date(2026, 3, 15, 12, 0, 0, 0, time.UTC), Members: []sdk.SeedMember{owner}})
	require.NoError(t, err)

	res := h.Do("GET", "/consignments?status=draft", "")
	require.Equal(t, 200, res.Status, "%s", res.Body)
	var drafts struct {
		Data []struct {
			ID           string `json:"id"`
			ValueAtPrice string `json:"value_at_price"`
		}
	}
	res.Decode(t, &drafts)
	require.Len(t, drafts.Data, 3, "the seed leaves one draft per consignee")
	large := func() int {
		n := 0
		for _, ev := range h.Events() {
			if ev.Topic == cpg.TopicConsignmentLarge {
				n++
			}
		}
		return n
	}

	for i, tc := range []struct {
		name      string
		threshold func(value decimal.Decimal) decimal.Decimal
		published int
	}{
		{"under the threshold", func(v decimal.Decimal) decimal.Decimal { return v.Add(decimal.RequireFromString("0.01")) }, 0},
		{"at the threshold", func(v decimal.Decimal) decimal.Decimal { return v }, 1},
		{"over the threshold", func(v decimal.Decimal) decimal.Decimal { return v.Sub(decimal.NewFromInt(1)) }, 1},
	} {
		d := drafts.Data[i]
		value := decimal.RequireFromString(d.ValueAtPrice)
		before := large()
		cfg := h.WithConfig(fmt.Sprintf(config, tc.threshold(value).StringFixed(2)))
		res := cfg.Do("POST", "/consignments/"+d.ID+"/send", "")
		require.Equal(t, 200, res.Status, "%s: %s", tc.name, res.Body)
		require.Equal(t, tc.published, large()-before, "%s: a consignment worth %s", tc.name, value)
	}
}

package plugins

import (
	"testing"

	"github.com/stretchr/testify/require"
)

func TestRevenueEventProblem(t *testing.T) {
	t.Parallel()
	sources := map[string]bool{"x_pos": true}
	ok := RevenueEvent{Vertical: "x", Topic: "x.sale.created", Source: "x_pos", Type: "x_pos", Key: "sale_id"}
	for _, c := range []struct {
		name   string
		mutate func(*RevenueEvent)
		want   string
	}{
		{"valid", func(*RevenueEvent) {}, ""},
		{"another vertical's topic", func(e *RevenueEvent) { e.Topic = "y.sale.created" }, "namespace"},
		{"a prefix is not a namespace", func(e *RevenueEvent) { e.Topic = "xy.sale.created" }, "namespace"},
		{"unknown source", func(e *RevenueEvent) { e.Source = "y_pos" }, "not one of the vertical's universal sources"},
		{"no key", func(e *RevenueEvent) { e.Key = "" }, "no payload key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := ok
			c.mutate(&e)
			got := revenueEventProblem(e, sources)
			if c.want == "" {
				require.Empty(t, got)
				return
			}
			require.Contains(t, got, c.want)
		})
	}
}

package manifest

import (
	"testing"

	"github.com/stretchr/testify/require"

	nexusv1 "github.com/nexuspos/nexus/proto/nexus/v1"
)

func TestRevenueEvents(t *testing.T) {
	t.Parallel()
	valid := func() *nexusv1.RevenueEvent {
		return &nexusv1.RevenueEvent{Topic: "x.sale.created", Source: "x_pos", Key: "sale_id"}
	}
	for _, c := range []struct {
		name   string
		mutate func(*nexusv1.RevenueEvent)
		want   string
	}{
		{"valid", func(*nexusv1.RevenueEvent) {}, ""},
		{"another vertical's topic", func(e *nexusv1.RevenueEvent) { e.Topic = "y.sale.created" }, "namespace"},
		{"a prefix is not a namespace", func(e *nexusv1.RevenueEvent) { e.Topic = "xy.sale.created" }, "namespace"},
		{"unknown source", func(e *nexusv1.RevenueEvent) { e.Source = "y_pos" }, "not one of the vertical's universal sources"},
		{"no key", func(e *nexusv1.RevenueEvent) { e.Key = "" }, "no payload key"},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			e := valid()
			c.mutate(e)
			m := &nexusv1.Manifest{Name: "x", UniversalSources: []*nexusv1.UniversalSource{{Name: "x_pos", Sql: "SELECT 1"}},
				RevenueEvents: []*nexusv1.RevenueEvent{e}}
			ok, bad := RevenueEvents(m)
			if c.want == "" {
				require.Empty(t, bad)
				require.Equal(t, []RevenueEvent{{Topic: "x.sale.created", Source: "x_pos", Type: "x_pos", Key: "sale_id"}}, ok,
					"a blank type is the source's name")
				return
			}
			require.Empty(t, ok)
			require.Contains(t, bad[e.GetTopic()], c.want)
		})
	}
	m := &nexusv1.Manifest{Name: "x", UniversalSources: []*nexusv1.UniversalSource{{Name: "x_pos", Sql: "SELECT 1"}},
		RevenueEvents: []*nexusv1.RevenueEvent{valid(), valid()}}
	ok, bad := RevenueEvents(m)
	require.Len(t, ok, 1)
	require.Equal(t, map[string]string{"x.sale.created": "the topic is declared twice"}, bad)
}
